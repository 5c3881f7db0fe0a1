import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: '@rpcnet/base',
    include: ['test/**/*.test.ts'],
  },
});
