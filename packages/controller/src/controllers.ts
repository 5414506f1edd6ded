// Live wiring: shared informers with the view's indexes, the AddressBook kept current from Gateway, Service and
// ConfigMap events, and the two controllers (Gateway, GatewayClass) with the watches that map every related change to
// the keys it affects. The manager (main.ts) starts the informers, waits for sync, then starts the controllers, so the
// AddressBook holds every address of the cluster before the first allocation (two-phase start).
import {
  BUNDLE_VERSION_ANNOTATION,
  GatewayConditionType,
  DEFAULT_LEASE_SETTINGS,
  GatewayReason,
  SERVED_ROUTE_KINDS,
  findCondition,
  type ConfigMap,
  type LeaseObject,
  type LeaseSettings,
  type Gateway,
  type KubeObject,
  type L4RouteKind,
  type Service,
} from '@kube-vip-gw/gateway-model';
import { createStrategyRegistry, type StrategyRegistry } from '@kube-vip-gw/service-mapper';
import {
  ConfigMap as ConfigMapResource,
  CustomResourceDefinition,
  EndpointSlice as EndpointSliceResource,
  GatewayClass as GatewayClassResource,
  Namespace as NamespaceResource,
  Service as ServiceResource,
  deletionStarted,
  finalizersChanged,
  firstServed,
  generationChanged,
  labelsChanged,
  annotationsChanged,
  or,
  OwnWrites,
  type Client,
  type Controller,
  type Informer,
  type Manager,
  type Predicate,
  type ResourceDescriptor,
  type StoreReader,
} from '@kube-vip-gw/controller-runtime';
import { AddressBook, serviceAddresses } from './address-book.js';
import { CacheView, indexListenerSetGateway, type StoreKey } from './cache-view.js';
import { BatchedForeignAddresses } from './fresh-read.js';
import { LeaseTracker } from './lease-tracker.js';
import { ListenerSetDepartures } from './listener-sets.js';
import { registerControllerMetrics } from './metrics.js';
import { type EventSink } from './reconcile-gateway.js';
import { gatewayReconciler } from './reconciler-deps.js';
import { reconcileGatewayClass } from './reconcile-gatewayclass.js';
import { GATEWAY_RESOURCE, WATCHED_RESOURCES, emptyStore, viewStores, type WatchedResource } from './watched-resources.js';

export { LEASE_FIELD_SELECTOR, slimConfigMap, slimLease } from './watched-resources.js';

/** What the wiring needs beyond the client. */
export interface GatewayControllersOptions {
  /** The GatewayClass spec.controllerName served. */
  controllerName: string;
  /** The IPAM ConfigMap (kube-vip-cloud-provider format). */
  ipamConfigMap: { namespace: string; name: string };
  /** Default Service strategy (parameters override it). */
  serviceBehaviour: string;
  /** Gateways reconciled in parallel. */
  concurrency: number;
  loadBalancerClass?: string | undefined;
  /** Where kube-vip's leases are (default: auto-detect, kube-system/plndr-svcs-lock). */
  leases?: LeaseSettings;
  /** Default IPAM mode (parameters' ipamMode overrides it). */
  ipamMode?: 'controller' | 'delegated';
  strategies?: StrategyRegistry;
  /** Default: the manager's event recorder. */
  events?: EventSink;
  now?: () => Date;
}

/** The wired controllers, their informers and the state readiness and metrics read. */
export interface GatewayControllers {
  controllers: Controller[];
  view: CacheView;
  addresses: AddressBook;
  /** The Gateway reconciler's writes its informers have not shown yet. */
  ownWrites: OwnWrites;
  /** Route kinds whose CRD the cluster does not serve (reported by /readyz and at start). */
  missing: string[];
  /** The route resources in use, by served route kind (v1, or v1alpha2 on older installs). */
  routeResources: Partial<Record<L4RouteKind, ResourceDescriptor>>;
  /** Follows kube-vip's Leases (wakes Gateways when one changes holder or expires). */
  leaseTracker: LeaseTracker;
  /** The fresh read new allocations are checked against (one list per batch). */
  foreignAddresses: BatchedForeignAddresses;
}

const BUNDLE_VERSION_TTL_MS = 60_000;

/** True for a Gateway that waits for an address: none could be assigned, or the one it asks for is held by another. */
export function waitsForAddress(gateway: Gateway): boolean {
  const programmed = findCondition(gateway.status?.conditions, GatewayConditionType.Programmed);
  return programmed?.status === 'False' && (programmed.reason === GatewayReason.AddressNotAssigned || programmed.reason === GatewayReason.AddressNotUsable);
}

/**
 * Passes events that can give an address back to the pool: a deleted object that held one, or an update that dropped
 * one. With pool changes (the IPAM ConfigMap watch re-evaluates every Gateway) these are the only ways an address
 * comes free, so Gateways waiting for one need no other wake-up (and no polling).
 */
export function addressReleased<T extends KubeObject>(addressesOf: (o: T) => readonly string[]): Predicate<T> {
  return {
    create: () => false,
    update: (a, b) => {
      const kept = new Set(addressesOf(b));
      return addressesOf(a).some((address) => !kept.has(address));
    },
    delete: (o) => addressesOf(o).length > 0,
  };
}

const gatewayStatusAddresses = (g: Gateway): string[] => (g.status?.addresses ?? []).map((a) => a.value);

/**
 * The Gateway events the GatewayClass reconciler needs: those that can change whether a class is in use (its
 * finalizer), i.e. creation, deletion and a change of spec.gatewayClassName. Without it every Gateway status write
 * cost a class reconcile: 5,022 of them for 1,000 Gateways in the controller-scale benchmark (docs/benchmarks.md).
 */
export const gatewayClassUseChanged: Predicate<KubeObject> = {
  update: (a, b) => (a as Gateway).spec?.gatewayClassName !== (b as Gateway).spec?.gatewayClassName,
};

/** Reads the Gateway API bundle version from the installed Gateway CRD (cached for a minute). */
export function bundleVersionReader(client: Client, now: () => Date = () => new Date()): () => Promise<string | undefined> {
  let cached: { at: number; value: string | undefined } | undefined;
  return async () => {
    const t = now().getTime();
    if (cached && t - cached.at < BUNDLE_VERSION_TTL_MS) return cached.value;
    let value: string | undefined;
    try {
      const crd = await client.get<KubeObject>(CustomResourceDefinition, { name: `${GATEWAY_RESOURCE.plural}.${GATEWAY_RESOURCE.group}` });
      value = crd.metadata.annotations?.[BUNDLE_VERSION_ANNOTATION];
    } catch {
      value = undefined;
    }
    cached = { at: t, value };
    return value;
  };
}

/** Adds the informers, the view, the AddressBook and both controllers to a manager (which starts them). */
export async function setupGatewayControllers(manager: Manager, options: GatewayControllersOptions): Promise<GatewayControllers> {
  const now = options.now ?? (() => new Date());
  const client = manager.client;
  const events: EventSink = options.events ?? manager.eventRecorder('kube-vip.io/gateway-api-controller');
  // One informer per watched resource, on the first version the cluster serves (watched-resources.ts).
  const informers = new Map<StoreKey, { resource: ResourceDescriptor; informer: Informer<KubeObject> }>();
  const missing: string[] = [];
  for (const w of WATCHED_RESOURCES) {
    const served = w.whenAbsent === 'assume' && w.candidates.length === 1 ? w.candidates[0] : await firstServed(client, w.candidates);
    const resource = served ?? (w.whenAbsent === 'assume' ? w.candidates[0] : undefined);
    if (resource === undefined) {
      if (w.whenAbsent === 'reported') missing.push(w.store);
      continue;
    }
    const informer = manager.informer<KubeObject>(resource, { ...(w.transform ? { transform: w.transform } : {}), ...(w.fieldSelector ? { fieldSelector: w.fieldSelector } : {}) });
    for (const [name, fn] of Object.entries(w.indexers)) informer.addIndexer(name, fn);
    informers.set(w.store, { resource, informer });
  }
  const informerOf = (store: StoreKey) => informers.get(store)?.informer;
  const resourceOf = (store: StoreKey) => informers.get(store)?.resource;
  const view = new CacheView(viewStores((w: WatchedResource): StoreReader<KubeObject> => informerOf(w.store)?.store ?? emptyStore(w)));
  const gateways = informerOf('Gateway')!;
  const services = informerOf('Service')!;
  const configMaps = informerOf('ConfigMap')!;
  const leases = informerOf('Lease')!;
  const listenerSets = informerOf('ListenerSet');

  // The AddressBook follows the cluster from the first list on.
  const addresses = new AddressBook();
  addresses.setConfigMap(undefined, `${options.ipamConfigMap.namespace}/${options.ipamConfigMap.name}`);
  const { namespace: ipamNs, name: ipamName } = options.ipamConfigMap;
  const isIpamConfigMap = (o: KubeObject) => o.metadata.namespace === ipamNs && o.metadata.name === ipamName;
  gateways.addEventHandler({
    onAdd: (g) => addresses.observeGateway(g as Gateway),
    onUpdate: (_, g) => addresses.observeGateway(g as Gateway),
    onDelete: (g) => addresses.forgetGateway(g.metadata.namespace ?? '', g.metadata.name),
  });
  services.addEventHandler({
    onAdd: (s) => addresses.observeService(s as Service),
    onUpdate: (_, s) => addresses.observeService(s as Service),
    onDelete: (s) => addresses.forgetService(s.metadata.namespace ?? '', s.metadata.name),
  });
  configMaps.addEventHandler({
    onAdd: (c) => isIpamConfigMap(c) && addresses.setConfigMap(c as ConfigMap),
    onUpdate: (_, c) => isIpamConfigMap(c) && addresses.setConfigMap(c as ConfigMap),
    onDelete: (c) => isIpamConfigMap(c) && addresses.setConfigMap(undefined, `${ipamNs}/${ipamName}`),
  });

  // The Gateway reconciler's writes to Gateways and routes until these informers show them; their handlers drop entries
  // as soon as the new version (or a deletion) arrives, so the set holds only writes still in flight.
  const ownWrites = new OwnWrites();
  for (const w of WATCHED_RESOURCES) {
    const watchedNow = informers.get(w.store);
    if (!w.statusWritten || watchedNow === undefined) continue;
    watchedNow.informer.addEventHandler({
      onUpdate: (_, o) => ownWrites.observe(watchedNow.resource, o),
      onDelete: (o) => ownWrites.forget(watchedNow.resource, o.metadata),
    });
  }

  // A ListenerSet that leaves its Gateway (deleted, or its parentRef changed) is no longer linked to it by the cache:
  // recorded here, so that Gateway's reconciler removes the route status entries it wrote for it.
  const departedListenerSets = new ListenerSetDepartures();
  const depart = (o: KubeObject) => {
    for (const gw of indexListenerSetGateway(o)) departedListenerSets.record(gw, { namespace: o.metadata.namespace ?? '', name: o.metadata.name });
  };
  listenerSets?.addEventHandler({
    onUpdate: (a, b) => {
      const before = indexListenerSetGateway(a)[0];
      if (before !== undefined && before !== indexListenerSetGateway(b)[0]) depart(a);
    },
    onDelete: (o) => depart(o),
  });

  const leaseSettings = options.leases ?? DEFAULT_LEASE_SETTINGS;
  const foreignAddresses = new BatchedForeignAddresses(client);
  const gatewayMetrics = registerControllerMetrics(manager.metrics.registry, { addresses, view, controllerName: options.controllerName });
  const strategies = options.strategies ?? createStrategyRegistry();
  const routeResources: Partial<Record<L4RouteKind, ResourceDescriptor>> = {};
  for (const { kind } of SERVED_ROUTE_KINDS) {
    const res = resourceOf(kind);
    if (res) routeResources[kind] = res;
  }
  const allGateways = () => view.gateways().map((g) => `${g.metadata.namespace}/${g.metadata.name}`);
  const waitingGateways = () => view.gateways().filter(waitsForAddress).map((g) => `${g.metadata.namespace}/${g.metadata.name}`);
  const reconcile = gatewayReconciler({
    controllerName: options.controllerName,
    client,
    view,
    addresses,
    strategies,
    routeResources,
    defaults: {
      serviceBehaviour: options.serviceBehaviour,
      ...(options.loadBalancerClass ? { loadBalancerClass: options.loadBalancerClass } : {}),
      ...(options.ipamMode ? { ipamMode: options.ipamMode } : {}),
    },
    events,
    metrics: gatewayMetrics,
    now,
    ownWrites,
    departedListenerSets,
    leases: leaseSettings,
    foreignAddresses: foreignAddresses.read,
  });
  const gatewayController = manager.addController({
    name: 'gateway',
    for: GATEWAY_RESOURCE,
    concurrency: options.concurrency,
    // Our own status writes need no reconcile: only spec, metadata we act on, and deletion do.
    predicates: [or(generationChanged, labelsChanged, annotationsChanged, finalizersChanged, deletionStarted)],
    reconcile: (req, ctx) =>
      reconcile(
        { logger: ctx.logger },
        req.namespace ?? '',
        req.name,
      ),
  })
    .watches(GatewayClassResource, (c) => view.gatewaysOfClass(c.metadata.name).map((g) => `${g.metadata.namespace}/${g.metadata.name}`))
    // A freed address goes to a Gateway that waits for one (the AddressBook saw the release first: its handlers
    // were added to the informers before the controller's).
    .watches<Gateway>(GATEWAY_RESOURCE, () => waitingGateways(), { predicates: [addressReleased(gatewayStatusAddresses)] })
    .watches<Service>(ServiceResource, () => waitingGateways(), { predicates: [addressReleased(serviceAddresses)] })
    // ...and the Gateways whose addresses the Service announces: a collision to report, or one resolved.
    .watches(ServiceResource, (s) => [...view.gatewaysForService(s), ...addresses.gatewaysHolding(serviceAddresses(s as Service))])
    .watches(EndpointSliceResource, (s) => view.gatewaysForEndpointSlice(s))
    .watches(NamespaceResource, () => allGateways(), { predicates: [labelsChanged] })
    .watches(resourceOf('ReferenceGrant')!, () => allGateways())
    .watches(ConfigMapResource, (c) => (isIpamConfigMap(c) ? allGateways() : view.gatewaysForParameters(c)));
  for (const w of WATCHED_RESOURCES) {
    const res = resourceOf(w.store);
    if (w.role === 'route' && res) gatewayController.watches(res, (r) => view.gatewaysForRoute(r));
  }
  // A ListenerSet's spec (creation, deletion, listeners, parentRef: old and new parent) re-evaluates its Gateway; our
  // own status writes to it do not.
  const listenerSetResource = resourceOf('ListenerSet');
  if (listenerSetResource) gatewayController.watches(listenerSetResource, (s) => indexListenerSetGateway(s), { predicates: [or(generationChanged, labelsChanged)] });

  // kube-vip's leases: the global services lease decides every announced Gateway, a per-Service one the Gateways of
  // its Services (owner, and any Gateway holding one of its addresses). Renewals alone wake nobody (LeaseTracker).
  const isGlobalLease = (l: KubeObject) => l.metadata.namespace === leaseSettings.global.namespace && l.metadata.name === leaseSettings.global.name;
  const gatewaysOfLease = (l: LeaseObject): string[] => {
    if (isGlobalLease(l)) return leaseSettings.mode === 'service' ? [] : view.gateways().filter((g) => (g.status?.addresses ?? []).length > 0).map((g) => `${g.metadata.namespace}/${g.metadata.name}`);
    if (leaseSettings.mode === 'global') return [];
    const keys = new Set<string>();
    for (const svc of view.servicesForLease(l.metadata.namespace ?? '', l.metadata.name)) {
      for (const k of [...view.gatewaysForService(svc), ...addresses.gatewaysHolding(serviceAddresses(svc))]) keys.add(k);
    }
    return [...keys];
  };
  const leaseTracker = new LeaseTracker((l) => {
    for (const key of gatewaysOfLease(l)) gatewayController.enqueue(key);
  });
  const followed = (l: KubeObject) => isGlobalLease(l) || (leaseSettings.mode !== 'global' && view.servicesForLease(l.metadata.namespace ?? '', l.metadata.name).length > 0);
  leases.addEventHandler({
    onAdd: (l) => followed(l) && leaseTracker.observe(l as LeaseObject),
    onUpdate: (_, l) => followed(l) && leaseTracker.observe(l as LeaseObject),
    onDelete: (l) => leaseTracker.forget(l as LeaseObject),
  });

  const bundleVersion = bundleVersionReader(client, now);
  const classController = manager.addController({
    name: 'gatewayclass',
    for: GatewayClassResource,
    predicates: [or(generationChanged, finalizersChanged, deletionStarted)],
    reconcile: (req) => reconcileGatewayClass({ controllerName: options.controllerName, client, view, bundleVersion, now }, req.name),
  })
    .watches(GATEWAY_RESOURCE, (g) => [(g as Gateway).spec?.gatewayClassName].filter((n): n is string => typeof n === 'string'), {
      predicates: [gatewayClassUseChanged],
    })
    .watches(ConfigMapResource, (c) => view.classesForParameters(c));

  manager.addReadyzCheck('route-crds', () => {
    if (missing.length > 0) throw new Error(`the cluster serves no ${missing.join(' or ')} (install the Gateway API v1.6 CRDs); Gateways still get addresses`);
  });
  return { controllers: [classController, gatewayController] as Controller[], view, addresses, ownWrites, missing, routeResources, leaseTracker, foreignAddresses };
}
