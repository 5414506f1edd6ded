import { defineConfig } from 'vitest/config';

// Unit and in-memory integration tests of every package and app (`npm test`).
export default defineConfig({
  test: {
    projects: ['packages/*/vitest.config.ts', 'apps/*/vitest.config.ts', 'tools/conformance/vitest.config.ts', 'tools/helm/vitest.config.ts', 'tools/lint/vitest.config.ts', 'tools/ci/vitest.config.ts', 'tools/bench/controller-scale/vitest.config.ts'],
  },
});
