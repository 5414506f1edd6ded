// The Gateway reconciler: the one writer of everything that belongs to a Gateway: its address, its status and listener
// status, its own entries in routes' status.parents, and the Services/EndpointSlices that realise it (one writer per
// object: docs/architecture.md). This file is the order of one reconcile; each job is a gateway-*.ts beside it:
// addresses (gateway-addresses), the snapshot (gateway-snapshot), Services (gateway-services), cleanup
// (gateway-release), route status (gateway-route-status), Events (gateway-events); the status rules are gateway-model's.
import { evaluateGateway, isOurGatewayClass, withAddressCollisions, withListenerProblems, type DataPlaneOutcome, type Gateway, type Service } from '@kube-vip-gw/gateway-model';
import { desiredForGateway, hasPendingGiveBack, isEmptyPlan, planChanges, type GatewayDesired } from '@kube-vip-gw/service-mapper';
import { isConflict, isNotFound } from '@kube-vip-gw/controller-runtime';
import { isDeepStrictEqual as isDeepEqual } from 'node:util';
import type { AddressPolicy } from './address-book.js';
import { clearDepartedListenerSets, writeListenerSetStatuses } from './listener-sets.js';
import { classParameters, gatewayParameters } from './parameters-lookup.js';
import { mergeParameters } from './parameters.js';
import { GATEWAY_RESOURCE } from './watched-resources.js';
import { GIVE_BACK_RETRY_MS, OWN_WRITE_WAIT_MS, STALE_CACHE_RETRY_MS, type GatewayReconcilerDeps, type ReconcileOutcome } from './gateway-deps.js';
import { decideAddresses, announcementFor } from './gateway-addresses.js';
import { snapshot } from './gateway-snapshot.js';
import { servedListeners, actualObjects, applyPlan } from './gateway-services.js';
import { ensureFinalizer, release } from './gateway-release.js';
import { deferredRetryMs, kubeVipPlanOptions } from './kube-vip-settle.js';
import { clearRouteParents, writeRouteParents, behindOwnWrite } from './gateway-route-status.js';
import { reportMappingWarnings, reportTransitions } from './gateway-events.js';

export { GATEWAY_CLEANUP_FINALIZER, type EventSink, type EventType, type GatewayMetrics, type GatewayReconcilerDeps, type ReconcileOutcome } from './gateway-deps.js';
export { applyPlan } from './gateway-services.js';

/** Reconciles one Gateway, identified by namespace and name. */
export async function reconcileGateway(deps: GatewayReconcilerDeps, namespace: string, name: string): Promise<ReconcileOutcome> {
  const { view } = deps;
  let gateway = view.gateway(namespace, name);
  if (gateway === undefined) {
    // Gone: owned Services go with it (ownerReferences); what remains is our route status entries and its addresses.
    deps.addresses.forgetGateway(namespace, name);
    if (behindOwnWrite(deps, undefined, namespace, name)) return { requeueAfterMs: OWN_WRITE_WAIT_MS };
    return clearRouteParents(deps, { metadata: { namespace, name }, spec: { gatewayClassName: '', listeners: [] } });
  }
  // Woken (by a Service event, say) before the cache shows our last write: what we would compute from it is already
  // out of date and would be written with a stale resourceVersion, a sure 409.
  if (behindOwnWrite(deps, gateway, namespace, name)) return { requeueAfterMs: OWN_WRITE_WAIT_MS };
  const gatewayClass = view.gatewayClass(gateway.spec?.gatewayClassName ?? '');
  const ours = gatewayClass !== undefined && isOurGatewayClass(gatewayClass, deps.controllerName);
  if (!ours || gateway.metadata.deletionTimestamp !== undefined) return release(deps, gateway, ours);
  // The finalizer goes on before anything is made for the Gateway, so nothing can be left behind.
  const finalized = await ensureFinalizer(deps, gateway, true);
  if (!finalized) return { requeueAfterMs: STALE_CACHE_RETRY_MS };
  gateway = finalized;

  const classParams = classParameters(view, gatewayClass);
  const gwParams = gatewayParameters(view, gateway);
  const params = mergeParameters(gwParams.parameters, classParams.parameters, deps.defaults);
  const policy: AddressPolicy = { ipFamilyPolicy: params.ipFamilyPolicy, ipFamilies: params.ipFamilies };
  const undecided = snapshot(deps, gateway, gatewayClass, gwParams, { kind: 'notAssigned', reason: 'the Gateway is not accepted' });
  const delegated = params.ipamMode === 'delegated';
  const decided = await decideAddresses(deps, gateway, policy, evaluateGateway({ ...undecided, dataPlane: { kind: 'pending' } }).accepted, delegated);
  if (decided === 'stale') return { requeueAfterMs: STALE_CACHE_RETRY_MS };
  const { decision, collisions, awaitingDelegated } = decided;
  const snapshotBase = { ...undecided, address: decision.outcome };

  const first = evaluateGateway({ ...snapshotBase, dataPlane: { kind: 'pending' } });
  let dataPlane: DataPlaneOutcome = { kind: 'pending', message: 'waiting for an address' };
  let desired: GatewayDesired | undefined;
  // Services this reconcile created: its cache cannot show them yet, but the announcement must count them, or its
  // status says "no Service carries the address" and is rewritten when the Service's event comes back (one write more
  // per new Gateway, seen as a resourceVersion change in the pool-move e2e test).
  let created: Service[] = [];
  // A give-back withdrew an address: the restore follows on a later pass, once the cache shows the withdrawal (the
  // Service's own event brings us back too; the requeue covers a Service the informers do not map to this Gateway).
  let giveBackPending = false;
  // A delete the plan held back until kube-vip has written a Service's status: plan again then (or at its timeout).
  let deferredRetry: number | undefined;
  // The plan had something to do: the mapping's warnings are reported with it (below).
  let planned = false;
  // A conflicted Gateway gets no plan: no Service of its is created or patched with the colliding address, and one that
  // already carries it stays as it is (never move an announced address).
  // Delegated IPAM: the Service is made without an address for kube-vip-cloud-provider to assign one.
  if (first.accepted && ((decision.outcome.kind === 'assigned' && first.addresses.length > 0) || awaitingDelegated)) {
    const strategy = { gateway: gwParams.parameters?.serviceBehaviour, gatewayClass: classParams.parameters?.serviceBehaviour, flag: deps.defaults.serviceBehaviour };
    desired = desiredForGateway(gateway, servedListeners(deps, gateway, gatewayClass, first, params, strategy), deps.strategies);
    const actual = actualObjects(deps, gateway, desired);
    // With a kube-vip watching, no Service goes before kube-vip wrote its status (kube-vip-settle.ts).
    const plan = planChanges(desired, actual, kubeVipPlanOptions(deps.view, actual.services, deps.now(), deps.leases));
    deferredRetry = deferredRetryMs(plan, deps.now());
    // Record new addresses in the Gateway's status before any Service announces them. Otherwise a crash between
    // the plan and the status write, followed by the Services' deletion (a route detached), leaves an address that
    // was announced with nothing that holds it, and the Gateway may come back with another one (found by the
    // crash-consistency test).
    if (!isEmptyPlan(plan) && !isDeepEqual(gateway.status?.addresses ?? [], first.status.addresses ?? [])) {
      try {
        const sent = { ...gateway, status: { ...(gateway.status ?? {}), addresses: first.status.addresses } };
        gateway = await deps.client.updateStatus<Gateway>(GATEWAY_RESOURCE, sent);
        deps.ownWrites?.record(GATEWAY_RESOURCE, sent, gateway);
      } catch (e) {
        if (isConflict(e) || isNotFound(e)) return { requeueAfterMs: STALE_CACHE_RETRY_MS };
        throw e;
      }
    }
    const applied = await applyPlan(deps.client, plan);
    if (applied === 'stale') return { requeueAfterMs: STALE_CACHE_RETRY_MS };
    if (applied === 'ok' && hasPendingGiveBack(plan)) giveBackPending = true;
    dataPlane = applied === 'ok' ? { kind: 'applied' } : { kind: 'failed', message: applied.message };
    if (applied === 'ok') created = [...plan.create, ...plan.replace.map((x) => x.desired)].filter((o): o is Service => (o.kind ?? 'Service') === 'Service');
    for (const p of plan.problems) deps.events.event(gateway, 'Warning', p.reason, p.message);
    planned = !isEmptyPlan(plan);
  }

  const announced = decision.outcome.kind === 'assigned' || decision.outcome.kind === 'conflicted' ? decision.outcome.addresses : [];
  const announcement = announced.length > 0 ? announcementFor(deps, namespace, name, announced, created) : undefined;
  const final = evaluateGateway({ ...snapshotBase, dataPlane, ...(announcement ? { announcement } : {}) });
  const status = withAddressCollisions(gateway, withListenerProblems(gateway, final, desired?.problems, deps.now()), collisions, deps.now());
  reportTransitions(deps, gateway, status, decision);
  // Warnings of the mapping (an infrastructure label the controller must own, externalTrafficPolicy Local, several
  // Services for one address, ...) do not stop a listener, so no condition carries them: an Event is their only report
  // (errors go to the listener). They are reported when this pass changes something, a plan applied or a status
  // written, as that is when their cause (a route, a listener, a backend) changed. A pass that changes nothing (a
  // restart, an unrelated event) does not report them again: a per-route strategy's Gateway re-posted its
  // MultipleServicesForAddress Event on every restart, one write per Gateway (docs/benchmarks.md, issue 21).
  if (desired && (planned || !isDeepEqual(status, gateway.status))) reportMappingWarnings(deps, gateway, desired);

  if (!isDeepEqual(status, gateway.status)) {
    try {
      const sent = { ...gateway, status };
      const written = await deps.client.updateStatus(GATEWAY_RESOURCE, sent);
      deps.ownWrites?.record(GATEWAY_RESOURCE, sent, written);
    } catch (e) {
      if (isConflict(e) || isNotFound(e)) return { requeueAfterMs: STALE_CACHE_RETRY_MS };
      throw e;
    }
  }
  for (const r of final.routes) {
    if (r.changed) await writeRouteParents(deps, r.kind, r.route, r.parents);
  }
  await writeListenerSetStatuses(deps, final, desired);
  const departedCleared = await clearDepartedListenerSets(deps, namespace, name);
  if (dataPlane.kind === 'failed') throw new Error(`Gateway ${namespace}/${name}: ${dataPlane.message}`);
  if (giveBackPending) return { requeueAfterMs: GIVE_BACK_RETRY_MS };
  if (deferredRetry !== undefined) return { requeueAfterMs: deferredRetry };
  return departedCleared ? {} : { requeueAfterMs: STALE_CACHE_RETRY_MS };
}
