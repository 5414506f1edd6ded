import { defineConfig } from 'vitest/config';

// The benchmark's own helpers (metrics parsing, quantiles, /proc parsing, the workload), which every figure of the
// controller-scale section depends on: `npx vitest run --config tools/bench/controller-scale/vitest.config.ts`.
export default defineConfig({
  test: { name: 'controller-scale-bench', root: import.meta.dirname, include: ['*.test.ts'], environment: 'node' },
});
