// The Gateway reconciler's cleanup job: the finalizer, and releasing what a Gateway made or adopted when it is deleted
// or leaves our class.
import {
  Kind,
  GATEWAY_NAME_LABEL,
  boundedLabelValue,
  type EndpointSlice,
  type Gateway,
  type KubeObject,
  type Service,
} from '@kube-vip-gw/gateway-model';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE, hasPendingGiveBack, planRelease, type ActualObjects } from '@kube-vip-gw/service-mapper';
import { EndpointSlice as EndpointSliceResource, Service as ServiceResource, isConflict, isNotFound, listAll } from '@kube-vip-gw/controller-runtime';
import { gatewayOwner, serviceOwner } from './address-book.js';
import { GATEWAY_RESOURCE } from './watched-resources.js';
import {
  GATEWAY_CLEANUP_FINALIZER,
  type GatewayReconcilerDeps,
  type ReconcileOutcome,
  STALE_CACHE_RETRY_MS,
  GIVE_BACK_RETRY_MS,
  identity,
} from './gateway-deps.js';
import { applyPlan } from './gateway-services.js';
import { deferredRetryMs, kubeVipPlanOptions } from './kube-vip-settle.js';
import { clearRouteParents } from './gateway-route-status.js';

// Adds or removes our finalizer; returns the Gateway as it is now (the patched one, so later writes carry its new
// resourceVersion), or undefined when the cache was stale.
export async function ensureFinalizer(deps: GatewayReconcilerDeps, gateway: Gateway, present: boolean): Promise<Gateway | undefined> {
  const finalizers = gateway.metadata.finalizers ?? [];
  const has = finalizers.includes(GATEWAY_CLEANUP_FINALIZER);
  if (has === present) return gateway;
  const next = present ? [...finalizers, GATEWAY_CLEANUP_FINALIZER] : finalizers.filter((f) => f !== GATEWAY_CLEANUP_FINALIZER);
  try {
    // A JSON patch with a resourceVersion test: never drops a finalizer someone else added meanwhile.
    const patched = await deps.client.patch<Gateway>(GATEWAY_RESOURCE, { namespace: gateway.metadata.namespace, name: gateway.metadata.name }, {
      type: 'json',
      patch: [
        { op: 'test', path: '/metadata/resourceVersion', value: gateway.metadata.resourceVersion ?? '' },
        { op: 'add', path: '/metadata/finalizers', value: next },
      ],
    });
    // Written on top of the cached copy like a status write: a cache without it is just as stale.
    deps.ownWrites?.record(GATEWAY_RESOURCE, gateway, patched);
    return patched;
  } catch (e) {
    if (isConflict(e) || isNotFound(e) || (e as { _tag?: string })._tag === 'InvalidError') return undefined;
    throw e;
  }
}

/** A Gateway that is being deleted or left our class: give back what it adopted, delete what it owns, clear our status entries. */
export async function release(deps: GatewayReconcilerDeps, gateway: Gateway, ours: boolean): Promise<ReconcileOutcome> {
  const ns = gateway.metadata.namespace ?? '';
  const objects = await releaseObjects(deps, gateway);
  const plan = planRelease(identity(gateway), objects, kubeVipPlanOptions(deps.view, objects.services, deps.now(), deps.leases));
  const applied = await applyPlan(deps.client, plan);
  if (applied === 'stale') return { requeueAfterMs: STALE_CACHE_RETRY_MS };
  if (applied !== 'ok') throw new Error(`releasing Gateway ${ns}/${gateway.metadata.name}: ${applied.message}`);
  // A Service kube-vip has not written the status of yet stays (and so does the finalizer) until it has.
  const deferred = deferredRetryMs(plan, deps.now());
  if (deferred !== undefined) return { requeueAfterMs: deferred };
  // An adopted Service's address was just withdrawn; its restore is the next pass's write (it reads the Service back
  // from the API server). The finalizer stays until then, or nothing would ever restore it.
  if (hasPendingGiveBack(plan)) return { requeueAfterMs: GIVE_BACK_RETRY_MS };
  const outcome = await clearRouteParents(deps, gateway);
  if (!(await ensureFinalizer(deps, gateway, false))) return { requeueAfterMs: STALE_CACHE_RETRY_MS };
  if (!ours || gateway.metadata.deletionTimestamp !== undefined) deps.addresses.forgetGateway(ns, gateway.metadata.name);
  return outcome;
}

/**
 * Everything made or adopted for a Gateway that is going away: the cache's view, completed by a list from the API
 * server. The cache may not have seen the controller's own latest writes yet (a Service created just before the
 * deletion, or while a watch was down), and what release misses is left behind once the finalizer is gone: an adopted
 * Service never restored, a created one orphaned (both seen in the API-server-faults test).
 */
export async function releaseObjects(deps: GatewayReconcilerDeps, gateway: Gateway): Promise<ActualObjects> {
  const ns = gateway.metadata.namespace ?? '';
  const name = gateway.metadata.name;
  const owner = gatewayOwner(ns, name);
  const labelSelector = { matchLabels: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [GATEWAY_NAME_LABEL]: boundedLabelValue(name) } };
  const key = (o: KubeObject) => `${o.metadata.namespace}/${o.metadata.name}`;
  const services = new Map(deps.view.servicesForGateway(ns, name).map((s) => [key(s), s]));
  const slices = new Map(deps.view.endpointSlicesForGateway(ns, name).map((s) => [key(s), s]));
  // Without our finalizer nothing was ever made for it (the finalizer goes on first): Gateways of other controllers
  // and ones already released cost no API call.
  if (!(gateway.metadata.finalizers ?? []).includes(GATEWAY_CLEANUP_FINALIZER)) return { services: [...services.values()], endpointSlices: [...slices.values()] };
  // Adopted Services may live in other namespaces (a backend granted by a ReferenceGrant): list everywhere.
  for (const s of (await listAll<Service>(deps.client, ServiceResource, { labelSelector })).items) if (serviceOwner(s) === owner) services.set(key(s), s);
  for (const s of (await listAll<EndpointSlice>(deps.client, EndpointSliceResource, { namespace: ns, labelSelector })).items) {
    if ((s.metadata.ownerReferences ?? []).some((r) => r.kind === Kind.Gateway && r.controller === true && r.name === name)) slices.set(key(s), s);
  }
  return { services: [...services.values()], endpointSlices: [...slices.values()] };
}
