import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: '@rpcnet/prometheus',
    include: ['test/**/*.test.ts'],
  },
});
