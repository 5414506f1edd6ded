import { defineConfig } from 'vitest/config';

// The conformance runner's result parsing (go test -json -> verdicts, table, CI summary), part of `npm test`.
export default defineConfig({
  test: { name: 'conformance-harness', root: import.meta.dirname, include: ['*.test.ts'], environment: 'node' },
});
