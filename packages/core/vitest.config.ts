import { fileURLToPath } from 'node:url';
import { defineProject } from 'vitest/config';

export default defineProject({
  // The shared transport conformance suite imports `@rpcnet/core`: core's own tests run it
  // against this source, not against a build.
  resolve: {
    alias: [
      {
        find: /^@rpcnet\/core$/,
        replacement: fileURLToPath(new URL('src/index.ts', import.meta.url)),
      },
    ],
  },
  test: {
    name: '@rpcnet/core',
    include: ['test/**/*.test.ts'],
  },
});
