// Our own end-to-end scenarios: what the controller makes, changes and gives back over a Gateway's life, how it
// follows the IPAM ConfigMap, and that a restart moves no address and, once settled, writes nothing. Against a real API
// server (no kube-controller-manager: no garbage collection, no EndpointSlices from Pods), with the controller as its
// own process and only the RBAC of deploy/. Tests run in order: the IPAM and restart scenarios change shared state.
import { describe, expect, it } from 'vitest';
import type { ConfigMap, Gateway, KubeObject, L4Route, Service } from '@kube-vip-gw/gateway-model';
import { gatewayServiceName } from '@kube-vip-gw/service-mapper';
import { CONTROLLER_NAME, IPAM_CONFIGMAP, useControllerEnvironment } from './support/environment.js';
import { R } from './support/kube-rest.js';
import { gateway, ourParent, referenceGrant, route, service, states, statusAddresses, tcp, udp } from './support/objects.js';
import { expectGatewaySpecsUntouched, reads } from './support/reads.js';
import { LEADER_ELECTION } from './support/controller-process.js';
import { eventually, sleep, waitFor } from '@kube-vip-gw/test-support';

const env = useControllerEnvironment();
const { until, gatewayUntil, servicesOf, endpointSlicesOf, trafficTargets, create, namespaceWithBackend } = reads(env);

const LOADBALANCER_IPS = 'kube-vip.io/loadbalancerIPs';

/** An object without the fields every write changes, for "exactly as before" comparisons. */
function comparable(o: KubeObject): KubeObject {
  const { resourceVersion: _rv, managedFields: _mf, ...metadata } = o.metadata;
  return { ...o, metadata };
}

/** A Gateway that is Programmed, with its one address. */
async function programmedGateway(namespace: string, name: string): Promise<{ gw: Gateway; address: string }> {
  const gw = await gatewayUntil(namespace, name, (g) => {
    expect(states(g.status?.conditions, 'Programmed')).toEqual(['Programmed=True/Programmed']);
    expect(statusAddresses(g)).toHaveLength(1);
  });
  return { gw, address: statusAddresses(gw)[0]! };
}

/** `namespace/name -> addresses` of every Gateway in the cluster. */
async function addressesOfAllGateways(): Promise<Record<string, string[]>> {
  const all = await env().admin.list<Gateway>(R.Gateway);
  return Object.fromEntries(all.map((g) => [`${g.metadata.namespace}/${g.metadata.name}`, statusAddresses(g)]));
}

describe('update strategy', () => {
  it.each([
    ['the route annotation kube-vip.io/service-behaviour', 'route', { annotations: { 'kube-vip.io/service-behaviour': 'update' } }],
    ['the original route label serviceBehaviour', 'route', { labels: { serviceBehaviour: 'update' } }],
    ['the route annotation kube-vip.io/service-behaviour', 'Gateway', { annotations: { 'kube-vip.io/service-behaviour': 'update' } }],
  ] as const)('chosen by %s adopts the user Service as a LoadBalancer and restores it exactly when the %s goes', async (_, removed, choice) => {
    const e = env();
    const ns = await e.newNamespace('update');
    const user: Service = {
      metadata: { namespace: ns.name, name: 'api', labels: { owner: 'team-a' }, annotations: { 'example.com/keep': 'yes' } },
      spec: { selector: { app: 'api' }, ports: [{ name: 'http', port: 8082, targetPort: 3000, protocol: 'TCP' }] },
    };
    const before = await create(R.Service, user);
    await create(R.Gateway, gateway(ns.name, 'gw', [tcp('api', 8082)]));
    await create(R.TCPRoute, route('TCPRoute', ns.name, 'r', [{ name: 'gw' }], [{ name: 'api', port: 8082 }], choice));
    const { address } = await programmedGateway(ns.name, 'gw');

    const adopted = await until<Service>(R.Service, { namespace: ns.name, name: 'api' }, (s) => {
      expect(s.spec?.type).toBe('LoadBalancer');
      expect(s.metadata.annotations?.[LOADBALANCER_IPS]).toBe(address);
    });
    expect(adopted.metadata.uid).toBe(before.metadata.uid);
    expect(adopted.metadata.labels).toMatchObject({ owner: 'team-a', 'gateway.networking.k8s.io/gateway-name': 'gw' });
    expect(adopted.metadata.annotations?.['example.com/keep']).toBe('yes');
    expect(adopted.spec?.selector).toEqual({ app: 'api' });
    expect(adopted.spec?.ports?.map((p) => [p.name, p.port, p.targetPort])).toEqual([['http', 8082, 3000]]);
    // The user's Service is the only one: nothing else was made for the listener.
    expect((await servicesOf(ns.name, 'gw')).map((s) => s.metadata.name)).toEqual(['api']);
    // What kube-vip writes once it announces the address; the give-back must not leave it behind.
    await e.admin.patch(R.Service, { namespace: ns.name, name: 'api' }, { metadata: { annotations: { 'kube-vip.io/vipHost': 'node1' } } });

    await e.admin.delete(removed === 'route' ? R.TCPRoute : R.Gateway, { namespace: ns.name, name: removed === 'route' ? 'r' : 'gw' });
    const restored = await until<Service>(R.Service, { namespace: ns.name, name: 'api' }, (s) => expect(s.spec?.type).toBe('ClusterIP'));
    expect(comparable(restored)).toEqual(comparable(before));
    if (removed === 'Gateway') await waitFor('Gateway gw to be gone', async () => (await e.admin.find(R.Gateway, { namespace: ns.name, name: 'gw' })) === undefined);
  });
});

// kube-vip.io/Announced (vipHost, ingress, kube-vip's leases): announcement.e2e.test.ts.

describe('Gateway deletion', () => {
  it('removes exactly the Services and EndpointSlices it made, and its route status entries', async () => {
    const e = env();
    const ns = await namespaceWithBackend('delete');
    const other = await namespaceWithBackend('delete-backends');
    await create(R.ReferenceGrant, referenceGrant(other.name, 'allow', ns.name));
    await create(R.Service, service(ns.name, 'unrelated', { app: 'unrelated' }, [{ port: 80, protocol: 'TCP' }]));
    // gw: its Gateway Service, with an EndpointSlice per listener (a same-namespace backend and a cross-namespace one).
    await create(R.Gateway, gateway(ns.name, 'gw', [tcp('same', 7001), tcp('cross', 7002)]));
    await create(R.TCPRoute, route('TCPRoute', ns.name, 'same', [{ name: 'gw', sectionName: 'same' }], [{ name: 'echo', port: 8080 }]));
    await create(R.TCPRoute, route('TCPRoute', ns.name, 'cross', [{ name: 'gw', sectionName: 'cross' }], [{ name: 'echo', namespace: other.name, port: 8080 }]));
    // keep: another Gateway of the namespace, sharing a route with gw; what it made must stay.
    await create(R.Gateway, gateway(ns.name, 'keep', [tcp('tcp', 7003)]));
    await create(R.TCPRoute, route('TCPRoute', ns.name, 'both', [{ name: 'gw', sectionName: 'same' }, { name: 'keep' }], [{ name: 'echo', port: 8080 }]));
    await programmedGateway(ns.name, 'gw');
    await programmedGateway(ns.name, 'keep');
    await eventually(async () => {
      expect((await servicesOf(ns.name, 'gw')).map((s) => s.spec?.ports?.map((p) => p.port))).toEqual([[7001, 7002]]);
      expect(await trafficTargets(ns.name, 'gw')).toEqual(['10.244.0.10', '10.244.0.10']);
      expect((await servicesOf(ns.name, 'keep')).length).toBe(1);
      const both = await e.admin.get<L4Route>(R.TCPRoute, { namespace: ns.name, name: 'both' });
      expect(states(ourParent(both, 'gw', CONTROLLER_NAME, { sectionName: 'same' })?.conditions, 'Accepted')).toEqual(['Accepted=True/Accepted']);
    });
    const made = [...(await servicesOf(ns.name, 'gw')), ...(await endpointSlicesOf(ns.name, 'gw'))].map((o) => o.metadata.uid);
    expect(made).toHaveLength(3);
    const snapshot = async () => {
      const objects = [...(await e.admin.list<KubeObject>(R.Service, ns.name)), ...(await e.admin.list<KubeObject>(R.EndpointSlice, ns.name))];
      return new Map(objects.map((o) => [o.metadata.uid, o.metadata.resourceVersion]));
    };
    const beforeDelete = await snapshot();

    await e.admin.delete(R.Gateway, { namespace: ns.name, name: 'gw' });
    await waitFor('Gateway gw to be gone', async () => (await e.admin.find(R.Gateway, { namespace: ns.name, name: 'gw' })) === undefined);
    const afterDelete = await snapshot();
    // Exactly the three objects it made are gone; everything else is untouched (same resourceVersion).
    expect([...beforeDelete.keys()].filter((uid) => !afterDelete.has(uid)).sort()).toEqual([...made].sort());
    for (const [uid, rv] of afterDelete) expect(rv, `object ${uid}`).toBe(beforeDelete.get(uid));

    await eventually(async () => {
      for (const name of ['same', 'cross', 'both']) {
        const r = await e.admin.get<L4Route>(R.TCPRoute, { namespace: ns.name, name });
        expect(r.status?.parents?.filter((p) => p.parentRef.name === 'gw') ?? [], name).toEqual([]);
      }
    });
    const both = await e.admin.get<L4Route>(R.TCPRoute, { namespace: ns.name, name: 'both' });
    expect(states(ourParent(both, 'keep', CONTROLLER_NAME)?.conditions, 'Accepted')).toEqual(['Accepted=True/Accepted']);
    expect((await servicesOf(ns.name, 'keep')).length).toBe(1);
  });
});

describe('upgrade to the Gateway Service', () => {
  it('moves per-listener Services to the Gateway Service without a moment in which a port has no Service', async () => {
    const e = env();
    const ns = await namespaceWithBackend('upgrade');
    const other = await namespaceWithBackend('upgrade-backends');
    await create(R.ReferenceGrant, referenceGrant(other.name, 'allow', ns.name));
    // What the previous version made: a duplicate Service (same-namespace backend), an endpoints Service with its
    // EndpointSlice (cross-namespace backend), and nothing for the listener without a route.
    const behaviour = 'kube-vip.io/service-behaviour';
    await create(R.Gateway, gateway(ns.name, 'gw', [tcp('same', 7001), tcp('cross', 7002), udp('spare', 7003)]));
    await create(R.TCPRoute, route('TCPRoute', ns.name, 'same', [{ name: 'gw', sectionName: 'same' }], [{ name: 'echo', port: 8080 }], { annotations: { [behaviour]: 'duplicate' } }));
    await create(R.TCPRoute, route('TCPRoute', ns.name, 'cross', [{ name: 'gw', sectionName: 'cross' }], [{ name: 'echo', namespace: other.name, port: 8080 }], { annotations: { [behaviour]: 'endpoints' } }));
    const { address } = await programmedGateway(ns.name, 'gw');
    await eventually(async () => {
      expect((await servicesOf(ns.name, 'gw')).map((s) => [s.metadata.name, s.spec?.ports?.map((p) => p.port)]).sort()).toEqual([
        [gatewayServiceName(ns.name, 'gw'), [7003]],
        ['kvgw-gw-cross', [7002]],
        ['kvgw-gw-same', [7001]],
      ]);
      expect(await trafficTargets(ns.name, 'gw')).toEqual(['10.244.0.10', 'selector:app=echo']);
    });
    const start = Date.now();

    // The upgrade: the routes fall back to the default.
    for (const name of ['same', 'cross']) await e.admin.patch(R.TCPRoute, { namespace: ns.name, name }, { metadata: { annotations: { [behaviour]: null } } });
    await eventually(async () => {
      const services = await servicesOf(ns.name, 'gw');
      expect(services.map((s) => [s.metadata.name, s.spec?.ports?.map((p) => p.port)])).toEqual([[gatewayServiceName(ns.name, 'gw'), [7001, 7002, 7003]]]);
      expect(services[0]!.metadata.annotations?.[LOADBALANCER_IPS]).toBe(address);
      expect(await trafficTargets(ns.name, 'gw')).toEqual(['10.244.0.10', '10.244.0.10']);
    });
    const audited = e.auditedWrites().filter((w) => w.answered >= start && w.namespace === ns.name && (w.resource === 'services' || w.resource === 'endpointslices'));
    // The order that matters is that of the writes the API server carried out. A refused one changed nothing: a 409 is a
    // patch sent from a cache that had not seen the previous write yet (retried from the next event), a 404 a delete of
    // what is already gone; anything else refused is a failure.
    expect(audited.filter((w) => w.code === undefined || (w.code >= 400 && w.code !== 409 && w.code !== 404)), JSON.stringify(audited)).toEqual([]);
    const writes = audited.filter((w) => w.code !== undefined && w.code < 400);
    const at = (verb: string, resource: string, name: (n: string) => boolean) => writes.findIndex((w) => w.verb === verb && w.resource === resource && name(w.name ?? ''));
    const portsPatched = at('patch', 'services', (n) => n === gatewayServiceName(ns.name, 'gw'));
    const newSlices = writes.flatMap((w, i) => (w.verb === 'create' && w.resource === 'endpointslices' && w.name?.startsWith(`${gatewayServiceName(ns.name, 'gw')}-`) ? [i] : []));
    const oldGone = ['kvgw-gw-same', 'kvgw-gw-cross'].map((n) => at('delete', 'services', (x) => x === n));
    expect(portsPatched, JSON.stringify(writes)).toBeGreaterThanOrEqual(0);
    expect(newSlices).toHaveLength(2);
    for (const gone of oldGone) {
      expect(gone, JSON.stringify(writes)).toBeGreaterThan(portsPatched);
      for (const created of newSlices) expect(gone, JSON.stringify(writes)).toBeGreaterThan(created);
    }
    // The old Service's EndpointSlice went only with (after) its Service's hand-over, never before the new ones came.
    const oldSlice = at('delete', 'endpointslices', (n) => n.startsWith('kvgw-gw-cross-'));
    expect(oldSlice).toBeGreaterThan(Math.max(...newSlices));
  });
});

describe('Gateway handed to another controller', () => {
  it('gives back what it made, drops its finalizer and its route status entries', async () => {
    const e = env();
    const ns = await namespaceWithBackend('handover');
    const otherClass = `others-${ns.name}`;
    await create(R.GatewayClass, { metadata: { name: otherClass }, spec: { controllerName: 'example.com/another-controller' } });
    await create(R.Gateway, gateway(ns.name, 'gw', [tcp('tcp', 7000)]));
    await create(R.TCPRoute, route('TCPRoute', ns.name, 'r', [{ name: 'gw' }], [{ name: 'echo', port: 8080 }]));
    await programmedGateway(ns.name, 'gw');
    await eventually(async () => expect(await servicesOf(ns.name, 'gw')).toHaveLength(1));

    await e.admin.patch(R.Gateway, { namespace: ns.name, name: 'gw' }, { spec: { gatewayClassName: otherClass } });
    await eventually(async () => {
      expect(await servicesOf(ns.name, 'gw')).toEqual([]);
      const gw = await e.admin.get<Gateway>(R.Gateway, { namespace: ns.name, name: 'gw' });
      expect(gw.metadata.finalizers ?? []).toEqual([]);
      const r = await e.admin.get<L4Route>(R.TCPRoute, { namespace: ns.name, name: 'r' });
      expect(r.status?.parents ?? []).toEqual([]);
    });
  });
});

describe('following changes', () => {
  it('recreates a Service someone deleted and reverts an edit of what it owns', async () => {
    const e = env();
    const ns = await namespaceWithBackend('drift');
    await create(R.Gateway, gateway(ns.name, 'gw', [tcp('tcp', 7000)]));
    await create(R.TCPRoute, route('TCPRoute', ns.name, 'r', [{ name: 'gw' }], [{ name: 'echo', port: 8080 }]));
    const { address } = await programmedGateway(ns.name, 'gw');
    const [svc] = await eventually(async () => {
      const list = await servicesOf(ns.name, 'gw');
      expect(list).toHaveLength(1);
      return list;
    });
    const key = { namespace: ns.name, name: svc!.metadata.name };

    await e.admin.patch(R.Service, key, { metadata: { annotations: { [LOADBALANCER_IPS]: '192.0.2.99' } } });
    await until<Service>(R.Service, key, (s) => expect(s.metadata.annotations?.[LOADBALANCER_IPS]).toBe(address));

    await e.admin.delete(R.Service, key);
    const recreated = await until<Service>(R.Service, key, (s) => expect(s.metadata.uid).not.toBe(svc!.metadata.uid));
    expect(recreated.metadata.annotations?.[LOADBALANCER_IPS]).toBe(address);
    expect(recreated.spec?.ports?.map((p) => p.port)).toEqual([7000]);
  });

  it('follows a listener port change, a backend EndpointSlice change, and drops the endpoints (not the port) when the route goes', async () => {
    const e = env();
    const ns = await e.newNamespace('follow');
    const backends = await namespaceWithBackend('follow-backends');
    await create(R.ReferenceGrant, referenceGrant(backends.name, 'allow', ns.name));
    await create(R.Gateway, gateway(ns.name, 'gw', [tcp('tcp', 7000)]));
    await create(R.TCPRoute, route('TCPRoute', ns.name, 'r', [{ name: 'gw' }], [{ name: 'echo', namespace: backends.name, port: 8080 }]));
    await programmedGateway(ns.name, 'gw');
    await eventually(async () => expect(await trafficTargets(ns.name, 'gw')).toEqual(['10.244.0.10']));

    await e.admin.patch(R.EndpointSlice, { namespace: backends.name, name: 'echo-e2e' }, {
      endpoints: ['10.244.0.10', '10.244.0.11'].map((ip) => ({ addresses: [ip], conditions: { ready: true, serving: true, terminating: false } })),
    });
    await eventually(async () => expect(await trafficTargets(ns.name, 'gw')).toEqual(['10.244.0.10', '10.244.0.11']));

    await e.admin.patch(R.Gateway, { namespace: ns.name, name: 'gw' }, { spec: { listeners: [tcp('tcp', 7100)] } });
    await eventually(async () => {
      const list = await servicesOf(ns.name, 'gw');
      expect(list.map((s) => s.spec?.ports?.map((p) => p.port))).toEqual([[7100]]);
    });

    // Without a route the listener keeps its port on the Gateway Service (the address stays on a Service, where
    // kube-vip-cloud-provider sees it), but has no endpoints: kube-proxy refuses its connections.
    await e.admin.delete(R.TCPRoute, { namespace: ns.name, name: 'r' });
    await eventually(async () => {
      expect((await servicesOf(ns.name, 'gw')).map((s) => s.spec?.ports?.map((p) => p.port))).toEqual([[7100]]);
      expect(await endpointSlicesOf(ns.name, 'gw')).toEqual([]);
    });
    await gatewayUntil(ns.name, 'gw', (g) => {
      expect(g.status?.listeners?.map((l) => l.attachedRoutes)).toEqual([0]);
      expect(states(g.status?.conditions, 'Programmed')).toEqual(['Programmed=True/Programmed']);
    });
  });

  it('attaches a route from another namespace once that namespace gets the label the listener selects', async () => {
    const e = env();
    const ns = await e.newNamespace('selector');
    const other = await namespaceWithBackend('selector-routes');
    const selected = { allowedRoutes: { namespaces: { from: 'Selector' as const, selector: { matchLabels: { gateway: ns.name } } } } };
    await create(R.Gateway, gateway(ns.name, 'gw', [tcp('tcp', 7000, selected)]));
    await create(R.TCPRoute, route('TCPRoute', other.name, 'r', [{ name: 'gw', namespace: ns.name }], [{ name: 'echo', port: 8080 }]));
    const accepted = (x: L4Route) => states(ourParent(x, 'gw', CONTROLLER_NAME)?.conditions, 'Accepted');
    await until<L4Route>(R.TCPRoute, { namespace: other.name, name: 'r' }, (x) => expect(accepted(x)).toEqual(['Accepted=False/NotAllowedByListeners']));

    await e.admin.patch(R.Namespace, { name: other.name }, { metadata: { labels: { gateway: ns.name } } });
    await until<L4Route>(R.TCPRoute, { namespace: other.name, name: 'r' }, (x) => expect(accepted(x)).toEqual(['Accepted=True/Accepted']));
    await gatewayUntil(ns.name, 'gw', (g) => expect(g.status?.listeners?.map((l) => l.attachedRoutes)).toEqual([1]));
    // The backend is in the route's namespace, not the Gateway's: mirrored endpoints, no grant needed.
    await eventually(async () => expect(await trafficTargets(ns.name, 'gw')).toEqual(['10.244.0.10']));
  });
});

describe('IPAM', () => {
  it('reports pool exhaustion as AddressNotAssigned with an Event naming the pool, and assigns the freed address', async () => {
    const e = env();
    const ns = await e.newNamespace('exhaust', 2);
    await create(R.Gateway, gateway(ns.name, 'gw-1', [tcp('tcp', 8080)]));
    await create(R.Gateway, gateway(ns.name, 'gw-2', [tcp('tcp', 8080)]));
    const first = await programmedGateway(ns.name, 'gw-1');
    const second = await programmedGateway(ns.name, 'gw-2');
    expect([first.address, second.address].sort()).toEqual([...ns.addresses].sort());

    await create(R.Gateway, gateway(ns.name, 'gw-3', [tcp('tcp', 8080)]));
    const waiting = await gatewayUntil(ns.name, 'gw-3', (g) => expect(states(g.status?.conditions, 'Programmed')).toEqual(['Programmed=False/AddressNotAssigned']));
    expect(statusAddresses(waiting)).toEqual([]);
    const event = await waitFor('a Warning Event about gw-3', async () => {
      const events = await e.admin.list<KubeObject & { reason?: string; note?: string; type?: string; regarding?: { name?: string } }>(R.Event, ns.name);
      return events.find((ev) => ev.regarding?.name === 'gw-3' && ev.reason === 'AddressNotAssigned');
    });
    expect(event.type).toBe('Warning');
    expect(event.note).toContain(`range-${ns.name}`);

    await e.admin.delete(R.Gateway, { namespace: ns.name, name: 'gw-1' });
    const recovered = await programmedGateway(ns.name, 'gw-3');
    expect(recovered.address).toBe(first.address);
    expect((await programmedGateway(ns.name, 'gw-2')).address).toBe(second.address);
  });

  it('keeps existing addresses when the pool moves, and assigns new Gateways from the new pool', async () => {
    const e = env();
    const ns = await e.newNamespace('moved', 2);
    await create(R.Gateway, gateway(ns.name, 'old', [tcp('tcp', 8080)]));
    const old = await programmedGateway(ns.name, 'old');
    expect(ns.addresses).toContain(old.address);

    const moved = e.freshRange(2);
    await e.setIpamKey(`range-${ns.name}`, moved.range);
    await create(R.Gateway, gateway(ns.name, 'new', [tcp('tcp', 8080)]));
    const fresh = await programmedGateway(ns.name, 'new');
    expect(moved.addresses).toContain(fresh.address);
    const kept = await programmedGateway(ns.name, 'old');
    expect(kept.address).toBe(old.address);
    expect(kept.gw.metadata.resourceVersion).toBe(old.gw.metadata.resourceVersion);
  });

  it('reports AddressNotAssigned while the IPAM ConfigMap is missing, keeps existing addresses, and assigns once it is back', async () => {
    const e = env();
    const ns = await e.newNamespace('no-ipam', 2);
    await create(R.Gateway, gateway(ns.name, 'before', [tcp('tcp', 8080)]));
    const before = await programmedGateway(ns.name, 'before');
    const saved = await e.admin.get<ConfigMap>(R.ConfigMap, IPAM_CONFIGMAP);

    await e.admin.delete(R.ConfigMap, IPAM_CONFIGMAP);
    try {
      await create(R.Gateway, gateway(ns.name, 'during', [tcp('tcp', 8080)]));
      const during = await gatewayUntil(ns.name, 'during', (g) => expect(states(g.status?.conditions, 'Programmed')).toEqual(['Programmed=False/AddressNotAssigned']));
      expect(statusAddresses(during)).toEqual([]);
      expect(during.status?.conditions?.find((c) => c.type === 'Programmed')?.message).toContain(`range-${ns.name}`);
      expect((await programmedGateway(ns.name, 'before')).address).toBe(before.address);
    } finally {
      await create(R.ConfigMap, { metadata: { ...IPAM_CONFIGMAP }, data: saved.data ?? {} } as ConfigMap);
    }
    const after = await programmedGateway(ns.name, 'during');
    expect(ns.addresses).toContain(after.address);
    expect(after.address).not.toBe(before.address);
  });
});

describe('controller restart', () => {
  it('keeps every address across a SIGKILL and restart, allocates around them, then writes nothing while idle', async () => {
    const e = env();
    const ns = await namespaceWithBackend('restart');
    await create(R.Gateway, gateway(ns.name, 'tcp', [tcp('tcp', 7000)]));
    await create(R.TCPRoute, route('TCPRoute', ns.name, 'r', [{ name: 'tcp' }], [{ name: 'echo', port: 8080 }]));
    await create(R.Gateway, gateway(ns.name, 'udp', [udp('udp', 5300)]));
    await create(R.Gateway, gateway(ns.name, 'static', [tcp('tcp', 7000)], { addresses: [{ type: 'IPAddress', value: ns.addresses[3]! }] }));
    for (const name of ['tcp', 'udp', 'static']) await programmedGateway(ns.name, name);
    await eventually(async () => expect(await servicesOf(ns.name, 'tcp')).toHaveLength(1));
    const nonLease = (w: { resource: string; namespace: string | undefined }) => !(w.resource === 'leases' && w.namespace === LEADER_ELECTION.namespace);
    const settle = (what: string) =>
      waitFor(`${what} to settle (3 s without writes but the Lease's)`, () => {
        const last = e.auditedWrites().filter(nonLease).at(-1);
        return last === undefined || Date.now() - last.answered > 3_000;
      }, 30_000);
    await settle('the controller');
    const statusOf = async () => {
      const objects = [...(await e.admin.list<Gateway>(R.Gateway, ns.name)), ...(await e.admin.list<L4Route>(R.TCPRoute, ns.name))];
      return Object.fromEntries(objects.map((o) => [`${o.kind}/${o.metadata.name}`, o.status]));
    };
    const statusBefore = await statusOf();
    const before = await addressesOfAllGateways();

    await e.controller.kill('SIGKILL');
    // Created while no controller runs: after the restart it must get an address nobody holds.
    await create(R.Gateway, gateway(ns.name, 'late', [tcp('tcp', 7000)]));
    const restartedAt = Date.now();
    const controller = await e.restartController();
    expect(await controller.leading()).toBe(true);

    const late = await programmedGateway(ns.name, 'late');
    expect(Object.values(before).flat()).not.toContain(late.address);
    expect(ns.addresses).toContain(late.address);
    const after = await addressesOfAllGateways();
    expect(after).toEqual({ ...before, [`${ns.name}/late`]: [late.address] });

    await settle('the restarted controller');
    // Everything that existed before was already right: the restarted controller wrote only for the late Gateway
    // (its finalizer, status, its Gateway Service and the AddressAssigned Event), and every other status is as it was.
    const { 'Gateway/late': _late, ...statusAfter } = await statusOf();
    expect(statusAfter).toEqual(statusBefore);
    const settling = e.auditedWrites().filter((w) => w.answered >= restartedAt && nonLease(w));
    expect(settling.filter((w) => w.name !== 'late' && w.name !== gatewayServiceName(ns.name, 'late') && !w.name?.startsWith('late.'))).toEqual([]);
    expect(settling.filter((w) => w.name === gatewayServiceName(ns.name, 'late')).map((w) => `${w.verb} ${w.resource}`)).toEqual(['create services']);
    expect(settling.map((w) => `${w.verb} ${w.resource}${w.subresource ? `/${w.subresource}` : ''}`)).toContain('update gateways/status');

    const t0 = Date.now();
    const m0 = await controller.requestsByMethod();
    await sleep(6_000);
    const m1 = await controller.requestsByMethod();
    const t1 = Date.now();
    const writes = e.auditedWrites().filter((w) => w.answered >= t0 && w.answered <= t1);
    expect(writes.filter(nonLease)).toEqual([]);
    const delta = (method: string) => (m1[method] ?? 0) - (m0[method] ?? 0);
    expect({ POST: delta('POST'), PATCH: delta('PATCH'), DELETE: delta('DELETE') }).toEqual({ POST: 0, PATCH: 0, DELETE: 0 });
    // Every PUT in the window renews the leader Lease (each audited); a renewal can straddle a scrape by a few ms.
    const leaseRenewals = writes.filter((w) => !nonLease(w) && w.verb === 'update').length;
    expect(Math.abs(delta('PUT') - leaseRenewals)).toBeLessThanOrEqual(1);
  });
});

describe('spec ownership', () => {
  it('never wrote a Gateway spec (only status and its finalizer), across every Gateway of this file', async () => {
    expect(await expectGatewaySpecsUntouched(env().admin)).toBeGreaterThan(10);
  });
});

describe('RBAC of deploy/', () => {
  it('was enough: the API server refused none of the controller\'s requests', () => {
    const requests = env().auditedRequests();
    // The log does hold the controller's requests (its informers' lists), so an empty refusal list means something.
    expect(requests.some((r) => r.verb === 'list' && r.resource === 'gateways' && r.code === 200)).toBe(true);
    expect(requests.filter((r) => r.code === 403)).toEqual([]);
  });
});
