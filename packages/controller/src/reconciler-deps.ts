// One factory for the Gateway reconciler's dependencies: the live wiring and the offline render give what they have,
// and the defaults (the built-in strategies, each served route kind's preferred version, no own-write tracking) are
// filled in here once.
import { SERVED_ROUTE_KINDS, type L4RouteKind } from '@kube-vip-gw/gateway-model';
import { createStrategyRegistry } from '@kube-vip-gw/service-mapper';
import type { Logger, ResourceDescriptor } from '@kube-vip-gw/controller-runtime';
import { reconcileGateway, type GatewayReconcilerDeps, type ReconcileOutcome } from './reconcile-gateway.js';
import { routeDescriptors } from './watched-resources.js';

/** What a caller must give; everything else has a default. */
export type GatewayReconcilerInput = Omit<GatewayReconcilerDeps, 'strategies' | 'routeResources'> &
  Partial<Pick<GatewayReconcilerDeps, 'strategies'>> & {
    /** Route resources the cluster serves; a kind left out (its CRD not served) is addressed at its preferred version. */
    routeResources?: Partial<Record<L4RouteKind, ResourceDescriptor>>;
  };

/** The reconciler's dependencies with the defaults filled in. */
export function gatewayReconcilerDeps(input: GatewayReconcilerInput): GatewayReconcilerDeps {
  const routeResources = Object.fromEntries(
    SERVED_ROUTE_KINDS.map(({ kind }) => [kind, input.routeResources?.[kind] ?? routeDescriptors(kind)[0]!]),
  ) as Record<L4RouteKind, ResourceDescriptor>;
  return { ...input, strategies: input.strategies ?? createStrategyRegistry(), routeResources };
}

/** A Gateway reconcile function over fixed dependencies; `perCall` adds what differs per reconcile (the work item's logger). */
export function gatewayReconciler(input: GatewayReconcilerInput): (perCall: { logger?: Logger }, namespace: string, name: string) => Promise<ReconcileOutcome> {
  const deps = gatewayReconcilerDeps(input);
  return (perCall, namespace, name) => reconcileGateway(perCall.logger ? { ...deps, logger: perCall.logger } : deps, namespace, name);
}
