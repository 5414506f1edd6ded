// The Gateway reconciler against an in-memory cluster, for properties the reliability suite depends on: the order of
// its writes (an address is recorded in the Gateway's status before any Service announces it) and that every
// problem of the mapping reaches the user.
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '@kube-vip-gw/gateway-model';
import { createStrategyRegistry } from '@kube-vip-gw/service-mapper';
import {
  ConfigMap,
  EndpointSlice,
  Gateway,
  GatewayClass,
  MemoryCluster,
  Namespace,
  ReferenceGrant,
  Service,
  Store,
  TCPRoute,
  UDPRoute,
  type Client,
  type ResourceDescriptor,
} from '@kube-vip-gw/controller-runtime';
import { AddressBook } from './address-book.js';
import { CacheView, VIEW_INDEXERS, type ViewStores } from './cache-view.js';
import { reconcileGateway } from './reconcile-gateway.js';
import { reconcileGatewayClass } from './reconcile-gatewayclass.js';

const now = () => new Date('2026-11-26T00:00:00Z');

/** A view of the cluster as a cache would hold it; `stale` objects are left out (the cache has not seen them yet). */
async function view(client: Client, stale: (o: KubeObject) => boolean = () => false): Promise<CacheView> {
  const load = async (key: keyof ViewStores, res: ResourceDescriptor) => {
    const store = new Store<KubeObject>(VIEW_INDEXERS[key] as Record<string, (o: KubeObject) => string[]>);
    for (const item of (await client.list<KubeObject>(res)).items) if (!stale(item)) store.upsert(item);
    return store;
  };
  const stores = {
    gatewayClasses: await load('gatewayClasses', GatewayClass),
    gateways: await load('gateways', Gateway),
    tcpRoutes: await load('tcpRoutes', TCPRoute),
    udpRoutes: await load('udpRoutes', UDPRoute),
    namespaces: await load('namespaces', Namespace),
    services: await load('services', Service),
    endpointSlices: await load('endpointSlices', EndpointSlice),
    referenceGrants: await load('referenceGrants', ReferenceGrant),
    configMaps: await load('configMaps', ConfigMap),
  };
  return new CacheView(stores as unknown as ViewStores);
}

/** Records every write with whether it carries the address 10.0.0.10 (and every list, apart), then passes it on. */
function recording(cluster: MemoryCluster, log: string[], lists: string[] = []): Client {
  const carries = (o: unknown) => JSON.stringify(o ?? null).includes('10.0.0.10');
  return {
    get: (r, ref) => cluster.get(r, ref),
    list: (r, o) => (lists.push(`list ${r.kind}`), cluster.list(r, o)),
    watch: (r, o) => cluster.watch(r, o),
    servedVersions: (g) => cluster.servedVersions(g),
    servedResources: (g, v) => cluster.servedResources(g, v),
    create: (r, obj, o) => (log.push(`create ${r.kind} address=${carries(obj)}`), cluster.create(r, obj, o)),
    update: (r, obj, o) => (log.push(`update ${r.kind} address=${carries(obj)}`), cluster.update(r, obj, o)),
    updateStatus: (r, obj, o) => (log.push(`status ${r.kind} address=${carries((obj as { status?: unknown }).status)}`), cluster.updateStatus(r, obj, o)),
    patch: (r, ref, p, o) => (log.push(`patch ${r.kind} address=${carries(p)}`), cluster.patch(r, ref, p, o)),
    patchStatus: (r, ref, p, o) => (log.push(`patchStatus ${r.kind} address=${carries(p)}`), cluster.patchStatus(r, ref, p, o)),
    delete: (r, ref, o) => (log.push(`delete ${r.kind}`), cluster.delete(r, ref, o)),
  };
}

interface RecordedEvent {
  reason: string;
  message: string;
}

/** A cluster with an accepted class, a pool, a backend, Gateway app/gw (optionally with infrastructure) and a route. */
async function world(infrastructure?: Record<string, unknown>, strategy = 'duplicate') {
  const cluster = new MemoryCluster({ now });
  await cluster.create(GatewayClass, { metadata: { name: 'kube-vip' }, spec: { controllerName: 'kube-vip.io/controller' } });
  await cluster.create(ConfigMap, { metadata: { namespace: 'kube-system', name: 'kubevip' }, data: { 'range-global': '10.0.0.10-10.0.0.12' } });
  await cluster.create(Namespace, { metadata: { name: 'app' } });
  await cluster.create(Service, { metadata: { namespace: 'app', name: 'echo' }, spec: { selector: { app: 'echo' }, ports: [{ port: 7, targetPort: 7007 }] } });
  const spec = { gatewayClassName: 'kube-vip', listeners: [{ name: 'echo', protocol: 'TCP', port: 7 }], ...(infrastructure ? { infrastructure } : {}) };
  await cluster.create(Gateway, { metadata: { namespace: 'app', name: 'gw' }, spec });
  await cluster.create(TCPRoute, { metadata: { namespace: 'app', name: 'echo' }, spec: { parentRefs: [{ name: 'gw' }], rules: [{ backendRefs: [{ name: 'echo', port: 7 }] }] } });
  // The class first (its finalizer, then its status), so the Gateway's first reconcile programs it at once.
  for (let round = 0; round < 2; round++) {
    await reconcileGatewayClass({ controllerName: 'kube-vip.io/controller', client: cluster, view: await view(cluster), bundleVersion: async () => 'v1.6.1', now }, 'kube-vip');
  }
  const log: string[] = [];
  const lists: string[] = [];
  const events: RecordedEvent[] = [];
  /** One reconcile of app/gw, as a freshly started controller would run it (with a cache missing `stale` objects). */
  const reconcile = async (stale?: (o: KubeObject) => boolean) => {
    const v = await view(cluster, stale);
    const addresses = new AddressBook();
    addresses.setConfigMap(v.configMap('kube-system', 'kubevip'));
    for (const gw of v.gateways()) addresses.observeGateway(gw);
    for (const svc of (await cluster.list(Service)).items) addresses.observeService(svc);
    return reconcileGateway(
      {
        controllerName: 'kube-vip.io/controller',
        client: recording(cluster, log, lists),
        view: v,
        addresses,
        strategies: createStrategyRegistry(),
        routeResources: { TCPRoute, UDPRoute },
        defaults: { serviceBehaviour: strategy },
        events: { event: (_o, _type, reason, message) => events.push({ reason, message }) },
        now,
      },
      'app',
      'gw',
    );
  };
  return { cluster, log, lists, events, reconcile };
}

describe('reconcileGateway write order', () => {
  it('records a new address in the Gateway status before the Service that announces it, and writes nothing once settled', async () => {
    const { log, reconcile } = await world();
    // Round 1 adds the finalizer and programs; later rounds only settle.
    for (let round = 0; round < 3; round++) await reconcile();

    const firstStatusWithAddress = log.indexOf('status Gateway address=true');
    const firstServiceWithAddress = log.findIndex((l) => /^(create|patch|update) Service address=true$/.test(l));
    expect(firstStatusWithAddress).toBeGreaterThanOrEqual(0);
    expect(firstServiceWithAddress).toBeGreaterThan(firstStatusWithAddress);
    expect(log.slice(0, firstServiceWithAddress + 1)).toEqual(['patch Gateway address=false', 'status Gateway address=true', 'create Service address=true']);
    // The extra write is per allocation, not per reconcile: a settled Gateway costs no writes.
    const settled = log.length;
    await reconcile();
    expect(log.slice(settled)).toEqual([]);
  });
});

describe('reconcileGateway problem reports', () => {
  it.each([
    { infrastructure: { labels: { implementation: 'other' } }, reason: 'ReservedKeyIgnored', names: 'implementation' },
    { infrastructure: { labels: { 'app.kubernetes.io/managed-by': 'helm' } }, reason: 'ReservedKeyIgnored', names: 'app.kubernetes.io/managed-by' },
    { infrastructure: { annotations: { 'kube-vip.io/loadbalancerIPs': '1.2.3.4' } }, reason: 'ReservedKeyIgnored', names: 'kube-vip.io/loadbalancerIPs' },
  ])('reports the mapping warning $reason naming $names in an Event, and still programs the Gateway', async ({ infrastructure, reason, names }) => {
    const { cluster, events, reconcile } = await world(infrastructure);
    for (let round = 0; round < 2; round++) await reconcile();
    const warning = events.find((e) => e.reason === reason);
    expect(warning?.message).toContain(names);
    expect(warning?.message).toContain('listener echo (TCPRoute app/echo)');
    const services = (await cluster.list(Service)).items.filter((s) => s.metadata.name !== 'echo');
    expect(services).toHaveLength(1);
    // The reserved key kept the controller's value.
    const svc = services[0]!;
    expect({ ...svc.metadata.labels, ...svc.metadata.annotations }).not.toMatchObject(Object.fromEntries(Object.entries({ ...(infrastructure as { labels?: object }).labels, ...(infrastructure as { annotations?: object }).annotations })));
  });

  it('sends no mapping warning for a Gateway without problems', async () => {
    const { events, reconcile } = await world({ labels: { team: 'blue' }, annotations: { 'example.com/note': 'héllo 👋' } });
    for (let round = 0; round < 2; round++) await reconcile();
    expect(events.filter((e) => e.reason !== 'AddressAssigned')).toEqual([]);
  });
});

describe('reconcileGateway release', () => {
  it('costs no API call for a Gateway that never had our finalizer (another controller\'s class)', async () => {
    const { cluster, log, lists, reconcile } = await world();
    await cluster.create(GatewayClass, { metadata: { name: 'other' }, spec: { controllerName: 'example.com/other' } });
    const gw = await cluster.get(Gateway, { namespace: 'app', name: 'gw' });
    await cluster.update(Gateway, { ...gw, spec: { ...(gw['spec'] as object), gatewayClassName: 'other' } });
    for (let round = 0; round < 3; round++) await reconcile();
    expect(lists).toEqual([]);
    expect(log).toEqual([]);
  });

  // As world() created it (the in-memory cluster defaults neither type nor protocol).
  const backendAsCreated = { selector: { app: 'echo' }, ports: [{ port: 7, targetPort: 7007 }], type: undefined };

  it.each([
    { strategy: 'duplicate', what: 'deletes the Service it created', write: 'delete Service' },
    { strategy: 'update', what: 'restores the Service it adopted', write: 'patch Service address=false' },
  ])('$strategy: a deleted Gateway $what before its finalizer goes, though its cache has not seen that Service', async ({ strategy, write }) => {
    const { cluster, log, reconcile } = await world(undefined, strategy);
    for (let round = 0; round < 2; round++) await reconcile();
    const made = (await cluster.list<KubeObject>(Service)).items.filter((s) => s.metadata.labels?.['app.kubernetes.io/managed-by'] === 'kube-vip-gateway-api');
    expect(made).toHaveLength(1);
    const stale = (o: KubeObject) => o.metadata.name === made[0]!.metadata.name && o.kind !== 'Gateway';

    await cluster.delete(Gateway, { namespace: 'app', name: 'gw' });
    const before = log.length;
    await reconcile(stale);
    // The controller's own write, then the finalizer (the in-memory cluster's garbage collector must not be what
    // removed a created Service: on a cluster without it, or for an adopted Service, nothing else would).
    expect(log.slice(before).filter((l) => !l.includes('Route'))).toEqual([write, 'patch Gateway address=false']);

    await expect(cluster.get(Gateway, { namespace: 'app', name: 'gw' })).rejects.toThrow();
    const left = (await cluster.list<KubeObject>(Service)).items;
    expect(left.map((s) => s.metadata.name)).toEqual(['echo']);
    const echo = left[0] as KubeObject & { spec: Record<string, unknown> };
    expect(echo.metadata.annotations ?? {}).toEqual({});
    expect(echo.metadata.labels ?? {}).toEqual({});
    expect({ selector: echo.spec['selector'], ports: (echo.spec['ports'] as object[]).map(({ nodePort: _n, ...p }: { nodePort?: number }) => p), type: echo.spec['type'] }).toEqual(backendAsCreated);
  });
});

describe('reconcileGateway address collisions', () => {
  it('reports another Service announcing its address (condition and Event naming it), keeps the address, and clears the report when that Service goes', async () => {
    const { cluster, events, reconcile } = await world();
    for (let round = 0; round < 2; round++) await reconcile();
    const address = ((await cluster.get(Gateway, { namespace: 'app', name: 'gw' })) as { status?: { addresses?: { value: string }[] } }).status?.addresses?.[0]?.value;
    expect(address).toBe('10.0.0.10');
    await cluster.create(Namespace, { metadata: { name: 'other' } });
    await cluster.create(Service, {
      metadata: { namespace: 'other', name: 'web', labels: { implementation: 'kube-vip' }, annotations: { 'kube-vip.io/loadbalancerIPs': '10.0.0.10' } },
      spec: { type: 'LoadBalancer', ports: [{ port: 443, protocol: 'TCP' }] },
    });
    await reconcile();
    const status = () => cluster.get(Gateway, { namespace: 'app', name: 'gw' }) as Promise<{ status?: { addresses?: { value: string }[]; conditions?: { type: string; status: string; reason: string; message: string }[] } }>;
    const conflict = (await status()).status?.conditions?.find((c) => c.type === 'kube-vip.io/AddressConflict');
    expect(conflict).toMatchObject({ status: 'True', reason: 'AddressInUse' });
    expect(conflict?.message).toContain('address 10.0.0.10 is also announced by Service other/web');
    expect(events.filter((e) => e.reason === 'AddressConflict').map((e) => e.message)).toEqual([conflict?.message]);
    expect((await status()).status?.addresses?.map((a) => a.value)).toEqual(['10.0.0.10']);

    await reconcile(); // unchanged: no second Event
    expect(events.filter((e) => e.reason === 'AddressConflict')).toHaveLength(1);
    await cluster.delete(Service, { namespace: 'other', name: 'web' });
    await reconcile();
    expect((await status()).status?.conditions?.map((c) => c.type)).not.toContain('kube-vip.io/AddressConflict');
  });
});
