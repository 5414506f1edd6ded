// Every Gateway API string this project writes or compares: groups, kinds, condition types, reasons, labels,
// annotations, the finalizer and feature names. Other packages import these instead of spelling strings out.
// Values are those of sigs.k8s.io/gateway-api v1.6.1 (apis/v1, pkg/features).

/** The API group of the Gateway API. */
export const GATEWAY_API_GROUP = 'gateway.networking.k8s.io';

/** The core API group ("" in references such as backendRefs). */
export const CORE_GROUP = '';

/** Object kinds this project reads or refers to. */
export const Kind = {
  Gateway: 'Gateway',
  GatewayClass: 'GatewayClass',
  TCPRoute: 'TCPRoute',
  UDPRoute: 'UDPRoute',
  ReferenceGrant: 'ReferenceGrant',
  ListenerSet: 'ListenerSet',
  Service: 'Service',
  ConfigMap: 'ConfigMap',
} as const;

/** Listener protocols this implementation serves (HTTP, HTTPS, TLS and custom ones are reported as unsupported). */
export const ListenerProtocol = { TCP: 'TCP', UDP: 'UDP' } as const;

/** A listener protocol this implementation serves. */
export type SupportedProtocol = (typeof ListenerProtocol)[keyof typeof ListenerProtocol];

/** Gateway address types (only IPAddress is supported; the others get UnsupportedAddress). */
export const AddressType = { IPAddress: 'IPAddress', Hostname: 'Hostname', NamedAddress: 'NamedAddress' } as const;

/** allowedRoutes.namespaces.from values valid for routes (None exists only for ListenerSets). */
export const FromNamespaces = { All: 'All', Same: 'Same', Selector: 'Selector' } as const;

/** The label the API server puts on every Namespace with its own name; used to match namespaces by name. */
export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

/** Condition types on a GatewayClass. */
export const GatewayClassConditionType = { Accepted: 'Accepted', SupportedVersion: 'SupportedVersion' } as const;

/** Condition reasons on a GatewayClass. */
export const GatewayClassReason = {
  Accepted: 'Accepted',
  InvalidParameters: 'InvalidParameters',
  Unsupported: 'Unsupported',
  UnsupportedVersion: 'UnsupportedVersion',
  Pending: 'Pending',
  SupportedVersion: 'SupportedVersion',
} as const;

/** Condition types on a Gateway, including our domain-prefixed announcement condition (a domain-prefixed, implementation-specific type, as the Gateway API condition conventions ask). */
export const GatewayConditionType = {
  Accepted: 'Accepted',
  Programmed: 'Programmed',
  /** Custom: kube-vip announces the address from one node and is alive (see announcement.ts). */
  Announced: 'kube-vip.io/Announced',
} as const;

/** Condition reasons on a Gateway. */
export const GatewayReason = {
  Accepted: 'Accepted',
  ListenersNotValid: 'ListenersNotValid',
  Invalid: 'Invalid',
  InvalidParameters: 'InvalidParameters',
  UnsupportedAddress: 'UnsupportedAddress',
  Pending: 'Pending',
  Programmed: 'Programmed',
  NoResources: 'NoResources',
  AddressNotAssigned: 'AddressNotAssigned',
  AddressNotUsable: 'AddressNotUsable',
  /** Custom, for the Announced condition (its other reasons: AnnouncementReason). */
  Announced: 'Announced',
} as const;

/** Condition types on a listener status. */
export const ListenerConditionType = {
  Accepted: 'Accepted',
  Programmed: 'Programmed',
  ResolvedRefs: 'ResolvedRefs',
  Conflicted: 'Conflicted',
} as const;

/** Condition reasons on a listener status. */
export const ListenerReason = {
  Accepted: 'Accepted',
  PortUnavailable: 'PortUnavailable',
  UnsupportedProtocol: 'UnsupportedProtocol',
  UnsupportedValue: 'UnsupportedValue',
  Pending: 'Pending',
  Programmed: 'Programmed',
  Invalid: 'Invalid',
  ResolvedRefs: 'ResolvedRefs',
  InvalidRouteKinds: 'InvalidRouteKinds',
  RefNotPermitted: 'RefNotPermitted',
  HostnameConflict: 'HostnameConflict',
  ProtocolConflict: 'ProtocolConflict',
  NoConflicts: 'NoConflicts',
} as const;

/** Gateway.spec.allowedListeners.namespaces.from values (None is the default). */
export const FromListenerNamespaces = { All: 'All', Same: 'Same', Selector: 'Selector', None: 'None' } as const;

/** Condition types on a ListenerSet (its listeners use ListenerConditionType). */
export const ListenerSetConditionType = { Accepted: 'Accepted', Programmed: 'Programmed' } as const;

/** Condition reasons on a ListenerSet (apis/v1 listenerset_types.go). */
export const ListenerSetReason = {
  Accepted: 'Accepted',
  NotAllowed: 'NotAllowed',
  ParentNotAccepted: 'ParentNotAccepted',
  ListenersNotValid: 'ListenersNotValid',
  Invalid: 'Invalid',
  Pending: 'Pending',
  Programmed: 'Programmed',
  ParentNotProgrammed: 'ParentNotProgrammed',
} as const;

/** Condition types on a route's status.parents entry. */
export const RouteConditionType = {
  Accepted: 'Accepted',
  ResolvedRefs: 'ResolvedRefs',
  PartiallyInvalid: 'PartiallyInvalid',
} as const;

/** Condition reasons on a route's status.parents entry. */
export const RouteReason = {
  Accepted: 'Accepted',
  NotAllowedByListeners: 'NotAllowedByListeners',
  NoMatchingParent: 'NoMatchingParent',
  NoMatchingListenerHostname: 'NoMatchingListenerHostname',
  UnsupportedValue: 'UnsupportedValue',
  Pending: 'Pending',
  ResolvedRefs: 'ResolvedRefs',
  RefNotPermitted: 'RefNotPermitted',
  InvalidKind: 'InvalidKind',
  BackendNotFound: 'BackendNotFound',
  UnsupportedProtocol: 'UnsupportedProtocol',
} as const;

/** Finalizer put on a GatewayClass while Gateways use it (GatewayClassFinalizerGatewaysExist). */
export const GATEWAY_EXISTS_FINALIZER = 'gateway-exists-finalizer.gateway.networking.k8s.io';

/** Annotation on the Gateway API CRDs carrying the release they come from (e.g. "v1.6.1"). */
export const BUNDLE_VERSION_ANNOTATION = 'gateway.networking.k8s.io/bundle-version';

/** Annotation on the Gateway API CRDs carrying their channel ("standard" or "experimental"). */
export const CHANNEL_ANNOTATION = 'gateway.networking.k8s.io/channel';

/** Label every object generated for a Gateway carries with the Gateway's name (GEP-1762, MUST). */
export const GATEWAY_NAME_LABEL = 'gateway.networking.k8s.io/gateway-name';

/** Label every object generated for a Gateway carries with its GatewayClass's name (GEP-1762, SHOULD). */
export const GATEWAY_CLASS_NAME_LABEL = 'gateway.networking.k8s.io/gateway-class-name';

/** Gateway API feature names this implementation can claim in GatewayClass status.supportedFeatures. */
export const Feature = {
  Gateway: 'Gateway',
  GatewayAddressEmpty: 'GatewayAddressEmpty',
  GatewayInfrastructurePropagation: 'GatewayInfrastructurePropagation',
  GatewayStaticAddresses: 'GatewayStaticAddresses',
  ReferenceGrant: 'ReferenceGrant',
  TCPRoute: 'TCPRoute',
  UDPRoute: 'UDPRoute',
} as const;

/** A feature name this implementation can claim. */
export type FeatureName = (typeof Feature)[keyof typeof Feature];

/** Every claimable feature, sorted ascending as status.supportedFeatures must be. */
export const CLAIMABLE_FEATURES: readonly FeatureName[] = Object.values(Feature).sort();

/** Gateway API minor releases whose CRDs this implementation supports (TCPRoute/UDPRoute v1 exist from v1.6). */
export const SUPPORTED_BUNDLE_MINORS: readonly string[] = ['v1.6'];

/** Largest weight a backendRef may carry. */
export const MAX_BACKEND_WEIGHT = 1_000_000;

/** Most entries a route's status.parents may hold (CRD maxItems). */
export const MAX_ROUTE_PARENTS = 32;

/** Longest condition message the API server accepts. */
export const MAX_CONDITION_MESSAGE_LENGTH = 32_768;
