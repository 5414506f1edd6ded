// `kvgw status` and `kvgw ipam usage` against a real kube-apiserver: objects created through the API (CRD validation
// and the status subresource for real), read back through KubeClient from a kubeconfig file.
import {
  ConfigMap,
  Gateway,
  GatewayClass,
  KubeClient,
  Namespace,
  Service,
  type KubeObject,
} from '@kube-vip-gw/controller-runtime';
import { LocalControlPlane } from '@kube-vip-gw/controller-runtime/envtest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { captureIo } from '../../src/internal/capture.js';
import type { UsageReport } from '../../src/ipam-usage.js';
import { runCli } from '../../src/program.js';
import type { GatewaySummary } from '../../src/status.js';

let plane: LocalControlPlane;
let client: KubeClient;
const T = '2024-01-01T00:00:00Z';
const cond = (type: string, status: string, reason: string) => ({ type, status, reason, message: `${type} is ${status}`, lastTransitionTime: T, observedGeneration: 1 });

beforeAll(async () => {
  plane = await LocalControlPlane.start({ gatewayApiCrds: 'standard', serviceClusterIpRange: '10.96.0.0/12,fd00:10:96::/112' });
  client = await KubeClient.create({ source: { kind: 'string', yaml: plane.kubeconfig } });
  for (const name of ['echo', 'team']) await client.create(Namespace, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  await client.create(ConfigMap, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kubevip', namespace: 'kube-system' }, data: { 'range-global': '10.0.0.1-10.0.0.10', 'cidr-team': 'fd00::/120' } } as KubeObject);
  await client.create(GatewayClass, { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', metadata: { name: 'kube-vip' }, spec: { controllerName: 'kube-vip.io/controller' } } as KubeObject);
  const gw = await client.create(Gateway, {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: { name: 'echo', namespace: 'echo' },
    spec: { gatewayClassName: 'kube-vip', listeners: [{ name: 'echo', protocol: 'TCP', port: 7 }, { name: 'dns', protocol: 'UDP', port: 53 }] },
  } as KubeObject);
  await client.updateStatus(Gateway, {
    ...gw,
    status: {
      addresses: [{ type: 'IPAddress', value: '10.0.0.1' }],
      conditions: [cond('Accepted', 'True', 'Accepted'), cond('Programmed', 'True', 'Programmed'), cond('kube-vip.io/Announced', 'False', 'NotAnnounced')],
      listeners: [
        { name: 'echo', supportedKinds: [{ group: 'gateway.networking.k8s.io', kind: 'TCPRoute' }], attachedRoutes: 1, conditions: [cond('Accepted', 'True', 'Accepted'), cond('Programmed', 'True', 'Programmed')] },
        { name: 'dns', supportedKinds: [{ group: 'gateway.networking.k8s.io', kind: 'UDPRoute' }], attachedRoutes: 0, conditions: [cond('Accepted', 'True', 'Accepted'), cond('Programmed', 'False', 'Pending')] },
      ],
    },
  } as KubeObject);
  await client.create(Gateway, { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: 'db', namespace: 'team' }, spec: { gatewayClassName: 'kube-vip', listeners: [{ name: 'pg', protocol: 'TCP', port: 5432 }] } } as KubeObject);
  const svc = await client.create(Service, {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'kvgw-echo-echo', namespace: 'echo', labels: { 'gateway.networking.k8s.io/gateway-name': 'echo' }, annotations: { 'kube-vip.io/loadbalancerIPs': '10.0.0.1', 'kube-vip.io/vipHost': 'node-1' } },
    spec: { type: 'LoadBalancer', selector: { app: 'echo' }, ports: [{ protocol: 'TCP', port: 7, targetPort: 7007 }] },
  } as KubeObject);
  await client.updateStatus(Service, { ...svc, status: { loadBalancer: { ingress: [{ ip: '10.0.0.1', ipMode: 'VIP' }] } } } as KubeObject);
  await client.create(Service, {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'legacy', namespace: 'team', annotations: { 'kube-vip.io/loadbalancerIPs': '10.0.0.2,fd00::7' } },
    spec: { type: 'LoadBalancer', ipFamilyPolicy: 'PreferDualStack', selector: { app: 'legacy' }, ports: [{ port: 80 }] },
  } as KubeObject);
}, 180_000);

afterAll(async () => {
  await client?.close();
  await plane?.stop();
}, 60_000);

async function cli(args: string[]) {
  const io = captureIo();
  const code = await runCli([...args, '--kubeconfig', plane.kubeconfigPath], io);
  return { code, out: io.out(), err: io.err() };
}

describe('kvgw status on a real API server', () => {
  it('shows the Gateways, their listeners and Services', async () => {
    const r = await cli(['status']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const lines = r.out.split('\n');
    expect(lines.slice(0, 3)).toEqual([
      'NAMESPACE  NAME  CLASS     ADDRESSES  ACCEPTED           PROGRAMMED         ANNOUNCED',
      'echo       echo  kube-vip  10.0.0.1   True               True               False (NotAnnounced)',
      // the CRD's default status: no controller has written this one
      'team       db    kube-vip  <none>     Unknown (Pending)  Unknown (Pending)  -',
    ]);
    expect(r.out).toContain(
      [
        'Gateway echo/echo',
        '  LISTENER  PROTOCOL  PORT  ROUTES  ACCEPTED  PROGRAMMED',
        '  echo      TCP       7     1       True      True',
        '  dns       UDP       53    0       True      False (Pending)',
        '  SERVICE         TYPE          ADDRESSES  INGRESS   VIP HOST  PORTS',
        '  kvgw-echo-echo  LoadBalancer  10.0.0.1   10.0.0.1  node-1    TCP/7->7007',
      ].join('\n'),
    );
  });

  it('filters by namespace and prints data', async () => {
    const r = await cli(['status', '-n', 'team', '-o', 'yaml']);
    const data = parse(r.out) as { gateways: GatewaySummary[] };
    expect(data.gateways.map((g) => `${g.namespace}/${g.name}`)).toEqual(['team/db']);
  });
});

describe('kvgw ipam usage on a real API server', () => {
  it("counts Gateways' status and Services' addresses", async () => {
    const r = await cli(['ipam', 'usage', '-o', 'json']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out) as UsageReport;
    expect(report.pools).toEqual([
      { key: 'cidr-team', scope: 'team', family: 'IPv6', size: '256', used: '1', free: '255' },
      { key: 'range-global', scope: 'global', family: 'IPv4', size: '10', used: '2', free: '8' },
    ]);
    expect(report.addresses.map((a) => [a.address, a.holders])).toEqual([
      ['10.0.0.1', ['Gateway echo/echo', 'Service echo/kvgw-echo-echo']],
      ['10.0.0.2', ['Service team/legacy']],
      ['fd00::7', ['Service team/legacy']],
    ]);
  });

  it('fails with exit 1 when the ConfigMap does not exist', async () => {
    const r = await cli(['ipam', 'usage', '--ipam-configmap', 'kube-system/absent']);
    expect(r.code).toBe(1);
    expect(r.err).toBe('kvgw: read ConfigMap kube-system/absent: not found (choose another with --ipam-configmap)\n');
  });
});
