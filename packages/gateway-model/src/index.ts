import { familyOf, type IPFamily } from '@kube-vip-gw/ipam';

/** The API group of the Gateway API. */
export const GATEWAY_API_GROUP = 'gateway.networking.k8s.io';

/** Families of a Gateway's status addresses, in order. */
export function addressFamilies(addresses: readonly { value: string }[]): IPFamily[] {
  return addresses.map((a) => familyOf(a.value)).filter((f): f is IPFamily => f !== undefined);
}

export type * from './types.js';
export { boundedLabelValue, boundedName, MAX_NAME_LENGTH } from './names.js';
