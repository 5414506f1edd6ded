// The Helm chart (charts/kube-vip-gateway-api) with the real helm binary (tools/helm/build.sh, helm.sh/helm/v4) and a
// real kube-apiserver + etcd: `helm lint`, `helm template` (RBAC equal to deploy/'s, values toggles), and
// `helm install` on the control plane. There is no kubelet, so the installed Deployment's Pod never runs; instead the
// built controller bundle is started with that Deployment's container args and a token of the chart's ServiceAccount
// (TokenRequest), so the chart's RBAC, flags, GatewayClass and IPAM ConfigMap are what is exercised. What this does not
// prove: the image, the Pod spec (probes, security context, resources) and the entrypoint; docs/installation.md says so.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ConfigMap, Gateway, GatewayClass, KubeObject } from '@kube-vip-gw/gateway-model';
import { uniqueName, useControlPlane } from '../../../../packages/controller-runtime/test/e2e/harness.js';
import { CHART_DIR, dashboardMetricNames, ensureHelm, exposedMetricFamilies, isExposed, parseManifests, rbacEssentials, runHelm, type RenderedObject } from '../../../../tools/helm/helm.js';
import { ControllerProcess, LEADER_ELECTION, REPO_ROOT, ensureControllerBundle, logTail } from './support/controller-process.js';
import { KubeRest, R } from './support/kube-rest.js';
import { gateway, route, service, states, statusAddresses, tcp } from './support/objects.js';
import { eventually, waitFor } from '@kube-vip-gw/test-support';

/** Release name and namespace: those of deploy/, so the rendered names equal deploy/'s. */
const RELEASE = 'kube-vip-gateway-api';
const NAMESPACE = 'kube-vip-gateway-api';
/** The pool the install creates the IPAM ConfigMap with. */
const POOL = { range: '10.231.0.1-10.231.0.4', addresses: ['10.231.0.1', '10.231.0.2', '10.231.0.3', '10.231.0.4'] };

const plane = useControlPlane({ gatewayApiCrds: 'standard' });
const workDir = mkdtempSync(path.join(os.tmpdir(), 'kvgw-helm-e2e-'));
let admin: KubeRest | undefined;
let adminKubeconfig = '';
let failed = false;

function template(...args: string[]): RenderedObject[] {
  return parseManifests(runHelm(['template', RELEASE, CHART_DIR, '--namespace', NAMESPACE, ...args]));
}
function only(objects: readonly RenderedObject[], kind: string): RenderedObject[] {
  return objects.filter((o) => o.kind === kind);
}
function containerOf(deployment: RenderedObject | KubeObject): { args: string[]; image: string } {
  return (deployment as unknown as { spec: { template: { spec: { containers: { args: string[]; image: string }[] } } } }).spec.template.spec.containers[0]!;
}

beforeAll(async () => {
  ensureHelm();
  adminKubeconfig = path.join(workDir, 'admin.kubeconfig');
  writeFileSync(adminKubeconfig, plane().kubeconfig, { mode: 0o600 });
  admin = await KubeRest.fromKubeconfig(plane().kubeconfig);
}, 1_800_000);

afterEach((ctx) => {
  if (ctx.task.result?.state === 'fail') failed = true;
});

afterAll(() => {
  admin?.close();
  if (!failed) rmSync(workDir, { recursive: true, force: true });
});

describe('helm lint', () => {
  it.each([
    ['the default values', []],
    ['every optional object on', ['--set', 'metrics.serviceMonitor.enabled=true', '--set', 'grafanaDashboard.enabled=true', '--set', 'ipam.configMap.create=true', '--set-string', `ipam.configMap.data.range-global=${POOL.range}`]],
  ])('is clean with %s (--strict: warnings fail too)', (_, args) => {
    const out = runHelm(['lint', '--strict', CHART_DIR, ...args]);
    expect(out).toContain('1 chart(s) linted, 0 chart(s) failed');
    expect(out).not.toMatch(/\[(WARNING|ERROR)\]/);
  });
});

describe('helm template', () => {
  it("renders deploy/'s RBAC exactly: the same objects, names, rules, role refs and subjects", () => {
    const chart = rbacEssentials(template());
    const deploy = rbacEssentials(parseManifests(readFileSync(path.join(REPO_ROOT, 'deploy/01-rbac.yaml'), 'utf8')));
    expect(chart).toEqual(deploy);
    expect(chart.map((o) => (o as { kind: string }).kind)).toEqual(['ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding', 'ServiceAccount']);
  });

  it("runs deploy/'s image, replicas and flags by default", () => {
    const deploy = parseManifests(readFileSync(path.join(REPO_ROOT, 'deploy/02-deployment.yaml'), 'utf8'))[0]!;
    const chart = only(template(), 'Deployment')[0]!;
    expect(containerOf(chart).image).toBe(containerOf(deploy).image);
    expect((chart['spec'] as { replicas: number }).replicas).toBe(2);
    // deploy/ leaves the defaults out; the chart spells each one out, so every deploy/ flag is among the chart's.
    const deployArgs = containerOf(deploy).args.map((a) => (a === '--leader-elect' ? '--leader-elect=true' : a));
    expect(deployArgs).toHaveLength(4);
    expect(containerOf(chart).args).toEqual(expect.arrayContaining(deployArgs));
  });

  it('leaves the ServiceMonitor, the IPAM ConfigMap and the dashboard out by default', () => {
    const objects = template();
    expect(only(objects, 'ServiceMonitor')).toEqual([]);
    expect(only(objects, 'ConfigMap')).toEqual([]);
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
      'ClusterRole/kube-vip-gateway-api',
      'ClusterRoleBinding/kube-vip-gateway-api',
      'Deployment/kube-vip-gateway-api',
      'GatewayClass/kube-vip',
      'Role/kube-vip-gateway-api-leader-election',
      'RoleBinding/kube-vip-gateway-api-leader-election',
      'Service/kube-vip-gateway-api-metrics',
      'ServiceAccount/kube-vip-gateway-api',
    ]);
  });

  it('renders a ServiceMonitor for the metrics Service on demand, and refuses one without the Service', () => {
    const objects = template('--set', 'metrics.serviceMonitor.enabled=true', '--set', 'metrics.serviceMonitor.interval=15s');
    const [monitor] = only(objects, 'ServiceMonitor');
    const metricsService = only(objects, 'Service')[0]!;
    expect(monitor?.['spec']).toMatchObject({
      selector: { matchLabels: (metricsService['spec'] as { selector: Record<string, string> }).selector },
      endpoints: [{ port: 'metrics', path: '/metrics', interval: '15s' }],
    });
    expect(() => template('--set', 'metrics.serviceMonitor.enabled=true', '--set', 'metrics.service.enabled=false')).toThrow(
      /metrics.serviceMonitor.enabled needs metrics.service.enabled/,
    );
  });

  it('creates the IPAM ConfigMap from values, kept on uninstall, and names it in --ipam-configmap', () => {
    const objects = template('--set', 'ipam.configMap.create=true', '--set', 'ipam.configMap.namespace=net', '--set', 'ipam.configMap.name=pools', '--set-string', `ipam.configMap.data.range-global=${POOL.range}`, '--set-string', 'ipam.configMap.data.cidr-team-a=10.232.0.0/29');
    const [cm] = only(objects, 'ConfigMap');
    expect(cm?.metadata).toMatchObject({ namespace: 'net', name: 'pools', annotations: { 'helm.sh/resource-policy': 'keep' } });
    expect(cm?.['data']).toEqual({ 'range-global': POOL.range, 'cidr-team-a': '10.232.0.0/29' });
    expect(containerOf(only(objects, 'Deployment')[0]!).args).toContain('--ipam-configmap=net/pools');
    expect(() => template('--set', 'ipam.configMap.create=true')).toThrow(/ipam.configMap.create is true but ipam.configMap.data is empty/);
  });

  it('turns values into controller flags (controller name, strategy, IPAM mode, leader election, extra args)', () => {
    const objects = template(
      '--set', 'controllerName=example.com/gateway', '--set', 'defaultStrategy=endpoints', '--set', 'ipam.mode=delegated',
      '--set', 'leaderElection.enabled=false', '--set', 'replicas=1', '--set', 'loadBalancerClass=kube-vip.io/kube-vip-class',
      '--set', 'extraArgs[0]=--kube-vip-services-lease=kube-system/my-lock',
    );
    const args = containerOf(only(objects, 'Deployment')[0]!).args;
    expect(args).toEqual(expect.arrayContaining([
      '--controller-name=example.com/gateway', '--service-behaviour=endpoints', '--ipam-mode=delegated', '--leader-elect=false',
      '--load-balancer-class=kube-vip.io/kube-vip-class',
    ]));
    expect(args.at(-1)).toBe('--kube-vip-services-lease=kube-system/my-lock');
    expect(args.some((a) => a.startsWith('--leader-election-namespace'))).toBe(false);
    // No Lease is written without leader election, so no Role for it either.
    expect(only(objects, 'Role')).toEqual([]);
    expect((only(objects, 'GatewayClass')[0]?.['spec'] as { controllerName: string }).controllerName).toBe('example.com/gateway');
  });

  it('refuses a bad value with its path (values.schema.json)', () => {
    expect(() => template('--set', 'ipam.mode=cloud')).toThrow(/ipam\.mode|\/ipam\/mode/);
    expect(() => template('--set', 'controllerName=no-slash')).toThrow(/controllerName/);
  });

  it('ships the Grafana dashboard in a ConfigMap labelled for the Grafana sidecar', () => {
    const [cm] = only(template('--set', 'grafanaDashboard.enabled=true'), 'ConfigMap');
    expect(cm?.metadata.labels).toMatchObject({ grafana_dashboard: '1' });
    const json = (cm?.['data'] as Record<string, string>)['kube-vip-gateway-api.json']!;
    expect(JSON.parse(json)).toEqual(JSON.parse(readFileSync(path.join(CHART_DIR, 'files/grafana-dashboard.json'), 'utf8')));
  });
});

describe('helm install on the local control plane', () => {
  let controller: ControllerProcess | undefined;
  afterAll(async () => {
    await controller?.kill('SIGTERM');
    if (failed && controller) console.error(`[e2e] controller log kept in ${controller.logFile}:\n${logTail(controller.logFile, 60)}`);
  }, 30_000);

  it('installs; the controller run with the Deployment\'s args as the chart\'s ServiceAccount becomes ready, leads and programs a Gateway from the chart\'s pool', async () => {
    const e = admin!;
    const bundle = ensureControllerBundle();
    const out = runHelm([
      'install', RELEASE, CHART_DIR, '--namespace', NAMESPACE, '--create-namespace', '--kubeconfig', adminKubeconfig,
      '--set', 'ipam.configMap.create=true', '--set-string', `ipam.configMap.data.range-global=${POOL.range}`,
    ]);
    expect(out).toMatch(/STATUS: deployed/);
    const status = runHelm(['status', RELEASE, '--namespace', NAMESPACE, '--kubeconfig', adminKubeconfig, '-o', 'json']);
    expect((JSON.parse(status) as { info: { status: string } }).info.status).toBe('deployed');

    // What helm created, read back from the API server.
    const deployment = await e.request<KubeObject>('GET', `/apis/apps/v1/namespaces/${NAMESPACE}/deployments/${RELEASE}`);
    const { args } = containerOf(deployment);
    const ipam = await e.get<ConfigMap>(R.ConfigMap, { namespace: 'kube-system', name: 'kubevip' });
    expect(ipam.data).toEqual({ 'range-global': POOL.range });
    const sa = (deployment as unknown as { spec: { template: { spec: { serviceAccountName: string } } } }).spec.template.spec.serviceAccountName;
    expect(sa).toBe(RELEASE);

    // A bound token of the chart's ServiceAccount (what the kubelet would mount), in a kubeconfig.
    const token = await e.request<{ status: { token: string } }>('POST', `/api/v1/namespaces/${NAMESPACE}/serviceaccounts/${sa}/token`, {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec: { expirationSeconds: 3600 },
    });
    const kc = new KubeConfig();
    kc.loadFromString(plane().kubeconfig);
    const cluster = kc.getCurrentCluster()!;
    const saKubeconfig = path.join(workDir, 'serviceaccount.kubeconfig');
    writeFileSync(saKubeconfig, [
      'apiVersion: v1', 'kind: Config', 'current-context: sa',
      'clusters:', `- name: local`, `  cluster: {server: "${cluster.server}", certificate-authority-data: "${cluster.caData}"}`,
      'users:', `- name: sa`, `  user: {token: "${token.status.token}"}`,
      'contexts:', '- name: sa', '  context: {cluster: local, user: sa}', '',
    ].join('\n'), { mode: 0o600 });

    // The Deployment's args, except the two listen addresses: the test binds them to free loopback ports instead of
    // the Pod's :8080/:8081 on every host interface (ControllerProcess passes those).
    const podArgs = args.filter((a) => !/^--(metrics|health-probe)-bind-address=/.test(a));
    expect(podArgs.length).toBe(args.length - 2);
    controller = await ControllerProcess.start({
      bundle,
      kubeconfig: saKubeconfig,
      logFile: path.join(workDir, 'controller.log'),
      // The args say --leader-elect=true themselves; ControllerProcess only waits for /readyz here, leadership below.
      leaderElect: false,
      extraArgs: podArgs,
    });
    await waitFor('the controller to lead the chart\'s Lease', () => controller!.leading(), 60_000);
    const lease = await e.get(R.Lease, { namespace: NAMESPACE, name: LEADER_ELECTION.name });
    expect(lease.metadata.name).toBe(RELEASE);

    // The chart's GatewayClass is accepted, and a Gateway gets an address from the chart's pool.
    await eventually(async () => {
      const gc = await e.get<GatewayClass>(R.GatewayClass, { name: 'kube-vip' });
      expect(states(gc.status?.conditions, 'Accepted')).toEqual(['Accepted=True/Accepted']);
    }, 30_000);
    const ns = uniqueName('helm');
    await e.create(R.Namespace, { metadata: { name: ns } });
    await e.create(R.Service, service(ns, 'echo', { app: 'echo' }, [{ name: 'tcp', port: 7000, protocol: 'TCP' }]));
    await e.create(R.Gateway, gateway(ns, 'gw', [tcp('echo', 7000)]));
    await e.create(R.TCPRoute, route('TCPRoute', ns, 'echo', [{ name: 'gw' }], [{ name: 'echo', port: 7000 }]));
    const programmed = await eventually(async () => {
      const gw = await e.get<Gateway>(R.Gateway, { namespace: ns, name: 'gw' });
      expect(states(gw.status?.conditions, 'Programmed')).toEqual(['Programmed=True/Programmed']);
      return gw;
    }, 60_000);
    expect(POOL.addresses).toContain(statusAddresses(programmed)[0]);

    // Every metric the chart's Grafana dashboard queries is on this controller's /metrics.
    const families = exposedMetricFamilies(await controller.metrics());
    const queried = dashboardMetricNames();
    expect(queried.length).toBeGreaterThan(10);
    expect(queried.filter((name) => !isExposed(name, families))).toEqual([]);
  });

  it('uninstalls without taking the IPAM ConfigMap away (helm.sh/resource-policy: keep)', async () => {
    await controller?.kill('SIGTERM');
    const out = runHelm(['uninstall', RELEASE, '--namespace', NAMESPACE, '--kubeconfig', adminKubeconfig]);
    expect(out).toMatch(/uninstalled/);
    expect((await admin!.get<ConfigMap>(R.ConfigMap, { namespace: 'kube-system', name: 'kubevip' })).data).toEqual({ 'range-global': POOL.range });
    await waitFor('the chart\'s ClusterRole to be gone', async () => (await admin!.find(R.ClusterRole, { name: RELEASE })) === undefined, 30_000);
  });
});
