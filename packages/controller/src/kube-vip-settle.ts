// When the plan must wait for kube-vip before deleting a Service (service-mapper's PlanOptions.kubeVip): only while a
// kube-vip watches Services, i.e. its services Lease is current. kube-vip v1.0.0's status update of a new Service
// (`Processor.updateStatus`, pkg/services/services.go) retries every error 3,000 times 10 ms apart inside its one
// Service watch loop, so a Service deleted before kube-vip wrote its status stalled it 59-73 s (measured on the data
// plane and in the conformance run). Without a kube-vip (the e2e suite, a cluster announcing by other means) there is
// nothing to wait for, and nothing is delayed.
import { DEFAULT_LEASE_SETTINGS, leaseCurrent, type LeaseObject, type LeaseSettings, type Service } from '@kube-vip-gw/gateway-model';
import { hasDeferredWrites, type ChangePlan, type PlanOptions } from '@kube-vip-gw/service-mapper';

/** The lookups this needs (a subset of the controller's ClusterView). */
export interface LeaseLookup {
  lease(namespace: string, name: string): LeaseObject | undefined;
}

/**
 * The plan options for a Gateway whose Services are `services`: wait for kube-vip when its global services Lease
 * (svc_election=false) or the per-Service Lease `kubevip-<service>` of one of them (svc_election=true) is current.
 */
export function kubeVipPlanOptions(view: LeaseLookup, services: readonly Service[], now: Date, leases: LeaseSettings = DEFAULT_LEASE_SETTINGS): PlanOptions {
  const current = (lease: LeaseObject | undefined) => lease !== undefined && leaseCurrent(lease, now);
  const watching =
    current(view.lease(leases.global.namespace, leases.global.name)) ||
    services.some((s) => current(view.lease(s.metadata.namespace ?? '', `kubevip-${s.metadata.name}`)));
  return watching ? { kubeVip: { nowMs: now.getTime() } } : {};
}

/** Cap on the requeue of a plan holding a delete: kube-vip's status write wakes the Gateway anyway (a Service event). */
const DEFERRED_RETRY_MAX_MS = 1_000;

/** The requeue for a plan that held deletes back (undefined when it held none): at the earliest hold's end, at most 1 s. */
export function deferredRetryMs(plan: ChangePlan, now: Date): number | undefined {
  if (!hasDeferredWrites(plan)) return undefined;
  const earliest = Math.min(...plan.deferred.map((d) => d.untilMs));
  return Math.max(50, Math.min(DEFERRED_RETRY_MAX_MS, earliest - now.getTime() + 50));
}
