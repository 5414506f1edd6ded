import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DEPLOY_RBAC, REPO_ROOT, renderDeployRbac } from './deploy-rbac.js';
import { CHART_DIR, dashboardMetricNames, isExposed, parseManifests, promqlMetricNames } from './helm.js';

describe('deploy/01-rbac.yaml', () => {
  it('is generated from the chart rule files (run `npx tsx tools/helm/deploy-rbac.ts --write` after editing them)', () => {
    expect(readFileSync(DEPLOY_RBAC, 'utf8')).toBe(renderDeployRbac());
  });

  it('grants the rules of the chart files, object for object', () => {
    const clusterRole = parseManifests(readFileSync(DEPLOY_RBAC, 'utf8')).find((o) => o.kind === 'ClusterRole')!;
    const role = parseManifests(readFileSync(DEPLOY_RBAC, 'utf8')).find((o) => o.kind === 'Role')!;
    expect(clusterRole['rules']).toEqual(parse(readFileSync(path.join(CHART_DIR, 'files/clusterrole-rules.yaml'), 'utf8')));
    expect(role['rules']).toEqual(parse(readFileSync(path.join(CHART_DIR, 'files/leader-election-rules.yaml'), 'utf8')));
  });
});

describe('image reference', () => {
  const chart = parse(readFileSync(path.join(CHART_DIR, 'Chart.yaml'), 'utf8')) as { version: string; appVersion: string };
  const values = parse(readFileSync(path.join(CHART_DIR, 'values.yaml'), 'utf8')) as { image: { repository: string; tag: string } };

  it("deploy/ runs the image the release workflow pushes for the chart's appVersion", () => {
    const deployment = parseManifests(readFileSync(path.join(REPO_ROOT, 'deploy/02-deployment.yaml'), 'utf8'))[0]!;
    const image = (deployment['spec'] as { template: { spec: { containers: { image: string }[] } } }).template.spec.containers[0]!.image;
    expect(image).toBe(`${values.image.repository}:${chart.appVersion}`);
  });

  it('is the repository release.yml pushes to, tagged by the release version', () => {
    const workflow = readFileSync(path.join(REPO_ROOT, '.github/workflows/release.yml'), 'utf8');
    expect(values.image.repository).toBe('ghcr.io/kube-vip/kube-vip-gateway-api');
    expect(values.image.tag).toBe('');
    expect(workflow).toContain('ghcr.io/${{ needs.version.outputs.owner }}/kube-vip-gateway-api:${{ needs.version.outputs.version }}');
    // The controller's own version (apps/controller/package.json) is the appVersion: the workflow refuses a tag
    // that differs from either.
    const controllerVersion = (JSON.parse(readFileSync(path.join(REPO_ROOT, 'apps/controller/package.json'), 'utf8')) as { version: string }).version;
    expect(chart.appVersion).toBe(controllerVersion);
  });
});

describe('Grafana dashboard queries', () => {
  it('names only metrics (functions, keywords, labels and grouping lists left out)', () => {
    expect(promqlMetricNames('histogram_quantile(0.99, sum by (le, name) (rate(workqueue_queue_duration_seconds_bucket{job=~"a"}[5m])))')).toEqual([
      'workqueue_queue_duration_seconds_bucket',
    ]);
    expect(promqlMetricNames('max by (pool, family) (kvgw_ipam_pool_addresses{state="used"}) / max by (pool, family) (kvgw_ipam_pool_addresses{state="size"})')).toEqual([
      'kvgw_ipam_pool_addresses',
    ]);
    expect(promqlMetricNames('sum(kvgw_gateways{condition="kube-vip.io/AddressConflict"}) or vector(0)')).toEqual(['kvgw_gateways']);
  });

  it('cover the panels an operator looks at', () => {
    // The e2e chart test checks each of these against a running controller's /metrics.
    expect(dashboardMetricNames()).toEqual([
      'controller_runtime_reconcile_errors_total',
      'controller_runtime_reconcile_panics_total',
      'controller_runtime_reconcile_time_seconds_bucket',
      'controller_runtime_reconcile_total',
      'controller_runtime_terminal_reconcile_errors_total',
      'kvgw_gateways',
      'kvgw_ipam_allocation_failures_total',
      'kvgw_ipam_allocations_total',
      'kvgw_ipam_pool_addresses',
      'leader_election_master_status',
      'workqueue_depth',
      'workqueue_longest_running_processor_seconds',
      'workqueue_queue_duration_seconds_bucket',
      'workqueue_retries_total',
    ]);
  });

  it("matches a histogram's series to its family", () => {
    const families = new Map([['x_seconds', 'histogram'], ['y_total', 'counter']]);
    expect(isExposed('x_seconds_bucket', families)).toBe(true);
    expect(isExposed('y_total', families)).toBe(true);
    expect(isExposed('y_total_bucket', families)).toBe(false);
    expect(isExposed('z', families)).toBe(false);
  });
});
