// Narrow, hand-written types for the Kubernetes and Gateway API objects this project reads and writes.
// Only the fields we use are typed; everything else passes through untouched (index signatures keep unknown
// fields, so a read-modify-write never drops what a newer API version added). Hand-written rather than taken from
// @kubernetes-models/gateway-api: that package pulls a validation runtime into every consumer and lags the spec
// (it ships v1.5.1 CRDs), while we need v1.6.1's v1 TCPRoute/UDPRoute.
import type { ServedRouteKind } from './kinds.js';

// Object metadata, metav1.Condition and metav1.LabelSelector are kube-core's (one definition for every package).
import type { Condition, KubeObject, LabelSelector } from '@kube-vip-gw/kube-core';

export type { Condition, KubeObject, LabelSelector, ObjectMeta, OwnerReference } from '@kube-vip-gw/kube-core';

// ---------------------------------------------------------------------------------------------------------------
// Gateway API (gateway.networking.k8s.io)

/** A reference to a parameters object (GatewayClass.spec.parametersRef). */
export interface ParametersReference {
  group: string;
  kind: string;
  name: string;
  namespace?: string;
}

/** gateway.networking.k8s.io/v1 GatewayClass. */
export interface GatewayClass extends KubeObject {
  spec: { controllerName: string; parametersRef?: ParametersReference; description?: string };
  status?: { conditions?: Condition[]; supportedFeatures?: { name: string }[] };
}

/** A kind of route a listener accepts. */
export interface RouteGroupKind {
  group?: string;
  kind: string;
}

/** Listener.allowedRoutes. */
export interface AllowedRoutes {
  namespaces?: { from?: 'All' | 'Same' | 'Selector' | 'None'; selector?: LabelSelector };
  kinds?: RouteGroupKind[];
}

/** One Gateway listener. */
export interface Listener {
  name: string;
  hostname?: string;
  port: number;
  protocol: string;
  tls?: unknown;
  allowedRoutes?: AllowedRoutes;
}

/** An entry of Gateway.spec.addresses (value optional: empty means "assign one"). */
export interface GatewaySpecAddress {
  type?: string;
  value?: string;
}

/** An entry of Gateway.status.addresses. */
export interface GatewayStatusAddress {
  type?: string;
  value: string;
}

/** Listener status. */
export interface ListenerStatus {
  name: string;
  supportedKinds: RouteGroupKind[];
  attachedRoutes: number;
  conditions: Condition[];
}

/** gateway.networking.k8s.io/v1 Gateway. */
export interface Gateway extends KubeObject {
  spec: {
    gatewayClassName: string;
    listeners: Listener[];
    addresses?: GatewaySpecAddress[];
    infrastructure?: {
      labels?: Record<string, string>;
      annotations?: Record<string, string>;
      parametersRef?: { group: string; kind: string; name: string };
    };
    /** Which namespaces' ListenerSets may attach (default: none). */
    allowedListeners?: AllowedListeners;
    [extra: string]: unknown;
  };
  status?: {
    addresses?: GatewayStatusAddress[];
    conditions?: Condition[];
    listeners?: ListenerStatus[];
    /** ListenerSets attached to the Gateway (Accepted=True). */
    attachedListenerSets?: number;
    [extra: string]: unknown;
  };
}

/** Gateway.spec.allowedListeners. */
export interface AllowedListeners {
  namespaces?: { from?: 'All' | 'Same' | 'Selector' | 'None'; selector?: LabelSelector };
}

/** ListenerSet.spec.parentRef: the Gateway the listeners are added to. */
export interface ParentGatewayReference {
  group?: string;
  kind?: string;
  namespace?: string;
  name: string;
}

/** gateway.networking.k8s.io/v1 ListenerSet (GEP-1713): listeners added to a Gateway from another object. */
export interface ListenerSet extends KubeObject {
  spec: { parentRef: ParentGatewayReference; listeners: Listener[]; [extra: string]: unknown };
  status?: { conditions?: Condition[]; listeners?: ListenerStatus[]; [extra: string]: unknown };
}

/** A route's reference to its parent Gateway (and optionally a listener of it). */
export interface ParentReference {
  group?: string;
  kind?: string;
  namespace?: string;
  name: string;
  sectionName?: string;
  port?: number;
}

/** A route's reference to a backend (a Service port, usually). */
export interface BackendRef {
  group?: string;
  kind?: string;
  name: string;
  namespace?: string;
  port?: number;
  weight?: number;
}

/** One rule of a TCPRoute/UDPRoute (v1 allows exactly one; v1alpha2 up to 16). */
export interface L4RouteRule {
  name?: string;
  backendRefs?: BackendRef[];
}

/** One entry of a route's status.parents. */
export interface RouteParentStatus {
  parentRef: ParentReference;
  controllerName: string;
  conditions: Condition[];
}

/** The route kinds this project serves (the served entries of kinds.ts's ROUTE_KINDS). */
export type L4RouteKind = ServedRouteKind;

/** gateway.networking.k8s.io TCPRoute or UDPRoute (v1, or deprecated v1alpha2). */
export interface L4Route extends KubeObject {
  kind?: L4RouteKind;
  spec: { parentRefs?: ParentReference[]; rules: L4RouteRule[]; [extra: string]: unknown };
  status?: { parents?: RouteParentStatus[] };
}

/** gateway.networking.k8s.io ReferenceGrant (v1beta1 storage, v1 served). Lives in the target namespace. */
export interface ReferenceGrant extends KubeObject {
  spec: {
    from: { group: string; kind: string; namespace: string }[];
    to: { group: string; kind: string; name?: string }[];
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Core and discovery objects

/** One port of a Service. */
export interface ServicePort {
  name?: string;
  protocol?: 'TCP' | 'UDP' | 'SCTP';
  port: number;
  targetPort?: number | string;
  nodePort?: number;
  appProtocol?: string;
}

/** v1 Service. */
export interface Service extends KubeObject {
  spec?: {
    type?: 'ClusterIP' | 'NodePort' | 'LoadBalancer' | 'ExternalName';
    selector?: Record<string, string>;
    ports?: ServicePort[];
    clusterIP?: string;
    clusterIPs?: string[];
    loadBalancerIP?: string;
    loadBalancerClass?: string;
    externalTrafficPolicy?: 'Cluster' | 'Local';
    ipFamilyPolicy?: 'SingleStack' | 'PreferDualStack' | 'RequireDualStack';
    ipFamilies?: ('IPv4' | 'IPv6')[];
    externalName?: string;
    allocateLoadBalancerNodePorts?: boolean;
    [extra: string]: unknown;
  };
  status?: {
    loadBalancer?: { ingress?: { ip?: string; hostname?: string; ports?: { port: number; protocol: string }[] }[] };
    [extra: string]: unknown;
  };
}

/** One endpoint of an EndpointSlice. */
export interface Endpoint {
  addresses: string[];
  conditions?: { ready?: boolean; serving?: boolean; terminating?: boolean };
  hostname?: string;
  nodeName?: string;
  zone?: string;
  targetRef?: { kind?: string; namespace?: string; name?: string; uid?: string };
}

/** discovery.k8s.io/v1 EndpointSlice. */
export interface EndpointSlice extends KubeObject {
  addressType: 'IPv4' | 'IPv6' | 'FQDN';
  endpoints: Endpoint[];
  ports?: { name?: string; protocol?: string; port?: number; appProtocol?: string }[];
}

/** v1 Namespace. */
export interface Namespace extends KubeObject {
  spec?: { finalizers?: string[] };
  status?: { phase?: string };
}

/** v1 ConfigMap. */
export interface ConfigMap extends KubeObject {
  data?: Record<string, string>;
}
