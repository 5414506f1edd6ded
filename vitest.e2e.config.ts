import { defineConfig } from 'vitest/config';
import { sourceResolve } from './vitest.shared.ts';

// End-to-end tests against a real kube-apiserver + etcd (`npm run test:e2e`). Files run one at a time: they share
// the machine's two cores with the control plane.
export default defineConfig({
  ...sourceResolve,
  test: {
    name: 'e2e',
    include: ['packages/*/test/e2e/**/*.e2e.test.ts', 'apps/*/test/e2e/**/*.e2e.test.ts'],
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 1_800_000,
    passWithNoTests: false,
  },
});
