// Route attachment: which of a Gateway's listeners a route's parentRefs select, and whether those listeners take it.
// Attachment depends only on parentRefs and allowedRoutes (ListenerStatus.attachedRoutes godoc), never on backends.
import type { ConditionInput } from './conditions.js';
import { GATEWAY_API_GROUP, Kind, RouteConditionType, RouteReason } from './constants.js';
import { defaultParentRef, parentRefKey, type DefaultedParentRef } from './defaults.js';
import { listenerRefusal, type ListenerVerdict } from './listeners.js';
import type { Gateway, L4Route, L4RouteKind, Namespace } from './types.js';

/** The outcome of one parentRef of a route that points at the Gateway being evaluated. */
export interface ParentRefVerdict {
  /** The parentRef with group, kind and namespace written out, as it goes into status.parents. */
  parentRef: DefaultedParentRef;
  /** The Accepted condition for this parent. */
  accepted: ConditionInput;
  /** Names of the listeners the route attached to through this parentRef (empty unless accepted). */
  listeners: string[];
}

/** True when a (defaulted) parentRef names `gateway`. */
export function refersToGateway(ref: DefaultedParentRef, gateway: Gateway): boolean {
  return (
    ref.group === GATEWAY_API_GROUP &&
    ref.kind === Kind.Gateway &&
    ref.namespace === (gateway.metadata.namespace ?? '') &&
    ref.name === gateway.metadata.name
  );
}

function noMatchMessage(ref: DefaultedParentRef, listeners: readonly ListenerVerdict[], gatewayName: string): string {
  const gw = `Gateway "${gatewayName}"`;
  if (ref.sectionName !== undefined && ref.port !== undefined) {
    const named = listeners.find((l) => l.name === ref.sectionName);
    return named === undefined
      ? `${gw} has no listener named "${ref.sectionName}"`
      : `listener "${ref.sectionName}" of ${gw} is on port ${named.port}, not ${ref.port}`;
  }
  if (ref.sectionName !== undefined) return `${gw} has no listener named "${ref.sectionName}"`;
  if (ref.port !== undefined) return `${gw} has no listener on port ${ref.port}`;
  return `${gw} has no listeners`;
}

/** Inputs of attachRoute. */
export interface AttachRouteInput {
  gateway: Gateway;
  listeners: readonly ListenerVerdict[];
  route: L4Route;
  routeKind: L4RouteKind;
  /** Namespaces by name, for allowedRoutes selectors. */
  namespaces: ReadonlyMap<string, Namespace>;
}

/**
 * Evaluates each parentRef of `route` that names `gateway`: sectionName and port select listeners (both must match
 * when both are set; neither selects the whole Gateway); NoMatchingParent when none is selected,
 * NotAllowedByListeners when none of the selected listeners takes the route's kind from its namespace, otherwise
 * Accepted with the listeners it attached to. ParentRefs to other parents are ignored (not ours to report on).
 */
export function attachRoute(input: AttachRouteInput): ParentRefVerdict[] {
  const { gateway, listeners, route, routeKind, namespaces } = input;
  const routeNamespace = route.metadata.namespace ?? '';
  const gatewayNamespace = gateway.metadata.namespace ?? '';
  const gatewayName = `${gatewayNamespace}/${gateway.metadata.name}`;
  const rules = Array.isArray(route.spec?.rules) ? route.spec.rules : [];
  const parentRefs = Array.isArray(route.spec?.parentRefs) ? route.spec.parentRefs : [];
  const seen = new Set<string>();
  const verdicts: ParentRefVerdict[] = [];
  for (const raw of parentRefs) {
    if (raw === null || typeof raw !== 'object' || typeof raw.name !== 'string') continue;
    const parentRef = defaultParentRef(raw, routeNamespace);
    if (!refersToGateway(parentRef, gateway)) continue;
    const key = parentRefKey(parentRef, routeNamespace);
    if (seen.has(key)) continue; // the CRD forbids duplicates; one status entry per key regardless
    seen.add(key);
    const verdict = (reason: string, message: string, attached: string[] = []): ParentRefVerdict => ({
      parentRef,
      accepted: { type: RouteConditionType.Accepted, status: attached.length > 0 ? 'True' : 'False', reason, message },
      listeners: attached,
    });
    if (rules.length === 0) {
      verdicts.push(verdict(RouteReason.UnsupportedValue, `${routeKind} has no rules, so there is nothing to serve`));
      continue;
    }
    const selected = listeners.filter(
      (l) => (parentRef.sectionName === undefined || l.name === parentRef.sectionName) && (parentRef.port === undefined || l.port === parentRef.port),
    );
    if (selected.length === 0) {
      verdicts.push(verdict(RouteReason.NoMatchingParent, noMatchMessage(parentRef, listeners, gatewayName)));
      continue;
    }
    const refusals: string[] = [];
    const attached: string[] = [];
    for (const l of selected) {
      const refusal = listenerRefusal(l, routeKind, routeNamespace, gatewayNamespace, namespaces);
      if (refusal === undefined) attached.push(l.name);
      else refusals.push(refusal);
    }
    verdicts.push(
      attached.length === 0
        ? verdict(RouteReason.NotAllowedByListeners, refusals.join('; '))
        : verdict(RouteReason.Accepted, `attached to listener(s) ${attached.map((n) => `"${n}"`).join(', ')} of Gateway "${gatewayName}"`, attached),
    );
  }
  return verdicts;
}

/** What precedence by age reads of an object: its namespace, name and creationTimestamp. */
export interface AgedObject {
  metadata: { namespace?: string; name: string; creationTimestamp?: string };
}

/** Parses a creationTimestamp; missing or invalid ones sort last (treated as newest), so they never win precedence. */
function creationTime(o: AgedObject): number {
  const t = o.metadata.creationTimestamp === undefined ? Number.NaN : Date.parse(o.metadata.creationTimestamp);
  return Number.isNaN(t) ? Number.POSITIVE_INFINITY : t;
}

/**
 * The Gateway API's precedence by age, for routes and ListenerSets alike: oldest creationTimestamp first, then
 * "namespace/name" alphabetically.
 */
export function compareByAge(a: AgedObject, b: AgedObject): number {
  const ta = creationTime(a);
  const tb = creationTime(b);
  if (ta !== tb) return ta < tb ? -1 : 1;
  const na = `${a.metadata.namespace ?? ''}/${a.metadata.name}`;
  const nb = `${b.metadata.namespace ?? ''}/${b.metadata.name}`;
  return na < nb ? -1 : na > nb ? 1 : 0;
}

/** Orders routes by precedence: oldest creationTimestamp first, then "namespace/name" alphabetically. */
export function compareRoutePrecedence(a: L4Route, b: L4Route): number {
  return compareByAge(a, b);
}
