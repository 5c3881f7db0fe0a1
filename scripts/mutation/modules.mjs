/**
 * The modules where a one-character change is a protocol bug, per package, with the tests that
 * must kill their mutants. Each module is mutated in a run of its own (its own incremental file and
 * report); an entry `{ file, tests }` narrows that run to the tests that pin the module, which keeps
 * the slow suites out of runs that do not need them.
 */
export const mutationTargets = [
  {
    pkg: 'phi',
    mutate: ['src/models.ts', 'src/detector.ts'],
    tests: ['test/**/*.test.ts'],
  },
  {
    pkg: 'base',
    mutate: ['src/deadline.ts'],
    tests: ['test/deadline.test.ts'],
  },
  {
    pkg: 'core',
    mutate: ['src/wire/frame-decoder.ts', 'src/wire/envelopes.ts'],
    tests: [
      'test/frame-decoder.test.ts',
      'test/envelopes.test.ts',
      'test/call-options-check.test.ts',
    ],
  },
  {
    pkg: 'gossip',
    // Each module with the unit or security suite that pins it: the simulated-cluster and socket
    // suites exercise every module at once and take seconds per mutant.
    mutate: [
      { file: 'src/member-table.ts', tests: ['test/unit/member-table.test.ts'] },
      { file: 'src/suspicion.ts', tests: ['test/unit/suspicion.test.ts'] },
      {
        file: 'src/suspicion-rule.ts',
        tests: ['test/unit/suspicion-rule.test.ts', 'test/unit/suspicion.test.ts'],
      },
      { file: 'src/awareness.ts', tests: ['test/unit/suspicion.test.ts'] },
      { file: 'src/dissemination.ts', tests: ['test/unit/dissemination.test.ts'] },
      {
        file: 'src/codec.ts',
        tests: ['test/unit/codec.test.ts', 'test/fuzz/decode-datagram.test.ts'],
      },
      {
        file: 'src/keyring.ts',
        tests: ['test/security/keyring.test.ts', 'test/security/secure-transport.test.ts'],
      },
      { file: 'src/replay-guard.ts', tests: ['test/security/replay-guard.test.ts'] },
    ],
    tests: [
      'test/unit/**/*.test.ts',
      'test/security/**/*.test.ts',
      'test/fuzz/decode-datagram.test.ts',
    ],
  },
  {
    pkg: 'registry',
    mutate: [
      'src/strategies/least-connections.ts',
      'src/strategies/least-latency.ts',
      'src/strategies/power-of-two-choices.ts',
      'src/strategies/random.ts',
      'src/strategies/round-robin.ts',
      'src/strategies/weighted.ts',
      'src/filter.ts',
    ],
    // The model-based suite takes seconds per mutant; it guards the registry, not these modules.
    tests: [
      'test/strategies.test.ts',
      'test/strategy-picks.test.ts',
      'test/filter.test.ts',
      'test/worker-registry.test.ts',
    ],
  },
  {
    pkg: 'cluster-client',
    mutate: [
      'src/failover-policy.ts',
      'src/retry-budget.ts',
      // Every client call makes a scope, so the client suite covers each of its mutants at
      // seconds per test; the unit suite pins the scope's rules on its own.
      { file: 'src/call-scope.ts', tests: ['test/call-scope.test.ts'] },
    ],
    tests: [
      'test/cluster-client.test.ts',
      'test/retry-budget.test.ts',
      'test/failover-policy.test.ts',
      'test/default-failover.test.ts',
    ],
  },
];

/** Every module run: `{ pkg, file, tests, id }`, `id` naming its report and incremental file. */
export function mutationRuns() {
  return mutationTargets.flatMap((target) =>
    target.mutate.map((entry) => {
      const file = typeof entry === 'string' ? entry : entry.file;
      const tests = typeof entry === 'string' ? target.tests : entry.tests;
      const id = `${target.pkg}--${file.replace(/^src\//, '').replace(/[^A-Za-z0-9.-]+/g, '-')}`;
      return { pkg: target.pkg, file, tests, id };
    }),
  );
}
