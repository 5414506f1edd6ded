// The ClusterView the controller runs on: informer stores plus the secondary indexes the reconcilers and the event
// mapping look things up by. Index functions are exported so the wiring registers exactly these.
import {
  GATEWAY_API_GROUP,
  SERVED_ROUTE_KINDS,
  KUBE_VIP_LEASE_NAME_ANNOTATION,
  KUBE_VIP_SERVICE_LEASE_PREFIX,
  Kind,
  type ConfigMap,
  type EndpointSlice,
  type Gateway,
  type GatewayClass,
  type KubeObject,
  type L4Route,
  type L4RouteKind,
  type LeaseObject,
  type ListenerSet,
  type Namespace,
  type ReferenceGrant,
  type Service,
} from '@kube-vip-gw/gateway-model';
import { SERVICE_NAME_LABEL } from '@kube-vip-gw/service-mapper';
import type { StoreReader } from '@kube-vip-gw/controller-runtime';
import { serviceOwner } from './address-book.js';
import type { ClusterView } from './view.js';

/** Index names. */
export const Index = {
  /** Gateway by spec.gatewayClassName. */
  gatewayClass: 'gatewayClass',
  /** Route by the `ns/name` of every Gateway it names in parentRefs or has a status.parents entry for. */
  parentGateway: 'parentGateway',
  /** Route by the `ns/name` of every Service its backendRefs name. */
  backendService: 'backendService',
  /** Service / EndpointSlice by the `ns/name` of the Gateway it was made or adopted for. */
  owningGateway: 'owningGateway',
  /** EndpointSlice by the `ns/name` of its Service. */
  service: 'service',
  /** Service by the `ns/name` of every kube-vip lease that may stand for it (kube-vip.io/leaseName, kubevip-<name>). */
  kubeVipLease: 'kubeVipLease',
  /** Route by the `ns/name` of every ListenerSet it names in parentRefs or has a status.parents entry for. */
  parentListenerSet: 'parentListenerSet',
  /** ListenerSet by the `ns/name` of the Gateway its spec.parentRef names. */
  listenerSetGateway: 'listenerSetGateway',
} as const;

/** Gateway -> its class name. */
export function indexGatewayClass(gateway: KubeObject): string[] {
  const name = (gateway as Gateway).spec?.gatewayClassName;
  return typeof name === 'string' ? [name] : [];
}

/** Route -> the Gateways it refers to (defaulted parentRefs of kind Gateway) or carries status for. */
export function indexParentGateways(obj: KubeObject): string[] {
  const route = obj as L4Route;
  const ns = route.metadata.namespace ?? '';
  const keys = new Set<string>();
  const add = (ref: { group?: string; kind?: string; namespace?: string; name?: string } | undefined) => {
    if (!ref || typeof ref.name !== 'string') return;
    if ((ref.group ?? GATEWAY_API_GROUP) !== GATEWAY_API_GROUP || (ref.kind ?? Kind.Gateway) !== Kind.Gateway) return;
    keys.add(`${ref.namespace ?? ns}/${ref.name}`);
  };
  for (const ref of Array.isArray(route.spec?.parentRefs) ? route.spec.parentRefs : []) add(ref);
  for (const parent of Array.isArray(route.status?.parents) ? route.status.parents : []) add(parent?.parentRef);
  return [...keys];
}

/** Route -> the ListenerSets it refers to (parentRefs of kind ListenerSet) or carries status for. */
export function indexParentListenerSets(obj: KubeObject): string[] {
  const route = obj as L4Route;
  const ns = route.metadata.namespace ?? '';
  const keys = new Set<string>();
  const add = (ref: { group?: string; kind?: string; namespace?: string; name?: string } | undefined) => {
    if (!ref || typeof ref.name !== 'string') return;
    if ((ref.group ?? GATEWAY_API_GROUP) !== GATEWAY_API_GROUP || ref.kind !== Kind.ListenerSet) return;
    keys.add(`${ref.namespace || ns}/${ref.name}`);
  };
  for (const ref of Array.isArray(route.spec?.parentRefs) ? route.spec.parentRefs : []) add(ref);
  for (const parent of Array.isArray(route.status?.parents) ? route.status.parents : []) add(parent?.parentRef);
  return [...keys];
}

/** ListenerSet -> the Gateway its spec.parentRef names (group and kind defaulted, namespace its own by default). */
export function indexListenerSetGateway(obj: KubeObject): string[] {
  const ref = (obj as ListenerSet).spec?.parentRef;
  if (!ref || typeof ref.name !== 'string') return [];
  if ((ref.group ?? GATEWAY_API_GROUP) !== GATEWAY_API_GROUP || (ref.kind ?? Kind.Gateway) !== Kind.Gateway) return [];
  return [`${ref.namespace || (obj.metadata.namespace ?? '')}/${ref.name}`];
}

/** Route -> the Services its backendRefs name (core Services only). */
export function indexBackendServices(obj: KubeObject): string[] {
  const route = obj as L4Route;
  const ns = route.metadata.namespace ?? '';
  const keys = new Set<string>();
  for (const rule of Array.isArray(route.spec?.rules) ? route.spec.rules : []) {
    for (const ref of Array.isArray(rule?.backendRefs) ? rule.backendRefs : []) {
      if ((ref.group ?? '') === '' && (ref.kind ?? Kind.Service) === Kind.Service && typeof ref.name === 'string') keys.add(`${ref.namespace ?? ns}/${ref.name}`);
    }
  }
  return [...keys];
}

/** Service -> the Gateway it belongs to (generated for it, or adopted by `update`). */
export function indexOwningGatewayOfService(obj: KubeObject): string[] {
  const owner = serviceOwner(obj as Service);
  return owner.startsWith('Gateway/') ? [owner.slice('Gateway/'.length)] : [];
}

/**
 * Service -> the per-Service kube-vip leases that may stand for it: `kubevip-<name>` in its namespace (kube-vip
 * v1.0.0 with svc_election=true), and its kube-vip.io/leaseName (newer kube-vip), so a Lease event finds its Services.
 */
export function indexKubeVipLeases(obj: KubeObject): string[] {
  const ns = obj.metadata.namespace ?? '';
  const keys = [`${ns}/${KUBE_VIP_SERVICE_LEASE_PREFIX}${obj.metadata.name}`];
  const named = obj.metadata.annotations?.[KUBE_VIP_LEASE_NAME_ANNOTATION]?.trim();
  if (named) keys.push(named.includes('/') ? named : `${ns}/${named}`);
  return [...new Set(keys)];
}

/** EndpointSlice -> the Gateway that owns it (controller owner reference). */
export function indexOwningGatewayOfSlice(obj: KubeObject): string[] {
  const ref = (obj.metadata.ownerReferences ?? []).find((r) => r.kind === Kind.Gateway && r.controller === true);
  return ref ? [`${obj.metadata.namespace ?? ''}/${ref.name}`] : [];
}

/** EndpointSlice -> its Service. */
export function indexSliceService(obj: KubeObject): string[] {
  const svc = obj.metadata.labels?.[SERVICE_NAME_LABEL];
  return svc ? [`${obj.metadata.namespace ?? ''}/${svc}`] : [];
}

/** An index function: the keys an object is found by. */
export type Indexer = (obj: KubeObject) => string[];

/** The indexes every route store carries, whatever its kind. */
export const ROUTE_INDEXERS: Readonly<Record<string, Indexer>> = {
  [Index.parentGateway]: indexParentGateways,
  [Index.backendService]: indexBackendServices,
  [Index.parentListenerSet]: indexParentListenerSets,
};

/**
 * The stores the view reads, one per watched resource (watched-resources.ts), keyed by kind; one per served route
 * kind among them.
 */
export type ViewStores = {
  GatewayClass: StoreReader<GatewayClass>;
  Gateway: StoreReader<Gateway>;
  ListenerSet: StoreReader<ListenerSet>;
  Namespace: StoreReader<Namespace>;
  Service: StoreReader<Service>;
  EndpointSlice: StoreReader<EndpointSlice>;
  ReferenceGrant: StoreReader<ReferenceGrant>;
  ConfigMap: StoreReader<ConfigMap>;
  /** kube-vip's Leases (absent: every lookup finds none). */
  Lease?: StoreReader<LeaseObject> | undefined;
} & { [K in L4RouteKind]: StoreReader<L4Route> };

/** The key of one store of the view. */
export type StoreKey = keyof ViewStores;

/** A ClusterView over informer stores (which must carry the indexes above). */
export class CacheView implements ClusterView {
  constructor(private readonly stores: ViewStores) {}

  gatewayClass(name: string) {
    return this.stores.GatewayClass.get(name);
  }
  gatewayClasses() {
    return this.stores.GatewayClass.list();
  }
  gateway(namespace: string, name: string) {
    return this.stores.Gateway.get(`${namespace}/${name}`);
  }
  gateways() {
    return this.stores.Gateway.list();
  }
  gatewaysOfClass(className: string) {
    return this.stores.Gateway.byIndex(Index.gatewayClass, className);
  }
  routesForGateway(kind: L4RouteKind, namespace: string, name: string) {
    // List responses carry no kind; the model needs to know which kind each route is.
    return this.stores[kind].byIndex(Index.parentGateway, `${namespace}/${name}`).map((r: L4Route) => (r.kind === kind ? r : { ...r, kind }));
  }
  listenerSet(namespace: string, name: string) {
    return this.stores.ListenerSet.get(`${namespace}/${name}`);
  }
  listenerSetsForGateway(namespace: string, name: string) {
    return this.stores.ListenerSet.byIndex(Index.listenerSetGateway, `${namespace}/${name}`);
  }
  routesForListenerSet(kind: L4RouteKind, namespace: string, name: string) {
    return this.stores[kind].byIndex(Index.parentListenerSet, `${namespace}/${name}`).map((r: L4Route) => (r.kind === kind ? r : { ...r, kind }));
  }
  /** Gateway keys a route's events concern: the Gateways it names, and the parents of the ListenerSets it names. */
  gatewaysForRoute(route: KubeObject): string[] {
    const keys = new Set(indexParentGateways(route));
    for (const lsKey of indexParentListenerSets(route)) {
      const [ns, name] = lsKey.split('/') as [string, string];
      const ls = this.listenerSet(ns, name);
      if (ls) for (const gw of indexListenerSetGateway(ls)) keys.add(gw);
    }
    return [...keys];
  }
  namespace(name: string) {
    return this.stores.Namespace.get(name);
  }
  service(namespace: string, name: string) {
    return this.stores.Service.get(`${namespace}/${name}`);
  }
  servicesForGateway(namespace: string, name: string) {
    return this.stores.Service.byIndex(Index.owningGateway, `${namespace}/${name}`);
  }
  endpointSlicesForService(namespace: string, name: string) {
    return this.stores.EndpointSlice.byIndex(Index.service, `${namespace}/${name}`);
  }
  endpointSlicesForGateway(namespace: string, name: string) {
    return this.stores.EndpointSlice.byIndex(Index.owningGateway, `${namespace}/${name}`);
  }
  referenceGrants(namespace: string) {
    return this.stores.ReferenceGrant.listNamespace(namespace);
  }
  configMap(namespace: string, name: string) {
    return this.stores.ConfigMap.get(`${namespace}/${name}`);
  }
  lease(namespace: string, name: string) {
    return this.stores.Lease?.get(`${namespace}/${name}`);
  }
  servicesForLease(namespace: string, name: string) {
    return this.stores.Service.byIndex(Index.kubeVipLease, `${namespace}/${name}`);
  }

  /** Gateway keys (`ns/name`) affected by a change of this Service: its owner, and the parents of routes using it. */
  gatewaysForService(service: KubeObject): string[] {
    const key = `${service.metadata.namespace ?? ''}/${service.metadata.name}`;
    const keys = new Set(indexOwningGatewayOfService(service));
    for (const { kind } of SERVED_ROUTE_KINDS) {
      for (const route of this.stores[kind].byIndex(Index.backendService, key)) for (const gw of this.gatewaysForRoute(route)) keys.add(gw);
    }
    return [...keys];
  }

  /** Gateway keys affected by a change of this EndpointSlice: its owner, and those of its Service. */
  gatewaysForEndpointSlice(slice: KubeObject): string[] {
    const keys = new Set(indexOwningGatewayOfSlice(slice));
    for (const svcKey of indexSliceService(slice)) {
      const [ns, name] = svcKey.split('/') as [string, string];
      const svc = this.service(ns, name) ?? { metadata: { namespace: ns, name } };
      for (const gw of this.gatewaysForService(svc)) keys.add(gw);
    }
    return [...keys];
  }

  /** Gateway keys whose parameters (or whose class's parameters) are this ConfigMap. */
  gatewaysForParameters(configMap: KubeObject): string[] {
    const ns = configMap.metadata.namespace ?? '';
    const name = configMap.metadata.name;
    const keys = new Set<string>();
    for (const gw of this.stores.Gateway.listNamespace(ns)) {
      const ref = gw.spec?.infrastructure?.parametersRef;
      if (ref && ref.kind === 'ConfigMap' && ref.name === name) keys.add(`${ns}/${gw.metadata.name}`);
    }
    for (const cls of this.classesForParameters(configMap)) for (const gw of this.gatewaysOfClass(cls)) keys.add(`${gw.metadata.namespace}/${gw.metadata.name}`);
    return [...keys];
  }

  /** GatewayClass names whose spec.parametersRef is this ConfigMap. */
  classesForParameters(configMap: KubeObject): string[] {
    return this.gatewayClasses()
      .filter((c: GatewayClass) => {
        const ref = c.spec?.parametersRef;
        return ref && ref.kind === 'ConfigMap' && (ref.group ?? '') === '' && ref.namespace === configMap.metadata.namespace && ref.name === configMap.metadata.name;
      })
      .map((c: GatewayClass) => c.metadata.name);
  }
}
