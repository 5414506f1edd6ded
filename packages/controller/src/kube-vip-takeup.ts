// Whether a kube-vip may already announce a Service of ours whose status does not say so yet: the yield decision
// (gateway-model's yieldsAddress) must never give up an address kube-vip put on an interface. kube-vip v1.0.0
// (pkg/services) adds the address before it writes anything on the Service:
// - svc_election=false (one global lease): only the leader watches Services; Processor.AddOrModify (processor.go)
//   calls SyncServices -> addService (services.go), which starts the load balancer (the VIP goes on the interface) and
//   only then calls updateStatus (vipHost annotation, status.loadBalancer.ingress). Nothing is visible in between, and
//   the leader picks a Service up milliseconds after it appears, so while that lease is current any Service of ours
//   carrying an address counts as taken up. Measured on the data plane at load ~30: a Gateway yielded an address
//   kube-vip had announced 90 ms earlier; kube-vip then cancelled it on the address change and announced nothing.
// - svc_election=true: StartServicesLeaderElection (leader.go) takes the Lease `kubevip-<service>` first, and
//   OnStartedLeading runs the same SyncServices. A held Lease taken for this Service means the address may be up;
//   with mode `service` configured, the Lease itself may be ahead of our cache, so every carried address counts.
// Conservative on purpose: keeping the address costs an AddressConflict condition until the other holder goes; a
// wrong yield moves an announced address.
import { DEFAULT_LEASE_SETTINGS, leaseCandidates, leaseCurrent, type KubeVipTakeUp, type LeaseObject, type LeaseSettings } from '@kube-vip-gw/gateway-model';
import type { LeaseLookup } from './kube-vip-settle.js';

function leaseTime(lease: LeaseObject): number {
  const t = Date.parse(lease.spec?.renewTime ?? lease.spec?.acquireTime ?? '');
  return Number.isFinite(t) ? t : Number.NEGATIVE_INFINITY;
}

/** The take-up predicate for the yield decision at `now`, from kube-vip's Leases in the view. */
export function kubeVipTakeUp(view: LeaseLookup, now: Date, leases: LeaseSettings = DEFAULT_LEASE_SETTINGS): KubeVipTakeUp {
  const global = leases.mode === 'service' ? undefined : view.lease(leases.global.namespace, leases.global.name);
  const globalWatching = global !== undefined && leaseCurrent(global, now);
  return (service) => {
    if (globalWatching || leases.mode === 'service') return true;
    if (leases.mode === 'global') return false;
    const created = Date.parse(service.metadata.creationTimestamp ?? '');
    return leaseCandidates(service, leases)
      .filter((c) => c.namespace !== leases.global.namespace || c.name !== leases.global.name)
      .some((c) => {
        const lease = view.lease(c.namespace, c.name);
        if (!lease?.spec?.holderIdentity) return false;
        // A Lease left by an earlier Service of the same name (renewed before this one existed) says nothing of it.
        return leaseCurrent(lease, now) || !Number.isFinite(created) || leaseTime(lease) >= created;
      });
  };
}
