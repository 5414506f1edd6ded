// Public entry of @kube-vip-gw/ipam: address pools and allocation compatible with kube-vip-cloud-provider's ConfigMap.
import type { IPFamily, InvalidAddressError as InvalidAddressErrorType, Result } from './errors.js';
import { err, InvalidAddressError, ok } from './errors.js';
import { formatIp, parseIp } from './internal/address.js';

export {
  AddressInUseError,
  AddressNotInPoolError,
  AddressReservedError,
  FamilyUnavailableError,
  InvalidAddressError,
  InvalidPoolError,
  InvalidRequestError,
  InvalidSettingError,
  NoPoolError,
  PoolExhaustedError,
  err,
  ok,
} from './errors.js';
export type { IPFamily, IpamError, Result } from './errors.js';
export { parseIpamConfig, selectPool, splitList } from './config.js';
export type { AddressRange, FamilyRanges, IpamConfig, PoolSelection, PoolSpec, ReservedSpec, SearchOrder } from './config.js';
export { AddressAllocator } from './allocator.js';
export { orderByFamilies, planFamilies, wantedFamilies, type AddressPolicy, type FamilyPlan } from './address-policy.js';
export type {
  AddressConflict,
  AllocateError,
  Allocation,
  AllocationRequest,
  FamilyStats,
  IPFamilyPolicy,
  PoolStats,
  PortKey,
  Protocol,
  RebuildReport,
  UsedAddress,
  UsedEntry,
} from './allocator.js';

/** A parsed IP address: family, exact value, and canonical text (as Go's netip prints it). */
export interface ParsedAddress {
  readonly family: IPFamily;
  readonly value: bigint;
  readonly text: string;
}

/** Parses an IP literal strictly (as Go's net/netip does: no leading zeros, no zones). */
export function parseAddress(text: string): Result<ParsedAddress, InvalidAddressErrorType> {
  const ip = parseIp(text);
  if (typeof ip === 'string') return err(new InvalidAddressError(String(text), ip));
  return ok({ family: ip.family, value: ip.value, text: formatIp(ip.family, ip.value) });
}

/** Formats an address value of a family canonically (RFC 5952 for IPv6). */
export function formatAddress(family: IPFamily, value: bigint): string {
  return formatIp(family, value);
}

/** Returns the family of a textual IP address, or undefined when it is not one. */
export function familyOf(address: string): IPFamily | undefined {
  const ip = parseIp(address);
  return typeof ip === 'string' ? undefined : ip.family;
}
