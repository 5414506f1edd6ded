// Kinds as data: every route kind and parent kind the controller knows, with what it needs to list, watch, check RBAC
// for, render and evaluate them. A new route kind is one entry here plus its semantics (how its routes attach and
// what serves them); nothing else in the packages names route kinds one by one.
import { GATEWAY_API_GROUP, Kind, ListenerProtocol, type SupportedProtocol } from './constants.js';

/**
 * How routes of a kind are served:
 * - `l4`: attached to TCP/UDP listeners and realised as LoadBalancer Service ports by the service-mapper (its backends
 *   get `backendProtocol` traffic);
 * - `unsupported`: a Gateway API kind this implementation knows but does not serve. Its listeners are reported
 *   Accepted=False/UnsupportedProtocol and list it nowhere in supportedKinds; its routes are not watched (so they get
 *   no status from this controller, as the specification asks of kinds an implementation does not support).
 */
export type RouteServing = { readonly kind: 'l4'; readonly backendProtocol: SupportedProtocol } | { readonly kind: 'unsupported' };

/** One route kind. */
export interface RouteKindEntry {
  readonly kind: string;
  readonly group: string;
  /** Lower-case plural of its resource (URLs, RBAC). */
  readonly plural: string;
  /** Versions the controller reads, preferred first (the first one a cluster serves is used). */
  readonly versions: readonly string[];
  /** Listener protocols whose listeners take routes of this kind. */
  readonly listenerProtocols: readonly string[];
  readonly serving: RouteServing;
}

/** One parent kind: an object routes name in parentRefs and that carries listeners. */
export interface ParentKindEntry {
  readonly kind: string;
  readonly group: string;
  readonly plural: string;
  readonly versions: readonly string[];
  /** Whether the controller can run without it (a cluster without the CRD: its parents simply do not exist). */
  readonly optional: boolean;
}

/** Every route kind, served or not. Gateway API v1.6.1: TCPRoute, UDPRoute and TLSRoute are v1 (v1alpha2 on older installs). */
export const ROUTE_KINDS = [
  { kind: Kind.TCPRoute, group: GATEWAY_API_GROUP, plural: 'tcproutes', versions: ['v1', 'v1alpha2'], listenerProtocols: [ListenerProtocol.TCP], serving: { kind: 'l4', backendProtocol: 'TCP' } },
  { kind: Kind.UDPRoute, group: GATEWAY_API_GROUP, plural: 'udproutes', versions: ['v1', 'v1alpha2'], listenerProtocols: [ListenerProtocol.UDP], serving: { kind: 'l4', backendProtocol: 'UDP' } },
  // TLS passthrough would need SNI inspection, which a LoadBalancer Service (kube-proxy) cannot do: known, not served.
  { kind: 'TLSRoute', group: GATEWAY_API_GROUP, plural: 'tlsroutes', versions: ['v1', 'v1alpha2'], listenerProtocols: ['TLS'], serving: { kind: 'unsupported' } },
] as const satisfies readonly RouteKindEntry[];

/** The kinds of the route kinds served (the `l4` entries). */
export type ServedRouteKind = Extract<(typeof ROUTE_KINDS)[number], { serving: { kind: 'l4' } }>['kind'];

/** A served route kind's entry. */
export type ServedRouteKindEntry = RouteKindEntry & { readonly kind: ServedRouteKind; readonly serving: { readonly kind: 'l4'; readonly backendProtocol: SupportedProtocol } };

/** The route kinds this implementation serves, in table order. */
export const SERVED_ROUTE_KINDS: readonly ServedRouteKindEntry[] = ROUTE_KINDS.filter((k): k is Extract<(typeof ROUTE_KINDS)[number], { serving: { kind: 'l4' } }> => k.serving.kind === 'l4');

/** The parent kinds: Gateways, and ListenerSets (standard since Gateway API v1.5; optional: Gateways work without the CRD). */
export const PARENT_KINDS = [
  { kind: Kind.Gateway, group: GATEWAY_API_GROUP, plural: 'gateways', versions: ['v1'], optional: false },
  { kind: Kind.ListenerSet, group: GATEWAY_API_GROUP, plural: 'listenersets', versions: ['v1'], optional: true },
] as const satisfies readonly ParentKindEntry[];

/** The entry of a route kind (served or not), by group and kind. */
export function routeKindEntry(kind: string, group: string = GATEWAY_API_GROUP): RouteKindEntry | undefined {
  return (ROUTE_KINDS as readonly RouteKindEntry[]).find((k) => k.kind === kind && k.group === group);
}

/** The served route kind a listener of `protocol` takes, or undefined. */
export function servedRouteKindForProtocol(protocol: string): ServedRouteKindEntry | undefined {
  return SERVED_ROUTE_KINDS.find((k) => k.listenerProtocols.includes(protocol));
}

/** A known route kind for `protocol` that is not served (e.g. TLSRoute for TLS), for a precise UnsupportedProtocol message. */
export function unservedRouteKindForProtocol(protocol: string): RouteKindEntry | undefined {
  return (ROUTE_KINDS as readonly RouteKindEntry[]).find((k) => k.serving.kind === 'unsupported' && k.listenerProtocols.includes(protocol));
}

/** The listener protocols served, in table order (TCP, UDP). */
export const SERVED_PROTOCOLS: readonly string[] = SERVED_ROUTE_KINDS.flatMap((k) => k.listenerProtocols);

/** The protocol a served route kind carries to its backends. */
export function backendProtocolOf(kind: ServedRouteKind): SupportedProtocol {
  const entry = SERVED_ROUTE_KINDS.find((k) => k.kind === kind);
  if (entry === undefined) throw new TypeError(`${kind} is not a served route kind`);
  return entry.serving.backendProtocol;
}
