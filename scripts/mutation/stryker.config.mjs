// StrykerJS options for one package; `run.mjs` starts Stryker in the package's folder with
// RPCNET_MUTATION_PACKAGE set. Not for direct use.
import { fileURLToPath } from 'node:url';
import { mutationTargets } from './modules.mjs';

const pkg = process.env.RPCNET_MUTATION_PACKAGE;
const target = mutationTargets.find((entry) => entry.pkg === pkg);
if (target === undefined) throw new Error(`no mutation target for package ${pkg}`);
const reports = fileURLToPath(new URL('../../reports/mutation/', import.meta.url));

export default {
  testRunner: 'vitest',
  // Resolved from here: the package folders do not have Stryker's plugins in their node_modules.
  plugins: [fileURLToPath(import.meta.resolve('@stryker-mutator/vitest-runner'))],
  vitest: { configFile: fileURLToPath(new URL('./vitest.config.ts', import.meta.url)) },
  mutate: target.mutate,
  coverageAnalysis: 'perTest',
  // Static mutants (module-level values) are activated after the module loaded when a test filter
  // applies (stryker-js #6144, 9.6.1 with vitest): they would all count as false survivors.
  ignoreStatic: true,
  concurrency: Number(process.env.RPCNET_MUTATION_CONCURRENCY ?? 2),
  incremental: true,
  incrementalFile: `${reports}${pkg}.incremental.json`,
  reporters: ['json', 'clear-text', 'progress'],
  jsonReporter: { fileName: `${reports}${pkg}.json` },
  clearTextReporter: { allowColor: false, logTests: false, reportScoreTable: true },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
  thresholds: { high: 90, low: 85, break: null },
};
