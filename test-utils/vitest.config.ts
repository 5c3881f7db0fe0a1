import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: '@rpcnet/test-utils',
    include: ['test/**/*.test.ts'],
  },
});
