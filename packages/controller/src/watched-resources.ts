// One table of the resources the controller watches: which versions to use, the indexes the view looks them up by,
// what the informer keeps of each, and whether the Gateway reconciler writes their status. The live wiring
// (controllers.ts), the offline render (render.ts), the tests' views and the RBAC check all read this table, and the
// Gateway API rows come from gateway-model's kinds tables, so a new route or parent kind is a row there, not an edit here.
import {
  PARENT_KINDS,
  ROUTE_KINDS,
  SERVED_ROUTE_KINDS,
  type ConfigMap,
  type KubeObject,
  type LeaseObject,
  type ParentKindEntry,
  type RouteKindEntry,
} from '@kube-vip-gw/gateway-model';
import {
  ConfigMap as ConfigMapResource,
  EndpointSlice as EndpointSliceResource,
  GatewayClass as GatewayClassResource,
  Lease as LeaseResource,
  Namespace as NamespaceResource,
  ReferenceGrant as ReferenceGrantResource,
  ReferenceGrantV1beta1,
  Service as ServiceResource,
  Store,
  stripBulkyMetadata,
  type Client,
  type ResourceDescriptor,
  type StoreReader,
} from '@kube-vip-gw/controller-runtime';
import {
  Index,
  ROUTE_INDEXERS,
  indexGatewayClass,
  indexKubeVipLeases,
  indexListenerSetGateway,
  indexOwningGatewayOfService,
  indexOwningGatewayOfSlice,
  indexSliceService,
  type Indexer,
  type StoreKey,
  type ViewStores,
} from './cache-view.js';

/** One watched resource. */
export interface WatchedResource {
  /** The view's store it fills (its kind). */
  readonly store: StoreKey;
  /** Its versions, preferred first: the first one the cluster serves is watched. */
  readonly candidates: readonly ResourceDescriptor[];
  /** The secondary indexes its store carries. */
  readonly indexers: Readonly<Record<string, Indexer>>;
  /** What the informer keeps of each object (default: all of it). */
  readonly transform?: (o: KubeObject) => KubeObject;
  /** A field selector for the informer's list and watch. */
  readonly fieldSelector?: string;
  /**
   * When the cluster serves none of its versions: `assume` (watch the first one anyway: a core resource, or one the
   * controller cannot work without), `empty` (an empty store: the feature is off), `reported` (an empty store, and
   * /readyz and the start log name the missing kind).
   */
  readonly whenAbsent: 'assume' | 'empty' | 'reported';
  /** Loaded and printed by the offline render (in table order). */
  readonly rendered: boolean;
  /** The Gateway reconciler writes its status: its informer keeps OwnWrites current. */
  readonly statusWritten: boolean;
  /** The Gateway reconciler's watch maps its events to Gateways (route kinds: through their parents). */
  readonly role: 'route' | 'parent' | 'other';
}

/** A descriptor per version of a Gateway API kind of the kinds tables (all namespaced CRDs with a status subresource). */
export function descriptorsOf(entry: RouteKindEntry | ParentKindEntry): ResourceDescriptor[] {
  return entry.versions.map((version) => ({ group: entry.group, version, kind: entry.kind, plural: entry.plural, namespaced: true, statusSubresource: true, generation: true }));
}

/** The descriptors of a served route kind, preferred version first. */
export function routeDescriptors(kind: string): ResourceDescriptor[] {
  const entry = (ROUTE_KINDS as readonly RouteKindEntry[]).find((k) => k.kind === kind);
  if (entry === undefined) throw new TypeError(`unknown route kind ${kind}`);
  return descriptorsOf(entry);
}

const [GatewayParent, ListenerSetParent] = PARENT_KINDS;
/** gateway.networking.k8s.io/v1 Gateway, from the parent kinds table. */
export const GATEWAY_RESOURCE: ResourceDescriptor = descriptorsOf(GatewayParent)[0]!;
/** gateway.networking.k8s.io/v1 ListenerSet, from the parent kinds table. */
export const LISTENER_SET_RESOURCE: ResourceDescriptor = descriptorsOf(ListenerSetParent)[0]!;

/**
 * What the controller keeps of a Lease: its spec (holder, renewTime, duration). Node heartbeats never reach it (the
 * informer leaves out kube-node-lease), so the cache holds kube-vip's leases plus the few leader-election ones.
 */
export function slimLease(lease: KubeObject): KubeObject {
  const { metadata } = stripBulkyMetadata(lease);
  return { apiVersion: lease.apiVersion, kind: lease.kind, metadata: { name: metadata.name, namespace: metadata.namespace, resourceVersion: metadata.resourceVersion }, spec: (lease as LeaseObject).spec } as KubeObject;
}

/** Leases of kube-node-lease (one per node, renewed every 10 s) are never kube-vip's: the informer does not list them. */
export const LEASE_FIELD_SELECTOR = 'metadata.namespace!=kube-node-lease';

/** Keeps only what the controller reads of ConfigMaps (data), so a cluster with large ConfigMaps costs little memory. */
export function slimConfigMap(cm: KubeObject): KubeObject {
  const { metadata } = stripBulkyMetadata(cm);
  return { apiVersion: cm.apiVersion, kind: cm.kind, metadata, data: (cm as ConfigMap).data } as KubeObject;
}

const parentIndexers: Record<string, Readonly<Record<string, Indexer>>> = {
  Gateway: { [Index.gatewayClass]: indexGatewayClass },
  ListenerSet: { [Index.listenerSetGateway]: indexListenerSetGateway },
};

/** Every watched resource, in the offline render's output order. */
export const WATCHED_RESOURCES: readonly WatchedResource[] = [
  { store: 'Namespace', candidates: [NamespaceResource], indexers: {}, whenAbsent: 'assume', rendered: true, statusWritten: false, role: 'other' },
  { store: 'ConfigMap', candidates: [ConfigMapResource], indexers: {}, transform: slimConfigMap, whenAbsent: 'assume', rendered: true, statusWritten: false, role: 'other' },
  { store: 'GatewayClass', candidates: [GatewayClassResource], indexers: {}, whenAbsent: 'assume', rendered: true, statusWritten: false, role: 'other' },
  ...PARENT_KINDS.map(
    (p): WatchedResource => ({
      store: p.kind,
      candidates: descriptorsOf(p),
      indexers: parentIndexers[p.kind] ?? {},
      // ListenerSet v1 is in the standard channel from Gateway API v1.5; without its CRD Gateways work without them.
      whenAbsent: p.optional ? 'empty' : 'assume',
      rendered: true,
      statusWritten: true,
      role: 'parent',
    }),
  ),
  // A route kind the cluster does not serve gets an empty store: Gateways still work for the other kinds.
  ...SERVED_ROUTE_KINDS.map((r): WatchedResource => ({ store: r.kind, candidates: descriptorsOf(r), indexers: ROUTE_INDEXERS, whenAbsent: 'reported', rendered: true, statusWritten: true, role: 'route' })),
  { store: 'ReferenceGrant', candidates: [ReferenceGrantResource, ReferenceGrantV1beta1], indexers: {}, whenAbsent: 'assume', rendered: true, statusWritten: false, role: 'other' },
  { store: 'Service', candidates: [ServiceResource], indexers: { [Index.owningGateway]: indexOwningGatewayOfService, [Index.kubeVipLease]: indexKubeVipLeases }, whenAbsent: 'assume', rendered: true, statusWritten: false, role: 'other' },
  { store: 'EndpointSlice', candidates: [EndpointSliceResource], indexers: { [Index.owningGateway]: indexOwningGatewayOfSlice, [Index.service]: indexSliceService }, whenAbsent: 'assume', rendered: true, statusWritten: false, role: 'other' },
  { store: 'Lease', candidates: [LeaseResource], indexers: {}, transform: slimLease, fieldSelector: LEASE_FIELD_SELECTOR, whenAbsent: 'assume', rendered: false, statusWritten: false, role: 'other' },
];

/** The watched resource that fills a store. */
export function watched(store: StoreKey): WatchedResource {
  const w = WATCHED_RESOURCES.find((x) => x.store === store);
  if (w === undefined) throw new TypeError(`no watched resource fills store ${store}`);
  return w;
}

/** The secondary indexes each store needs, by store. */
export const VIEW_INDEXERS: Readonly<Record<StoreKey, Readonly<Record<string, Indexer>>>> = Object.fromEntries(WATCHED_RESOURCES.map((w) => [w.store, w.indexers])) as Record<StoreKey, Readonly<Record<string, Indexer>>>;

/** An empty store with a watched resource's indexes (a kind the cluster does not serve). */
export function emptyStore(w: WatchedResource): Store<KubeObject> {
  return new Store<KubeObject>(w.indexers as Record<string, Indexer>);
}

/** Builds the view's stores, one per watched resource, from `storeOf`. */
export function viewStores(storeOf: (w: WatchedResource) => StoreReader<KubeObject>): ViewStores {
  return Object.fromEntries(WATCHED_RESOURCES.map((w) => [w.store, storeOf(w)])) as unknown as ViewStores;
}

/**
 * The view's stores as a list of each watched resource's preferred version returns now (an in-memory cluster: the
 * offline render, tests). `admit` may drop an object (undefined) or replace it, to stand for a cache that lags.
 */
export async function listViewStores(client: Client, admit: (o: KubeObject) => KubeObject | undefined = (o) => o): Promise<ViewStores> {
  const stores = new Map<StoreKey, Store<KubeObject>>();
  for (const w of WATCHED_RESOURCES) {
    const store = emptyStore(w);
    for (const item of (await client.list<KubeObject>(w.candidates[0]!)).items) {
      const admitted = admit(item);
      if (admitted !== undefined) store.upsert(admitted);
    }
    stores.set(w.store, store);
  }
  return viewStores((w) => stores.get(w.store)!);
}

/** Resources an offline render loads and prints, in output order. */
export const RENDER_RESOURCES: readonly ResourceDescriptor[] = WATCHED_RESOURCES.filter((w) => w.rendered).map((w) => w.candidates[0]!);

/**
 * The API permissions the table implies, as `group resource verb` (the form of deploy/01-rbac.yaml's rules): list and
 * watch of every watched resource, and update of the status of those whose status the Gateway reconciler writes.
 */
export function watchPermissions(): string[] {
  const out = new Set<string>();
  for (const w of WATCHED_RESOURCES) {
    const res = w.candidates[0]!;
    for (const verb of ['list', 'watch']) out.add(`${res.group} ${res.plural} ${verb}`);
    if (w.statusWritten) out.add(`${res.group} ${res.plural}/status update`);
  }
  return [...out];
}
