// The API server's ceiling for a workload: the same objects and writes the controller made in a live run, replayed on a
// fresh control plane with no controller. `captureControllerWork` reads, after the live run converged, what the
// controller wrote (its Services and EndpointSlices, the Gateways' finalizer and status, the routes' status, its
// Events); `replayCeiling` creates the users' objects and then those, as fast as the API server takes them, and times
// both phases. Comparing the live run's time with the replay's says how close the controller came to what the API
// server alone can do for that object mix (issue 21): the replay has no reconcile, no cache and no watch delay.
import type { KubeClient, KubeObject, ResourceDescriptor } from '@kube-vip-gw/controller-runtime';
import { EndpointSlice, Event, Gateway, Service, TCPRoute, UDPRoute } from '@kube-vip-gw/controller-runtime';
import type { Workload } from './workload.js';

const MANAGED_BY = 'app.kubernetes.io/managed-by=kube-vip-gateway-api';

/** What the controller made of one Gateway, as the replay writes it. */
export interface GatewayWork {
  readonly namespace: string;
  readonly name: string;
  readonly finalizers: readonly string[];
  readonly status: Record<string, unknown>;
  readonly services: readonly KubeObject[];
  readonly endpointSlices: readonly KubeObject[];
  readonly events: readonly KubeObject[];
  /** Route kind, name and the status the controller wrote. */
  readonly routes: readonly { readonly kind: 'TCPRoute' | 'UDPRoute'; readonly name: string; readonly status: Record<string, unknown> }[];
}

/** The controller's writes of a run, per Gateway, and their totals by kind of write. */
export interface ControllerWork {
  readonly gateways: readonly GatewayWork[];
  readonly writes: Readonly<Record<string, number>>;
}

/** Server-set fields a create must not carry (the new control plane sets its own). */
export function forCreate(o: KubeObject): KubeObject {
  const { uid: _u, resourceVersion: _r, creationTimestamp: _c, managedFields: _m, generation: _g, ...metadata } = o.metadata as KubeObject['metadata'] & Record<string, unknown>;
  const out: Record<string, unknown> = { ...o, metadata };
  delete out['status'];
  const spec = o.spec as Record<string, unknown> | undefined;
  if (o.kind === 'Service' && spec) {
    // The new API server allocates its own ClusterIPs: that allocation is what a Service creation costs.
    const { clusterIP: _ip, clusterIPs: _ips, ...rest } = spec;
    out['spec'] = rest;
  }
  return out as KubeObject;
}

const ownerKey = (o: KubeObject): string | undefined => {
  const ref = (o.metadata.ownerReferences ?? []).find((r) => r.kind === 'Gateway');
  return ref ? `${o.metadata.namespace}/${ref.name}` : undefined;
};

async function listAll(client: KubeClient, res: ResourceDescriptor, labelSelector?: string): Promise<KubeObject[]> {
  const out: KubeObject[] = [];
  let continueToken: string | undefined;
  do {
    const page = await client.list<KubeObject>(res, { limit: 500, ...(labelSelector ? { labelSelector } : {}), ...(continueToken ? { continue: continueToken } : {}) });
    out.push(...page.items.map((o) => ({ ...o, apiVersion: res.group ? `${res.group}/${res.version}` : res.version, kind: res.kind })));
    continueToken = page.continue || undefined;
  } while (continueToken);
  return out;
}

/** Reads what the controller made of the workload from the live run's API server. */
export async function captureControllerWork(client: KubeClient, w: Workload): Promise<ControllerWork> {
  const [gateways, tcp, udp, services, slices, events] = await Promise.all([
    listAll(client, Gateway),
    listAll(client, TCPRoute),
    listAll(client, UDPRoute),
    listAll(client, Service, MANAGED_BY),
    listAll(client, EndpointSlice, MANAGED_BY),
    listAll(client, Event),
  ]);
  const byKey = <T extends KubeObject>(xs: T[]) => new Map(xs.map((o) => [`${o.metadata.namespace}/${o.metadata.name}`, o]));
  const gw = byKey(gateways);
  const routes = byKey([...tcp, ...udp]);
  const group = (xs: KubeObject[], key: (o: KubeObject) => string | undefined) => {
    const m = new Map<string, KubeObject[]>();
    for (const o of xs) {
      const k = key(o);
      if (k) m.set(k, [...(m.get(k) ?? []), o]);
    }
    return m;
  };
  const servicesOf = group(services, ownerKey);
  // A slice belongs to its Service (label kubernetes.io/service-name), which belongs to a Gateway.
  const serviceOwner = new Map(services.map((s) => [`${s.metadata.namespace}/${s.metadata.name}`, ownerKey(s)]));
  const slicesOf = group(slices, (s) => serviceOwner.get(`${s.metadata.namespace}/${s.metadata.labels?.['kubernetes.io/service-name'] ?? ''}`));
  const ours = events.filter((e) => String((e as { reportingController?: string }).reportingController ?? '').startsWith('kube-vip.io'));
  const eventsOf = group(ours, (e) => {
    const reg = (e as { regarding?: { kind?: string; namespace?: string; name?: string } }).regarding;
    return reg?.kind === 'Gateway' ? `${reg.namespace}/${reg.name}` : undefined;
  });
  const out: GatewayWork[] = [];
  for (const b of w.batches) {
    const key = `${b.gateway.metadata.namespace}/${b.gateway.metadata.name}`;
    const g = gw.get(key);
    if (!g) throw new Error(`captureControllerWork: Gateway ${key} is gone`);
    out.push({
      namespace: g.metadata.namespace ?? '',
      name: g.metadata.name,
      finalizers: g.metadata.finalizers ?? [],
      status: (g.status ?? {}) as Record<string, unknown>,
      services: (servicesOf.get(key) ?? []).map(forCreate),
      endpointSlices: (slicesOf.get(key) ?? []).map(forCreate),
      events: (eventsOf.get(key) ?? []).map(forCreate),
      routes: b.routes.map((r) => ({
        kind: r.kind,
        name: r.object.metadata.name,
        status: (routes.get(`${r.object.metadata.namespace}/${r.object.metadata.name}`)?.status ?? {}) as Record<string, unknown>,
      })),
    });
  }
  const count = (f: (g: GatewayWork) => number) => out.reduce((n, g) => n + f(g), 0);
  return {
    gateways: out,
    writes: {
      'Gateway finalizer': count((g) => (g.finalizers.length ? 1 : 0)),
      'Gateway status': count((g) => (g.status['addresses'] !== undefined ? 2 : 1)),
      Service: count((g) => g.services.length),
      EndpointSlice: count((g) => g.endpointSlices.length),
      'route status': count((g) => g.routes.length),
      Event: count((g) => g.events.length),
    },
  };
}

/** Writes of the replay, with the same bounded concurrency as the live run's loader. */
export interface Writer {
  create(res: ResourceDescriptor, obj: KubeObject): Promise<KubeObject>;
  patchStatus(res: ResourceDescriptor, namespace: string, name: string, status: Record<string, unknown>): Promise<void>;
  patch(res: ResourceDescriptor, namespace: string, name: string, patch: Record<string, unknown>): Promise<void>;
}

/**
 * The controller's part of the replay for one Gateway, in the order the controller writes it: finalizer, the address
 * in the Gateway's status, Service(s) and EndpointSlices, the Gateway's status, the routes' status, the Event. Owner references are pointed at the new
 * Gateway (`uid`); nothing garbage-collects here, they only keep the objects' size the same.
 */
export async function replayGatewayWork(writer: Writer, g: GatewayWork, uid: string): Promise<number> {
  let writes = 0;
  const owned = (o: KubeObject): KubeObject => ({
    ...o,
    metadata: { ...o.metadata, ownerReferences: (o.metadata.ownerReferences ?? []).map((r) => (r.kind === 'Gateway' ? { ...r, uid } : r)) },
  });
  if (g.finalizers.length) {
    await writer.patch(Gateway, g.namespace, g.name, { metadata: { finalizers: g.finalizers } });
    writes++;
  }
  // Two status writes, as the controller makes them: the address first (crash consistency), then the conditions.
  if (g.status['addresses'] !== undefined) {
    await writer.patchStatus(Gateway, g.namespace, g.name, { addresses: g.status['addresses'] });
    writes++;
  }
  await Promise.all(g.services.map((s) => writer.create(Service, owned(s))));
  writes += g.services.length;
  await Promise.all(g.endpointSlices.map((s) => writer.create(EndpointSlice, owned(s))));
  writes += g.endpointSlices.length;
  await writer.patchStatus(Gateway, g.namespace, g.name, g.status);
  writes++;
  await Promise.all(g.routes.map((r) => writer.patchStatus(r.kind === 'TCPRoute' ? TCPRoute : UDPRoute, g.namespace, r.name, r.status)));
  writes += g.routes.length;
  await Promise.all(g.events.map((e) => writer.create(Event, e)));
  writes += g.events.length;
  return writes;
}
