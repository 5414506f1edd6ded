// What the reconcilers read: a consistent, indexed view of the cached cluster. The controller backs it with informer
// caches; tests can back it with anything. Reads never go to the API server.
import type { ConfigMap, EndpointSlice, Gateway, GatewayClass, L4Route, L4RouteKind, LeaseObject, ListenerSet, Namespace, ReferenceGrant, Service } from '@kube-vip-gw/gateway-model';

/** Read access to the cached objects the reconcilers need, with the lookups they make by index. */
export interface ClusterView {
  gatewayClass(name: string): GatewayClass | undefined;
  gatewayClasses(): GatewayClass[];
  gateway(namespace: string, name: string): Gateway | undefined;
  gateways(): Gateway[];
  /** Gateways whose spec.gatewayClassName is `className`. */
  gatewaysOfClass(className: string): Gateway[];
  /** Routes of a kind that name the Gateway in spec.parentRefs or carry a status.parents entry for it. */
  routesForGateway(kind: L4RouteKind, namespace: string, name: string): L4Route[];
  listenerSet(namespace: string, name: string): ListenerSet | undefined;
  /** ListenerSets whose spec.parentRef names the Gateway. */
  listenerSetsForGateway(namespace: string, name: string): ListenerSet[];
  /** Routes of a kind that name the ListenerSet in spec.parentRefs or carry a status.parents entry for it. */
  routesForListenerSet(kind: L4RouteKind, namespace: string, name: string): L4Route[];
  namespace(name: string): Namespace | undefined;
  service(namespace: string, name: string): Service | undefined;
  /** Services labelled with the Gateway's name (generated ones) and user Services adopted for it (`update`). */
  servicesForGateway(namespace: string, name: string): Service[];
  /** EndpointSlices of a Service (label kubernetes.io/service-name). */
  endpointSlicesForService(namespace: string, name: string): EndpointSlice[];
  /** EndpointSlices labelled with the Gateway's name (generated ones). */
  endpointSlicesForGateway(namespace: string, name: string): EndpointSlice[];
  referenceGrants(namespace: string): ReferenceGrant[];
  configMap(namespace: string, name: string): ConfigMap | undefined;
  /** A Lease (kube-vip's), if cached. */
  lease(namespace: string, name: string): LeaseObject | undefined;
  /** Services a per-Service kube-vip lease may stand for (see indexKubeVipLeases). */
  servicesForLease(namespace: string, name: string): Service[];
}
