// Label and annotation keys on the objects this package generates or adopts, and on the routes it reads.
import { GATEWAY_API_GROUP, GATEWAY_CLASS_NAME_LABEL, GATEWAY_NAME_LABEL } from '@kube-vip-gw/gateway-model';

// The GEP-1762 labels (gateway-name, gateway-class-name) are defined once, in gateway-model; re-exported here
// because every generated object carries them.
export { GATEWAY_CLASS_NAME_LABEL, GATEWAY_NAME_LABEL };

/** Label kube-vip-cloud-provider uses to count a Service's address as in use. */
export const IMPLEMENTATION_LABEL = 'implementation';

/** Value of IMPLEMENTATION_LABEL the cloud provider looks for. */
export const IMPLEMENTATION_VALUE = 'kube-vip';

/** Standard label naming the tool that manages an object. */
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';

/** Value of MANAGED_BY_LABEL on everything this controller writes. */
export const MANAGED_BY_VALUE = 'kube-vip-gateway-api';

/** Annotation kube-vip reads the addresses to announce from (comma-separated, primary family first). */
export const LOADBALANCER_IPS_ANNOTATION = 'kube-vip.io/loadbalancerIPs';

/** Annotation naming the kube-vip lease; one shared lease per Gateway keeps all its listeners on one node. */
export const LEASE_NAME_ANNOTATION = 'kube-vip.io/leaseName';

/** Annotations kube-vip writes on Services it announces; we never set, change or remove them. */
export const KUBE_VIP_WRITTEN_ANNOTATIONS: readonly string[] = [
  'kube-vip.io/vipHost',
  'kube-vip.io/hwaddr',
  'kube-vip.io/requestedIP',
];

/** EndpointSlice label linking a slice to its Service (read by kube-proxy). */
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

/** EndpointSlice label naming the slice's manager, so the built-in controllers leave our slices alone. */
export const ENDPOINT_SLICE_MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by';

/** Our value of ENDPOINT_SLICE_MANAGED_BY_LABEL (the Kubernetes convention is `<controller>.<domain>`). */
export const ENDPOINT_SLICE_MANAGED_BY_VALUE = 'gateway-api-controller.kube-vip.io';

/** Route annotation choosing the Service strategy for that route (`duplicate`, `create`, `update`, `endpoints`, `auto`, or a custom name). */
export const SERVICE_BEHAVIOUR_ANNOTATION = 'kube-vip.io/service-behaviour';

/** The original controller's route label choosing the strategy; still honoured after the annotation. */
export const SERVICE_BEHAVIOUR_LABEL = 'serviceBehaviour';

/** The original controller's route label holding the selector key of `create`. */
export const SELECTOR_KEY_LABEL = 'selectorkey';

/** The original controller's route label holding the selector value of `create`. */
export const SELECTOR_VALUE_LABEL = 'selectorvalue';

/** Route annotation with a full label selector for `create` (`app=x,tier=web` or JSON `{"matchLabels":{...}}`). */
export const ROUTE_SELECTOR_ANNOTATION = 'kube-vip.io/route-selector';

/**
 * Our own bookkeeping lives under this prefix rather than kube-vip.io/, which belongs to the announcer: kube-vip reacts
 * to its annotations, and ours must never be mistaken for its configuration.
 */
export const BOOKKEEPING_PREFIX = 'gateway.kube-vip.io/';

/** Annotation on objects we own listing the label and annotation keys we set, so a key we stop setting is removed. */
export const OWNED_METADATA_ANNOTATION = `${BOOKKEEPING_PREFIX}owned-metadata`;

/** Annotation on a user's Service adopted by `update`: what we changed and the original values, to restore exactly. */
export const UPDATE_RECORD_ANNOTATION = `${BOOKKEEPING_PREFIX}update-record`;

/** Labels no strategy, parameter or `spec.infrastructure` may override: they identify and count our objects. */
export const RESERVED_LABELS: readonly string[] = [
  GATEWAY_NAME_LABEL,
  GATEWAY_CLASS_NAME_LABEL,
  IMPLEMENTATION_LABEL,
  MANAGED_BY_LABEL,
];

/** Annotations no strategy, parameter or `spec.infrastructure` may set: ours, and the ones kube-vip writes. */
export const RESERVED_ANNOTATIONS: readonly string[] = [
  LOADBALANCER_IPS_ANNOTATION,
  LEASE_NAME_ANNOTATION,
  OWNED_METADATA_ANNOTATION,
  UPDATE_RECORD_ANNOTATION,
  ...KUBE_VIP_WRITTEN_ANNOTATIONS,
];

/** apiVersion of the Gateway that owner references point at. */
export const GATEWAY_API_VERSION = `${GATEWAY_API_GROUP}/v1`;

/** apiVersion of EndpointSlices. */
export const ENDPOINT_SLICE_API_VERSION = 'discovery.k8s.io/v1';
