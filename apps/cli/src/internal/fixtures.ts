// Test support: a small cluster (IPAM ConfigMap, Gateways with status, Services of every address source) in a
// MemoryCluster, for the status and ipam usage commands.
import { type KubeObject } from '@kube-vip-gw/controller-runtime';
import { MemoryCluster } from '@kube-vip-gw/controller-runtime/memory';

const GW = 'gateway.networking.k8s.io/v1';
const condition = (type: string, status: string, reason: string) => ({ type, status, reason, message: `${type} ${reason}`, lastTransitionTime: '2024-01-01T00:00:00Z', observedGeneration: 1 });

/** The objects of the fixture cluster. */
export function fixtureObjects(): KubeObject[] {
  return [
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'kubevip', namespace: 'kube-system' },
      data: { 'range-global': '10.0.0.1-10.0.0.10', 'cidr-team': 'fd00::/120', 'reserved-global': '10.0.0.10' },
    },
    {
      apiVersion: GW,
      kind: 'Gateway',
      metadata: { name: 'echo', namespace: 'echo' },
      spec: { gatewayClassName: 'kube-vip', listeners: [{ name: 'echo', protocol: 'TCP', port: 7 }, { name: 'dns', protocol: 'UDP', port: 53 }] },
      status: {
        addresses: [{ type: 'IPAddress', value: '10.0.0.1' }, { type: 'Hostname', value: 'echo.example.com' }],
        conditions: [condition('Accepted', 'True', 'Accepted'), condition('Programmed', 'True', 'Programmed'), condition('kube-vip.io/Announced', 'False', 'NotAnnounced')],
        listeners: [{ name: 'echo', supportedKinds: [{ kind: 'TCPRoute' }], attachedRoutes: 2, conditions: [condition('Accepted', 'True', 'Accepted'), condition('Programmed', 'True', 'Programmed')] }],
      },
    },
    {
      apiVersion: GW,
      kind: 'Gateway',
      metadata: { name: 'db', namespace: 'team' },
      spec: { gatewayClassName: 'other', listeners: [{ name: 'pg', protocol: 'TCP', port: 5432 }] },
      status: { addresses: [{ type: 'IPAddress', value: 'fd00::5' }], conditions: [condition('Accepted', 'False', 'InvalidParameters')] },
    },
    {
      apiVersion: GW,
      kind: 'Gateway',
      metadata: { name: 'new', namespace: 'team' },
      spec: { gatewayClassName: 'kube-vip', listeners: [{ name: 'l', protocol: 'TCP', port: 80 }] },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        name: 'kvgw-echo-echo',
        namespace: 'echo',
        labels: { 'gateway.networking.k8s.io/gateway-name': 'echo' },
        annotations: { 'kube-vip.io/loadbalancerIPs': '10.0.0.1', 'kube-vip.io/vipHost': 'node-1' },
      },
      spec: { type: 'LoadBalancer', ports: [{ protocol: 'TCP', port: 7, targetPort: 7007 }] },
      status: { loadBalancer: { ingress: [{ ip: '10.0.0.1' }] } },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'kvgw-echo-dns', namespace: 'echo', labels: { 'gateway.networking.k8s.io/gateway-name': 'echo' }, annotations: { 'kube-vip.io/loadbalancerIPs': '10.0.0.1' } },
      spec: { type: 'LoadBalancer', ports: [{ protocol: 'UDP', port: 53, targetPort: 53 }] },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'same-label-other-namespace', namespace: 'elsewhere', labels: { 'gateway.networking.k8s.io/gateway-name': 'echo' } },
      spec: { type: 'ClusterIP', ports: [{ port: 1 }] },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'annotated', namespace: 'a', annotations: { 'kube-vip.io/loadbalancerIPs': '10.0.0.2, fd00::1' } },
      spec: { type: 'LoadBalancer', ports: [{ port: 80 }] },
      status: { loadBalancer: { ingress: [{ ip: '10.0.0.2' }] } },
    },
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'legacy', namespace: 'b' }, spec: { type: 'LoadBalancer', loadBalancerIP: '10.0.0.3', ports: [{ port: 80 }] } },
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'announced', namespace: 'b' }, spec: { type: 'LoadBalancer', ports: [{ port: 81 }] }, status: { loadBalancer: { ingress: [{ ip: '10.0.0.4' }] } } },
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'by-name', namespace: 'c', annotations: { 'kube-vip.io/loadbalancerIPs': 'vip.example.com' } }, spec: { type: 'LoadBalancer', ports: [{ port: 80 }] } },
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'elsewhere', namespace: 'c', annotations: { 'kube-vip.io/loadbalancerIPs': '192.168.9.9' } }, spec: { type: 'LoadBalancer', ports: [{ port: 80 }] } },
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'dhcp', namespace: 'c', annotations: { 'kube-vip.io/loadbalancerIPs': '0.0.0.0' } }, spec: { type: 'LoadBalancer', ports: [{ port: 80 }] } },
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'plain', namespace: 'echo' }, spec: { ports: [{ port: 80 }] } },
  ] as KubeObject[];
}

/** A MemoryCluster loaded with the fixture objects (status included). */
export async function fixtureCluster(): Promise<MemoryCluster> {
  const cluster = new MemoryCluster();
  await cluster.load(fixtureObjects());
  return cluster;
}
