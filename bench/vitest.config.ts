import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: '@rpcnet/bench',
    include: ['test/**/*.test.ts'],
  },
});
