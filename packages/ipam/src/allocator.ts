// The allocator: a parsed ConfigMap plus the cluster-wide set of used addresses, handing out addresses per namespace.
import {
  AddressInUseError,
  AddressNotInPoolError,
  AddressReservedError,
  err,
  FamilyUnavailableError,
  InvalidAddressError,
  InvalidRequestError,
  ok,
  PoolExhaustedError,
  type InvalidPoolError,
  type IPFamily,
  type NoPoolError,
  type Result,
} from './errors.js';
import { selectPool, type IpamConfig, type PoolSelection, type PoolSpec, type ReservedSpec, type SearchOrder } from './config.js';
import { formatIp, indexRange, isSkippedV4, parseIp, toIndex, fromIndex, type Ip } from './internal/address.js';
import { IntervalSet } from './internal/interval-set.js';
import { countRanges, mergeRanges, subtractRanges, type Range } from './internal/ranges.js';

/** Transport protocol of a port, as in a Kubernetes Service or Gateway listener. */
export type Protocol = 'TCP' | 'UDP' | 'SCTP';

/** One (protocol, port) pair a consumer listens on; consumers whose pairs do not overlap may share an address. */
export interface PortKey {
  readonly protocol: Protocol;
  readonly port: number;
}

/** Kubernetes `spec.ipFamilyPolicy` values. */
export type IPFamilyPolicy = 'SingleStack' | 'PreferDualStack' | 'RequireDualStack';

/** An address already in use in the cluster, as found on a Gateway or Service. */
export interface UsedAddress {
  readonly address: string;
  /** Who holds it (e.g. `Gateway/ns/name`); the same owner seen twice is one holder, and `release` can name it. */
  readonly owner?: string;
  /** Ports the holder listens on; without them the address is held exclusively and never shared. */
  readonly ports?: readonly PortKey[];
}

/** A used address as plain text, or with its holder and ports. */
export type UsedEntry = string | UsedAddress;

/** What `allocate` is asked for. */
export interface AllocationRequest {
  readonly namespace: string;
  /** Defaults to SingleStack. */
  readonly ipFamilyPolicy?: IPFamilyPolicy;
  /** Family order; the first is the primary family. */
  readonly ipFamilies?: readonly IPFamily[];
  /** Specific addresses (at most one per family), validated instead of choosing free ones; policy is then not used. */
  readonly requested?: readonly string[];
  /** Holder recorded for the addresses, for `release`, `holdings` and sharing. */
  readonly owner?: string;
  /** Ports of the new holder; with `allow-share-*` on, an address whose holders' ports do not overlap is reused. */
  readonly ports?: readonly PortKey[];
}

/** What `allocate` handed out. */
export interface Allocation {
  /** The pool key the addresses came from. */
  readonly key: string;
  /** True for a DHCP pool (`0.0.0.0/32`): the address is `0.0.0.0` and kube-vip asks DHCP. */
  readonly dhcp: boolean;
  /** Addresses, primary family first. */
  readonly addresses: readonly string[];
  /** The subset of `addresses` that other holders already had and now share. */
  readonly shared: readonly string[];
}

/** Two or more named holders on one address that cannot share it (found by `rebuild`/`markUsed`). */
export interface AddressConflict {
  readonly address: string;
  readonly holders: readonly string[];
}

/** Outcome of `rebuild` / `markUsed`. */
export interface RebuildReport {
  /** Entries recorded as used. */
  readonly recorded: number;
  /** `0.0.0.0` / `::` entries: DHCP markers, not addresses, so not recorded. */
  readonly dhcp: number;
  /** Entries that are not IP addresses (e.g. DNS names in `kube-vip.io/loadbalancerIPs`): skipped, allocation goes on. */
  readonly skipped: readonly InvalidAddressError[];
  /** Entries with malformed ports or owner: recorded as exclusive holders. */
  readonly problems: readonly InvalidRequestError[];
  readonly conflicts: readonly AddressConflict[];
}

/** Exact address counts of one family of a pool. */
export interface FamilyStats {
  /** Addresses the pool can hand out: its ranges, less IPv4 .0/.255 and reserved addresses. */
  readonly size: bigint;
  /** Addresses of the pool that a reserved list keeps back. */
  readonly reserved: bigint;
  /** Addresses of `size` that are in use. */
  readonly used: bigint;
  readonly free: bigint;
}

/** Exact counts of a pool, per family present in it. */
export interface PoolStats {
  readonly key: string;
  readonly dhcp: boolean;
  readonly IPv4?: FamilyStats;
  readonly IPv6?: FamilyStats;
}

/** Every error `allocate` can return. */
export type AllocateError =
  | InvalidRequestError
  | InvalidAddressError
  | NoPoolError
  | InvalidPoolError
  | PoolExhaustedError
  | FamilyUnavailableError
  | AddressNotInPoolError
  | AddressInUseError
  | AddressReservedError;

const POLICIES: ReadonlySet<string> = new Set(['SingleStack', 'PreferDualStack', 'RequireDualStack']);
const PROTOCOLS: ReadonlySet<string> = new Set(['TCP', 'UDP', 'SCTP']);
const FAMILIES: readonly IPFamily[] = ['IPv4', 'IPv6'];
const UNNAMED = '\u0000';

// Holders of an address, kept only for addresses that have a named holder, ports, or several holders; a used
// address without an entry has exactly one anonymous exclusive holder (so a million anonymous allocations cost no
// per-address objects).
interface Holders {
  anonymous: number;
  /** owner -> its ports (`null` = exclusive). Unnamed holders with ports get a key starting with UNNAMED. */
  named: Map<string, Set<string> | null>;
}

class FamilyState {
  /** Allocatable used addresses, as allocation indexes (IPv4 .0/.255 are not allocatable and live in `other`). */
  readonly used = new IntervalSet();
  /** Used IPv4 addresses ending in .0/.255 (address values). */
  readonly other = new IntervalSet();
  readonly holders = new Map<bigint, Holders>();
  /** Bumped whenever an address leaves the set, which invalidates the views' "all full before here" hints. */
  epoch = 0;
  /** During a rebuild into an empty set: indexes collected here, then sorted into `used` in one go. */
  private batch: Set<bigint> | undefined;

  constructor(readonly family: IPFamily) {}

  has(value: bigint): boolean {
    if (this.family === 'IPv4' && isSkippedV4(value)) return this.other.has(value);
    const index = toIndex(this.family, value);
    return this.batch !== undefined ? this.batch.has(index) : this.used.has(index);
  }

  add(value: bigint): void {
    if (this.family === 'IPv4' && isSkippedV4(value)) this.other.add(value);
    else if (this.batch !== undefined) this.batch.add(toIndex(this.family, value));
    else this.used.add(toIndex(this.family, value));
  }

  /** Starts collecting additions when the set is empty (a rebuild), so they cost one sort instead of n inserts. */
  beginBatch(): void {
    if (this.used.intervals === 0) this.batch = new Set();
  }

  endBatch(): void {
    if (this.batch === undefined) return;
    const values = [...this.batch];
    this.batch = undefined;
    this.used.assign(values);
  }

  remove(value: bigint): void {
    if (this.family === 'IPv4' && isSkippedV4(value)) this.other.delete(value);
    else this.used.delete(toIndex(this.family, value));
    this.holders.delete(value);
    this.epoch++;
  }

  clear(): void {
    this.used.clear();
    this.other.clear();
    this.holders.clear();
    this.epoch++;
  }
}

// The allocatable part of one pool for one family, as sorted disjoint index segments.
interface FamilyView {
  readonly family: IPFamily;
  /** The pool has addresses of this family at all (what kube-vip-cloud-provider's family split checks). */
  readonly exists: boolean;
  readonly poolRanges: readonly Range[];
  readonly starts: readonly bigint[];
  readonly ends: readonly bigint[];
  readonly size: bigint;
  readonly reservedCount: bigint;
  ascHint: number;
  descHint: number;
  epoch: number;
}

interface PoolView {
  readonly pool: PoolSpec;
  readonly reserved: readonly ReservedSpec[];
  readonly IPv4: FamilyView;
  readonly IPv6: FamilyView;
}

function countIndexSegments(family: IPFamily, ranges: readonly Range[]): bigint {
  let n = 0n;
  for (const r of ranges) {
    const ir = indexRange(family, r.start, r.end);
    if (ir !== undefined) n += ir.end - ir.start + 1n;
  }
  return n;
}

function buildFamilyView(family: IPFamily, pool: PoolSpec, reserved: readonly ReservedSpec[]): FamilyView {
  const poolRanges = pool.ranges[family];
  const reservedRanges = mergeRanges(reserved.flatMap((r) => r.ranges[family]));
  const available = subtractRanges(poolRanges, reservedRanges);
  const segments: Range[] = [];
  for (const r of available) {
    const ir = indexRange(family, r.start, r.end);
    if (ir !== undefined) segments.push(ir);
  }
  // Ranges that only .0/.255 separated become adjacent indexes: merge them so one lookup crosses them.
  const merged = mergeRanges(segments);
  const size = countRanges(merged);
  return {
    family,
    exists: poolRanges.length > 0,
    poolRanges,
    starts: merged.map((s) => s.start),
    ends: merged.map((s) => s.end),
    size,
    reservedCount: countIndexSegments(family, poolRanges) - size,
    ascHint: 0,
    descHint: merged.length - 1,
    epoch: -1,
  };
}

function segmentOf(view: FamilyView, index: bigint): number {
  let lo = 0;
  let hi = view.starts.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (view.ends[mid]! < index) lo = mid + 1;
    else if (view.starts[mid]! > index) hi = mid - 1;
    else return mid;
  }
  return -1;
}

function inRanges(ranges: readonly Range[], value: bigint): boolean {
  let lo = 0;
  let hi = ranges.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const r = ranges[mid]!;
    if (r.end < value) lo = mid + 1;
    else if (r.start > value) hi = mid - 1;
    else return true;
  }
  return false;
}

function validatePorts(field: string, ports: unknown): Set<string> | null | InvalidRequestError {
  if (ports === undefined) return null;
  if (!Array.isArray(ports)) return new InvalidRequestError(field, ports, 'must be a list of {protocol, port}');
  if (ports.length === 0) return null;
  const out = new Set<string>();
  for (const p of ports as unknown[]) {
    const rec = p as Partial<PortKey> | null;
    const proto = rec?.protocol;
    const port = rec?.port;
    if (typeof proto !== 'string' || !PROTOCOLS.has(proto)) {
      return new InvalidRequestError(field, p, 'protocol must be TCP, UDP or SCTP');
    }
    if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
      return new InvalidRequestError(field, p, 'port must be an integer from 1 to 65535');
    }
    out.add(`${proto}/${port}`);
  }
  return out;
}

function holderName(key: string): string {
  return key.startsWith(UNNAMED) ? '(unnamed)' : key;
}

/**
 * Hands out addresses from the pools of one parsed ConfigMap, against the cluster-wide set of used addresses.
 *
 * Typical controller flow: `new AddressAllocator(parseIpamConfig(cm.data))`, `rebuild(every used address)` before
 * the first allocation, then `allocate` per Gateway; `setConfig` when the ConfigMap changes keeps the used set.
 * Finding a free address is one binary search per pool segment visited, whatever the pool's size.
 */
export class AddressAllocator {
  private config: IpamConfig;
  private readonly families: Record<IPFamily, FamilyState> = { IPv4: new FamilyState('IPv4'), IPv6: new FamilyState('IPv6') };
  private readonly owners = new Map<string, Map<string, Ip>>();
  private views = new Map<string, PoolView>();
  /** Pool choice per namespace: a pure function of the config, so cached until `setConfig`. */
  private selections = new Map<string, Result<PoolSelection, NoPoolError | InvalidPoolError | InvalidRequestError>>();
  private unnamedSeq = 0;

  constructor(config: IpamConfig) {
    this.config = config;
  }

  /** The ConfigMap this allocator reads. */
  get ipamConfig(): IpamConfig {
    return this.config;
  }

  /** Switches to a new ConfigMap, keeping the used set (addresses in use stay in use even if now outside every pool). */
  setConfig(config: IpamConfig): void {
    this.config = config;
    this.views = new Map();
    this.selections = new Map();
  }

  /** The pool that applies to a namespace (see `selectPool`). */
  poolFor(namespace: string): Result<PoolSelection, NoPoolError | InvalidPoolError | InvalidRequestError> {
    if (typeof namespace !== 'string') return selectPool(this.config, namespace);
    let sel = this.selections.get(namespace);
    if (sel === undefined) {
      sel = selectPool(this.config, namespace);
      this.selections.set(namespace, sel);
    }
    return sel;
  }

  /** Replaces the used set with these entries (a restarted controller's first step). */
  rebuild(entries: Iterable<UsedEntry>): RebuildReport {
    for (const f of FAMILIES) this.families[f].clear();
    this.owners.clear();
    return this.markUsed(entries);
  }

  /** Adds entries to the used set without clearing it. */
  markUsed(entries: Iterable<UsedEntry>): RebuildReport {
    for (const f of FAMILIES) this.families[f].beginBatch();
    try {
      return this.recordAll(entries);
    } finally {
      for (const f of FAMILIES) this.families[f].endBatch();
    }
  }

  private recordAll(entries: Iterable<UsedEntry>): RebuildReport {
    let recorded = 0;
    let dhcp = 0;
    const skipped: InvalidAddressError[] = [];
    const problems: InvalidRequestError[] = [];
    const conflicts: AddressConflict[] = [];
    for (const entry of entries) {
      const text = typeof entry === 'string' ? entry : (entry as UsedAddress | null)?.address;
      if (typeof text !== 'string') {
        skipped.push(new InvalidAddressError(String(text), 'not a string'));
        continue;
      }
      const ip = parseIp(text.trim());
      if (typeof ip === 'string') {
        skipped.push(new InvalidAddressError(text, ip));
        continue;
      }
      if (ip.value === 0n) {
        dhcp++;
        continue;
      }
      let owner: string | undefined;
      let ports: Set<string> | null = null;
      if (typeof entry !== 'string') {
        if (entry.owner !== undefined) {
          if (typeof entry.owner === 'string' && entry.owner.length > 0) owner = entry.owner;
          else problems.push(new InvalidRequestError('owner', entry.owner, 'must be a non-empty string; recorded without owner'));
        }
        const p = validatePorts('ports', entry.ports);
        if (p instanceof InvalidRequestError) problems.push(p);
        else ports = p;
      }
      const conflict = this.claim(ip, owner, ports);
      if (conflict !== undefined) conflicts.push({ address: formatIp(ip.family, ip.value), holders: conflict });
      recorded++;
    }
    return { recorded, dhcp, skipped, problems, conflicts };
  }

  // Records one holder on an address; returns the named holders when it joins holders it cannot share with.
  private claim(ip: Ip, owner: string | undefined, ports: Set<string> | null): string[] | undefined {
    const state = this.families[ip.family];
    const wasUsed = state.has(ip.value);
    if (!wasUsed) state.add(ip.value);
    let holders = state.holders.get(ip.value);
    if (owner === undefined && ports === null) {
      // Anonymous exclusive holder: only needs an entry when the address already had holders.
      if (wasUsed) {
        if (holders === undefined) state.holders.set(ip.value, { anonymous: 2, named: new Map() });
        else holders.anonymous++;
      }
      return undefined;
    }
    if (holders === undefined) {
      holders = { anonymous: wasUsed ? 1 : 0, named: new Map() };
      state.holders.set(ip.value, holders);
    }
    const key = owner ?? `${UNNAMED}${this.unnamedSeq++}`;
    const existing = holders.named.get(key);
    let conflict: string[] | undefined;
    if (existing !== undefined) {
      // The same holder seen again (e.g. a Gateway's status and its Services): one holder, ports merged.
      if (existing === null || ports === null) holders.named.set(key, null);
      else for (const p of ports) existing.add(p);
    } else {
      const clashing: string[] = [];
      for (const [other, otherPorts] of holders.named) {
        if (other.startsWith(UNNAMED) && key.startsWith(UNNAMED)) continue;
        if (otherPorts === null || ports === null || [...ports].some((p) => otherPorts.has(p))) clashing.push(holderName(other));
      }
      if (clashing.length > 0 && owner !== undefined) conflict = [...clashing, owner];
      holders.named.set(key, ports);
    }
    if (owner !== undefined) {
      let held = this.owners.get(owner);
      if (held === undefined) this.owners.set(owner, (held = new Map()));
      held.set(`${ip.family}/${ip.value}`, ip);
    }
    return conflict;
  }

  /** True when the address is in use. */
  isUsed(address: string): boolean {
    const ip = parseIp(address);
    return typeof ip !== 'string' && this.families[ip.family].has(ip.value);
  }

  /** Addresses an owner holds, in the order they were claimed. */
  holdings(owner: string): string[] {
    const held = this.owners.get(owner);
    return held === undefined ? [] : [...held.values()].map((ip) => formatIp(ip.family, ip.value));
  }

  /**
   * Releases an address: only `owner`'s hold when given (others sharing it keep it), else every hold.
   * Returns true when the address became free.
   */
  release(address: string, owner?: string): Result<boolean, InvalidAddressError> {
    const ip = parseIp(typeof address === 'string' ? address.trim() : address);
    if (typeof ip === 'string') return err(new InvalidAddressError(String(address), ip));
    const state = this.families[ip.family];
    if (!state.has(ip.value)) return ok(false);
    const holders = state.holders.get(ip.value);
    if (owner !== undefined) {
      if (holders === undefined || !holders.named.delete(owner)) return ok(false);
      this.owners.get(owner)?.delete(`${ip.family}/${ip.value}`);
      if (holders.anonymous > 0 || holders.named.size > 0) return ok(false);
    } else if (holders !== undefined) {
      for (const name of holders.named.keys()) this.owners.get(name)?.delete(`${ip.family}/${ip.value}`);
    }
    state.remove(ip.value);
    return ok(true);
  }

  /** Releases every address an owner holds; returns those that became free. */
  releaseOwner(owner: string): string[] {
    const freed: string[] = [];
    for (const address of this.holdings(owner)) {
      const r = this.release(address, owner);
      if (r.ok && r.value) freed.push(address);
    }
    this.owners.delete(owner);
    return freed;
  }

  private view(pool: PoolSpec, reserved: readonly ReservedSpec[]): PoolView {
    const id = reserved.length === 0 ? pool.key : `${pool.key}\n${reserved.map((r) => r.key).join('\n')}`;
    let v = this.views.get(id);
    if (v === undefined) {
      v = { pool, reserved, IPv4: buildFamilyView('IPv4', pool, reserved), IPv6: buildFamilyView('IPv6', pool, reserved) };
      this.views.set(id, v);
    }
    return v;
  }

  // Lowest (asc) or highest (desc) free allocatable index of a view: one interval lookup per segment visited.
  // Segments before `ascHint` (after `descHint`) were full when last looked at and only a release can change that.
  private findFree(view: FamilyView, order: SearchOrder): bigint | undefined {
    const state = this.families[view.family];
    if (view.epoch !== state.epoch) {
      view.ascHint = 0;
      view.descHint = view.starts.length - 1;
      view.epoch = state.epoch;
    }
    if (order === 'asc') {
      for (let i = view.ascHint; i < view.starts.length; i++) {
        const c = state.used.nextFree(view.starts[i]!);
        if (c <= view.ends[i]!) {
          view.ascHint = i;
          return fromIndex(view.family, c);
        }
      }
      view.ascHint = view.starts.length;
    } else {
      for (let i = view.descHint; i >= 0; i--) {
        const c = state.used.prevFree(view.ends[i]!);
        if (c >= view.starts[i]!) {
          view.descHint = i;
          return fromIndex(view.family, c);
        }
      }
      view.descHint = -1;
    }
    return undefined;
  }

  private allocatable(view: FamilyView, value: bigint): boolean {
    if (view.family === 'IPv4' && isSkippedV4(value)) return false;
    return segmentOf(view, toIndex(view.family, value)) >= 0;
  }

  // Why a holder set cannot take `ports`, or undefined when it can share.
  private shareRefusal(holders: Holders | undefined, ports: Set<string> | null): string | undefined {
    if (ports === null) return 'the request has no ports, so it cannot share';
    if (holders === undefined || holders.anonymous > 0) return 'it is held without ports, so it cannot be shared';
    for (const otherPorts of holders.named.values()) {
      if (otherPorts === null) return 'it is held without ports, so it cannot be shared';
      const overlap = [...ports].filter((p) => otherPorts.has(p));
      if (overlap.length > 0) return `ports overlap: ${overlap.join(', ')}`;
    }
    return undefined;
  }

  // The first (in search order) used address of the view whose holders' ports do not overlap `ports`.
  private findShared(view: FamilyView, ports: Set<string>, order: SearchOrder): bigint | undefined {
    let best: bigint | undefined;
    for (const [value, holders] of this.families[view.family].holders) {
      if (best !== undefined && (order === 'asc' ? value > best : value < best)) continue;
      if (this.shareRefusal(holders, ports) === undefined && this.allocatable(view, value)) best = value;
    }
    return best;
  }

  // A shareable address (when sharing is allowed and the request has ports), else a free one.
  private pick(view: FamilyView, sharePorts: Set<string> | null): { family: IPFamily; value: bigint; shared: boolean } | undefined {
    const order = this.config.searchOrder;
    if (sharePorts !== null) {
      const shared = this.findShared(view, sharePorts, order);
      if (shared !== undefined) return { family: view.family, value: shared, shared: true };
    }
    const value = this.findFree(view, order);
    return value === undefined ? undefined : { family: view.family, value, shared: false };
  }

  /**
   * Allocates addresses for a namespace: the requested ones (validated), else by ipFamilyPolicy and ipFamilies
   * as kube-vip-cloud-provider does, sharing a used address when `allow-share-*` is on and ports allow.
   */
  allocate(request: AllocationRequest): Result<Allocation, AllocateError> {
    const req = request as Partial<AllocationRequest> | null;
    if (req === null || typeof req !== 'object') return err(new InvalidRequestError('request', req, 'must be an object'));
    const policy = req.ipFamilyPolicy ?? 'SingleStack';
    if (!POLICIES.has(policy)) {
      return err(new InvalidRequestError('ipFamilyPolicy', policy, 'expected SingleStack, PreferDualStack or RequireDualStack'));
    }
    const rawFamilies: unknown = req.ipFamilies ?? [];
    const families = (Array.isArray(rawFamilies) ? rawFamilies : [rawFamilies]) as readonly IPFamily[];
    if (families.length > 2 || families.some((f) => f !== 'IPv4' && f !== 'IPv6') || new Set(families).size !== families.length) {
      return err(new InvalidRequestError('ipFamilies', rawFamilies, 'expected up to two distinct values of IPv4, IPv6'));
    }
    if (req.owner !== undefined && (typeof req.owner !== 'string' || req.owner.length === 0)) {
      return err(new InvalidRequestError('owner', req.owner, 'must be a non-empty string'));
    }
    const ports = validatePorts('ports', req.ports);
    if (ports instanceof InvalidRequestError) return err(ports);
    const selected = this.poolFor(req.namespace as string);
    if (!selected.ok) return selected;
    const sel = selected.value;
    const { pool } = sel;
    if (req.requested !== undefined) return this.allocateRequested(sel, req.requested, req.owner, ports);
    if (pool.format === 'dhcp') return ok({ key: pool.key, dhcp: true, addresses: ['0.0.0.0'], shared: [] });

    const view = this.view(pool, sel.reserved);

    let wanted: IPFamily[];
    if (policy === 'SingleStack') {
      const family = families[0] ?? (view.IPv4.exists ? 'IPv4' : 'IPv6');
      if (!view[family].exists) return err(new FamilyUnavailableError(pool.key, family, policy));
      wanted = [family];
    } else {
      const order2: IPFamily[] = families[0] === 'IPv6' ? ['IPv6', 'IPv4'] : ['IPv4', 'IPv6'];
      if (policy === 'RequireDualStack') {
        const missing = order2.find((f) => !view[f].exists);
        if (missing !== undefined) return err(new FamilyUnavailableError(pool.key, missing, policy));
      }
      wanted = order2.filter((f) => view[f].exists);
    }
    if (wanted.length === 0) return err(new FamilyUnavailableError(pool.key, families[0] ?? 'IPv4', policy));

    const picked: { family: IPFamily; value: bigint; shared: boolean }[] = [];
    const exhausted: IPFamily[] = [];
    for (const family of wanted) {
      const p = this.pick(view[family], sel.allowShare ? ports : null);
      if (p === undefined) exhausted.push(family);
      else picked.push(p);
    }
    if (picked.length === 0 || (policy === 'RequireDualStack' && exhausted.length > 0) || (policy === 'SingleStack' && exhausted.length > 0)) {
      return err(new PoolExhaustedError(pool.key, sel.namespace, exhausted));
    }
    const addresses: string[] = [];
    const shared: string[] = [];
    for (const p of picked) {
      this.claim({ family: p.family, value: p.value }, req.owner, ports);
      const text = formatIp(p.family, p.value);
      addresses.push(text);
      if (p.shared) shared.push(text);
    }
    return ok({ key: pool.key, dhcp: false, addresses, shared });
  }

  private allocateRequested(
    sel: PoolSelection,
    requested: readonly string[],
    owner: string | undefined,
    ports: Set<string> | null,
  ): Result<Allocation, AllocateError> {
    const { pool } = sel;
    if (!Array.isArray(requested) || requested.length === 0 || requested.length > 2) {
      return err(new InvalidRequestError('requested', requested, 'expected one or two addresses'));
    }
    const ips: Ip[] = [];
    const shared: boolean[] = [];
    for (const text of requested) {
      const ip = parseIp(typeof text === 'string' ? text.trim() : text);
      if (typeof ip === 'string') return err(new InvalidAddressError(String(text), ip));
      if (ips.some((o) => o.family === ip.family)) {
        return err(new InvalidRequestError('requested', requested, 'at most one address per family'));
      }
      const canonical = formatIp(ip.family, ip.value);
      if (pool.format === 'dhcp') return err(new AddressNotInPoolError(canonical, pool.key, 'the pool is DHCP (0.0.0.0/32)'));
      for (const r of sel.reserved) {
        if (inRanges(r.ranges[ip.family], ip.value)) return err(new AddressReservedError(canonical, r.key));
      }
      const view = this.view(pool, sel.reserved)[ip.family];
      if (!inRanges(view.poolRanges, ip.value)) return err(new AddressNotInPoolError(canonical, pool.key, "outside the pool's ranges"));
      if (ip.family === 'IPv4' && isSkippedV4(ip.value)) {
        return err(new AddressNotInPoolError(canonical, pool.key, 'IPv4 addresses ending in .0 or .255 are never handed out'));
      }
      const state = this.families[ip.family];
      let isShared = false;
      if (state.has(ip.value)) {
        const holders = state.holders.get(ip.value);
        const names = holders === undefined ? ['(unnamed)'] : [...(holders.anonymous > 0 ? ['(unnamed)'] : []), ...[...holders.named.keys()].map(holderName)];
        const onlyMine = owner !== undefined && holders !== undefined && holders.anonymous === 0 && [...holders.named.keys()].every((k) => k === owner);
        if (!onlyMine) {
          const refusal = sel.allowShare
            ? this.shareRefusal(holders, ports)
            : `sharing is off for namespace ${JSON.stringify(sel.namespace)} (allow-share-${sel.namespace} / allow-share-global)`;
          if (refusal !== undefined) return err(new AddressInUseError(canonical, names, refusal));
          isShared = true;
        }
      }
      ips.push(ip);
      shared.push(isShared);
    }
    for (const ip of ips) this.claim(ip, owner, ports);
    const addresses = ips.map((ip) => formatIp(ip.family, ip.value));
    return ok({ key: pool.key, dhcp: false, addresses, shared: addresses.filter((_, i) => shared[i]) });
  }

  private statsOf(pool: PoolSpec, reserved: readonly ReservedSpec[]): PoolStats {
    if (pool.format === 'dhcp') return { key: pool.key, dhcp: true };
    const view = this.view(pool, reserved);
    const out: { key: string; dhcp: boolean; IPv4?: FamilyStats; IPv6?: FamilyStats } = { key: pool.key, dhcp: false };
    for (const family of FAMILIES) {
      const fv = view[family];
      if (!fv.exists) continue;
      const used = this.families[family].used;
      let usedCount = 0n;
      for (let i = 0; i < fv.starts.length; i++) usedCount += used.countIn(fv.starts[i]!, fv.ends[i]!);
      out[family] = { size: fv.size, reserved: fv.reservedCount, used: usedCount, free: fv.size - usedCount };
    }
    return out;
  }

  /** Exact counts of the pool a namespace allocates from (its reserved lists applied). */
  stats(namespace: string): Result<PoolStats, NoPoolError | InvalidPoolError | InvalidRequestError> {
    const sel = this.poolFor(namespace);
    if (!sel.ok) return sel;
    return ok(this.statsOf(sel.value.pool, sel.value.reserved));
  }

  /** Exact counts of one pool key, with `reserved-global` and `reserved-<scope>` applied; undefined for an unknown or refused key. */
  statsForKey(key: string): PoolStats | undefined {
    const pool = this.config.pools.get(key);
    if (pool === undefined || pool.problems.length > 0) return undefined;
    const reserved: ReservedSpec[] = [];
    for (const k of new Set(['reserved-global', `reserved-${pool.scope}`])) {
      const spec = this.config.reserved.get(k);
      if (spec === undefined) continue;
      if (spec.problems.length > 0) return undefined;
      reserved.push(spec);
    }
    return this.statsOf(pool, reserved);
  }
}
