// The Gateway reconciler's address job: deciding a Gateway's addresses (the AddressBook's policy, a fresh read before a
// new allocation, giving up a never-announced address to the holder that keeps it) and the Announced outcome over the
// Services that carry them.
import {
  GatewayConditionType,
  DEFAULT_LEASE_SETTINGS,
  carriedAddresses,
  evaluateAnnouncement,
  mayHaveBeenAnnounced,
  requestedAddresses,
  yieldsAddress,
  findCondition,
  type Gateway,
  type Service,
} from '@kube-vip-gw/gateway-model';
import { gatewayOwner, type AddressCollision, type AddressDecision, type AddressPolicy } from './address-book.js';
import { freshForeignAddresses } from './fresh-read.js';
import { conflictedOutcome } from '@kube-vip-gw/gateway-model';
import type { GatewayReconcilerDeps } from './gateway-deps.js';
import { kubeVipTakeUp } from './kube-vip-takeup.js';

/**
 * The Gateway's addresses and the other holders of any of them. Only an Accepted Gateway takes an address from the
 * pool (an invalid one would drain a scarce pool); one that is not gives back an address it never realised (no Service
 * of its carries it, never Programmed), which moves nothing, and keeps one that may be in use. A new allocation is
 * checked against a fresh read of other allocators' Services before it is used. An address another holder also
 * carries is given up when it was never announced and the other holder keeps it (yieldsAddress); otherwise the
 * outcome is `conflicted`: kept, not Programmed, announced by no new Service.
 */
export async function decideAddresses(
  deps: GatewayReconcilerDeps,
  gateway: Gateway,
  policy: AddressPolicy,
  accepted: boolean,
  delegated: boolean,
): Promise<{ decision: AddressDecision; collisions: AddressCollision[]; awaitingDelegated?: boolean } | 'stale'> {
  const ns = gateway.metadata.namespace ?? '';
  const name = gateway.metadata.name;
  const requested = requestedAddresses(gateway);
  const own = deps.view.servicesForGateway(ns, name);
  // Whether kube-vip may already announce one of our Services (kube-vip-takeup.ts): one lookup per reconcile.
  const takenUp = kubeVipTakeUp(deps.view, deps.now(), deps.leases);
  if (!accepted && requested.unsupported.length === 0) {
    const held = deps.addresses.holdings(gatewayOwner(ns, name));
    const programmed = findCondition(gateway.status?.conditions, GatewayConditionType.Programmed)?.status === 'True';
    const realised = programmed || own.some((s) => carriedAddresses(s).length > 0) || held.some((a) => mayHaveBeenAnnounced(gateway, own, a, takenUp));
    if (!realised) {
      deps.addresses.releaseReservation(ns, name);
      return { decision: { outcome: { kind: 'notAssigned', reason: 'the Gateway is not accepted: it takes no address from the pool until it is' } }, collisions: [] };
    }
    return { decision: deps.addresses.decide(gateway, policy, { allocate: false }), collisions: [] };
  }
  if (delegated && requested.static.length === 0 && requested.unsupported.length === 0) {
    // kube-vip-cloud-provider is the one allocator: what it wrote on the Gateway's Service (kube-vip.io/loadbalancerIPs)
    // is held by the Gateway in the AddressBook like its status addresses, so keeping what is held adopts it.
    const kept = deps.addresses.decide(gateway, policy, { allocate: false });
    if (kept.outcome.kind === 'assigned') {
      const inStatus = new Set((gateway.status?.addresses ?? []).map((a) => a.value));
      const adopted = kept.outcome.addresses.filter((a) => !inStatus.has(a));
      if (adopted.length > 0) deps.events.event(gateway, 'Normal', 'AddressAdopted', `adopted ${adopted.join(', ')}, assigned by kube-vip-cloud-provider to the Gateway's Service`);
      return conflictChecked(deps, gateway, kept);
    }
    const names = own.map((s) => `${s.metadata.namespace}/${s.metadata.name}`);
    return {
      decision: { outcome: { kind: 'notAssigned', reason: `ipamMode delegated: waiting for kube-vip-cloud-provider to assign an address to ${names.length > 0 ? `Service ${names.join(', ')}` : "the Gateway's Service"}` } },
      collisions: [],
      awaitingDelegated: true,
    };
  }
  let avoid: string[] = [];
  let decision = deps.addresses.decide(gateway, policy);
  for (let attempt = 0; attempt < 3 && decision.allocated && decision.outcome.kind === 'assigned'; attempt++) {
    // The cache may not show yet what kube-vip-cloud-provider wrote a moment ago (it allocates from the same pool and
    // never sees Gateways): a fresh read before the new address is written anywhere.
    const fresh = new Set(decision.allocated.addresses);
    let taken: Set<string>;
    try {
      taken = await (deps.foreignAddresses ?? freshForeignAddresses(deps.client))(gatewayOwner(ns, name));
    } catch (e) {
      deps.addresses.releaseReservation(ns, name);
      deps.logger?.warn({ err: e instanceof Error ? e.message : String(e) }, 'fresh read of Services before an allocation failed; retrying');
      return 'stale';
    }
    const clash = [...fresh].filter((a) => taken.has(a));
    if (clash.length === 0) break;
    avoid = [...avoid, ...clash];
    deps.addresses.releaseReservation(ns, name);
    decision = deps.addresses.decide(gateway, policy, { avoid });
  }
  let collisions = mine(deps.addresses.collisions(ns, name), decision);
  const holders = (c: AddressCollision) =>
    c.refs.map((r) => ({ ...r, creationTimestamp: (r.kind === 'Gateway' ? deps.view.gateway(r.namespace, r.name) : deps.view.service(r.namespace, r.name))?.metadata.creationTimestamp }));
  const yielded = collisions.filter((c) => yieldsAddress({ gateway, ownServices: own, address: c.address, requested: requested.static.length > 0, holders: holders(c), takenUp }));
  if (yielded.length > 0) {
    deps.addresses.releaseReservation(ns, name);
    decision = deps.addresses.decide(gateway, policy, { avoid: [...avoid, ...yielded.map((c) => c.address)] });
    for (const c of yielded) {
      deps.events.event(gateway, 'Warning', 'AddressYielded', `address ${c.address} is also held by ${c.holders.join(', ')} and was never announced for this Gateway: gave it up${decision.outcome.kind === 'assigned' ? `, now ${decision.outcome.addresses.join(', ')}` : ''}`);
    }
    collisions = mine(deps.addresses.collisions(ns, name), decision);
  }
  return conflictChecked(deps, gateway, decision, collisions);
}

// An assigned outcome that another holder shares becomes `conflicted` (kept, not Programmed, no plan).
export function conflictChecked(deps: GatewayReconcilerDeps, gateway: Gateway, decided: AddressDecision, found?: AddressCollision[]): { decision: AddressDecision; collisions: AddressCollision[] } {
  const collisions = found ?? mine(deps.addresses.collisions(gateway.metadata.namespace ?? '', gateway.metadata.name), decided);
  return { decision: { ...decided, outcome: conflictedOutcome(decided.outcome, collisions) }, collisions };
}

// Collisions on the addresses just decided (the Gateway's status may still show one it has given up).
export function mine(collisions: readonly AddressCollision[], decision: AddressDecision): AddressCollision[] {
  const outcome = decision.outcome;
  const addresses = new Set(outcome.kind === 'unsupportedType' ? [] : (outcome.addresses ?? []));
  return collisions.filter((c) => addresses.has(c.address));
}

/** The kube-vip.io/Announced outcome over every Service carrying one of the Gateway's addresses (ours and others'). */
export function announcementFor(deps: GatewayReconcilerDeps, namespace: string, name: string, addresses: readonly string[], created: readonly Service[] = []) {
  const { view } = deps;
  const services = new Map<string, Service>();
  for (const s of created) services.set(`${s.metadata.namespace}/${s.metadata.name}`, s);
  for (const s of view.servicesForGateway(namespace, name)) services.set(`${s.metadata.namespace}/${s.metadata.name}`, s);
  for (const ref of deps.addresses.servicesCarrying(addresses)) {
    const s = view.service(ref.namespace, ref.name);
    if (s) services.set(`${ref.namespace}/${ref.name}`, s);
  }
  return evaluateAnnouncement({
    addresses,
    services: [...services.values()],
    endpointSlices: (ns, n) => view.endpointSlicesForService(ns, n),
    lease: (ns, n) => view.lease(ns, n),
    leases: deps.leases ?? DEFAULT_LEASE_SETTINGS,
    now: deps.now(),
  });
}
