import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: '@rpcnet/opentelemetry',
    include: ['test/**/*.test.ts'],
  },
});
