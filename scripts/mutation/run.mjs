// `pnpm mutation [package | package/src/module.ts ...]`: StrykerJS over the protocol-critical
// modules (modules.mjs), one module per run, incremental (reports/mutation/*.incremental.json),
// then the score of every module run. Fails when a module scores below the threshold. Slow: not
// part of `pnpm test`. RPCNET_MUTATION_CONCURRENCY sets Stryker's test runners (default 2).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { mutationRuns } from './modules.mjs';

/** killed / (killed + survived + no coverage), timeouts counted as killed. */
const THRESHOLD = 85;
const root = fileURLToPath(new URL('../../', import.meta.url));
const stryker = `${root}node_modules/@stryker-mutator/core/bin/stryker.js`;
const config = fileURLToPath(new URL('./stryker.config.mjs', import.meta.url));

const all = mutationRuns();
const wanted = process.argv.slice(2);
const matches = (run, name) => name === run.pkg || name === `${run.pkg}/${run.file}`;
const unknown = wanted.filter((name) => !all.some((run) => matches(run, name)));
if (unknown.length > 0) {
  console.error(`unknown package(s) or module(s): ${unknown.join(', ')}`);
  console.error(`modules: ${all.map((run) => `${run.pkg}/${run.file}`).join(', ')}`);
  process.exit(2);
}
const runs = all.filter((run) => wanted.length === 0 || wanted.some((name) => matches(run, name)));

const rows = [];
let failed = false;
for (const run of runs) {
  const started = Date.now();
  const result = spawnSync(process.execPath, [stryker, 'run', config], {
    cwd: `${root}packages/${run.pkg}`,
    stdio: 'inherit',
    env: { ...process.env, RPCNET_MUTATION_RUN: run.id },
  });
  if (result.status !== 0) {
    console.error(`stryker failed on ${run.pkg}/${run.file} (exit ${result.status})`);
    failed = true;
    continue;
  }
  const seconds = Math.round((Date.now() - started) / 1000);
  const report = JSON.parse(readFileSync(`${root}reports/mutation/${run.id}.json`, 'utf8'));
  for (const [file, { mutants }] of Object.entries(report.files)) {
    const count = (status) => mutants.filter((mutant) => mutant.status === status).length;
    const killed = count('Killed') + count('Timeout');
    const alive = count('Survived') + count('NoCoverage');
    const score = killed + alive === 0 ? 100 : (100 * killed) / (killed + alive);
    rows.push({ module: `${run.pkg}/${file}`, killed, survived: alive, score, seconds });
    if (score < THRESHOLD) failed = true;
  }
}

console.log(`\nmutation score per module (threshold ${THRESHOLD}%):`);
for (const row of rows) {
  const mark = row.score < THRESHOLD ? '  BELOW THRESHOLD' : '';
  console.log(
    `${row.module.padEnd(48)} ${row.score.toFixed(1).padStart(5)}%  killed ${row.killed}, survived ${row.survived}, ${row.seconds} s${mark}`,
  );
}
process.exit(failed ? 1 : 0);
