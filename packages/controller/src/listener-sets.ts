// The Gateway reconciler's ListenerSet part: what it reads for a Gateway's ListenerSets (the sets naming it, the routes
// naming those, their namespaces), the ListenerSet status it writes (it is the one writer of everything of a Gateway,
// ListenerSets included), and the route status entries it removes when a ListenerSet leaves the Gateway.
import {
  Kind,
  SERVED_ROUTE_KINDS,
  ListenerConditionType,
  ListenerReason,
  listenerSetListenerKey,
  routeParentsWithoutListenerSets,
  setCondition,
  type GatewayEvaluation,
  type L4Route,
  type L4RouteKind,
  type ListenerSet,
  type ListenerSetOutcome,
  type ListenerSetRef,
  type RouteParentStatus,
} from '@kube-vip-gw/gateway-model';
import { isConflict, isNotFound, type Client, type OwnWrites, type ResourceDescriptor } from '@kube-vip-gw/controller-runtime';
import type { GatewayDesired } from '@kube-vip-gw/service-mapper';
import { isDeepStrictEqual } from 'node:util';
import type { ClusterView } from './view.js';
import { LISTENER_SET_RESOURCE } from './watched-resources.js';

/** The ListenerSet objects a Gateway's evaluation needs from the cache. */
export interface ListenerSetInputs {
  listenerSets: ListenerSet[];
  /** The routes naming them, by served route kind. */
  routes: Record<L4RouteKind, L4Route[]>;
  /** Namespaces of the ListenerSets (allowedListeners selectors, allowedRoutes Same). */
  namespaces: string[];
}

/** The ListenerSets naming the Gateway and the routes naming them. */
export function listenerSetInputs(view: ClusterView, namespace: string, name: string): ListenerSetInputs {
  const listenerSets = view.listenerSetsForGateway(namespace, name);
  const routes = (kind: L4RouteKind) => listenerSets.flatMap((s) => view.routesForListenerSet(kind, s.metadata.namespace ?? '', s.metadata.name));
  return {
    listenerSets,
    routes: Object.fromEntries(SERVED_ROUTE_KINDS.map(({ kind }) => [kind, routes(kind)])) as Record<L4RouteKind, L4Route[]>,
    namespaces: [...new Set(listenerSets.map((s) => s.metadata.namespace ?? ''))],
  };
}

/**
 * ListenerSets that left a Gateway (deleted, or their parentRef now names another one), by Gateway key, until that
 * Gateway's reconciler has removed its route status entries for them. The cache no longer links such a ListenerSet
 * to the Gateway, so the informer's handler records it here.
 */
export class ListenerSetDepartures {
  readonly #byGateway = new Map<string, Map<string, ListenerSetRef>>();

  record(gatewayKey: string, ref: ListenerSetRef): void {
    const m = this.#byGateway.get(gatewayKey) ?? new Map<string, ListenerSetRef>();
    m.set(`${ref.namespace}/${ref.name}`, ref);
    this.#byGateway.set(gatewayKey, m);
  }

  pending(gatewayKey: string): ListenerSetRef[] {
    return [...(this.#byGateway.get(gatewayKey)?.values() ?? [])];
  }

  done(gatewayKey: string, refs: readonly ListenerSetRef[]): void {
    const m = this.#byGateway.get(gatewayKey);
    if (!m) return;
    for (const r of refs) m.delete(`${r.namespace}/${r.name}`);
    if (m.size === 0) this.#byGateway.delete(gatewayKey);
  }
}

/** What the ListenerSet writes need. */
export interface ListenerSetWriteDeps {
  controllerName: string;
  client: Client;
  view: ClusterView;
  routeResources: Record<L4RouteKind, ResourceDescriptor>;
  ownWrites?: OwnWrites;
  now: () => Date;
  departedListenerSets?: ListenerSetDepartures;
}

// Mapping errors of a ListenerSet listener (a strategy that cannot express its route, a name conflict) make that
// listener not programmed, as withListenerProblems does for the Gateway's listeners.
function withMappingProblems(outcome: ListenerSetOutcome, desired: GatewayDesired | undefined, now: Date): NonNullable<ListenerSet['status']> {
  if (!desired) return outcome.status;
  const ref = { namespace: outcome.listenerSet.metadata.namespace ?? '', name: outcome.listenerSet.metadata.name };
  const status = structuredClone(outcome.status);
  for (const l of status.listeners ?? []) {
    const messages = desired.problems.filter((p) => p.severity === 'Error' && p.listener === listenerSetListenerKey(ref, l.name)).map((p) => `${p.reason}: ${p.message}`);
    if (messages.length === 0) continue;
    l.conditions = setCondition(
      l.conditions,
      { type: ListenerConditionType.Programmed, status: 'False', reason: ListenerReason.Invalid, message: messages.join('; ') },
      outcome.listenerSet.metadata.generation,
      now,
    );
  }
  return status;
}

/** Writes the status of every ListenerSet whose status changed; a conflict or a vanished object is left to its event. */
export async function writeListenerSetStatuses(deps: ListenerSetWriteDeps, evaluation: GatewayEvaluation, desired: GatewayDesired | undefined): Promise<void> {
  for (const outcome of evaluation.listenerSets) {
    const status = withMappingProblems(outcome, desired, deps.now());
    if (isDeepStrictEqual(status, outcome.listenerSet.status)) continue;
    const sent = { ...outcome.listenerSet, apiVersion: `${LISTENER_SET_RESOURCE.group}/${LISTENER_SET_RESOURCE.version}`, kind: Kind.ListenerSet, status };
    try {
      const written = await deps.client.updateStatus(LISTENER_SET_RESOURCE, sent);
      deps.ownWrites?.record(LISTENER_SET_RESOURCE, sent, written);
    } catch (e) {
      if (!isConflict(e) && !isNotFound(e)) throw e;
    }
  }
}

/** Writes a route's status.parents; false when the cache was behind (a conflict) and it must be tried again. */
async function writeParents(deps: ListenerSetWriteDeps, kind: L4RouteKind, route: L4Route, parents: RouteParentStatus[]): Promise<boolean> {
  const res = deps.routeResources[kind];
  try {
    const sent = { ...route, apiVersion: `${res.group}/${res.version}`, kind, status: { ...(route.status ?? {}), parents } };
    const written = await deps.client.updateStatus(res, sent);
    deps.ownWrites?.record(res, sent, written);
    return true;
  } catch (e) {
    if (isNotFound(e)) return true;
    if (isConflict(e)) return false;
    throw e;
  }
}

/**
 * Removes our route status entries for these ListenerSets (routes are found through the cache's index). False when a
 * write met a newer route: the caller tries again (a route that names only a deleted ListenerSet brings no Gateway
 * back by its own events).
 */
export async function clearListenerSetRouteParents(deps: ListenerSetWriteDeps, sets: readonly ListenerSetRef[]): Promise<boolean> {
  let complete = true;
  for (const set of sets) {
    for (const { kind } of SERVED_ROUTE_KINDS) {
      for (const route of deps.view.routesForListenerSet(kind, set.namespace, set.name)) {
        const parents = routeParentsWithoutListenerSets(route, deps.controllerName, [set], deps.now());
        if (!isDeepStrictEqual(parents, route.status?.parents ?? [])) complete = (await writeParents(deps, kind, route, parents)) && complete;
      }
    }
  }
  return complete;
}

/**
 * Clears the route entries of deleted ListenerSets that had named the Gateway. One that still exists (its parentRef
 * moved) is left to its new parent's reconciler, which writes the same entries (route status is keyed by the
 * ListenerSet, not by its Gateway), so clearing them here could undo that write. A ListenerSet deleted while the
 * controller was down leaves its entries: nothing records it (see docs/reference.md).
 */
export async function clearDepartedListenerSets(deps: ListenerSetWriteDeps, namespace: string, name: string): Promise<boolean> {
  const departures = deps.departedListenerSets;
  if (!departures) return true;
  const key = `${namespace}/${name}`;
  const pending = departures.pending(key);
  if (pending.length === 0) return true;
  const complete = await clearListenerSetRouteParents(deps, pending.filter((r) => deps.view.listenerSet(r.namespace, r.name) === undefined));
  if (complete) departures.done(key, pending);
  return complete;
}

/** True when the cache still holds a ListenerSet of the Gateway, or a route naming one, that we wrote on top of. */
export function listenerSetsBehindOwnWrite(deps: ListenerSetWriteDeps, namespace: string, name: string): boolean {
  const writes = deps.ownWrites;
  if (writes === undefined) return false;
  for (const set of deps.view.listenerSetsForGateway(namespace, name)) {
    if (writes.isBehind(LISTENER_SET_RESOURCE, set)) return true;
    for (const { kind } of SERVED_ROUTE_KINDS) {
      for (const route of deps.view.routesForListenerSet(kind, set.metadata.namespace ?? '', set.metadata.name)) if (writes.isBehind(deps.routeResources[kind], route)) return true;
    }
  }
  return false;
}
