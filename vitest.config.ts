import { defineConfig } from 'vitest/config';

// One run over every package's unit tests and the cross-package tests in tests/.
export default defineConfig({
  test: {
    projects: ['packages/*', 'tests'],
  },
});
