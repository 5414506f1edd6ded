import { defineConfig } from 'vitest/config';

// Checks of the toolchain itself (the Node.js runtime the suites run on), part of `npm test`.
export default defineConfig({
  test: { name: 'toolchain', root: import.meta.dirname, include: ['*.test.ts'], environment: 'node' },
});
