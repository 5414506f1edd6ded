// Resource descriptors: everything the runtime needs to address a kind over REST (group, version, plural, scope) and
// to emulate it in MemoryCluster (status subresource, generation semantics). One descriptor per group/version/kind;
// the built-ins below are the kinds this project uses.

import { UsageError } from './errors.js';
import type { ObjectRef } from './object.js';

/** Describes one resource type (one version of one kind) well enough to build its URLs and emulate its semantics. */
export interface ResourceDescriptor {
  /** API group; `''` for the core group (`/api/v1`). */
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  /** Lower-case plural used in URLs, e.g. `gateways`. */
  readonly plural: string;
  readonly namespaced: boolean;
  /** Whether the kind has a `/status` subresource (update ignores status; updateStatus ignores everything else). */
  readonly statusSubresource?: boolean;
  /**
   * Whether the server maintains `metadata.generation`: set to 1 on create and bumped when anything outside metadata
   * and status changes. True for every CRD and for EndpointSlice; false for Service, ConfigMap, Namespace, Lease, Event.
   */
  readonly generation?: boolean;
}

/** `group/version`, or just `version` for the core group (the `apiVersion` field of objects). */
export function apiVersionOf(res: Pick<ResourceDescriptor, 'group' | 'version'>): string {
  return res.group === '' ? res.version : `${res.group}/${res.version}`;
}

/** `kind.version.group` (or `kind.version` for core), a unique name for a descriptor in messages and maps. */
export function resourceId(res: Pick<ResourceDescriptor, 'group' | 'version' | 'kind'>): string {
  return res.group === '' ? `${res.kind}.${res.version}` : `${res.kind}.${res.version}.${res.group}`;
}

/** `plural.group` (or `plural`), the name RBAC and kubectl use for the resource regardless of version. */
export function groupResource(res: Pick<ResourceDescriptor, 'group' | 'plural'>): string {
  return res.group === '' ? res.plural : `${res.plural}.${res.group}`;
}

/** Splits an `apiVersion` into group and version (`v1` -> core group). */
export function parseApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

/** Options for resourcePath. */
export interface ResourcePathOptions {
  namespace?: string | undefined;
  name?: string | undefined;
  subresource?: 'status' | undefined;
}

/**
 * The REST path of a resource collection or object: `/api/v1/namespaces/ns/services/name/status`,
 * `/apis/gateway.networking.k8s.io/v1/gateways` (all namespaces) and so on.
 */
export function resourcePath(res: ResourceDescriptor, opts: ResourcePathOptions = {}): string {
  let path = res.group === '' ? `/api/${res.version}` : `/apis/${res.group}/${res.version}`;
  if (res.namespaced && opts.namespace) path += `/namespaces/${encodeURIComponent(opts.namespace)}`;
  path += `/${res.plural}`;
  if (opts.name !== undefined) path += `/${encodeURIComponent(opts.name)}`;
  if (opts.subresource) path += `/${opts.subresource}`;
  return path;
}

/**
 * Checks that a reference fits the resource's scope: namespaced kinds need a namespace, cluster-scoped kinds must not
 * have one. Returns the normalised reference (namespace dropped for cluster-scoped kinds) or throws a UsageError.
 */
export function checkRef(res: ResourceDescriptor, ref: ObjectRef): ObjectRef {
  if (typeof ref.name !== 'string' || ref.name === '') {
    throw new UsageError(`${res.kind}: a name is required (got ${JSON.stringify(ref.name)})`);
  }
  if (res.namespaced) {
    if (!ref.namespace) throw new UsageError(`${res.kind} "${ref.name}": a namespace is required for a namespaced kind`);
    return { namespace: ref.namespace, name: ref.name };
  }
  return { name: ref.name };
}

const GATEWAY_GROUP = 'gateway.networking.k8s.io';

/** Core v1 Namespace. */
export const Namespace: ResourceDescriptor = {
  group: '', version: 'v1', kind: 'Namespace', plural: 'namespaces', namespaced: false, statusSubresource: true,
};
/** Core v1 Service (status subresource; no generation, as on a real API server). */
export const Service: ResourceDescriptor = {
  group: '', version: 'v1', kind: 'Service', plural: 'services', namespaced: true, statusSubresource: true,
};
/** Core v1 ConfigMap (the IPAM pools). */
export const ConfigMap: ResourceDescriptor = {
  group: '', version: 'v1', kind: 'ConfigMap', plural: 'configmaps', namespaced: true,
};
/** discovery.k8s.io/v1 EndpointSlice (generation bumps on any non-metadata change). */
export const EndpointSlice: ResourceDescriptor = {
  group: 'discovery.k8s.io', version: 'v1', kind: 'EndpointSlice', plural: 'endpointslices', namespaced: true, generation: true,
};
/** coordination.k8s.io/v1 Lease (leader election). */
export const Lease: ResourceDescriptor = {
  group: 'coordination.k8s.io', version: 'v1', kind: 'Lease', plural: 'leases', namespaced: true,
};
/** events.k8s.io/v1 Event. */
export const Event: ResourceDescriptor = {
  group: 'events.k8s.io', version: 'v1', kind: 'Event', plural: 'events', namespaced: true,
};
/** apiextensions.k8s.io/v1 CustomResourceDefinition (read for the Gateway API bundle version). */
export const CustomResourceDefinition: ResourceDescriptor = {
  group: 'apiextensions.k8s.io', version: 'v1', kind: 'CustomResourceDefinition', plural: 'customresourcedefinitions',
  namespaced: false, statusSubresource: true, generation: true,
};
/** gateway.networking.k8s.io/v1 GatewayClass. */
export const GatewayClass: ResourceDescriptor = {
  group: GATEWAY_GROUP, version: 'v1', kind: 'GatewayClass', plural: 'gatewayclasses', namespaced: false,
  statusSubresource: true, generation: true,
};
/** gateway.networking.k8s.io/v1 Gateway. */
export const Gateway: ResourceDescriptor = {
  group: GATEWAY_GROUP, version: 'v1', kind: 'Gateway', plural: 'gateways', namespaced: true,
  statusSubresource: true, generation: true,
};
/** gateway.networking.k8s.io/v1 TCPRoute (Gateway API >= v1.5 experimental channel). */
export const TCPRoute: ResourceDescriptor = {
  group: GATEWAY_GROUP, version: 'v1', kind: 'TCPRoute', plural: 'tcproutes', namespaced: true,
  statusSubresource: true, generation: true,
};
/** gateway.networking.k8s.io/v1alpha2 TCPRoute (older installations). */
export const TCPRouteV1alpha2: ResourceDescriptor = { ...TCPRoute, version: 'v1alpha2' };
/** gateway.networking.k8s.io/v1 UDPRoute. */
export const UDPRoute: ResourceDescriptor = {
  group: GATEWAY_GROUP, version: 'v1', kind: 'UDPRoute', plural: 'udproutes', namespaced: true,
  statusSubresource: true, generation: true,
};
/** gateway.networking.k8s.io/v1alpha2 UDPRoute (older installations). */
export const UDPRouteV1alpha2: ResourceDescriptor = { ...UDPRoute, version: 'v1alpha2' };
/** gateway.networking.k8s.io/v1 ListenerSet (standard channel since Gateway API v1.5; only v1 is served in v1.6.1). */
export const ListenerSet: ResourceDescriptor = {
  group: GATEWAY_GROUP, version: 'v1', kind: 'ListenerSet', plural: 'listenersets', namespaced: true,
  statusSubresource: true, generation: true,
};
/** gateway.networking.k8s.io/v1 ReferenceGrant. */
export const ReferenceGrant: ResourceDescriptor = {
  group: GATEWAY_GROUP, version: 'v1', kind: 'ReferenceGrant', plural: 'referencegrants', namespaced: true, generation: true,
};
/** gateway.networking.k8s.io/v1beta1 ReferenceGrant (older installations). */
export const ReferenceGrantV1beta1: ResourceDescriptor = { ...ReferenceGrant, version: 'v1beta1' };

/** Every built-in descriptor, in a stable order. */
export const BUILTIN_RESOURCES: readonly ResourceDescriptor[] = [
  Namespace, Service, ConfigMap, EndpointSlice, Lease, Event, CustomResourceDefinition,
  GatewayClass, Gateway, TCPRoute, TCPRouteV1alpha2, UDPRoute, UDPRouteV1alpha2, ReferenceGrant, ReferenceGrantV1beta1, ListenerSet,
];

/** Looks descriptors up by apiVersion + kind (e.g. to load manifests whose kinds are known only at run time). */
export class ResourceRegistry {
  readonly #byGvk = new Map<string, ResourceDescriptor>();

  constructor(resources: Iterable<ResourceDescriptor> = BUILTIN_RESOURCES) {
    for (const r of resources) this.add(r);
  }

  /** Registers (or replaces) a descriptor. */
  add(res: ResourceDescriptor): this {
    this.#byGvk.set(`${apiVersionOf(res)}|${res.kind}`, res);
    return this;
  }

  /** The descriptor for an apiVersion and kind, or undefined. */
  find(apiVersion: string, kind: string): ResourceDescriptor | undefined {
    return this.#byGvk.get(`${apiVersion}|${kind}`);
  }

  /** The descriptor for an object's apiVersion and kind; throws a UsageError naming them when unknown. */
  forObject(obj: { apiVersion?: string | undefined; kind?: string | undefined; metadata?: { name?: string } }): ResourceDescriptor {
    const found = obj.apiVersion && obj.kind ? this.find(obj.apiVersion, obj.kind) : undefined;
    if (!found) {
      throw new UsageError(
        `no resource descriptor for apiVersion "${obj.apiVersion ?? ''}" kind "${obj.kind ?? ''}" (object "${obj.metadata?.name ?? ''}")`,
      );
    }
    return found;
  }

  /** Every registered descriptor. */
  all(): ResourceDescriptor[] {
    return [...this.#byGvk.values()];
  }
}
