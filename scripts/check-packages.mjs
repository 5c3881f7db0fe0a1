// Package hygiene: publint and "are the types wrong" over every published package, plus what a
// user of the tarball relies on: metadata that links back to the repository, README links that
// work on the registry page, source maps whose sources are in the tarball, bins that exist before
// the first build, and the supported platforms stated. Expects `dist/` to be built.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const bin = (name) => join(root, 'node_modules', '.bin', name);
const repository = 'https://github.com/rpcnet/rpcnet';
/** Packages that load the QUIC native addon, directly or through a dependency. */
const addonPackages = new Set(['@rpcnet/core', '@rpcnet/cluster-client', 'rpcnet']);

/** The paths (relative to the package) that `npm pack` would put in the tarball. */
function packedFiles(pkgDir) {
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: pkgDir,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Set(JSON.parse(out)[0].files.map((file) => file.path));
}

/** Problems with what the tarball of one package promises its users. */
function tarballProblems(dir, pkgDir, pkg) {
  const problems = [];
  const expectedUrl = `git+${repository}.git`;
  if (pkg.repository?.url !== expectedUrl || pkg.repository?.directory !== `packages/${dir}`) {
    problems.push(`repository must be { url: ${expectedUrl}, directory: packages/${dir} }`);
  }
  if (!pkg.homepage?.startsWith(`${repository}/`))
    problems.push(`homepage must be under ${repository}`);
  if (pkg.bugs?.url !== `${repository}/issues`)
    problems.push(`bugs.url must be ${repository}/issues`);

  const files = packedFiles(pkgDir);
  if (!files.has('README.md')) problems.push('README.md is not packed');
  for (const [name, target] of Object.entries(pkg.bin ?? {})) {
    const path = normalize(target);
    // pnpm links bins at install time, before anything is built: the file must be committed.
    if (path.startsWith('dist')) problems.push(`bin ${name} points into dist/ (${target})`);
    if (!existsSync(join(pkgDir, path))) problems.push(`bin ${name}: ${target} does not exist`);
    if (!files.has(path)) problems.push(`bin ${name}: ${target} is not packed`);
  }
  for (const file of files) {
    if (!file.endsWith('.map')) continue;
    const map = JSON.parse(readFileSync(join(pkgDir, file), 'utf8'));
    map.sources.forEach((source, index) => {
      if (map.sourcesContent?.[index] != null) return;
      const target = relative(pkgDir, join(pkgDir, dirname(file), source));
      if (!files.has(target)) problems.push(`${file}: source ${source} is not in the tarball`);
    });
  }

  const readme = readFileSync(join(pkgDir, 'README.md'), 'utf8');
  for (const [, target] of readme.matchAll(/\]\(([^)\s]+)\)/g)) {
    // The registry page shows the README without the repository around it.
    if (!/^(https?:|#)/.test(target)) problems.push(`README link ${target} is relative`);
  }
  if (!readme.includes(`npm install ${pkg.name}`)) problems.push('README has no install command');
  const statesPlatforms = addonPackages.has(pkg.name)
    ? /Linux x64 \(glibc\)/.test(readme) && /not supported/.test(readme)
    : /does not need the\s+QUIC native addon/.test(readme);
  if (!statesPlatforms) problems.push('README does not state the supported platforms');
  return problems;
}

let failed = 0;
for (const dir of readdirSync(join(root, 'packages'))) {
  const pkgDir = join(root, 'packages', dir);
  const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
  const checks = [
    [bin('publint'), ['--strict', pkgDir]],
    [bin('attw'), ['--pack', pkgDir, '--profile', 'esm-only', '--format', 'table-flipped']],
  ];
  let ok = true;
  for (const [cmd, args] of checks) {
    try {
      execFileSync(cmd, args, { stdio: 'pipe', cwd: pkgDir });
    } catch (error) {
      ok = false;
      console.error(`✗ ${pkg.name}: ${cmd.split('/').pop()} failed`);
      console.error(String(error.stdout ?? ''), String(error.stderr ?? ''));
    }
  }
  for (const problem of tarballProblems(dir, pkgDir, pkg)) {
    ok = false;
    console.error(`✗ ${pkg.name}: ${problem}`);
  }
  if (!ok) failed += 1;
  console.log(`${ok ? '✓' : '✗'} ${pkg.name}`);
}
if (failed > 0) {
  console.error(`package hygiene: ${failed} package(s) failed`);
  process.exit(1);
}
console.log('package hygiene: publint, attw and the tarball checks passed for every package');
