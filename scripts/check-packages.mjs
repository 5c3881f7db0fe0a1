// Package hygiene: publint and "are the types wrong" over every published package,
// so that what we publish imports correctly for users. Expects `dist/` to be built.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const bin = (name) => join(root, 'node_modules', '.bin', name);
let failed = 0;
for (const dir of readdirSync(join(root, 'packages'))) {
  const pkgDir = join(root, 'packages', dir);
  const { name } = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
  const checks = [
    [bin('publint'), ['--strict', pkgDir]],
    [bin('attw'), ['--pack', pkgDir, '--profile', 'esm-only', '--format', 'table-flipped']],
  ];
  for (const [cmd, args] of checks) {
    try {
      execFileSync(cmd, args, { stdio: 'pipe', cwd: pkgDir });
    } catch (error) {
      failed += 1;
      console.error(`✗ ${name}: ${cmd.split('/').pop()} failed`);
      console.error(String(error.stdout ?? ''), String(error.stderr ?? ''));
    }
  }
  console.log(`${failed === 0 ? '✓' : '·'} ${name}`);
}
if (failed > 0) {
  console.error(`package hygiene: ${failed} check(s) failed`);
  process.exit(1);
}
console.log('package hygiene: publint and attw passed for every package');
