// The Gateway reconciler's Service job: the mapper's input per served listener, the objects it has now, and applying
// the change plan.
import type { Gateway, GatewayClass, GatewayEvaluation, Service } from '@kube-vip-gw/gateway-model';
import { isEmptyPlan, type ActualObjects, type ChangePlan, type GatewayDesired, type ServedListener } from '@kube-vip-gw/service-mapper';
import { EndpointSlice as EndpointSliceResource, Service as ServiceResource, isNotFound, type Client } from '@kube-vip-gw/controller-runtime';
import type { GatewayParameters } from './parameters.js';
import type { GatewayReconcilerDeps } from './gateway-deps.js';

export function servedListeners(
  deps: GatewayReconcilerDeps,
  gateway: Gateway,
  gatewayClass: GatewayClass,
  evaluation: GatewayEvaluation,
  params: GatewayParameters,
  strategy: { gateway?: string | undefined; gatewayClass?: string | undefined; flag?: string | undefined },
): ServedListener[] {
  const served: ServedListener[] = [];
  // Listeners that can take routes but have none are served too: the Gateway Service gives them a port without
  // endpoints (connections refused, as the specification asks), and the address is on a Service from the start, where
  // kube-vip-cloud-provider sees it.
  const routable = new Set((evaluation.status.listeners ?? []).filter((l) => l.supportedKinds.length > 0).map((l) => l.name));
  for (const l of evaluation.listeners) {
    if (l.protocol !== 'TCP' && l.protocol !== 'UDP') continue;
    if (!l.served && !(l.accepted && evaluation.accepted && routable.has(l.name))) continue;
    const route = l.served?.route;
    served.push({
      gateway,
      gatewayClassName: gatewayClass.metadata.name,
      addresses: evaluation.addresses,
      listener: { name: l.name, port: l.port, protocol: l.protocol },
      ...(l.served && route
        ? {
            route: {
              kind: l.served.kind,
              namespace: route.metadata.namespace ?? '',
              name: route.metadata.name,
              ...(route.metadata.labels ? { labels: route.metadata.labels } : {}),
              ...(route.metadata.annotations ? { annotations: route.metadata.annotations } : {}),
            },
          }
        : {}),
      backends: (l.served?.backends ?? []).map((b) => ({
        name: b.ref.name,
        namespace: b.ref.namespace,
        port: b.port.port,
        weight: b.weight,
        service: b.service,
        endpointSlices: deps.view.endpointSlicesForService(b.ref.namespace, b.ref.name),
      })),
      parameters: {
        strategy: Object.fromEntries(Object.entries(strategy).filter(([, v]) => v !== undefined)),
        ...(params.externalTrafficPolicy ? { externalTrafficPolicy: params.externalTrafficPolicy } : {}),
        ...(params.loadBalancerClass ? { loadBalancerClass: params.loadBalancerClass } : {}),
        ...(params.ipFamilyPolicy ? { ipFamilyPolicy: params.ipFamilyPolicy } : {}),
        ...(params.allocateLoadBalancerNodePorts !== undefined ? { allocateLoadBalancerNodePorts: params.allocateLoadBalancerNodePorts } : {}),
        ...(params.ipamMode === 'delegated' ? { addressesDelegated: true, ...(params.ipFamilies ? { ipFamilies: params.ipFamilies } : {}) } : {}),
        ...(gateway.spec.infrastructure?.labels ? { labels: gateway.spec.infrastructure.labels } : {}),
        ...(gateway.spec.infrastructure?.annotations ? { annotations: gateway.spec.infrastructure.annotations } : {}),
      },
    });
  }
  return served;
}

export function actualObjects(deps: GatewayReconcilerDeps, gateway: Gateway, desired: GatewayDesired | undefined): ActualObjects {
  const ns = gateway.metadata.namespace ?? '';
  const services = new Map<string, Service>();
  for (const s of deps.view.servicesForGateway(ns, gateway.metadata.name)) services.set(`${s.metadata.namespace}/${s.metadata.name}`, s);
  for (const a of desired?.adoptions ?? []) {
    const s = deps.view.service(a.namespace, a.name);
    if (s) services.set(`${a.namespace}/${a.name}`, s);
  }
  return { services: [...services.values()], endpointSlices: deps.view.endpointSlicesForGateway(ns, gateway.metadata.name) };
}

export type ApplyResult = 'ok' | 'stale' | { message: string };

/** Executes a change plan; 'stale' when the cache was behind (conflict, already exists): retry shortly, write nothing else. */
export async function applyPlan(client: Client, plan: ChangePlan): Promise<ApplyResult> {
  if (isEmptyPlan(plan)) return 'ok';
  const resourceOf = (kind: string) => (kind === 'Service' ? ServiceResource : EndpointSliceResource);
  try {
    for (const d of plan.delete) {
      try {
        await client.delete(resourceOf(d.kind), d, d.uid ? { preconditions: { uid: d.uid } } : {});
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
    }
    for (const r of plan.replace) {
      try {
        await client.delete(resourceOf(r.existing.kind), r.existing, r.existing.uid ? { preconditions: { uid: r.existing.uid } } : {});
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
      await client.create(resourceOf(r.existing.kind), r.desired);
    }
    for (const c of plan.create) await client.create(resourceOf(c.kind ?? 'Service'), c);
    for (const p of plan.patch) await client.patch(resourceOf(p.kind), p, { type: 'merge', patch: p.patch as Record<string, unknown> });
  } catch (e) {
    const tag = (e as { _tag?: string })._tag;
    if (tag === 'ConflictError' || tag === 'AlreadyExistsError') return 'stale';
    return { message: e instanceof Error ? e.message : String(e) };
  }
  return 'ok';
}
