import { defineConfig } from 'vitest/config';

// The chart's offline checks (deploy/ generated from the chart's RBAC rules, image references, the dashboard's
// queries), part of `npm test`. The checks that need helm and a control plane are in the e2e suite
// (apps/controller/test/e2e/helm-chart.e2e.test.ts).
export default defineConfig({
  test: { name: 'helm-chart', root: import.meta.dirname, include: ['*.test.ts'], environment: 'node' },
});
