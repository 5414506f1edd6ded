// What a Gateway does when another holder carries one of its addresses (kube-vip-cloud-provider allocated it to a
// Service from the same ConfigMap, or someone set it by hand): kube-vip would announce the address for both, so the
// Gateway is not programmed and no Service of its announces it. A Gateway whose address was never announced gives it
// up to the holder that keeps it and takes another; one whose address was announced keeps it (clients may use it:
// an announced address never moves) and waits until the other holder goes.
import { AnnouncementReason, VIP_HOST_ANNOTATION, carriedAddresses, ingressAddresses } from './announcement.js';
import { findCondition } from './conditions.js';
import { GatewayConditionType } from './constants.js';
import type { Gateway, Service } from './types.js';

/** Another holder of an address. */
export interface AddressHolder {
  kind: 'Gateway' | 'Service';
  namespace: string;
  name: string;
  /** metadata.creationTimestamp, when known. */
  creationTimestamp?: string | undefined;
}

/**
 * Whether a kube-vip may have taken up a Service (put its address on an interface) although it has not written its
 * status yet: kube-vip adds the address before it writes vipHost and ingress, so the status (and a cache behind it)
 * lags the announcement. Computed by the caller from kube-vip's Leases; absent means no kube-vip is known to watch.
 */
export type KubeVipTakeUp = (service: Service) => boolean;

/**
 * True when the Gateway may have had `address` announced: a Service of its carries it and kube-vip reported it
 * (status.loadBalancer.ingress) or claimed it (kube-vip.io/vipHost) or may have taken it up before reporting it
 * (`takenUp`), or its kube-vip.io/Announced condition is past Pending (it was True once, or a lease/node was seen for
 * it). kube-vip announces only a Service that carries the address, so a Gateway with none of these was never
 * announced: no client can have used it, and giving it up moves nothing.
 */
export function mayHaveBeenAnnounced(gateway: Gateway, ownServices: readonly Service[], address: string, takenUp?: KubeVipTakeUp): boolean {
  for (const s of ownServices) {
    if (!carriedAddresses(s).includes(address)) continue;
    if (ingressAddresses(s).includes(address) || s.metadata.annotations?.[VIP_HOST_ANNOTATION]) return true;
    if (takenUp?.(s)) return true;
  }
  const announced = findCondition(gateway.status?.conditions, GatewayConditionType.Announced);
  return announced !== undefined && announced.reason !== AnnouncementReason.Pending;
}

function createdAt(o: { creationTimestamp?: string | undefined }): number {
  const t = Date.parse(o.creationTimestamp ?? '');
  return Number.isFinite(t) ? t : Number.POSITIVE_INFINITY;
}

/**
 * True when `holder` keeps the address rather than the Gateway: a Service always (the controller cannot move an
 * address it did not give; kube-vip-cloud-provider never reallocates one it wrote), a Gateway when it is older
 * (creationTimestamp, then namespace/name), so of two Gateways exactly one yields.
 */
export function holderKeeps(gateway: Gateway, holder: AddressHolder): boolean {
  if (holder.kind === 'Service') return true;
  const mine = createdAt(gateway.metadata);
  const theirs = createdAt(holder);
  if (mine !== theirs) return theirs < mine;
  const me = `${gateway.metadata.namespace ?? ''}/${gateway.metadata.name}`;
  return `${holder.namespace}/${holder.name}` < me;
}

/**
 * Whether the Gateway gives up `address` and takes another: only an address the pool gave it (not one its
 * spec.addresses asks for), that was never announced, and that every other holder keeps.
 */
export function yieldsAddress(input: {
  gateway: Gateway;
  ownServices: readonly Service[];
  address: string;
  requested: boolean;
  holders: readonly AddressHolder[];
  takenUp?: KubeVipTakeUp | undefined;
}): boolean {
  if (input.requested || input.holders.length === 0) return false;
  if (mayHaveBeenAnnounced(input.gateway, input.ownServices, input.address, input.takenUp)) return false;
  return input.holders.every((h) => holderKeeps(input.gateway, h));
}
