import { defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

// The benchmark's own helpers (metrics parsing, quantiles, /proc parsing, the workload, the ceiling replay), which every
// figure of the controller-scale section depends on; part of `npm test`. Workspace packages resolve to their sources
// (the root vitest.shared.ts does the same; this file is type-checked with tools/, which cannot import a .ts path).
const conditions = ['@kube-vip-gw/source', ...defaultServerConditions];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ['@kube-vip-gw/source'] } },
  test: { name: 'controller-scale-bench', root: import.meta.dirname, include: ['*.test.ts'], environment: 'node' },
});
