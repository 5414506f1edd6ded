// The Gateway reconciler's route status job: writing and clearing its entries in routes' status.parents, and waiting
// for the cache to show its own last writes.
import {
  Kind,
  SERVED_ROUTE_KINDS,
  routeParentsWithoutGateway,
  type Gateway,
  type KubeObject,
  type L4Route,
  type L4RouteKind,
  type RouteParentStatus,
} from '@kube-vip-gw/gateway-model';
import { isConflict, isNotFound, type ResourceDescriptor } from '@kube-vip-gw/controller-runtime';
import { isDeepStrictEqual as isDeepEqual } from 'node:util';
import { clearListenerSetRouteParents, listenerSetsBehindOwnWrite } from './listener-sets.js';
import { GATEWAY_RESOURCE } from './watched-resources.js';
import type { GatewayReconcilerDeps, ReconcileOutcome } from './gateway-deps.js';

export async function clearRouteParents(deps: GatewayReconcilerDeps, gateway: Gateway): Promise<ReconcileOutcome> {
  const ns = gateway.metadata.namespace ?? '';
  for (const { kind } of SERVED_ROUTE_KINDS) {
    for (const route of deps.view.routesForGateway(kind, ns, gateway.metadata.name)) {
      const parents = routeParentsWithoutGateway(route, deps.controllerName, gateway, deps.now());
      if (!isDeepEqual(parents, route.status?.parents ?? [])) await writeRouteParents(deps, kind, route, parents);
    }
  }
  // Routes attached through its ListenerSets lose their entries too: a ListenerSet without its Gateway adds nothing.
  const sets = deps.view.listenerSetsForGateway(ns, gateway.metadata.name).map((s) => ({ namespace: s.metadata.namespace ?? '', name: s.metadata.name }));
  await clearListenerSetRouteParents(deps, sets);
  return {};
}

export async function writeRouteParents(deps: GatewayReconcilerDeps, kind: L4RouteKind, route: L4Route, parents: RouteParentStatus[]): Promise<void> {
  const res = deps.routeResources[kind];
  try {
    const sent = { ...route, apiVersion: `${res.group}/${res.version}`, kind, status: { ...(route.status ?? {}), parents } };
    const written = await deps.client.updateStatus(res, sent);
    deps.ownWrites?.record(res, sent, written);
  } catch (e) {
    // A newer route is in flight: its own event brings us back with fresh data.
    if (!isConflict(e) && !isNotFound(e)) throw e;
  }
}

/**
 * True when the cache still holds a version of the Gateway, or of a route whose status it may write (the routes that
 * name it), that one of our own writes was made on top of.
 */
export function behindOwnWrite(deps: GatewayReconcilerDeps, gateway: Gateway | undefined, namespace: string, name: string): boolean {
  const writes = deps.ownWrites;
  if (writes === undefined) return false;
  const behind = (res: ResourceDescriptor, o: KubeObject, what: string) => {
    if (!writes.isBehind(res, o)) return false;
    deps.logger?.debug({ object: `${what} ${o.metadata.namespace}/${o.metadata.name}`, resourceVersion: o.metadata.resourceVersion }, 'the cache has not seen our last write yet; waiting for it');
    return true;
  };
  if (gateway !== undefined && behind(GATEWAY_RESOURCE, gateway, Kind.Gateway)) return true;
  for (const { kind } of SERVED_ROUTE_KINDS) {
    for (const route of deps.view.routesForGateway(kind, namespace, name)) if (behind(deps.routeResources[kind], route, kind)) return true;
  }
  return listenerSetsBehindOwnWrite(deps, namespace, name);
}
