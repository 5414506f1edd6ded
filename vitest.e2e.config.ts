import { defineConfig } from 'vitest/config';
import { sourceResolve } from './vitest.shared.ts';

// End-to-end tests against a real kube-apiserver + etcd (`npm run test:e2e`).
// - globalSetup builds (or finds) the binaries once and fails the whole run with one clear message if it cannot.
// - Each test file starts its own control plane (about 3-5 s) and stops it in afterAll, so files never share state
//   (restart and compaction tests would disturb others); tests inside a file use their own namespaces.
// - Files run one at a time: they share the machine's two cores with the control plane.
const e2e = {
  ...sourceResolve,
  test: {
    name: 'e2e',
    include: ['packages/*/test/e2e/**/*.e2e.test.ts', 'apps/*/test/e2e/**/*.e2e.test.ts'],
    globalSetup: ['packages/controller-runtime/test/e2e/global-setup.ts'],
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 180_000,
  },
};

// Reliability and security (issue 11; docs/reliability.md): the controller killed, failed over, cut off from its API
// server and fed hostile input, on the same real control plane. Alone:
// `npx vitest run --config vitest.e2e.config.ts --project reliability`. Each test bounds its own duration; the
// longest (crash consistency) takes about three minutes on a 2-core machine.
const reliability = {
  ...sourceResolve,
  test: {
    name: 'reliability',
    include: ['apps/*/test/reliability/**/*.reliability.test.ts'],
    globalSetup: ['packages/controller-runtime/test/e2e/global-setup.ts'],
    fileParallelism: false,
    testTimeout: 300_000,
    hookTimeout: 240_000,
  },
};

export default defineConfig({
  test: {
    projects: [e2e, reliability],
    // A run-wide option (vitest ignores it inside a project).
    passWithNoTests: false,
  },
});
