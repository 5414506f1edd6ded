// kube-vip.io/Announced on the real API server, with what kube-vip leaves in the cluster made by hand: the
// kube-vip.io/vipHost annotation and status.loadBalancer.ingress on a Service, and kube-vip's Leases (per Service,
// `kubevip-<service>`, with svc_election=true; `kube-system/plndr-svcs-lock` otherwise). The controller runs with the
// RBAC of deploy/ (Leases: list and watch). Timings: leases of 2-3 s, so an expiry shows within a few seconds.
import { describe, expect, it } from 'vitest';
import type { ConfigMap, EndpointSlice, Gateway, KubeObject, Service } from '@kube-vip-gw/gateway-model';
import { useControllerEnvironment } from './support/environment.js';
import { R } from './support/kube-rest.js';
import { condition, endpointSlice, gateway, route, states, statusAddresses, tcp } from './support/objects.js';
import { reads } from './support/reads.js';
import { eventually } from '@kube-vip-gw/test-support';

const env = useControllerEnvironment();
const { gatewayUntil, servicesOf, create, namespaceWithBackend } = reads(env);

const ANNOUNCED = 'kube-vip.io/Announced';

/** A MicroTime as the API server stores it (six fractional digits). */
const microTime = (d: Date = new Date()) => d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');

/** The Gateway's one Service and address, once it is Programmed. */
async function programmed(namespace: string, name: string): Promise<{ service: Service; address: string }> {
  const gw = await gatewayUntil(namespace, name, (g) => expect(states(g.status?.conditions, 'Programmed')).toEqual(['Programmed=True/Programmed']));
  const address = statusAddresses(gw)[0]!;
  const service = await eventually(async () => {
    const list = await servicesOf(namespace, name);
    expect(list).toHaveLength(1);
    return list[0]!;
  });
  return { service, address };
}

/** What kube-vip writes once it announces a Service from `node`: vipHost, then the ingress status. */
async function kubeVipReports(service: { namespace: string; name: string }, address: string, node: string): Promise<void> {
  const { admin } = env();
  await admin.patch(R.Service, service, { metadata: { annotations: { 'kube-vip.io/vipHost': node } } });
  await admin.patch(R.Service, service, { status: { loadBalancer: { ingress: [{ ip: address, ipMode: 'VIP' }] } } }, 'merge', 'status');
}

/** Creates or renews a Lease held by `holder`, renewed now. */
async function renew(key: { namespace: string; name: string }, holder: string, durationSeconds: number): Promise<void> {
  const { admin } = env();
  const spec = { holderIdentity: holder, leaseDurationSeconds: durationSeconds, renewTime: microTime(), acquireTime: microTime() };
  const existing = await admin.find<KubeObject>(R.Lease, key);
  if (existing) await admin.patch(R.Lease, key, { spec });
  else await admin.create(R.Lease, { metadata: key, spec } as KubeObject);
}

const announced = (g: Gateway) => condition(g.status?.conditions, ANNOUNCED);

describe('kube-vip.io/Announced', () => {
  it('Pending, then True with vipHost, ingress and a current per-Service lease; LeaseExpired when kube-vip stops renewing (the ingress left behind); True again when it renews', async () => {
    const ns = await namespaceWithBackend('announce');
    await create(R.Gateway, gateway(ns.name, 'gw', [tcp('tcp', 7000)]));
    await create(R.TCPRoute, route('TCPRoute', ns.name, 'r', [{ name: 'gw' }], [{ name: 'echo', port: 8080 }]));
    const { service, address } = await programmed(ns.name, 'gw');
    await gatewayUntil(ns.name, 'gw', (g) => expect(states(g.status?.conditions, ANNOUNCED)).toEqual([`${ANNOUNCED}=False/Pending`]));

    await kubeVipReports({ namespace: ns.name, name: service.metadata.name }, address, 'node-a');
    // Ingress and vipHost alone are not enough: kube-vip leaves them behind when it stops.
    await gatewayUntil(ns.name, 'gw', (g) => expect(announced(g)).toMatchObject({ status: 'Unknown', reason: 'LeaseNotFound' }));
    const leaseKey = { namespace: ns.name, name: `kubevip-${service.metadata.name}` };
    await renew(leaseKey, 'node-a', 2);
    const up = await gatewayUntil(ns.name, 'gw', (g) => expect(announced(g)).toMatchObject({ status: 'True', reason: 'Announced' }));
    expect(announced(up)?.message).toBe(`kube-vip announces ${address} from node node-a`);
    expect(states(up.status?.conditions, 'Programmed')).toEqual(['Programmed=True/Programmed']);

    // kube-vip stops: no object changes, the lease runs out 2 s after its last renewal.
    const started = Date.now();
    const down = await gatewayUntil(ns.name, 'gw', (g) => expect(announced(g)).toMatchObject({ status: 'False', reason: 'LeaseExpired' }), 10_000);
    expect(Date.now() - started).toBeLessThan(6_000);
    expect(announced(down)?.message).toContain('held by node-a');
    // The controller never takes back what kube-vip wrote.
    const svc = await env().admin.get<Service>(R.Service, { namespace: ns.name, name: service.metadata.name });
    expect(svc.metadata.annotations?.['kube-vip.io/vipHost']).toBe('node-a');
    expect(svc.status?.loadBalancer?.ingress?.map((i) => i.ip)).toEqual([address]);

    await renew(leaseKey, 'node-a', 30);
    await gatewayUntil(ns.name, 'gw', (g) => expect(announced(g)).toMatchObject({ status: 'True', reason: 'Announced' }));
  });

  it('with svc_election=false: the global lease kube-system/plndr-svcs-lock is found (auto) and decides', async () => {
    const ns = await namespaceWithBackend('global');
    await create(R.Gateway, gateway(ns.name, 'gw', [tcp('tcp', 7000)]));
    await create(R.TCPRoute, route('TCPRoute', ns.name, 'r', [{ name: 'gw' }], [{ name: 'echo', port: 8080 }]));
    const { service, address } = await programmed(ns.name, 'gw');
    await kubeVipReports({ namespace: ns.name, name: service.metadata.name }, address, 'node-b');
    const globalLease = { namespace: 'kube-system', name: 'plndr-svcs-lock' };
    await renew(globalLease, 'node-b', 30);
    await gatewayUntil(ns.name, 'gw', (g) => expect(announced(g)).toMatchObject({ status: 'True', reason: 'Announced', message: `kube-vip announces ${address} from node node-b` }));
    // Another node takes the services lease: the vipHost on the Service is now out of date.
    await renew(globalLease, 'node-c', 30);
    await gatewayUntil(ns.name, 'gw', (g) => expect(announced(g)).toMatchObject({ status: 'Unknown', reason: 'HolderMismatch' }));
    await env().admin.delete(R.Lease, globalLease);
  });

  it('Split when another Service carrying the address is announced from another node (a kube-vip-cloud-provider collision); the Gateway is not Programmed', async () => {
    const ns = await namespaceWithBackend('split');
    await create(R.Gateway, gateway(ns.name, 'gw', [tcp('tcp', 7000)]));
    await create(R.TCPRoute, route('TCPRoute', ns.name, 'r', [{ name: 'gw' }], [{ name: 'echo', port: 8080 }]));
    const { service, address } = await programmed(ns.name, 'gw');
    await kubeVipReports({ namespace: ns.name, name: service.metadata.name }, address, 'node-a');
    await renew({ namespace: ns.name, name: `kubevip-${service.metadata.name}` }, 'node-a', 30);
    await gatewayUntil(ns.name, 'gw', (g) => expect(announced(g)?.status).toBe('True'));

    const other = await env().newNamespace('split-other', 0);
    await create(R.Service, {
      metadata: { namespace: other.name, name: 'plain', labels: { implementation: 'kube-vip' }, annotations: { 'kube-vip.io/loadbalancerIPs': address } },
      spec: { type: 'LoadBalancer', ports: [{ port: 443, protocol: 'TCP' }] },
    } as Service);
    await kubeVipReports({ namespace: other.name, name: 'plain' }, address, 'node-b');
    await renew({ namespace: other.name, name: 'kubevip-plain' }, 'node-b', 30);
    const split = await gatewayUntil(ns.name, 'gw', (g) => expect(announced(g)).toMatchObject({ status: 'False', reason: 'Split' }));
    expect(announced(split)?.message).toContain(`node-a (Service ${ns.name}/${service.metadata.name}) and node-b (Service ${other.name}/plain)`);
    // It was announced, so it keeps its address (never moved) and is not Programmed, naming the other holder.
    expect(statusAddresses(split)).toEqual([address]);
    expect(condition(split.status?.conditions, 'Programmed')).toMatchObject({ status: 'False', reason: 'AddressNotUsable' });
    expect(condition(split.status?.conditions, 'Programmed')?.message).toContain(`Service ${other.name}/plain`);
    await env().admin.delete(R.Service, { namespace: other.name, name: 'plain' });
    await gatewayUntil(ns.name, 'gw', (g) => expect(states(g.status?.conditions, 'Programmed', ANNOUNCED)).toEqual(['Programmed=True/Programmed', `${ANNOUNCED}=True/Announced`]));
  });

  it('NoLocalEndpoints with externalTrafficPolicy Local when the only ready backend is on another node than the announcing one', async () => {
    const ns = await env().newNamespace('local');
    await create(R.ConfigMap, { metadata: { namespace: ns.name, name: 'params' }, data: { externalTrafficPolicy: 'Local' } } as ConfigMap);
    await create(R.Service, { metadata: { namespace: ns.name, name: 'echo' }, spec: { selector: { app: 'echo' }, ports: [{ name: 'tcp', port: 8080, targetPort: 9090, protocol: 'TCP' }] } } as Service);
    const slice: EndpointSlice = endpointSlice(ns.name, 'echo', ['10.244.0.10'], { name: 'tcp', port: 9090 });
    slice.endpoints = slice.endpoints.map((e) => ({ ...e, nodeName: 'node-b' }));
    await create(R.EndpointSlice, slice);
    await create(R.Gateway, gateway(ns.name, 'gw', [tcp('tcp', 7000)], { infrastructure: { parametersRef: { group: '', kind: 'ConfigMap', name: 'params' } } }));
    await create(R.TCPRoute, route('TCPRoute', ns.name, 'r', [{ name: 'gw' }], [{ name: 'echo', port: 8080 }]));
    const { service, address } = await programmed(ns.name, 'gw');
    expect(service.spec?.externalTrafficPolicy).toBe('Local');
    await kubeVipReports({ namespace: ns.name, name: service.metadata.name }, address, 'node-a');
    await renew({ namespace: ns.name, name: `kubevip-${service.metadata.name}` }, 'node-a', 30);
    const g = await gatewayUntil(ns.name, 'gw', (gw) => expect(announced(gw)).toMatchObject({ status: 'False', reason: 'NoLocalEndpoints' }));
    expect(announced(g)?.message).toContain('no ready endpoint on node-a');

    // The backend moves to the announcing node.
    await env().admin.patch(R.EndpointSlice, slice.metadata, { endpoints: [{ addresses: ['10.244.0.10'], nodeName: 'node-a', conditions: { ready: true } }] });
    await gatewayUntil(ns.name, 'gw', (gw) => expect(announced(gw)).toMatchObject({ status: 'True', reason: 'Announced' }));
  });
});
