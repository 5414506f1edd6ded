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
  Lease,
  Namespace,
  OwnWrites,
  Service,
  TCPRoute,
  UDPRoute,
  createLogger,
  type Client,
  type ResourceDescriptor,
} from '@kube-vip-gw/controller-runtime';
import { MemoryCluster } from '@kube-vip-gw/controller-runtime/memory';
import { AddressBook } from './address-book.js';
import { CacheView } from './cache-view.js';
import { listViewStores } from './watched-resources.js';
import { reconcileGateway } from './reconcile-gateway.js';
import { reconcileGatewayClass } from './reconcile-gatewayclass.js';

const now = () => new Date('2026-11-26T00:00:00Z');

/**
 * A view of the cluster as a cache would hold it; `stale` objects are left out (the cache has not seen them yet), and
 * `older` copies stand in for the current ones (the cache has not seen their latest writes).
 */
async function view(client: Client, stale: (o: KubeObject) => boolean = () => false, older: readonly KubeObject[] = []): Promise<CacheView> {
  const same = (a: KubeObject, b: KubeObject) => a.kind === b.kind && a.metadata.namespace === b.metadata.namespace && a.metadata.name === b.metadata.name;
  return new CacheView(await listViewStores(client, (item) => (stale(item) ? undefined : (older.find((o) => same(o, item)) ?? item))));
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
  let current = strategy;
  /** Changes the controller's -service-behaviour flag for the next reconciles (an upgrade, say). */
  const setStrategy = (next: string) => (current = next);
  const log: string[] = [];
  const lists: string[] = [];
  const events: RecordedEvent[] = [];
  const debug: string[] = [];
  // Shared by all reconciles, as the controller shares one; a current view shows every write, so it never waits.
  const ownWrites = new OwnWrites();
  const logger = createLogger({ level: 'debug', destination: { write: (line: string) => debug.push(line) } });
  /**
   * One reconcile of app/gw, as a running controller would run it with a fresh AddressBook (with a cache missing `stale`
   * objects and holding `older` copies of others).
   */
  const reconcile = async (stale?: (o: KubeObject) => boolean, older?: readonly KubeObject[]) => {
    const v = await view(cluster, stale, older);
    const addresses = new AddressBook();
    addresses.setConfigMap(v.configMap('kube-system', 'kubevip'));
    for (const gw of v.gateways()) addresses.observeGateway(gw);
    for (const svc of (await cluster.list(Service)).items) if (!stale?.(svc)) addresses.observeService(svc);
    return reconcileGateway(
      {
        controllerName: 'kube-vip.io/controller',
        client: recording(cluster, log, lists),
        view: v,
        addresses,
        strategies: createStrategyRegistry(),
        routeResources: { TCPRoute, UDPRoute },
        defaults: { serviceBehaviour: current },
        events: { event: (_o, _type, reason, message) => events.push({ reason, message }) },
        now,
        ownWrites,
        logger,
      },
      'app',
      'gw',
    );
  };
  return { cluster, log, lists, events, debug, ownWrites, reconcile, setStrategy };
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
    { strategy: 'duplicate', what: 'deletes the Service it created', writes: [['delete Service']] },
    // The give-back takes two passes: the withdrawal (the finalizer stays), then the exact restore.
    { strategy: 'update', what: 'withdraws the address of the Service it adopted, then restores it', writes: [['patch Service address=false'], ['patch Service address=false']] },
  ])('$strategy: a deleted Gateway $what before its finalizer goes, though its cache has not seen that Service', async ({ strategy, writes }) => {
    const { cluster, log, reconcile } = await world(undefined, strategy);
    for (let round = 0; round < 2; round++) await reconcile();
    const made = (await cluster.list<KubeObject>(Service)).items.filter((s) => s.metadata.labels?.['app.kubernetes.io/managed-by'] === 'kube-vip-gateway-api');
    expect(made).toHaveLength(1);
    const stale = (o: KubeObject) => o.metadata.name === made[0]!.metadata.name && o.kind !== 'Gateway';

    await cluster.delete(Gateway, { namespace: 'app', name: 'gw' });
    for (const [i, pass] of writes.entries()) {
      const before = log.length;
      const outcome = await reconcile(stale);
      const last = i === writes.length - 1;
      // The controller's own writes, then the finalizer (the in-memory cluster's garbage collector must not be what
      // removed a created Service: on a cluster without it, or for an adopted Service, nothing else would).
      expect(log.slice(before).filter((l) => !l.includes('Route'))).toEqual(last ? [...pass, 'patch Gateway address=false'] : pass);
      if (last) continue;
      // Withdrawn, not yet restored: still a LoadBalancer with no address for kube-vip, and the Gateway still held.
      expect(outcome.requeueAfterMs).toBeGreaterThan(0);
      const withdrawn = await cluster.get<KubeObject & { spec: { type?: string } }>(Service, { namespace: 'app', name: 'echo' });
      expect(withdrawn.spec.type).toBe('LoadBalancer');
      expect(withdrawn.metadata.annotations?.['kube-vip.io/loadbalancerIPs']).toBe('');
      expect((await cluster.get(Gateway, { namespace: 'app', name: 'gw' })).metadata.finalizers).toContain('gateway.kube-vip.io/cleanup');
    }

    await expect(cluster.get(Gateway, { namespace: 'app', name: 'gw' })).rejects.toThrow();
    const left = (await cluster.list<KubeObject>(Service)).items;
    expect(left.map((s) => s.metadata.name)).toEqual(['echo']);
    const echo = left[0] as KubeObject & { spec: Record<string, unknown> };
    expect(echo.metadata.annotations ?? {}).toEqual({});
    expect(echo.metadata.labels ?? {}).toEqual({});
    expect({ selector: echo.spec['selector'], ports: (echo.spec['ports'] as object[]).map(({ nodePort: _n, ...p }: { nodePort?: number }) => p), type: echo.spec['type'] }).toEqual(backendAsCreated);
  });
});

describe('reconcileGateway give-back (update)', () => {
  it('a detached route: the adopted Service first loses its address (still a LoadBalancer), then is restored exactly, without kube-vip\u2019s vipHost', async () => {
    const { cluster, log, reconcile } = await world(undefined, 'update');
    for (let round = 0; round < 2; round++) await reconcile();
    const original = { selector: { app: 'echo' }, ports: [{ port: 7, targetPort: 7007 }] };
    await cluster.patch(Service, { namespace: 'app', name: 'echo' }, { type: 'merge', patch: { metadata: { annotations: { 'kube-vip.io/vipHost': 'node1' } } } });
    await cluster.delete(TCPRoute, { namespace: 'app', name: 'echo' });

    type Svc = KubeObject & { spec: { type?: string; selector?: object; ports: { nodePort?: number }[] } };
    const echo = () => cluster.get<Svc>(Service, { namespace: 'app', name: 'echo' });
    const start = log.length;
    const first = await reconcile();
    expect(log.slice(start).filter((l) => l.startsWith('patch Service'))).toEqual(['patch Service address=false']);
    expect(first.requeueAfterMs).toBeGreaterThan(0);
    const withdrawn = await echo();
    expect(withdrawn.spec.type).toBe('LoadBalancer');
    expect(withdrawn.metadata.annotations?.['kube-vip.io/loadbalancerIPs']).toBe('');

    const next = log.length;
    await reconcile();
    expect(log.slice(next).filter((l) => l.startsWith('patch Service'))).toEqual(['patch Service address=false']);
    const restored = await echo();
    expect(restored.metadata.annotations ?? {}).toEqual({});
    expect(restored.metadata.labels ?? {}).toEqual({});
    expect({ selector: restored.spec.selector, ports: restored.spec.ports.map(({ nodePort: _n, ...p }) => p), type: restored.spec.type }).toEqual({ ...original, type: undefined });

    // Given back: nothing more to write for it.
    const settled = log.length;
    await reconcile();
    expect(log.slice(settled).filter((l) => l.includes('Service'))).toEqual([]);
  });
});

type GatewayStatus = { status?: { addresses?: { value: string }[]; conditions?: { type: string; status: string; reason: string; message: string }[] } };
const gatewayOf = (cluster: MemoryCluster) => cluster.get(Gateway, { namespace: 'app', name: 'gw' }) as Promise<GatewayStatus>;
const conditionOf = async (cluster: MemoryCluster, type: string) => (await gatewayOf(cluster)).status?.conditions?.find((c) => c.type === type);
/** What kube-vip does once it announces a Service: vipHost, then the ingress status, and its lease renewed. */
async function kubeVipAnnounces(cluster: MemoryCluster, service: string, address: string, node = 'node1', renewTime = now().toISOString()) {
  await cluster.patch(Service, { namespace: 'app', name: service }, { type: 'merge', patch: { metadata: { annotations: { 'kube-vip.io/vipHost': node } } } });
  const svc = await cluster.get<KubeObject>(Service, { namespace: 'app', name: service });
  await cluster.updateStatus(Service, { ...svc, status: { loadBalancer: { ingress: [{ ip: address, ipMode: 'VIP' }] } } });
  await cluster.create(Lease, { metadata: { namespace: 'app', name: `kubevip-${service}` }, spec: { holderIdentity: node, renewTime, leaseDurationSeconds: 5 } } as KubeObject);
}
const plainService = (address: string) => ({
  metadata: { namespace: 'other', name: 'web', labels: { implementation: 'kube-vip' }, annotations: { 'kube-vip.io/loadbalancerIPs': address } },
  spec: { type: 'LoadBalancer' as const, ports: [{ port: 443, protocol: 'TCP' as const }] },
});

describe('reconcileGateway address collisions', () => {
  it('an announced Gateway keeps its address, is not Programmed (naming the other holder), gets no new Service with it, and recovers when the other holder goes', async () => {
    const { cluster, events, log, reconcile } = await world();
    for (let round = 0; round < 2; round++) await reconcile();
    expect((await gatewayOf(cluster)).status?.addresses?.[0]?.value).toBe('10.0.0.10');
    const [own] = (await cluster.list<KubeObject>(Service, { labelSelector: 'app.kubernetes.io/managed-by=kube-vip-gateway-api' })).items;
    await kubeVipAnnounces(cluster, own!.metadata.name, '10.0.0.10');
    await reconcile();
    expect((await conditionOf(cluster, 'kube-vip.io/Announced'))?.status).toBe('True');

    await cluster.create(Namespace, { metadata: { name: 'other' } });
    await cluster.create(Service, plainService('10.0.0.10'));
    await reconcile();
    const conflict = await conditionOf(cluster, 'kube-vip.io/AddressConflict');
    expect(conflict).toMatchObject({ status: 'True', reason: 'AddressInUse' });
    expect(conflict?.message).toContain('address 10.0.0.10 is also announced by Service other/web');
    expect(events.filter((e) => e.reason === 'AddressConflict').map((e) => e.message)).toEqual([conflict?.message]);
    expect((await gatewayOf(cluster)).status?.addresses?.map((a) => a.value)).toEqual(['10.0.0.10']);
    const programmed = await conditionOf(cluster, 'Programmed');
    expect(programmed).toMatchObject({ status: 'False', reason: 'AddressNotUsable' });
    expect(programmed?.message).toContain('Service other/web');

    // A listener and a route added meanwhile: no Service is created or patched with the colliding address.
    const before = log.length;
    const gw = await cluster.get<KubeObject & { spec: { listeners: object[] } }>(Gateway, { namespace: 'app', name: 'gw' });
    await cluster.patch(Gateway, { namespace: 'app', name: 'gw' }, { type: 'merge', patch: { spec: { listeners: [...gw.spec.listeners, { name: 'more', protocol: 'TCP', port: 8 }] } } });
    await cluster.create(TCPRoute, { metadata: { namespace: 'app', name: 'more' }, spec: { parentRefs: [{ name: 'gw', sectionName: 'more' }], rules: [{ backendRefs: [{ name: 'echo', port: 7 }] }] } });
    await reconcile();
    await reconcile(); // unchanged: no second Event
    expect(log.slice(before).filter((l) => l.includes('Service'))).toEqual([]);
    expect(events.filter((e) => e.reason === 'AddressConflict')).toHaveLength(1);

    await cluster.delete(Service, { namespace: 'other', name: 'web' });
    await reconcile();
    expect((await gatewayOf(cluster)).status?.conditions?.map((c) => c.type)).not.toContain('kube-vip.io/AddressConflict');
    expect((await conditionOf(cluster, 'Programmed'))?.status).toBe('True');
    expect((await gatewayOf(cluster)).status?.addresses?.map((a) => a.value)).toEqual(['10.0.0.10']);
  });

  it('a Gateway whose address was never announced gives it to the other holder and takes another, its Service following', async () => {
    const { cluster, events, reconcile } = await world();
    for (let round = 0; round < 2; round++) await reconcile();
    await cluster.create(Namespace, { metadata: { name: 'other' } });
    await cluster.create(Service, plainService('10.0.0.10'));
    for (let round = 0; round < 2; round++) await reconcile();
    expect((await gatewayOf(cluster)).status?.addresses?.map((a) => a.value)).toEqual(['10.0.0.11']);
    expect(events.find((e) => e.reason === 'AddressYielded')?.message).toMatch(/10\.0\.0\.10 is also held by Service other\/web.*now 10\.0\.0\.11/);
    expect((await gatewayOf(cluster)).status?.conditions?.map((c) => c.type)).not.toContain('kube-vip.io/AddressConflict');
    expect((await conditionOf(cluster, 'Programmed'))?.status).toBe('True');
    const own = (await cluster.list<KubeObject>(Service, { labelSelector: 'app.kubernetes.io/managed-by=kube-vip-gateway-api' })).items;
    expect(own.map((s) => s.metadata.annotations?.['kube-vip.io/loadbalancerIPs'])).toEqual(['10.0.0.11']);
  });

  it('keeps an address kube-vip may have announced before writing its status (its services lease current): conflict, no yield', async () => {
    const { cluster, events, log, reconcile } = await world();
    // kube-vip v1.0.0 with svc_election=false: the leader adds the VIP, then writes vipHost/ingress; the status is not
    // there yet (measured: a yield 90 ms after the VIP went up, and kube-vip then announced nothing).
    await cluster.create(Lease, {
      metadata: { namespace: 'kube-system', name: 'plndr-svcs-lock' },
      spec: { holderIdentity: 'node1', leaseDurationSeconds: 5, renewTime: new Date(now().getTime() - 1_000).toISOString().replace('Z', '000Z') },
    });
    for (let round = 0; round < 2; round++) await reconcile();
    await cluster.create(Namespace, { metadata: { name: 'other' } });
    await cluster.create(Service, plainService('10.0.0.10'));
    const before = log.length;
    for (let round = 0; round < 2; round++) await reconcile();
    expect(events.filter((e) => e.reason === 'AddressYielded')).toEqual([]);
    expect((await gatewayOf(cluster)).status?.addresses?.map((a) => a.value)).toEqual(['10.0.0.10']);
    expect(await conditionOf(cluster, 'kube-vip.io/AddressConflict')).toMatchObject({ status: 'True' });
    expect((await conditionOf(cluster, 'Programmed'))?.status).toBe('False');
    expect(log.slice(before).filter((l) => l.includes('Service'))).toEqual([]);
    const own = (await cluster.list<KubeObject>(Service, { labelSelector: 'app.kubernetes.io/managed-by=kube-vip-gateway-api' })).items;
    expect(own.map((s) => s.metadata.annotations?.['kube-vip.io/loadbalancerIPs'])).toEqual(['10.0.0.10']);
  });

  it('checks a new allocation against a fresh read: a Service the cache has not seen yet is passed over', async () => {
    const { cluster, lists, reconcile } = await world();
    await cluster.create(Namespace, { metadata: { name: 'other' } });
    await cluster.create(Service, plainService('10.0.0.10'));
    // The cache misses the other allocator's Service, written a moment ago.
    await reconcile((o) => o.metadata.namespace === 'other' && o.kind !== 'Namespace');
    expect((await gatewayOf(cluster)).status?.addresses?.map((a) => a.value)).toEqual(['10.0.0.11']);
    expect(lists).toContain('list Service');
  });
});

describe('reconcileGateway: only an Accepted Gateway takes an address', () => {
  it('an invalid Gateway takes none; once valid it gets one; made invalid before it was Programmed, it gives it back', async () => {
    const { cluster, reconcile } = await world();
    const listeners = (l: object[]) => cluster.patch(Gateway, { namespace: 'app', name: 'gw' }, { type: 'merge', patch: { spec: { listeners: l } } });
    await listeners([{ name: 'web', protocol: 'HTTP', port: 80 }]);
    for (let round = 0; round < 2; round++) await reconcile();
    expect((await conditionOf(cluster, 'Accepted'))?.status).toBe('False');
    expect((await gatewayOf(cluster)).status?.addresses ?? []).toEqual([]);
    expect((await cluster.list(Service)).items.map((s) => s.metadata.name)).toEqual(['echo']);

    await listeners([{ name: 'echo', protocol: 'TCP', port: 7 }]);
    for (let round = 0; round < 2; round++) await reconcile();
    expect((await gatewayOf(cluster)).status?.addresses?.map((a) => a.value)).toEqual(['10.0.0.10']);
  });

  it('a Gateway that was Programmed keeps its address while it is not Accepted', async () => {
    const { cluster, reconcile } = await world();
    for (let round = 0; round < 2; round++) await reconcile();
    await cluster.patch(Gateway, { namespace: 'app', name: 'gw' }, { type: 'merge', patch: { spec: { listeners: [{ name: 'web', protocol: 'HTTP', port: 80 }] } } });
    for (let round = 0; round < 3; round++) await reconcile();
    expect((await conditionOf(cluster, 'Accepted'))?.status).toBe('False');
    expect((await gatewayOf(cluster)).status?.addresses?.map((a) => a.value)).toEqual(['10.0.0.10']);
  });
});

describe('reconcileGateway kube-vip.io/Announced', () => {
  it('True with a current lease on the announcing node, LeaseExpired once kube-vip stops renewing it (the ingress left behind)', async () => {
    const { cluster, reconcile } = await world();
    for (let round = 0; round < 2; round++) await reconcile();
    expect((await conditionOf(cluster, 'kube-vip.io/Announced'))).toMatchObject({ status: 'False', reason: 'Pending' });
    const [own] = (await cluster.list<KubeObject>(Service, { labelSelector: 'app.kubernetes.io/managed-by=kube-vip-gateway-api' })).items;
    await kubeVipAnnounces(cluster, own!.metadata.name, '10.0.0.10', 'node1', new Date(now().getTime() - 1_000).toISOString());
    await reconcile();
    expect(await conditionOf(cluster, 'kube-vip.io/Announced')).toMatchObject({ status: 'True', reason: 'Announced', message: 'kube-vip announces 10.0.0.10 from node node1' });
    const lease = await cluster.get<KubeObject>(Lease, { namespace: 'app', name: `kubevip-${own!.metadata.name}` });
    await cluster.update(Lease, { ...lease, spec: { holderIdentity: 'node1', renewTime: new Date(now().getTime() - 60_000).toISOString(), leaseDurationSeconds: 5 } } as KubeObject);
    await reconcile();
    const c = await conditionOf(cluster, 'kube-vip.io/Announced');
    expect(c).toMatchObject({ status: 'False', reason: 'LeaseExpired' });
    expect(c?.message).toContain('held by node1');
  });
});

describe('reconcileGateway and a cache behind its own writes', () => {
  const second = { metadata: { namespace: 'app', name: 'second' }, spec: { parentRefs: [{ name: 'gw' }], rules: [{ backendRefs: [{ name: 'echo', port: 7 }] }] } };
  const get = (cluster: MemoryCluster, res: ResourceDescriptor, name: string) => cluster.get<KubeObject>(res, { namespace: 'app', name });

  it('waits (no write, a short requeue) while the cache holds the Gateway or a route it last wrote on top of, then settles with no write', async () => {
    const { cluster, log, debug, ownWrites, reconcile } = await world();
    for (let round = 0; round < 3; round++) await reconcile();
    await cluster.create(TCPRoute, second);
    const gatewayBefore = await get(cluster, Gateway, 'gw');
    const routeBefore = await get(cluster, TCPRoute, 'second');

    let start = log.length;
    expect(await reconcile()).toEqual({});
    // A second route on the listener: the Gateway's attachedRoutes and the new route's status change.
    expect(log.slice(start)).toEqual(['status Gateway address=true', 'status TCPRoute address=false']);

    // Woken again (a Service event, say) before either status write reached the cache.
    start = log.length;
    const waiting = await reconcile(undefined, [gatewayBefore, routeBefore]);
    expect(waiting.requeueAfterMs).toBeGreaterThan(0);
    expect(waiting.requeueAfterMs).toBeLessThanOrEqual(100);
    expect(log.slice(start)).toEqual([]);
    expect(debug.some((l) => l.includes('Gateway app/gw') && l.includes('"level":20'))).toBe(true);

    // The Gateway's status arrived, the route's not yet: writing the route's status now would be as stale.
    const routeOnly = await reconcile(undefined, [routeBefore]);
    expect(routeOnly.requeueAfterMs).toBeLessThanOrEqual(100);
    expect(log.slice(start)).toEqual([]);
    expect(debug.some((l) => l.includes('TCPRoute app/second'))).toBe(true);

    // Caught up: nothing changed, so nothing is written, and nothing is left to wait for.
    expect(await reconcile()).toEqual({});
    expect(log.slice(start)).toEqual([]);
    expect(ownWrites.size).toBe(0);
  });

  it('update: waits after its first reconcile (finalizer, status, adoption) when the adoption\'s Service event comes first', async () => {
    const { cluster, log, reconcile } = await world(undefined, 'update');
    const gatewayBefore = await get(cluster, Gateway, 'gw');
    expect(await reconcile()).toEqual({});
    expect(log).toContain('patch Service address=true');

    // The cache has the adopted Service (its event woke the Gateway) and the route's status, but not the Gateway's
    // finalizer or status: all three Gateway writes were on top of versions it has not shown yet.
    expect(log.filter((l) => l.endsWith(' Gateway address=false') || l.startsWith('status Gateway'))).toHaveLength(3);
    const start = log.length;
    const waiting = await reconcile(undefined, [gatewayBefore]);
    expect(waiting.requeueAfterMs).toBeLessThanOrEqual(100);
    expect(log.slice(start)).toEqual([]);

    // Caught up, it proceeds (its status now reflects the Service it sees), and then settles.
    expect(await reconcile()).toEqual({});
    const settled = log.length;
    expect(await reconcile()).toEqual({});
    expect(log.slice(settled)).toEqual([]);
  });

  it('does not wait for writes of others: a cache behind someone else\'s write still meets the 409 and the usual retry', async () => {
    const { cluster, log, reconcile } = await world();
    for (let round = 0; round < 3; round++) await reconcile();
    const gatewayBefore = await get(cluster, Gateway, 'gw');
    await cluster.update(Gateway, { ...gatewayBefore, metadata: { ...gatewayBefore.metadata, labels: { team: 'blue' } } });
    await cluster.create(TCPRoute, second);

    const start = log.length;
    expect(await reconcile(undefined, [gatewayBefore])).toEqual({ requeueAfterMs: 500 });
    expect(log.slice(start)).toEqual(['status Gateway address=true']);
  });
});

describe('reconcileGateway and the Gateway Service (strategy auto, the default)', () => {
  type Svc = KubeObject & { spec: { type?: string; selector?: object; ports: { name?: string; port: number; protocol?: string; targetPort?: unknown }[] } };
  type Slice = KubeObject & { endpoints: { addresses: string[] }[]; ports: { name: string; port: number }[] };
  const ours = async (cluster: MemoryCluster) =>
    ((await cluster.list<KubeObject>(Service)).items as Svc[]).filter((s) => s.metadata.labels?.['app.kubernetes.io/managed-by'] === 'kube-vip-gateway-api');
  const slicesOf = async (cluster: MemoryCluster, service: string) =>
    ((await cluster.list<KubeObject>(EndpointSlice)).items as Slice[]).filter((s) => s.metadata.labels?.['kubernetes.io/service-name'] === service);
  const listenerProgrammed = async (cluster: MemoryCluster, name: string) =>
    ((await cluster.get(Gateway, { namespace: 'app', name: 'gw' })) as { status?: { listeners?: { name: string; conditions: { type: string; status: string }[] }[] } }).status?.listeners
      ?.find((l) => l.name === name)
      ?.conditions.find((c) => c.type === 'Programmed')?.status;
  const echoSlice = (addresses: string[]) => ({
    metadata: { namespace: 'app', name: 'echo-abc', labels: { 'kubernetes.io/service-name': 'echo' } },
    addressType: 'IPv4',
    endpoints: addresses.map((a) => ({ addresses: [a], conditions: { ready: true }, nodeName: 'node-a' })),
    ports: [{ name: '', protocol: 'TCP', port: 7007 }],
  });

  it('puts a listener without routes on the Gateway Service at once (a port, no endpoints), Programmed', async () => {
    const { cluster, reconcile } = await world(undefined, 'auto');
    const gw = await cluster.get<KubeObject & { spec: { listeners: object[] } }>(Gateway, { namespace: 'app', name: 'gw' });
    await cluster.update(Gateway, { ...gw, spec: { ...gw.spec, listeners: [...gw.spec.listeners, { name: 'spare', protocol: 'UDP', port: 9000 }] } });
    for (let round = 0; round < 2; round++) await reconcile();
    const services = await ours(cluster);
    expect(services.map((s) => s.metadata.name)).toEqual(['kvgateway-app-gw']);
    expect(services[0]!.spec.selector).toBeUndefined();
    expect(services[0]!.spec.ports).toEqual([
      { name: 'echo', protocol: 'TCP', port: 7, targetPort: 7 },
      { name: 'spare', protocol: 'UDP', port: 9000, targetPort: 9000 },
    ]);
    expect(services[0]!.metadata.annotations?.['kube-vip.io/loadbalancerIPs']).toBe('10.0.0.10');
    expect(await slicesOf(cluster, 'kvgateway-app-gw')).toEqual([]); // the echo backend has no endpoints yet either
    expect(await listenerProgrammed(cluster, 'spare')).toBe('True');
    expect(await listenerProgrammed(cluster, 'echo')).toBe('True');
  });

  it('mirrors the backend\'s EndpointSlices and follows their changes', async () => {
    const { cluster, log, reconcile } = await world(undefined, 'auto');
    await cluster.create(EndpointSlice, echoSlice(['10.1.0.1']));
    for (let round = 0; round < 2; round++) await reconcile();
    const [first] = await slicesOf(cluster, 'kvgateway-app-gw');
    expect(first?.ports).toEqual([{ name: 'echo', protocol: 'TCP', port: 7007 }]);
    expect(first?.endpoints.map((e) => e.addresses[0])).toEqual(['10.1.0.1']);

    const backend = await cluster.get<KubeObject>(EndpointSlice, { namespace: 'app', name: 'echo-abc' });
    await cluster.update(EndpointSlice, { ...backend, ...echoSlice(['10.1.0.1', '10.1.0.2']), metadata: backend.metadata });
    const before = log.length;
    await reconcile();
    expect(log.slice(before)).toEqual(['patch EndpointSlice address=false']);
    expect((await slicesOf(cluster, 'kvgateway-app-gw'))[0]?.endpoints.map((e) => e.addresses[0])).toEqual(['10.1.0.1', '10.1.0.2']);
  });

  it('upgrades a Gateway with per-listener Services without a moment without a Service: the Gateway Service first, the old Service on the next reconcile, then idle', async () => {
    const { cluster, log, reconcile, setStrategy } = await world(undefined, 'endpoints');
    await cluster.create(EndpointSlice, echoSlice(['10.1.0.1']));
    for (let round = 0; round < 2; round++) await reconcile();
    expect((await ours(cluster)).map((s) => s.metadata.name)).toEqual(['kvgw-gw-echo']);
    expect(await slicesOf(cluster, 'kvgw-gw-echo')).toHaveLength(1);

    setStrategy('auto'); // the new controller version's default
    let start = log.length;
    await reconcile();
    expect(log.slice(start).filter((l) => !l.startsWith('status'))).toEqual(['create Service address=true', 'create EndpointSlice address=false']);
    expect((await ours(cluster)).map((s) => s.metadata.name).sort()).toEqual(['kvgateway-app-gw', 'kvgw-gw-echo']);
    expect(await slicesOf(cluster, 'kvgw-gw-echo')).toHaveLength(1); // still forwarding meanwhile

    start = log.length;
    await reconcile();
    expect(log.slice(start).filter((l) => !l.startsWith('status')).sort()).toEqual(['delete EndpointSlice', 'delete Service']);
    expect((await ours(cluster)).map((s) => s.metadata.name)).toEqual(['kvgateway-app-gw']);
    expect(await listenerProgrammed(cluster, 'echo')).toBe('True');

    start = log.length;
    await reconcile();
    expect(log.slice(start)).toEqual([]);
  });

  it('warns, naming the Services and what kube-vip needs, when a per-route strategy puts the address on a second Service', async () => {
    const { cluster, events, log, reconcile } = await world(undefined, 'auto');
    const gw = await cluster.get<KubeObject & { spec: { listeners: object[] } }>(Gateway, { namespace: 'app', name: 'gw' });
    await cluster.update(Gateway, { ...gw, spec: { ...gw.spec, listeners: [...gw.spec.listeners, { name: 'legacy', protocol: 'TCP', port: 8 }] } });
    // The echo route names no sectionName, so it would win the new listener too (oldest first): pin it to its own.
    const echo = await cluster.get<KubeObject & { spec: object }>(TCPRoute, { namespace: 'app', name: 'echo' });
    await cluster.update(TCPRoute, { ...echo, spec: { ...echo.spec, parentRefs: [{ name: 'gw', sectionName: 'echo' }] } });
    await cluster.create(TCPRoute, {
      metadata: { namespace: 'app', name: 'legacy', annotations: { 'kube-vip.io/service-behaviour': 'duplicate' } },
      spec: { parentRefs: [{ name: 'gw', sectionName: 'legacy' }], rules: [{ backendRefs: [{ name: 'echo', port: 7 }] }] },
    });
    for (let round = 0; round < 2; round++) await reconcile();
    expect((await ours(cluster)).map((s) => s.metadata.name).sort()).toEqual(['kvgateway-app-gw', 'kvgw-gw-legacy']);
    const warning = events.find((e) => e.reason === 'MultipleServicesForAddress');
    expect(warning?.message).toContain('app/kvgateway-app-gw, app/kvgw-gw-legacy');
    expect(warning?.message).toContain('svc_election=false');

    // Settled, a pass (a restart's first, or an unrelated event's) changes nothing and reports nothing again: the
    // warning stays in the Event already written (issue 21: it was one Event write per Gateway per restart).
    for (let round = 0; round < 2; round++) await reconcile();
    const reported = events.length;
    const writes = log.length;
    await reconcile();
    expect(log.slice(writes)).toEqual([]);
    expect(events.slice(reported)).toEqual([]);
    expect(events.filter((e) => e.reason === 'MultipleServicesForAddress').length).toBeGreaterThan(0);

    // A change that keeps both Services (the backend's first endpoint, mirrored to both) is reported with its plan.
    await cluster.create(EndpointSlice, echoSlice(['10.1.0.1']));
    await reconcile();
    expect(log.length).toBeGreaterThan(writes);
    expect(events.slice(reported).map((e) => e.reason)).toContain('MultipleServicesForAddress');
  });
});

describe('reconcileGateway with ipamMode delegated', () => {
  it('makes the Gateway Service without an address, adopts the one kube-vip-cloud-provider writes on it, and leaves its fields alone', async () => {
    const { cluster, events, log, reconcile } = await world({ parametersRef: { group: '', kind: 'ConfigMap', name: 'params' } });
    await cluster.create(ConfigMap, { metadata: { namespace: 'app', name: 'params' }, data: { ipamMode: 'delegated' } });
    for (let round = 0; round < 2; round++) await reconcile();
    const ours = async () => (await cluster.list<KubeObject & { spec?: Record<string, unknown> }>(Service, { labelSelector: 'app.kubernetes.io/managed-by=kube-vip-gateway-api' })).items;
    const [made] = await ours();
    expect(made).toBeDefined();
    expect(made!.metadata.annotations?.['kube-vip.io/loadbalancerIPs']).toBeUndefined();
    expect(made!.metadata.labels?.['implementation']).toBe('kube-vip');
    expect((await gatewayOf(cluster)).status?.addresses ?? []).toEqual([]);
    const waiting = await conditionOf(cluster, 'Programmed');
    expect(waiting).toMatchObject({ status: 'False', reason: 'AddressNotAssigned' });
    expect(waiting?.message).toContain(`waiting for kube-vip-cloud-provider to assign an address to Service app/${made!.metadata.name}`);

    // What kube-vip-cloud-provider does (a full update): annotation, spec.loadBalancerIP, label, finalizer.
    await cluster.update(Service, {
      ...made!,
      metadata: { ...made!.metadata, finalizers: ['service.kubernetes.io/load-balancer-cleanup'], annotations: { ...made!.metadata.annotations, 'kube-vip.io/loadbalancerIPs': '10.0.0.12' } },
      spec: { ...made!.spec, loadBalancerIP: '10.0.0.12' },
    });
    for (let round = 0; round < 3; round++) await reconcile();
    expect((await gatewayOf(cluster)).status?.addresses?.map((a) => a.value)).toEqual(['10.0.0.12']);
    expect((await conditionOf(cluster, 'Programmed'))?.status).toBe('True');
    expect(events.filter((e) => e.reason === 'AddressAdopted').map((e) => e.message)).toEqual(["adopted 10.0.0.12, assigned by kube-vip-cloud-provider to the Gateway's Service"]);
    const [after] = await ours();
    expect(after!.metadata.annotations?.['kube-vip.io/loadbalancerIPs']).toBe('10.0.0.12');
    expect(after!.spec?.['loadBalancerIP']).toBe('10.0.0.12');
    expect(after!.metadata.finalizers).toEqual(['service.kubernetes.io/load-balancer-cleanup']);
    // Settled: nothing more to write.
    const before = log.length;
    await reconcile();
    expect(log.slice(before)).toEqual([]);
  });

  it('a requested spec.addresses value is validated and written by the controller', async () => {
    const { cluster, reconcile } = await world({ parametersRef: { group: '', kind: 'ConfigMap', name: 'params' } });
    await cluster.create(ConfigMap, { metadata: { namespace: 'app', name: 'params' }, data: { ipamMode: 'delegated' } });
    await cluster.patch(Gateway, { namespace: 'app', name: 'gw' }, { type: 'merge', patch: { spec: { addresses: [{ type: 'IPAddress', value: '10.0.0.11' }] } } });
    for (let round = 0; round < 2; round++) await reconcile();
    const [made] = (await cluster.list<KubeObject>(Service, { labelSelector: 'app.kubernetes.io/managed-by=kube-vip-gateway-api' })).items;
    expect(made!.metadata.annotations?.['kube-vip.io/loadbalancerIPs']).toBe('10.0.0.11');
    await cluster.patch(Gateway, { namespace: 'app', name: 'gw' }, { type: 'merge', patch: { spec: { addresses: [{ type: 'IPAddress', value: '192.0.2.1' }] } } });
    for (let round = 0; round < 2; round++) await reconcile();
    expect(await conditionOf(cluster, 'Programmed')).toMatchObject({ status: 'False', reason: 'AddressNotUsable' });
  });
});
