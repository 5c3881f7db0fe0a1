import { defineConfig } from 'vitest/config';

// The tests a mutation run executes, in the package sandbox Stryker made (the working directory):
// the deterministic ones the run script names in RPCNET_MUTATION_TESTS; socket tests stay out.
export default defineConfig({
  test: {
    root: process.cwd(),
    // Instrumented code on two busy cores: the randomized suites need more than the 5 s default.
    testTimeout: 30_000,
    include: JSON.parse(process.env.RPCNET_MUTATION_TESTS ?? '["test/**/*.test.ts"]') as string[],
  },
});
