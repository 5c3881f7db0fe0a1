import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: '@rpcnet/registry',
    include: ['test/**/*.test.ts'],
  },
});
