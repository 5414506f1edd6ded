// The kube-vip-cloud-provider IPAM ConfigMap: parsing its `data` into pools, reserved lists and settings, and
// choosing the pool for a namespace.
import {
  err,
  InvalidPoolError,
  InvalidRequestError,
  InvalidSettingError,
  NoPoolError,
  ok,
  type IPFamily,
  type Result,
} from './errors.js';
import { BITS, parseIp, type Ip } from './internal/address.js';
import { cidrRange, mergeRanges, prefixesOfRange, type Range } from './internal/ranges.js';

/** An inclusive range of address values (BigInt) of one family. */
export type AddressRange = Range;

/** Canonical (sorted, merged) ranges of a pool per family. */
export interface FamilyRanges {
  readonly IPv4: readonly AddressRange[];
  readonly IPv6: readonly AddressRange[];
}

/** Order in which free addresses are handed out (`search-order`). */
export type SearchOrder = 'asc' | 'desc';

/** One `cidr-*` or `range-*` key, parsed. */
export interface PoolSpec {
  /** The ConfigMap key, e.g. `cidr-global`. */
  readonly key: string;
  /** `global` or the namespace the key is for. */
  readonly scope: string;
  /**
   * How the value was read. As in kube-vip-cloud-provider the key prefix does not decide: exactly `0.0.0.0/32` is
   * DHCP, a value containing `/` is a CIDR list, anything else a range list.
   */
  readonly format: 'cidr' | 'range' | 'dhcp';
  /** The entries, trimmed, empty ones dropped. */
  readonly entries: readonly string[];
  /** Addresses of the pool (after `skip-end-ips-in-cidr`, before the IPv4 .0/.255 skip and reserved addresses). */
  readonly ranges: FamilyRanges;
  /** Malformed entries; when non-empty the key is refused. */
  readonly problems: readonly InvalidPoolError[];
}

/** One `reserved-*` key (our extension): addresses never handed out in its scope. */
export interface ReservedSpec {
  readonly key: string;
  readonly scope: string;
  readonly entries: readonly string[];
  readonly ranges: FamilyRanges;
  /** Malformed entries; when non-empty every pool this key applies to is refused (a typo must not free the router's address). */
  readonly problems: readonly InvalidPoolError[];
}

/** A parsed IPAM ConfigMap. */
export interface IpamConfig {
  /** Pools by key (`cidr-<ns>`, `range-<ns>`, `cidr-global`, `range-global`). */
  readonly pools: ReadonlyMap<string, PoolSpec>;
  /** Reserved lists by key (`reserved-<ns>`, `reserved-global`). */
  readonly reserved: ReadonlyMap<string, ReservedSpec>;
  /** `allow-share-<ns|global>` values by key (Go `strconv.ParseBool` syntax; invalid means false). */
  readonly allowShare: ReadonlyMap<string, boolean>;
  /** `interface-<ns|global>` values by key (for the `kube-vip.io/serviceInterface` annotation). */
  readonly interfaces: ReadonlyMap<string, string>;
  readonly searchOrder: SearchOrder;
  readonly skipEndIpsInCidr: boolean;
  /** Every problem found, pools and settings alike. */
  readonly problems: readonly (InvalidPoolError | InvalidSettingError)[];
  /** Keys this package does not read. */
  readonly ignoredKeys: readonly string[];
}

/** The pool that applies to a namespace, with the settings that go with it. */
export interface PoolSelection {
  readonly namespace: string;
  readonly pool: PoolSpec;
  /** True when the pool came from a `*-global` key. */
  readonly global: boolean;
  /** `allow-share-<ns>`, else `allow-share-global`, else false. */
  readonly allowShare: boolean;
  /** `interface-<ns>`, else `interface-global`. */
  readonly serviceInterface: string | undefined;
  /** Reserved keys that apply (`reserved-global`, `reserved-<ns>` when present). */
  readonly reserved: readonly ReservedSpec[];
}

const POOL_PREFIXES = ['cidr-', 'range-'] as const;
const GO_TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const GO_FALSE = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

/** Splits a comma list, trimming spaces around entries and dropping empty ones (a deliberate difference: kube-vip-cloud-provider fails on `a, b`). */
export function splitList(value: string): string[] {
  const out: string[] = [];
  for (const part of value.split(',')) {
    const t = part.trim();
    if (t.length > 0) out.push(t);
  }
  return out;
}

function emptyRanges(): { IPv4: Range[]; IPv6: Range[] } {
  return { IPv4: [], IPv6: [] };
}

function parseCidrEntry(entry: string): { family: IPFamily; range: Range; length: number } | string {
  const slash = entry.lastIndexOf('/');
  if (slash < 0) {
    return "expected a CIDR such as 10.0.0.0/24 (the value contains '/', so every entry is read as a CIDR, as kube-vip-cloud-provider does)";
  }
  const ip = parseIp(entry.slice(0, slash));
  if (typeof ip === 'string') return ip;
  const lengthText = entry.slice(slash + 1);
  if (!/^(0|[1-9][0-9]{0,2})$/.test(lengthText)) return `prefix length ${JSON.stringify(lengthText)} is not a number`;
  const length = Number(lengthText);
  const bits = BITS[ip.family];
  if (length > bits) return `prefix length ${length} is out of range for ${ip.family} (0-${bits})`;
  return { family: ip.family, range: cidrRange(ip.value, length, bits), length };
}

function parseRangeEntry(entry: string): { family: IPFamily; range: Range } | string {
  const parts = entry.split('-');
  if (parts.length !== 2) return 'expected start-end, e.g. 10.0.0.10-10.0.0.20';
  const start = parseIp(parts[0]!.trim());
  if (typeof start === 'string') return `start ${JSON.stringify(parts[0])}: ${start}`;
  const end = parseIp(parts[1]!.trim());
  if (typeof end === 'string') return `end ${JSON.stringify(parts[1])}: ${end}`;
  if (start.family !== end.family) return 'start and end are of different address families';
  if (start.value > end.value) return 'start is after end';
  return { family: start.family, range: { start: start.value, end: end.value } };
}

// skip-end-ips-in-cidr, as kube-vip-cloud-provider applies it: on the canonical prefixes of the merged IPv4 set,
// drop the first and last address of every prefix longer than /31 (a /31 keeps both, RFC 3021; a /32 is kept).
function skipEnds(ranges: readonly Range[]): Range[] {
  const out: Range[] = [];
  for (const r of ranges) {
    for (const p of prefixesOfRange(r, 32)) {
      const size = 1n << BigInt(32 - p.length);
      const end = p.start + size - 1n;
      if (p.length >= 31) out.push({ start: p.start, end });
      else out.push({ start: p.start + 1n, end: end - 1n });
    }
  }
  return mergeRanges(out);
}

function parsePoolValue(key: string, scope: string, value: string, skipEndIpsInCidr: boolean): PoolSpec {
  const trimmed = value.trim();
  if (trimmed === '0.0.0.0/32') {
    return { key, scope, format: 'dhcp', entries: [trimmed], ranges: emptyRanges(), problems: [] };
  }
  const entries = splitList(trimmed);
  const format = trimmed.includes('/') ? 'cidr' : 'range';
  const problems: InvalidPoolError[] = [];
  const found = emptyRanges();
  if (entries.length === 0) problems.push(new InvalidPoolError(key, value, 'the value has no entries'));
  for (const entry of entries) {
    const parsed = format === 'cidr' ? parseCidrEntry(entry) : parseRangeEntry(entry);
    if (typeof parsed === 'string') problems.push(new InvalidPoolError(key, entry, parsed));
    else found[parsed.family].push(parsed.range);
  }
  const v4 = mergeRanges(found.IPv4);
  const ranges = {
    IPv4: format === 'cidr' && skipEndIpsInCidr ? skipEnds(v4) : v4,
    IPv6: mergeRanges(found.IPv6),
  };
  return { key, scope, format, entries, ranges, problems };
}

/** Parses one entry of a reserved list: an address, a CIDR (every address in it) or a start-end range. */
function parseReservedEntry(entry: string): { family: IPFamily; range: Range } | string {
  if (entry.includes('/')) {
    const c = parseCidrEntry(entry);
    return typeof c === 'string' ? c : { family: c.family, range: c.range };
  }
  if (entry.includes('-')) return parseRangeEntry(entry);
  const ip: Ip | string = parseIp(entry);
  if (typeof ip === 'string') return ip;
  return { family: ip.family, range: { start: ip.value, end: ip.value } };
}

function parseReservedValue(key: string, scope: string, value: string): ReservedSpec {
  const entries = splitList(value);
  const problems: InvalidPoolError[] = [];
  const found = emptyRanges();
  for (const entry of entries) {
    const parsed = parseReservedEntry(entry);
    if (typeof parsed === 'string') problems.push(new InvalidPoolError(key, entry, parsed));
    else found[parsed.family].push(parsed.range);
  }
  return { key, scope, entries, ranges: { IPv4: mergeRanges(found.IPv4), IPv6: mergeRanges(found.IPv6) }, problems };
}

/**
 * Parses a ConfigMap's `data` in kube-vip-cloud-provider's format (plus `reserved-*`). Never throws: malformed
 * entries become `problems` on their key, which is then refused, and other keys stay usable.
 */
export function parseIpamConfig(data: Readonly<Record<string, unknown>> | null | undefined): IpamConfig {
  const problems: (InvalidPoolError | InvalidSettingError)[] = [];
  const ignoredKeys: string[] = [];
  const values = new Map<string, string>();
  if (data !== null && data !== undefined && typeof data === 'object') {
    for (const [key, raw] of Object.entries(data)) {
      // ConfigMap values are strings; a YAML file read offline may give booleans or numbers, which mean the same.
      if (typeof raw === 'string') values.set(key, raw);
      else if (typeof raw === 'boolean' || typeof raw === 'number') values.set(key, String(raw));
      else problems.push(new InvalidSettingError(key, String(raw), 'ConfigMap values must be strings; key ignored'));
    }
  }

  const searchOrderRaw = values.get('search-order');
  const searchOrder: SearchOrder = searchOrderRaw === 'desc' ? 'desc' : 'asc';
  if (searchOrderRaw !== undefined && searchOrderRaw !== 'desc' && searchOrderRaw !== 'asc') {
    problems.push(new InvalidSettingError('search-order', searchOrderRaw, 'only "desc" (exactly) reverses the order; ascending is used'));
  }
  const skipRaw = values.get('skip-end-ips-in-cidr');
  const skipEndIpsInCidr = skipRaw === 'true';
  if (skipRaw !== undefined && skipRaw !== 'true' && skipRaw !== 'false') {
    problems.push(new InvalidSettingError('skip-end-ips-in-cidr', skipRaw, 'only "true" (exactly) turns it on; it stays off'));
  }

  const pools = new Map<string, PoolSpec>();
  const reserved = new Map<string, ReservedSpec>();
  const allowShare = new Map<string, boolean>();
  const interfaces = new Map<string, string>();
  for (const [key, value] of values) {
    if (key === 'search-order' || key === 'skip-end-ips-in-cidr') continue;
    const poolPrefix = POOL_PREFIXES.find((p) => key.startsWith(p) && key.length > p.length);
    if (poolPrefix !== undefined) {
      const spec = parsePoolValue(key, key.slice(poolPrefix.length), value, skipEndIpsInCidr);
      pools.set(key, spec);
      problems.push(...spec.problems);
    } else if (key.startsWith('reserved-') && key.length > 'reserved-'.length) {
      const spec = parseReservedValue(key, key.slice('reserved-'.length), value);
      reserved.set(key, spec);
      problems.push(...spec.problems);
    } else if (key.startsWith('allow-share-') && key.length > 'allow-share-'.length) {
      const on = GO_TRUE.has(value);
      if (!on && !GO_FALSE.has(value)) {
        problems.push(new InvalidSettingError(key, value, 'not a boolean (true/false, 1/0, t/f); sharing stays off'));
      }
      allowShare.set(key, on);
    } else if (key.startsWith('interface-') && key.length > 'interface-'.length) {
      interfaces.set(key, value);
    } else {
      ignoredKeys.push(key);
    }
  }
  return { pools, reserved, allowShare, interfaces, searchOrder, skipEndIpsInCidr, problems, ignoredKeys };
}

/**
 * Chooses the pool for a namespace: `cidr-<ns>`, `range-<ns>`, `cidr-global`, `range-global`, first present wins.
 * Deliberate difference: kube-vip-cloud-provider checks `cidr-global` before `range-<ns>`, so a global CIDR hides
 * a namespace's own range; here a namespace key always beats a global one. A present key with problems (or a
 * malformed reserved list that applies) is an error rather than a fallback, so a typo never moves allocations to
 * another pool.
 */
export function selectPool(
  config: IpamConfig,
  namespace: string,
): Result<PoolSelection, NoPoolError | InvalidPoolError | InvalidRequestError> {
  if (typeof namespace !== 'string' || namespace.length === 0) {
    return err(new InvalidRequestError('namespace', namespace, 'must be a non-empty string'));
  }
  const pool =
    config.pools.get(`cidr-${namespace}`) ??
    config.pools.get(`range-${namespace}`) ??
    config.pools.get('cidr-global') ??
    config.pools.get('range-global');
  if (pool === undefined) return err(new NoPoolError(namespace));
  if (pool.problems.length > 0) return err(pool.problems[0]!);
  const reserved: ReservedSpec[] = [];
  for (const key of new Set(['reserved-global', `reserved-${namespace}`])) {
    const spec = config.reserved.get(key);
    if (spec === undefined) continue;
    if (spec.problems.length > 0) return err(spec.problems[0]!);
    reserved.push(spec);
  }
  const allowShare = config.allowShare.get(`allow-share-${namespace}`) ?? config.allowShare.get('allow-share-global') ?? false;
  const serviceInterface = config.interfaces.get(`interface-${namespace}`) ?? config.interfaces.get('interface-global');
  return ok({ namespace, pool, global: pool.scope === 'global', allowShare, serviceInterface, reserved });
}
