import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'rpcnet',
    include: ['test/**/*.test.ts'],
  },
});
