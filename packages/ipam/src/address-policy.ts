// Address policy: which families a Gateway (or any holder) should have addresses of, which of the addresses it holds
// it keeps, and what it still has to allocate. Pure; the controller's AddressBook applies it to the cluster's state.
import type { IPFamilyPolicy } from './allocator.js';
import type { PoolSelection } from './config.js';
import type { IPFamily } from './errors.js';
import { parseIp } from './internal/address.js';

/** How a holder's addresses are chosen (the Gateway's ipFamilyPolicy / ipFamilies parameters). */
export interface AddressPolicy {
  ipFamilyPolicy?: IPFamilyPolicy | undefined;
  ipFamilies?: readonly IPFamily[] | undefined;
}

/** What a holder's current addresses and its policy call for. */
export interface FamilyPlan {
  /** Held addresses kept: at most one per wanted family, the primary family first. */
  readonly keep: string[];
  /** Families still to allocate now; empty when `keep` is complete. */
  readonly required: IPFamily[];
  /** The allocation to make (undefined when `keep` is complete): the policy itself when nothing is kept, else one address of each required family. */
  readonly request?: { ipFamilyPolicy: IPFamilyPolicy | undefined; ipFamilies: readonly IPFamily[] | undefined };
}

// Families come from the allocator's own parser, so an address has the family the allocator gave it, and a value
// that is no address (a hostname, a typo) belongs to no family and is never kept.
function familyOfAddress(address: string): IPFamily | undefined {
  const ip = parseIp(address);
  return typeof ip === 'string' ? undefined : ip.family;
}

/**
 * The families a holder should have, primary first. SingleStack (or no policy) wants one: the policy's first family,
 * else IPv4 unless the pool has no IPv4 range. RequireDualStack wants both. PreferDualStack wants the primary and the
 * other one only when the pool has a range of it (a DHCP pool or no pool: the primary alone).
 */
export function wantedFamilies(policy: AddressPolicy, pool: PoolSelection | undefined): IPFamily[] {
  const primary: IPFamily = policy.ipFamilies?.[0] ?? 'IPv4';
  const secondary: IPFamily = primary === 'IPv4' ? 'IPv6' : 'IPv4';
  if (policy.ipFamilyPolicy === undefined || policy.ipFamilyPolicy === 'SingleStack') {
    if (policy.ipFamilies?.[0] !== undefined) return [primary];
    const hasV4 = pool !== undefined && pool.pool.format !== 'dhcp' ? pool.pool.ranges.IPv4.length > 0 : true;
    return [hasV4 ? 'IPv4' : 'IPv6'];
  }
  if (policy.ipFamilyPolicy === 'RequireDualStack') return [primary, secondary];
  if (pool === undefined || pool.pool.format === 'dhcp') return [primary];
  return [primary, secondary].filter((f) => pool.pool.ranges[f].length > 0);
}

/** Addresses sorted so that the policy's primary family comes first (stable within a family). */
export function orderByFamilies(addresses: readonly string[], families: readonly IPFamily[] | undefined): string[] {
  const primary = families?.[0] ?? 'IPv4';
  const rank = (a: string) => (familyOfAddress(a) === primary ? 0 : 1);
  return [...addresses].sort((a, b) => rank(a) - rank(b));
}

/**
 * Which held addresses to keep and what to allocate. An address is never moved: every held address of a wanted
 * family is kept (the first of each family). A missing family is allocated when the policy requires it
 * (RequireDualStack), or when nothing is kept at all (then the allocator applies the policy itself).
 */
export function planFamilies(held: readonly string[], policy: AddressPolicy, pool: PoolSelection | undefined): FamilyPlan {
  const wanted = wantedFamilies(policy, pool);
  const ordered = orderByFamilies(held, policy.ipFamilies);
  const seen = new Set<IPFamily>();
  const keep: string[] = [];
  for (const address of ordered) {
    const family = familyOfAddress(address);
    if (family === undefined || !wanted.includes(family) || seen.has(family)) continue;
    seen.add(family);
    keep.push(address);
  }
  const missing = wanted.filter((f) => !seen.has(f));
  const required = policy.ipFamilyPolicy === 'RequireDualStack' ? missing : keep.length === 0 ? missing.slice(0, 1) : [];
  if (keep.length > 0 && required.length === 0) return { keep, required };
  const request = keep.length === 0 ? { ipFamilyPolicy: policy.ipFamilyPolicy, ipFamilies: policy.ipFamilies } : { ipFamilyPolicy: 'SingleStack' as const, ipFamilies: required };
  return { keep, required, request };
}
