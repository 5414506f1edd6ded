import { defineConfig } from 'vitest/config';
import { sourceResolve } from './vitest.shared.ts';

// The real data plane (`npm run test:dataplane`; docs/dataplane.md): kube-vip and kube-proxy in network namespaces
// carry TCP and UDP from a client namespace through the Gateways' addresses to an echo backend.
// - Needs root (network namespaces). Elsewhere every file skips, and the global setup says why, loudly.
// - Each file starts its own control plane, controller and namespaces; files run one at a time (2 cores).
const dataplane = {
  ...sourceResolve,
  test: {
    name: 'dataplane',
    include: ['apps/*/test/dataplane/**/*.dataplane.test.ts'],
    globalSetup: ['packages/controller-runtime/test/e2e/global-setup.ts', 'packages/dataplane/test/global-setup.ts'],
    fileParallelism: false,
    testTimeout: 180_000,
    hookTimeout: 240_000,
  },
};

export default defineConfig({
  test: {
    projects: [dataplane],
    passWithNoTests: false,
  },
});
