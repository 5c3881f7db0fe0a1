import { defineConfig } from 'vitest/config';

// The tests a mutation run executes, in the package sandbox Stryker made (the working directory):
// the deterministic ones the run script names in RPCNET_MUTATION_TESTS; socket tests stay out.
export default defineConfig({
  test: {
    root: process.cwd(),
    include: JSON.parse(process.env.RPCNET_MUTATION_TESTS ?? '["test/**/*.test.ts"]') as string[],
  },
});
