// `pnpm mutation [package...]`: StrykerJS over the protocol-critical modules (modules.mjs), one
// package at a time, incremental (reports/mutation/*.incremental.json), then the score of every
// module. Fails when a module scores below the threshold. Slow: not part of `pnpm test`.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { mutationTargets } from './modules.mjs';

/** killed / (killed + survived + no coverage), timeouts counted as killed. */
const THRESHOLD = 85;
const root = fileURLToPath(new URL('../../', import.meta.url));
const stryker = `${root}node_modules/@stryker-mutator/core/bin/stryker.js`;
const config = fileURLToPath(new URL('./stryker.config.mjs', import.meta.url));

const wanted = process.argv.slice(2);
const unknown = wanted.filter((pkg) => !mutationTargets.some((target) => target.pkg === pkg));
if (unknown.length > 0) {
  console.error(`unknown package(s): ${unknown.join(', ')}`);
  process.exit(2);
}
const targets = mutationTargets.filter((t) => wanted.length === 0 || wanted.includes(t.pkg));

const rows = [];
let failed = false;
for (const target of targets) {
  const started = Date.now();
  const run = spawnSync(process.execPath, [stryker, 'run', config], {
    cwd: `${root}packages/${target.pkg}`,
    stdio: 'inherit',
    env: {
      ...process.env,
      RPCNET_MUTATION_PACKAGE: target.pkg,
      RPCNET_MUTATION_TESTS: JSON.stringify(target.tests),
    },
  });
  if (run.status !== 0) {
    console.error(`stryker failed in packages/${target.pkg} (exit ${run.status})`);
    failed = true;
    continue;
  }
  const seconds = Math.round((Date.now() - started) / 1000);
  const report = JSON.parse(readFileSync(`${root}reports/mutation/${target.pkg}.json`, 'utf8'));
  for (const [file, { mutants }] of Object.entries(report.files)) {
    const count = (status) => mutants.filter((mutant) => mutant.status === status).length;
    const killed = count('Killed') + count('Timeout');
    const alive = count('Survived') + count('NoCoverage');
    const score = killed + alive === 0 ? 100 : (100 * killed) / (killed + alive);
    rows.push({ module: `${target.pkg}/${file}`, killed, survived: alive, score, seconds });
    if (score < THRESHOLD) failed = true;
  }
}

console.log(`\nmutation score per module (threshold ${THRESHOLD}%):`);
for (const row of rows) {
  const mark = row.score < THRESHOLD ? '  BELOW THRESHOLD' : '';
  console.log(
    `${row.module.padEnd(48)} ${row.score.toFixed(1).padStart(5)}%  killed ${row.killed}, survived ${row.survived}${mark}`,
  );
}
process.exit(failed ? 1 : 0);
