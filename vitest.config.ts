import { defineConfig } from 'vitest/config';

// One run over every package's unit tests, the cross-package tests in tests/ and the bench's
// report tests.
export default defineConfig({
  test: {
    projects: ['packages/*', 'test-utils', 'tests', 'bench'],
  },
});
