// Route status.parents merging: a route's status is shared by every controller whose Gateways it attaches to, so we
// only ever touch entries with our controllerName, keyed by parentRef, and only those in the caller's scope (the
// Gateway being reconciled). Everything else is kept as it is, in place.
import { mergeConditions, type ConditionInput, type Now } from './conditions.js';
import { MAX_ROUTE_PARENTS } from './constants.js';
import { defaultParentRef, parentRefKey, type DefaultedParentRef } from './defaults.js';
import type { L4Route, ParentReference, RouteParentStatus } from './types.js';

/** The entry we want for one parentRef. */
export interface DesiredRouteParent {
  parentRef: DefaultedParentRef;
  conditions: readonly ConditionInput[];
}

/** Inputs of mergeRouteParents. */
export interface MergeRouteParentsInput {
  route: L4Route;
  controllerName: string;
  /** Which parentRefs this writer is responsible for (e.g. those naming the Gateway being reconciled). */
  inScope: (ref: DefaultedParentRef) => boolean;
  /** Our entries for the in-scope parentRefs; in-scope entries of ours not listed here are removed as stale. */
  desired: readonly DesiredRouteParent[];
  now: Now;
}

/** Writes a parentRef with explicit group, kind and namespace (conformance compares group and kind by value). */
function explicitParentRef(ref: DefaultedParentRef): ParentReference {
  const out: ParentReference = { group: ref.group, kind: ref.kind, namespace: ref.namespace, name: ref.name };
  if (ref.sectionName !== undefined) out.sectionName = ref.sectionName;
  if (ref.port !== undefined) out.port = ref.port;
  return out;
}

/**
 * The new status.parents of `route`: other controllers' entries and our out-of-scope entries untouched and in place,
 * our in-scope entries replaced (conditions merged, keeping lastTransitionTime and never overwriting a newer
 * generation's) or removed when no longer desired, new ones appended in `desired` order. The list never exceeds the
 * CRD's 32 entries: new entries of ours that do not fit are left out, never someone else's.
 */
export function mergeRouteParents(input: MergeRouteParentsInput): RouteParentStatus[] {
  const { route, controllerName, now } = input;
  const routeNamespace = route.metadata.namespace ?? '';
  const generation = route.metadata.generation;
  const desired = new Map<string, DesiredRouteParent>();
  for (const d of input.desired) desired.set(parentRefKey(d.parentRef, routeNamespace), d);
  const written = new Set<string>();
  const result: RouteParentStatus[] = [];
  const build = (d: DesiredRouteParent, previous: RouteParentStatus | undefined): RouteParentStatus => ({
    parentRef: explicitParentRef(d.parentRef),
    controllerName,
    conditions: mergeConditions(previous?.conditions, d.conditions, {
      generation,
      now,
      // The whole entry is ours: condition types we no longer report (e.g. PartiallyInvalid) go away.
      owned: (previous?.conditions ?? []).map((c) => c.type),
    }),
  });
  const existing = Array.isArray(route.status?.parents) ? route.status.parents : [];
  for (const entry of existing) {
    const valid = entry !== null && typeof entry === 'object' && entry.parentRef !== undefined && typeof entry.parentRef.name === 'string';
    if (!valid || entry.controllerName !== controllerName) {
      result.push(entry);
      continue;
    }
    const ref = defaultParentRef(entry.parentRef, routeNamespace);
    if (!input.inScope(ref)) {
      result.push(entry);
      continue;
    }
    const key = parentRefKey(ref, routeNamespace);
    const want = desired.get(key);
    if (want === undefined || written.has(key)) continue; // stale, or a duplicate of an entry already written
    written.add(key);
    result.push(build(want, entry));
  }
  for (const [key, d] of desired) {
    if (written.has(key) || result.length >= MAX_ROUTE_PARENTS) continue;
    written.add(key);
    result.push(build(d, undefined));
  }
  return result;
}
