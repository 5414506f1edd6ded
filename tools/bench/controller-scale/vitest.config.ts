import { defineConfig } from 'vitest/config';
import { sourceResolve } from '../../../vitest.shared.ts';

// The benchmark's own helpers (metrics parsing, quantiles, /proc parsing, the workload, the ceiling replay), which every
// figure of the controller-scale section depends on; part of `npm test`. Workspace packages resolve to their sources.
export default defineConfig({
  ...sourceResolve,
  test: { name: 'controller-scale-bench', root: import.meta.dirname, include: ['*.test.ts'], environment: 'node' },
});
