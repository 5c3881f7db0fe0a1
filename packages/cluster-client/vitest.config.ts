import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: '@rpcnet/cluster-client',
    include: ['test/**/*.test.ts'],
  },
});
