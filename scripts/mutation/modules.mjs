/**
 * The modules where a one-character change is a protocol bug, per package, with the tests that
 * must kill their mutants. `mutate` entries may name a line range (`file:from-to`).
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
    mutate: [
      'src/registry.ts',
      'src/suspicion.ts',
      'src/suspicion-rule.ts',
      'src/awareness.ts',
      'src/dissemination.ts',
      'src/codec.ts',
      'src/keyring.ts',
      'src/replay-guard.ts',
    ],
    // The simulated-cluster and socket suites exercise every module at once and take seconds per
    // mutant; the unit, security and decoder fuzz suites must pin these modules on their own.
    tests: [
      'test/unit/**/*.test.ts',
      'test/security/**/*.test.ts',
      'test/fuzz/decode-datagram.test.ts',
    ],
  },
  {
    pkg: 'registry',
    mutate: ['src/strategies/*.ts', 'src/filter.ts'],
    // The model-based suite takes seconds per mutant; it guards the registry, not these modules.
    tests: ['test/strategies.test.ts', 'test/filter.test.ts', 'test/worker-registry.test.ts'],
  },
  {
    pkg: 'cluster-client',
    mutate: ['src/failover-policy.ts', 'src/retry-budget.ts', 'src/call-scope.ts'],
    tests: [
      'test/cluster-client.test.ts',
      'test/retry-budget.test.ts',
      'test/failover-policy.test.ts',
      'test/default-failover.test.ts',
    ],
  },
];
