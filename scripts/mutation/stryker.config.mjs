// StrykerJS options for one module run; `run.mjs` starts Stryker in the package's folder with
// RPCNET_MUTATION_RUN set. Not for direct use.
import { fileURLToPath } from 'node:url';
import { mutationRuns } from './modules.mjs';

const id = process.env.RPCNET_MUTATION_RUN;
const run = mutationRuns().find((entry) => entry.id === id);
if (run === undefined) throw new Error(`no mutation run ${id}`);
// Read by vitest.config.ts in Stryker's sandbox.
process.env.RPCNET_MUTATION_TESTS = JSON.stringify(run.tests);
const reports = fileURLToPath(new URL('../../reports/mutation/', import.meta.url));

export default {
  testRunner: 'vitest',
  // Resolved from here: the package folders do not have Stryker's plugins in their node_modules.
  plugins: [fileURLToPath(import.meta.resolve('@stryker-mutator/vitest-runner'))],
  vitest: { configFile: fileURLToPath(new URL('./vitest.config.ts', import.meta.url)) },
  mutate: [run.file],
  coverageAnalysis: 'perTest',
  // Static mutants (module-level values) are activated after the module loaded when a test filter
  // applies (stryker-js #6144, 9.6.1 with vitest): they would all count as false survivors.
  ignoreStatic: true,
  concurrency: Number(process.env.RPCNET_MUTATION_CONCURRENCY ?? 2),
  incremental: true,
  incrementalFile: `${reports}${id}.incremental.json`,
  reporters: ['json', 'clear-text', 'progress'],
  jsonReporter: { fileName: `${reports}${id}.json` },
  clearTextReporter: { allowColor: false, logTests: false, reportScoreTable: true },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
  thresholds: { high: 90, low: 85, break: null },
};
