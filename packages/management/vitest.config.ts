import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: '@rpcnet/management',
    include: ['test/**/*.test.ts'],
  },
});
