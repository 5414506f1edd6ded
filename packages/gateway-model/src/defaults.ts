// Defaulting that does not trust the API server to have applied the CRD defaults: objects may come from files
// (kvgw render), from an in-memory cluster, or from older CRDs, so every reader defaults again, the same way.
import { AddressType, CORE_GROUP, FromNamespaces, GATEWAY_API_GROUP, Kind } from './constants.js';
import type { AllowedRoutes, BackendRef, GatewaySpecAddress, L4RouteKind, LabelSelector, ParentReference, RouteGroupKind } from './types.js';
import { servedRouteKindForProtocol } from './kinds.js';

/** A parentRef with group, kind and namespace filled in. */
export interface DefaultedParentRef {
  group: string;
  kind: string;
  namespace: string;
  name: string;
  sectionName?: string;
  port?: number;
}

/** Fills a route's parentRef defaults: group gateway.networking.k8s.io, kind Gateway, namespace of the route. */
export function defaultParentRef(ref: ParentReference, routeNamespace: string): DefaultedParentRef {
  const out: DefaultedParentRef = {
    group: ref.group ?? GATEWAY_API_GROUP,
    kind: ref.kind ?? Kind.Gateway,
    // An empty namespace is what a CEL rule treats as unset, so it defaults too.
    namespace: ref.namespace === undefined || ref.namespace === '' ? routeNamespace : ref.namespace,
    name: ref.name,
  };
  if (ref.sectionName !== undefined && ref.sectionName !== '') out.sectionName = ref.sectionName;
  if (ref.port !== undefined) out.port = ref.port;
  return out;
}

/** The identity of a parentRef for merging status.parents: its defaulted group/kind/namespace/name/sectionName/port. */
export function parentRefKey(ref: ParentReference, routeNamespace: string): string {
  const d = defaultParentRef(ref, routeNamespace);
  return JSON.stringify([d.group, d.kind, d.namespace, d.name, d.sectionName ?? '', d.port ?? 0]);
}

/** allowedRoutes with `namespaces.from` defaulted to Same. */
export interface DefaultedAllowedRoutes {
  namespaces: { from: string; selector?: LabelSelector };
  kinds?: RouteGroupKind[];
}

/** Defaults a listener's allowedRoutes: `{namespaces: {from: Same}}`, kinds left unset (they come from the protocol). */
export function defaultAllowedRoutes(allowed: AllowedRoutes | undefined): DefaultedAllowedRoutes {
  const namespaces: DefaultedAllowedRoutes['namespaces'] = { from: allowed?.namespaces?.from ?? FromNamespaces.Same };
  if (allowed?.namespaces?.selector !== undefined) namespaces.selector = allowed.namespaces.selector;
  const out: DefaultedAllowedRoutes = { namespaces };
  if (allowed?.kinds !== undefined) out.kinds = allowed.kinds.map(defaultRouteGroupKind);
  return out;
}

/** Defaults a RouteGroupKind's group to gateway.networking.k8s.io. */
export function defaultRouteGroupKind(kind: RouteGroupKind): Required<RouteGroupKind> {
  return { group: kind.group ?? GATEWAY_API_GROUP, kind: kind.kind };
}

/** Defaults a Gateway spec address's type to IPAddress. */
export function defaultGatewayAddress(address: GatewaySpecAddress): { type: string; value?: string } {
  const out: { type: string; value?: string } = { type: address.type ?? AddressType.IPAddress };
  if (address.value !== undefined && address.value !== '') out.value = address.value;
  return out;
}

/** A backendRef with group, kind, namespace and weight filled in. */
export interface DefaultedBackendRef {
  group: string;
  kind: string;
  namespace: string;
  name: string;
  port?: number;
  weight: number;
}

/** Defaults a backendRef: group "" (core), kind Service, namespace of the route, weight 1. */
export function defaultBackendRef(ref: BackendRef, routeNamespace: string): DefaultedBackendRef {
  const out: DefaultedBackendRef = {
    group: ref.group ?? CORE_GROUP,
    kind: ref.kind ?? Kind.Service,
    namespace: ref.namespace === undefined || ref.namespace === '' ? routeNamespace : ref.namespace,
    name: ref.name,
    weight: ref.weight ?? 1,
  };
  if (ref.port !== undefined) out.port = ref.port;
  return out;
}

/** The route kinds a listener of `protocol` can serve (from the kinds table: TCP takes TCPRoute, UDP takes UDPRoute), others none. */
export function routeKindsForProtocol(protocol: string): Required<RouteGroupKind>[] {
  const kind = routeKindForProtocol(protocol);
  return kind === undefined ? [] : [{ group: GATEWAY_API_GROUP, kind }];
}

/** The single route kind a TCP or UDP listener serves, or undefined for protocols we do not serve. */
export function routeKindForProtocol(protocol: string): L4RouteKind | undefined {
  return servedRouteKindForProtocol(protocol)?.kind;
}
