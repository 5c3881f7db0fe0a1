import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: '@rpcnet/batched-udp',
    include: ['test/**/*.test.ts'],
  },
});
