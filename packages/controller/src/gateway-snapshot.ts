// The Gateway reconciler's read job: the snapshot of cached objects evaluateGateway works on.
import {
  SERVED_ROUTE_KINDS,
  type AddressOutcome,
  type Gateway,
  type GatewayClass,
  type L4Route,
  type L4RouteKind,
  type ParametersLookup,
  type Service,
} from '@kube-vip-gw/gateway-model';
import { listenerSetInputs } from './listener-sets.js';
import type { ParametersResult } from './parameters-lookup.js';
import type { GatewayReconcilerDeps } from './gateway-deps.js';

export function snapshot(
  deps: GatewayReconcilerDeps,
  gateway: Gateway,
  gatewayClass: GatewayClass,
  gwParams: ParametersResult,
  address: AddressOutcome,
) {
  const { view } = deps;
  const ns = gateway.metadata.namespace ?? '';
  const sets = listenerSetInputs(view, ns, gateway.metadata.name);
  const routes = Object.fromEntries(
    SERVED_ROUTE_KINDS.map(({ kind }) => [kind, [...view.routesForGateway(kind, ns, gateway.metadata.name), ...sets.routes[kind]]]),
  ) as Record<L4RouteKind, L4Route[]>;
  // Only the objects the routes can name: their namespaces, their backend Services, grants in backend namespaces.
  const routeNamespaces = new Set<string>([ns, ...sets.namespaces]);
  const services = new Map<string, Service>();
  const backendNamespaces = new Set<string>();
  for (const route of Object.values(routes).flat()) {
    const routeNs = route.metadata.namespace ?? '';
    routeNamespaces.add(routeNs);
    for (const rule of route.spec?.rules ?? []) {
      for (const ref of rule.backendRefs ?? []) {
        const backendNs = ref.namespace ?? routeNs;
        backendNamespaces.add(backendNs);
        const svc = view.service(backendNs, ref.name);
        if (svc) services.set(`${backendNs}/${ref.name}`, svc);
      }
    }
  }
  const parameters: ParametersLookup | undefined = gwParams.lookup;
  return {
    controllerName: deps.controllerName,
    gateway,
    gatewayClass,
    routes,
    listenerSets: sets.listenerSets,
    namespaces: [...routeNamespaces].map((n) => view.namespace(n)).filter((n) => n !== undefined),
    services: [...services.values()],
    referenceGrants: [...backendNamespaces].flatMap((n) => view.referenceGrants(n)),
    ...(parameters ? { parameters, parametersOptions: gwParams.options } : {}),
    address,
    now: deps.now(),
  };
}
