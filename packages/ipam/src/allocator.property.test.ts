// Property tests of the allocator against a reference that follows kube-vip-cloud-provider's FindFreeAddress
// literally: enumerate the pool address by address, skip IPv4 .0/.255 (and reserved addresses), take the first
// unused one (the last for search-order=desc).
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { AddressAllocator, type PortKey, type UsedAddress } from './allocator.js';
import { parseIpamConfig } from './config.js';
import { formatIp, isSkippedV4, parseIp } from './internal/address.js';
import type { IPFamily } from './errors.js';

interface Scenario {
  family: IPFamily;
  data: Record<string, string>;
  /** Allocatable addresses of the pool in ascending order, by the reference rules. */
  order: string[];
  /** Every address of the pool's ranges and of the reserved list (to test "inside/outside"). */
  poolTexts: Set<string>;
  reservedTexts: Set<string>;
}

// Bases just below a /24 (IPv4) or a 16-bit group (IPv6) boundary, so the .255/.0 skip and carries are exercised.
const BASES: Record<IPFamily, bigint[]> = {
  IPv4: [0x0a0000f0n, 0x0a00fff4n, 0xc0a80001n],
  IPv6: [0xfd00000000000000000000000000fff0n, 0xfd000000000000000000000000000000n],
};

const scenarioArb: fc.Arbitrary<Scenario> = fc
  .record({
    family: fc.constantFrom<IPFamily>('IPv4', 'IPv6'),
    baseIndex: fc.nat({ max: 2 }),
    asCidr: fc.boolean(),
    entries: fc.array(fc.tuple(fc.nat({ max: 40 }), fc.nat({ max: 12 })), { minLength: 1, maxLength: 3 }),
    prefixes: fc.array(fc.tuple(fc.nat({ max: 40 }), fc.integer({ min: 0, max: 4 })), { minLength: 1, maxLength: 3 }),
    skipEnd: fc.boolean(),
    desc: fc.boolean(),
    reserved: fc.array(fc.nat({ max: 50 }), { maxLength: 4 }),
  })
  .map((g) => {
    const bases = BASES[g.family];
    const base = bases[g.baseIndex % bases.length]!;
    const bits = g.family === 'IPv4' ? 32 : 128;
    const text = (v: bigint) => formatIp(g.family, v);
    const ranges: [bigint, bigint][] = g.asCidr
      ? g.prefixes.map(([off, hostBits]) => {
          const size = 1n << BigInt(hostBits);
          const start = ((base + BigInt(off)) / size) * size;
          return [start, start + size - 1n];
        })
      : g.entries.map(([off, len]) => [base + BigInt(off), base + BigInt(off + len)]);
    const value = g.asCidr
      ? g.prefixes.map(([off, hostBits]) => `${text(base + BigInt(off))}/${bits - hostBits}`).join(',')
      : ranges.map(([a, b]) => `${text(a)}-${text(b)}`).join(',');
    // Reference pool: every address of the ranges; skip-end as the rule says (per canonical prefix of the merged set).
    const members = new Set<bigint>();
    for (const [a, b] of ranges) for (let v = a; v <= b; v++) members.add(v);
    if (g.asCidr && g.skipEnd && g.family === 'IPv4') {
      const sorted = [...members].sort((x, y) => (x < y ? -1 : 1));
      const trimmed = new Set(sorted);
      // Walk the merged runs and their aligned blocks (brute-force canonical decomposition).
      let i = 0;
      while (i < sorted.length) {
        let j = i;
        while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1n) j++;
        let s = sorted[i]!;
        const e = sorted[j]!;
        while (s <= e) {
          let size = 1n;
          while (s % (size * 2n) === 0n && s + size * 2n - 1n <= e) size *= 2n;
          if (size > 2n) {
            trimmed.delete(s);
            trimmed.delete(s + size - 1n);
          }
          s += size;
        }
        i = j + 1;
      }
      members.clear();
      for (const v of trimmed) members.add(v);
    }
    const reservedValues = g.reserved.map((off) => base + BigInt(off));
    const reservedSet = new Set(reservedValues);
    const order = [...members]
      .filter((v) => !(g.family === 'IPv4' && isSkippedV4(v)) && !reservedSet.has(v))
      .sort((x, y) => (x < y ? -1 : 1))
      .map(text);
    const data: Record<string, string> = { [g.asCidr ? 'cidr-global' : 'range-global']: value };
    if (g.skipEnd) data['skip-end-ips-in-cidr'] = 'true';
    if (g.desc) data['search-order'] = 'desc';
    if (reservedValues.length > 0) data['reserved-global'] = reservedValues.map(text).join(',');
    return {
      family: g.family,
      data,
      order: g.desc ? [...order].reverse() : order,
      poolTexts: new Set([...members].map(text)),
      reservedTexts: new Set(reservedValues.map(text)),
    };
  });

type Op = { kind: 'alloc' } | { kind: 'release'; pick: number } | { kind: 'request'; pick: number };
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.constant<Op>({ kind: 'alloc' }) },
  { weight: 2, arbitrary: fc.nat().map<Op>((pick) => ({ kind: 'release', pick })) },
  { weight: 1, arbitrary: fc.nat().map<Op>((pick) => ({ kind: 'request', pick })) },
);

/** The reference's choice: first address in search order that is not used. */
function referencePick(s: Scenario, used: Set<string>): string | undefined {
  return s.order.find((a) => !used.has(a));
}

describe('allocator properties', () => {
  test.prop([scenarioArb, fc.array(opArb, { maxLength: 80 })])(
    'matches the kube-vip-cloud-provider reference on every step; never hands out an address twice, outside the pool or reserved',
    (s, ops) => {
      const a = new AddressAllocator(parseIpamConfig(s.data));
      const used = new Set<string>();
      for (const op of ops) {
        if (op.kind === 'alloc') {
          const want = referencePick(s, used);
          const r = a.allocate({ namespace: 'ns' });
          if (want === undefined) {
            expect(!r.ok && r.error._tag).toBe('PoolExhaustedError');
            continue;
          }
          expect(r.ok && r.value.addresses).toEqual([want]);
          expect(used.has(want)).toBe(false);
          expect(s.poolTexts.has(want)).toBe(true);
          expect(s.reservedTexts.has(want)).toBe(false);
          used.add(want);
        } else if (op.kind === 'release') {
          if (used.size === 0) continue;
          const victim = [...used][op.pick % used.size]!;
          expect(a.release(victim)).toEqual({ ok: true, value: true });
          used.delete(victim);
        } else {
          const target = s.order[op.pick % Math.max(1, s.order.length)];
          if (target === undefined) continue;
          const r = a.allocate({ namespace: 'ns', requested: [target] });
          if (used.has(target)) expect(!r.ok && r.error._tag).toBe('AddressInUseError');
          else {
            expect(r.ok && r.value.addresses).toEqual([target]);
            used.add(target);
          }
        }
      }
      const stats = a.stats('ns');
      const fam = stats.ok ? stats.value[s.family] : undefined;
      expect(fam?.size).toBe(BigInt(s.order.length));
      expect(fam?.used).toBe(BigInt(used.size));
    },
  );

  test.prop([scenarioArb, fc.nat({ max: 30 }), fc.nat()])('release then allocate reuses the released address', (s, count, pick) => {
    const a = new AddressAllocator(parseIpamConfig(s.data));
    const got: string[] = [];
    for (let i = 0; i < count; i++) {
      const r = a.allocate({ namespace: 'ns' });
      if (r.ok) got.push(r.value.addresses[0]!);
    }
    fc.pre(got.length > 0);
    const victim = got[pick % got.length]!;
    a.release(victim);
    const again = a.allocate({ namespace: 'ns' });
    expect(again.ok && again.value.addresses).toEqual([victim]);
  });

  const ports = fc.uniqueArray(
    fc.record({ protocol: fc.constantFrom<'TCP' | 'UDP'>('TCP', 'UDP'), port: fc.integer({ min: 1, max: 4 }) }),
    { maxLength: 2, selector: (p) => `${p.protocol}/${p.port}` },
  );
  test.prop([scenarioArb, fc.boolean(), fc.array(fc.tuple(opArb, ports), { maxLength: 40 }), fc.array(fc.tuple(opArb, ports), { maxLength: 40 })])(
    'rebuild from the cluster state, then allocate, equals the same sequence without a restart (with sharing)',
    (s, share, before, after) => {
      const data = share ? { ...s.data, 'allow-share-global': 'true' } : s.data;
      const live = new AddressAllocator(parseIpamConfig(data));
      // What the cluster would show: each holder's address and ports.
      const held = new Map<string, UsedAddress>();
      let n = 0;
      const step = (alloc: AddressAllocator, op: Op, p: PortKey[], record: boolean): string => {
        if (op.kind === 'release') {
          const owners = [...held.keys()];
          if (owners.length === 0) return 'none';
          const owner = owners[op.pick % owners.length]!;
          const r = alloc.releaseOwner(owner);
          if (record) held.delete(owner);
          return `released ${r.join(',')}`;
        }
        const owner = `o${n++}`;
        const req = op.kind === 'request' ? { requested: [s.order[op.pick % Math.max(1, s.order.length)] ?? '::1'] } : {};
        const r = alloc.allocate({ namespace: 'ns', owner, ports: p, ...req });
        if (!r.ok) return r.error._tag;
        if (record) held.set(owner, { address: r.value.addresses[0]!, owner, ports: p });
        return r.value.addresses.join(',');
      };
      for (const [op, p] of before) step(live, op, p, true);
      const restarted = new AddressAllocator(parseIpamConfig(data));
      const report = restarted.rebuild(held.values());
      expect(report.skipped).toEqual([]);
      const nAtRestart = n;
      const heldAtRestart = new Map(held);
      const liveResults = after.map(([op, p]) => step(live, op, p, true));
      n = nAtRestart;
      held.clear();
      for (const [k, v] of heldAtRestart) held.set(k, v);
      const restartedResults = after.map(([op, p]) => step(restarted, op, p, true));
      expect(restartedResults).toEqual(liveResults);
    },
  );

  test.prop([scenarioArb, fc.array(fc.nat({ max: 60 }), { maxLength: 10 })])('ascending and descending orders are mirror images', (s, usedOffsets) => {
    const asc = { ...s.data };
    delete asc['search-order'];
    const desc = { ...asc, 'search-order': 'desc' };
    const ascOrder = s.data['search-order'] === 'desc' ? [...s.order].reverse() : s.order;
    const used = usedOffsets.map((i) => ascOrder[i % Math.max(1, ascOrder.length)]).filter((x): x is string => x !== undefined);
    const drain = (data: Record<string, string>): string[] => {
      const a = new AddressAllocator(parseIpamConfig(data));
      a.rebuild(used);
      const out: string[] = [];
      for (let r = a.allocate({ namespace: 'ns' }); r.ok; r = a.allocate({ namespace: 'ns' })) out.push(r.value.addresses[0]!);
      return out;
    };
    const up = drain(asc);
    expect(drain(desc)).toEqual([...up].reverse());
    expect(new Set([...up, ...used])).toEqual(new Set(ascOrder));
  });

  test.prop([fc.array(fc.oneof(fc.ipV4(), fc.ipV6(), fc.domain(), fc.string({ maxLength: 20 })), { maxLength: 40 })])(
    'rebuild never throws: every entry is recorded, a DHCP marker, or skipped with its text',
    (entries) => {
      const a = new AddressAllocator(parseIpamConfig({ 'cidr-global': '10.0.0.0/24' }));
      const report = a.rebuild(entries);
      expect(report.recorded + report.dhcp + report.skipped.length).toBe(entries.length);
      for (const e of report.skipped) expect(entries).toContain(e.input);
      for (const e of entries) {
        const ip = parseIp(e.trim());
        if (typeof ip !== 'string' && ip.value !== 0n) expect(a.isUsed(e.trim())).toBe(true);
      }
    },
  );
});
