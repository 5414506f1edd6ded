// Inputs and outputs of the mapping. The controller fills the inputs from gateway-model's results (attachment,
// backend resolution, ReferenceGrants, parameters); this package never looks anything up itself.
import type { EndpointSlice, Gateway, L4RouteKind, Service, ServicePort } from '@kube-vip-gw/gateway-model';

/** Protocol of a listener this package serves. */
export type ListenerProtocol = 'TCP' | 'UDP';

/** The listener being served: one Gateway listener that has an accepted route. */
export interface ListenerSpec {
  name: string;
  port: number;
  protocol: ListenerProtocol;
}

/** The route served on a listener (the one that wins when several attach: oldest, then namespace/name). */
export interface ServedRoute {
  kind: L4RouteKind;
  namespace: string;
  name: string;
  labels?: Readonly<Record<string, string>>;
  annotations?: Readonly<Record<string, string>>;
}

/**
 * One backendRef of the route after resolution, already filtered to what the route may use (kind Service, the
 * reference permitted by a ReferenceGrant when cross-namespace). `service` is absent when the Service does not exist:
 * only `create` can still use such a backend (for its port).
 */
export interface ServedBackend {
  name: string;
  namespace: string;
  /** backendRef.port: a port of the Service, not a target port. */
  port: number;
  /** backendRef.weight (default 1); 0 means no traffic. */
  weight: number;
  service?: Service;
  /** The backend Service's EndpointSlices (label kubernetes.io/service-name); used by `endpoints`. */
  endpointSlices: readonly EndpointSlice[];
}

/** Where a strategy name may come from, most specific first after the route's own annotation and label. */
export interface StrategyChoices {
  /** From the Gateway's parameters (spec.infrastructure.parametersRef). */
  gateway?: string;
  /** From the GatewayClass's parameters (spec.parametersRef). */
  gatewayClass?: string;
  /** The controller's `-service-behaviour` flag. */
  flag?: string;
}

/** Effective parameters for the Services of a Gateway (Gateway parameters over GatewayClass parameters over flags). */
export interface ServiceParameters {
  strategy?: StrategyChoices;
  /** Default Cluster. Local gives up the shared kube-vip lease (each Service is elected on its own). */
  externalTrafficPolicy?: 'Cluster' | 'Local';
  /** Set at creation only: Kubernetes forbids changing it on a LoadBalancer Service. */
  loadBalancerClass?: string;
  /** Overrides the policy derived from the addresses where compatible (e.g. PreferDualStack for a pair). */
  ipFamilyPolicy?: 'SingleStack' | 'PreferDualStack' | 'RequireDualStack';
  /**
   * spec.allocateLoadBalancerNodePorts of every Service; default false: kube-vip announces the address and kube-proxy
   * forwards it, so node ports would only use up the cluster's node-port range.
   */
  allocateLoadBalancerNodePorts?: boolean;
  /**
   * Delegated IPAM: `addresses` may be empty, meaning kube-vip-cloud-provider has yet to assign the address. The
   * Services are made without kube-vip.io/loadbalancerIPs (it writes it, and honours one that is there), their IP
   * families from `ipFamilies` (IPv4 when unset).
   */
  addressesDelegated?: boolean;
  /** The IP families asked for, primary first: used only while a delegated address is not assigned yet. */
  ipFamilies?: readonly ('IPv4' | 'IPv6')[];
  /** Extra labels on every produced Service and EndpointSlice (under spec.infrastructure labels). */
  labels?: Readonly<Record<string, string>>;
  /** Extra annotations on every produced Service and EndpointSlice (under spec.infrastructure annotations). */
  annotations?: Readonly<Record<string, string>>;
}

/**
 * Everything needed to serve one accepted TCP/UDP listener. `route` is absent for a listener no route attaches to: it
 * still gets its port on the Gateway Service (no endpoints, so connections are refused), so the address is on a
 * Service from the moment the Gateway has it.
 */
export interface ServedListener {
  gateway: Gateway;
  gatewayClassName: string;
  /** The Gateway's assigned address, or an IPv4 + IPv6 pair (primary family first). */
  addresses: readonly string[];
  listener: ListenerSpec;
  route?: ServedRoute;
  backends: readonly ServedBackend[];
  parameters: ServiceParameters;
}

/** A listener with the route it serves: what a per-route strategy works on. */
export type RoutedListener = ServedListener & { route: ServedRoute };

/** How bad a problem is: an Error means the listener is not served at all; a Warning is served with a caveat. */
export type ProblemSeverity = 'Error' | 'Warning';

/** Machine-readable kind of a problem (CamelCase, usable as a condition reason). */
export type ProblemReason =
  | 'UnknownStrategy'
  | 'StrategyCannotExpress'
  | 'BackendPortNotFound'
  | 'InvalidSelector'
  | 'InvalidAddresses'
  | 'InvalidInput'
  | 'InvalidStrategyOutput'
  | 'LocalTrafficPolicy'
  | 'ReservedKeyIgnored'
  | 'InvalidMetadataIgnored'
  | 'IPFamilyPolicyIgnored'
  | 'WeightsApproximated'
  | 'BackendSkipped'
  | 'PortConflict'
  | 'NameConflict'
  | 'ServiceAdoptedElsewhere'
  | 'InvalidUpdateRecord'
  | 'AdoptedServiceNotFound'
  | 'AdoptionConflict'
  | 'MultipleServicesForAddress';

/** Something the controller must report as a condition (and in events/logs); never a silent half-result. */
export interface MappingProblem {
  severity: ProblemSeverity;
  reason: ProblemReason;
  message: string;
}

/** A problem tied to the listener (and the route, when it has one) it came from. */
export interface ListenerProblem extends MappingProblem {
  listener: string;
  route?: { kind: L4RouteKind; namespace: string; name: string };
}

/**
 * What `update` wants on a user's Service. The change itself is computed against the live object by `planChanges`,
 * which records the original values so `planChanges` can later restore them exactly.
 */
export interface ServiceAdoption {
  namespace: string;
  name: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  externalTrafficPolicy: 'Cluster' | 'Local';
  loadBalancerClass?: string;
  /**
   * Set (the mapper stamps the parameter's value) only on a Service that was neither LoadBalancer nor NodePort before
   * adoption: one the user made external keeps its node ports. Absent leaves the field as it is.
   */
  allocateLoadBalancerNodePorts?: boolean;
  /** Ports that must exist (matched by port number and protocol); existing ports are never removed. */
  ports: ServicePort[];
}

/** What a strategy returns for one listener. Services it returns are finished by the mapper (see README). */
export interface StrategyResult {
  services?: Service[];
  endpointSlices?: EndpointSlice[];
  adoptions?: ServiceAdoption[];
  problems?: MappingProblem[];
}

/** The desired objects for one listener, after the mapper finished and validated the strategy's output. */
export interface ListenerDesired {
  listener: string;
  /** Absent for a listener without a route. */
  route?: ServedRoute;
  /**
   * The strategy that ran (undefined when none could be chosen): `gateway` for a listener on the Gateway Service (its
   * `services` then holds that shared Service, and `endpointSlices` the slices of this listener's port).
   */
  strategy?: string;
  services: Service[];
  endpointSlices: EndpointSlice[];
  adoptions: ServiceAdoption[];
  problems: MappingProblem[];
}

/** The desired objects for a whole Gateway: the input of `planChanges`. */
export interface GatewayDesired {
  gateway: GatewayIdentity;
  services: Service[];
  endpointSlices: EndpointSlice[];
  adoptions: ServiceAdoption[];
  listeners: ListenerDesired[];
  problems: ListenerProblem[];
  /** Problems of the Gateway as a whole (several Services for one address; parameters of the Gateway Service). */
  gatewayProblems: MappingProblem[];
}

/** Namespace, name and uid of a Gateway: what ownership and adoption records are checked against. */
export interface GatewayIdentity {
  namespace: string;
  name: string;
  uid: string;
}
