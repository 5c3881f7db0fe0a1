import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: '@rpcnet/gossip',
    include: ['test/**/*.test.ts'],
  },
});
