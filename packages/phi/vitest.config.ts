import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: '@rpcnet/phi',
    include: ['test/**/*.test.ts'],
  },
});
