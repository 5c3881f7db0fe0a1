import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: '@rpcnet/core',
    include: ['test/**/*.test.ts'],
  },
});
