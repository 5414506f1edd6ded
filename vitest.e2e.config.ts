import { defineConfig } from 'vitest/config';
import { sourceResolve } from './vitest.shared.ts';

// End-to-end tests against a real kube-apiserver + etcd (`npm run test:e2e`).
// - globalSetup builds (or finds) the binaries once and fails the whole run with one clear message if it cannot.
// - Each test file starts its own control plane (about 3-5 s) and stops it in afterAll, so files never share state
//   (restart and compaction tests would disturb others); tests inside a file use their own namespaces.
// - Files run one at a time: they share the machine's two cores with the control plane.
export default defineConfig({
  ...sourceResolve,
  test: {
    name: 'e2e',
    include: ['packages/*/test/e2e/**/*.e2e.test.ts', 'apps/*/test/e2e/**/*.e2e.test.ts'],
    globalSetup: ['packages/controller-runtime/test/e2e/global-setup.ts'],
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 180_000,
    passWithNoTests: false,
  },
});
