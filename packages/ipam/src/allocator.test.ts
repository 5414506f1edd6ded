import { describe, expect, it } from 'vitest';
import { AddressAllocator, type AllocationRequest, type UsedEntry } from './allocator.js';
import { parseIpamConfig } from './config.js';

type Data = Record<string, string>;

function allocator(data: Data, used: UsedEntry[] = []): AddressAllocator {
  const a = new AddressAllocator(parseIpamConfig(data));
  a.rebuild(used);
  return a;
}

/** One allocation as kube-vip-cloud-provider would print it: comma-joined addresses, or the error text. */
function once(data: Data, used: UsedEntry[] = [], req: Partial<AllocationRequest> = {}): string {
  const r = allocator(data, used).allocate({ namespace: 'default', ...req });
  return r.ok ? r.value.addresses.join(',') : `${r.error._tag}: ${r.error.message}`;
}

/** Allocates until the pool is exhausted and returns every address handed out, in order. */
function drain(data: Data, used: UsedEntry[] = [], limit = 600): string[] {
  const a = allocator(data, used);
  const out: string[] = [];
  for (let i = 0; i < limit; i++) {
    const r = a.allocate({ namespace: 'default' });
    if (!r.ok) {
      expect(r.error._tag).toBe('PoolExhaustedError');
      return out;
    }
    out.push(r.value.addresses[0]!);
  }
  throw new Error('pool not exhausted');
}

describe('kube-vip.md §2.5 worked examples', () => {
  it.each<[string, Data, UsedEntry[], Partial<AllocationRequest>, string]>([
    ['range ascending', { 'range-global': '192.168.0.10-192.168.0.12' }, [], {}, '192.168.0.10'],
    ['range descending', { 'range-global': '192.168.0.10-192.168.0.12', 'search-order': 'desc' }, [], {}, '192.168.0.12'],
    ['skip-end on a /30', { 'cidr-global': '192.168.0.200/30', 'skip-end-ips-in-cidr': 'true' }, [], {}, '192.168.0.201'],
    ['IPv6 range', { 'range-global': 'fe80::13-fe80::14' }, [], {}, 'fe80::13'],
    ['/29 with used .8 .9 .10 .12', { 'cidr-global': '10.10.10.8/29' }, ['10.10.10.8', '10.10.10.9', '10.10.10.10', '10.10.10.12'], {}, '10.10.10.11'],
    [
      'RequireDualStack, IPv6 first',
      { 'range-global': '10.10.10.8-10.10.10.15,fd00::1-fd00::10' },
      [],
      { ipFamilyPolicy: 'RequireDualStack', ipFamilies: ['IPv6', 'IPv4'] },
      'fd00::1,10.10.10.8',
    ],
  ])('%s', (_name, data, used, req, want) => {
    expect(once(data, used, req)).toBe(want);
  });
});

describe('IPv4 .0 and .255 are never handed out (ranges and CIDRs, with or without skip-end)', () => {
  it.each<[string, Data, string[]]>([
    ['range across the third octet', { 'range-global': '192.168.0.253-192.168.1.2' }, ['192.168.0.253', '192.168.0.254', '192.168.1.1', '192.168.1.2']],
    ['192.168.0.252/30 gives .252 to .254', { 'cidr-global': '192.168.0.252/30' }, ['192.168.0.252', '192.168.0.253', '192.168.0.254']],
    ['a /31 of .254/.255 gives .254 only', { 'cidr-global': '10.0.0.254/31', 'skip-end-ips-in-cidr': 'true' }, ['10.0.0.254']],
    ['a /32 of a .0 gives nothing', { 'cidr-global': '10.0.1.0/32' }, []],
    ['IPv6 has no such skip', { 'range-global': 'fe80::ff-fe80::100' }, ['fe80::ff', 'fe80::100']],
    ['IPv6 CIDR keeps its first and last address even with skip-end', { 'cidr-global': 'fd00::/127', 'skip-end-ips-in-cidr': 'true' }, ['fd00::', 'fd00::1']],
    [
      'skip-end trims each canonical prefix: 10.0.0.4/30,10.0.0.8/29',
      { 'cidr-global': '10.0.0.4/30,10.0.0.8/29', 'skip-end-ips-in-cidr': 'true' },
      ['10.0.0.5', '10.0.0.6', '10.0.0.9', '10.0.0.10', '10.0.0.11', '10.0.0.12', '10.0.0.13', '10.0.0.14'],
    ],
    ['desc walks ranges from the top', { 'range-global': '10.0.0.1-10.0.0.2,10.0.5.254-10.0.6.1', 'search-order': 'desc' }, ['10.0.6.1', '10.0.5.254', '10.0.0.2', '10.0.0.1']],
  ])('%s', (_name, data, want) => {
    expect(drain(data)).toEqual(want);
  });

  it('a /24 hands out exactly .1 to .254', () => {
    const got = drain({ 'cidr-global': '10.0.0.0/24' });
    expect(got).toHaveLength(254);
    expect(got[0]).toBe('10.0.0.1');
    expect(got[253]).toBe('10.0.0.254');
  });
});

describe('DHCP pool 0.0.0.0/32', () => {
  it.each<[Partial<AllocationRequest>]>([[{}], [{ ipFamilyPolicy: 'RequireDualStack' }], [{ ipFamilyPolicy: 'PreferDualStack', ipFamilies: ['IPv6'] }]])(
    'gives 0.0.0.0 whatever is used (%j)',
    (req) => {
      const a = allocator({ 'cidr-global': '0.0.0.0/32' }, ['0.0.0.0']);
      const r1 = a.allocate({ namespace: 'x', ...req });
      const r2 = a.allocate({ namespace: 'x', ...req });
      expect(r1.ok && r1.value).toEqual({ key: 'cidr-global', dhcp: true, addresses: ['0.0.0.0'], shared: [] });
      expect(r2.ok && r2.value.addresses).toEqual(['0.0.0.0']);
    },
  );
  it('refuses a requested address', () => {
    expect(once({ 'cidr-global': '0.0.0.0/32' }, [], { requested: ['10.0.0.1'] })).toBe(
      'AddressNotInPoolError: address "10.0.0.1" is not in pool cidr-global: the pool is DHCP (0.0.0.0/32)',
    );
  });
});

describe('ipFamilyPolicy and ipFamilies (kube-vip-cloud-provider rules)', () => {
  const both = { 'range-global': '10.0.0.1-10.0.0.2,fd00::1-fd00::2' };
  const v4 = { 'range-global': '10.0.0.1-10.0.0.2' };
  const v6 = { 'range-global': 'fd00::1-fd00::2' };
  const v4full = ['10.0.0.1', '10.0.0.2'];
  const v6full = ['fd00::1', 'fd00::2'];
  it.each<[string, Data, string[], Partial<AllocationRequest>, string]>([
    ['no policy, no families: IPv4 when present', both, [], {}, '10.0.0.1'],
    ['no policy, no families, IPv6-only pool: IPv6', v6, [], {}, 'fd00::1'],
    ['SingleStack follows ipFamilies[0]', both, [], { ipFamilyPolicy: 'SingleStack', ipFamilies: ['IPv6', 'IPv4'] }, 'fd00::1'],
    ['SingleStack of a family the pool lacks', v4, [], { ipFamilies: ['IPv6'] }, 'FamilyUnavailableError: range-global has no IPv6 addresses, needed by ipFamilyPolicy SingleStack'],
    ['SingleStack, exhausted', v4, v4full, {}, 'PoolExhaustedError: range-global (namespace "default"): no free IPv4 address'],
    ['PreferDualStack, IPv4 first by default', both, [], { ipFamilyPolicy: 'PreferDualStack' }, '10.0.0.1,fd00::1'],
    ['PreferDualStack, IPv6 first', both, [], { ipFamilyPolicy: 'PreferDualStack', ipFamilies: ['IPv6', 'IPv4'] }, 'fd00::1,10.0.0.1'],
    ['PreferDualStack, one family in the pool', v4, [], { ipFamilyPolicy: 'PreferDualStack', ipFamilies: ['IPv6'] }, '10.0.0.1'],
    ['PreferDualStack, one family exhausted', both, v6full, { ipFamilyPolicy: 'PreferDualStack', ipFamilies: ['IPv6'] }, '10.0.0.1'],
    ['PreferDualStack, both exhausted', both, [...v4full, ...v6full], { ipFamilyPolicy: 'PreferDualStack' }, 'PoolExhaustedError: range-global (namespace "default"): no free IPv4 or IPv6 address'],
    ['RequireDualStack', both, [], { ipFamilyPolicy: 'RequireDualStack' }, '10.0.0.1,fd00::1'],
    ['RequireDualStack, a family missing from the pool', v4, [], { ipFamilyPolicy: 'RequireDualStack' }, 'FamilyUnavailableError: range-global has no IPv6 addresses, needed by ipFamilyPolicy RequireDualStack'],
    ['RequireDualStack, a family exhausted', both, v6full, { ipFamilyPolicy: 'RequireDualStack' }, 'PoolExhaustedError: range-global (namespace "default"): no free IPv6 address'],
  ])('%s', (_name, data, used, req, want) => {
    expect(once(data, used, req)).toBe(want);
  });

  it('a failed RequireDualStack commits nothing', () => {
    const a = allocator({ 'range-global': '10.0.0.1-10.0.0.2,fd00::1-fd00::1' }, ['fd00::1']);
    expect(a.allocate({ namespace: 'x', ipFamilyPolicy: 'RequireDualStack' }).ok).toBe(false);
    expect(a.isUsed('10.0.0.1')).toBe(false);
  });
});

describe('pool selection per namespace', () => {
  it('a namespace key beats a global one, including range-<ns> over cidr-global (deliberate difference)', () => {
    const data = { 'range-dev': '10.0.2.5-10.0.2.9', 'cidr-global': '10.0.0.0/24' };
    expect(once(data, [], { namespace: 'dev' })).toBe('10.0.2.5');
    expect(once(data, [], { namespace: 'prod' })).toBe('10.0.0.1');
  });
  it('the used set is cluster-wide, so overlapping namespace and global pools never collide', () => {
    const a = allocator({ 'cidr-dev': '10.0.0.0/30', 'cidr-global': '10.0.0.0/30' });
    const d = a.allocate({ namespace: 'dev' });
    const p = a.allocate({ namespace: 'prod' });
    expect([d.ok && d.value.addresses[0], p.ok && p.value.addresses[0]]).toEqual(['10.0.0.1', '10.0.0.2']);
  });
  it('a malformed pool blocks only its own key', () => {
    const a = allocator({ 'range-dev': '10.0.0.9-10.0.0.1', 'range-global': '10.0.1.1-10.0.1.9' });
    const dev = a.allocate({ namespace: 'dev' });
    expect(!dev.ok && dev.error.message).toBe('range-dev entry "10.0.0.9-10.0.0.1": start is after end');
    const prod = a.allocate({ namespace: 'prod' });
    expect(prod.ok && prod.value.addresses).toEqual(['10.0.1.1']);
  });
  it('no pool at all', () => {
    expect(once({}, [], { namespace: 'dev' })).toBe(
      'NoPoolError: namespace "dev": no address pool (none of cidr-dev, range-dev, cidr-global, range-global is set)',
    );
  });
  it('a new ConfigMap is read whole (kube-vip-cloud-provider misses a skip-end toggle and a CIDR -> range -> CIDR switch)', () => {
    const a = allocator({ 'cidr-global': '10.0.0.0/30' });
    const first = (data: Data): string => {
      a.setConfig(parseIpamConfig(data));
      const r = a.allocate({ namespace: 'x' });
      if (!r.ok) return r.error._tag;
      a.release(r.value.addresses[0]!);
      return r.value.addresses[0]!;
    };
    expect(first({ 'cidr-global': '10.0.0.4/30' })).toBe('10.0.0.4');
    expect(first({ 'cidr-global': '10.0.0.4/30', 'skip-end-ips-in-cidr': 'true' })).toBe('10.0.0.5');
    expect(first({ 'cidr-global': '10.0.0.4/30' })).toBe('10.0.0.4');
    expect(first({ 'range-global': '10.0.0.9-10.0.0.10' })).toBe('10.0.0.9');
    expect(first({ 'cidr-global': '10.0.0.4/30' })).toBe('10.0.0.4');
  });
  it('setConfig keeps the used set', () => {
    const a = allocator({ 'cidr-global': '10.0.0.0/29' }, ['10.0.0.1']);
    a.setConfig(parseIpamConfig({ 'cidr-global': '10.0.0.0/28' }));
    const r = a.allocate({ namespace: 'x' });
    expect(r.ok && r.value.addresses).toEqual(['10.0.0.2']);
  });
});

describe('reserved addresses', () => {
  const data = { 'cidr-global': '10.0.0.0/29', 'reserved-global': '10.0.0.1', 'reserved-dev': '10.0.0.2-10.0.0.3' };
  it.each([
    ['prod', ['10.0.0.2', '10.0.0.3', '10.0.0.4', '10.0.0.5', '10.0.0.6', '10.0.0.7']],
    ['dev', ['10.0.0.4', '10.0.0.5', '10.0.0.6', '10.0.0.7']],
  ])('namespace %s never gets them', (namespace, want) => {
    const a = allocator(data);
    const got: string[] = [];
    for (;;) {
      const r = a.allocate({ namespace });
      if (!r.ok) break;
      got.push(r.value.addresses[0]!);
    }
    expect(got).toEqual(want);
  });
  it('a requested reserved address names the reserving key', () => {
    expect(once(data, [], { namespace: 'dev', requested: ['10.0.0.3'] })).toBe('AddressReservedError: address "10.0.0.3" is reserved by reserved-dev');
  });
});

describe('requested addresses', () => {
  const data = { 'cidr-global': '10.0.0.0/24,fd00::/120' };
  it.each<[string, UsedEntry[], Partial<AllocationRequest>, string]>([
    ['free and in the pool', [], { requested: ['10.0.0.50'] }, '10.0.0.50'],
    ['one per family, order kept', [], { requested: ['fd00::5', '10.0.0.5'] }, 'fd00::5,10.0.0.5'],
    ['canonical text', [], { requested: ['FD00:0::5'] }, 'fd00::5'],
    ['outside the pool', [], { requested: ['10.0.1.5'] }, 'AddressNotInPoolError: address "10.0.1.5" is not in pool cidr-global: outside the pool\'s ranges'],
    ['a .0 inside the pool', [], { requested: ['10.0.0.0'] }, 'AddressNotInPoolError: address "10.0.0.0" is not in pool cidr-global: IPv4 addresses ending in .0 or .255 are never handed out'],
    ['in use by someone else', [{ address: '10.0.0.9', owner: 'Service/a/b' }], { requested: ['10.0.0.9'], owner: 'Gateway/a/gw' }, 'AddressInUseError: address "10.0.0.9" is in use by Service/a/b: sharing is off for namespace "default" (allow-share-default / allow-share-global)'],
    ['already held by the same owner', [{ address: '10.0.0.9', owner: 'Gateway/a/gw' }], { requested: ['10.0.0.9'], owner: 'Gateway/a/gw' }, '10.0.0.9'],
    ['in use without an owner', ['10.0.0.9'], { requested: ['10.0.0.9'], owner: 'Gateway/a/gw' }, 'AddressInUseError: address "10.0.0.9" is in use by (unnamed): sharing is off for namespace "default" (allow-share-default / allow-share-global)'],
    ['two of one family', [], { requested: ['10.0.0.1', '10.0.0.2'] }, 'InvalidRequestError: requested ["10.0.0.1","10.0.0.2"]: at most one address per family'],
    ['not an address', [], { requested: ['gw.example.com'] }, 'InvalidAddressError: address "gw.example.com": not an IP address'],
    ['empty list', [], { requested: [] }, 'InvalidRequestError: requested []: expected one or two addresses'],
  ])('%s', (_name, used, req, want) => {
    expect(once(data, used, req)).toBe(want);
  });
  it('validates every address before committing any', () => {
    const a = allocator(data, ['fd00::5']);
    expect(a.allocate({ namespace: 'x', requested: ['10.0.0.5', 'fd00::5'] }).ok).toBe(false);
    expect(a.isUsed('10.0.0.5')).toBe(false);
  });
});

describe('sharing by (protocol, port) with allow-share', () => {
  const tcp = (port: number) => ({ protocol: 'TCP' as const, port });
  const udp = (port: number) => ({ protocol: 'UDP' as const, port });
  const data = { 'cidr-global': '10.0.0.0/24,fd00::/120', 'allow-share-global': 'true' };
  it.each<[string, Data, UsedEntry[], Partial<AllocationRequest>, string]>([
    ['disjoint ports share the lowest shareable address', data, [{ address: '10.0.0.7', owner: 'a', ports: [tcp(80)] }, { address: '10.0.0.3', owner: 'b', ports: [tcp(443)] }], { ports: [tcp(22)] }, '10.0.0.3'],
    ['TCP/53 and UDP/53 share (kube-vip-cloud-provider compares port numbers only)', data, [{ address: '10.0.0.7', owner: 'dns-tcp', ports: [tcp(53)] }], { ports: [udp(53)] }, '10.0.0.7'],
    ['overlapping ports get a fresh address', data, [{ address: '10.0.0.1', owner: 'a', ports: [tcp(80), tcp(443)] }], { ports: [tcp(443)] }, '10.0.0.2'],
    ['a holder without ports is exclusive', data, [{ address: '10.0.0.1', owner: 'a' }], { ports: [tcp(80)] }, '10.0.0.2'],
    ['a request without ports never shares', data, [{ address: '10.0.0.1', owner: 'a', ports: [tcp(80)] }], {}, '10.0.0.2'],
    ['sharing off: fresh address', { 'cidr-global': '10.0.0.0/24' }, [{ address: '10.0.0.1', owner: 'a', ports: [tcp(80)] }], { ports: [tcp(22)] }, '10.0.0.2'],
    ['allow-share-<ns> beats allow-share-global', { ...data, 'allow-share-default': 'false' }, [{ address: '10.0.0.1', owner: 'a', ports: [tcp(80)] }], { ports: [tcp(22)] }, '10.0.0.2'],
    ['only addresses of the pool are shared', data, [{ address: '10.9.0.1', owner: 'a', ports: [tcp(80)] }], { ports: [tcp(22)] }, '10.0.0.1'],
    ['IPv6 shares too', data, [{ address: 'fd00::9', owner: 'a', ports: [tcp(80)] }], { ports: [tcp(22)], ipFamilies: ['IPv6'] }, 'fd00::9'],
    ['desc prefers the highest shareable address', { ...data, 'search-order': 'desc' }, [{ address: '10.0.0.3', owner: 'a', ports: [tcp(80)] }, { address: '10.0.0.7', owner: 'b', ports: [tcp(81)] }], { ports: [tcp(22)] }, '10.0.0.7'],
    ['requested shared address', data, [{ address: '10.0.0.3', owner: 'a', ports: [tcp(80)] }], { requested: ['10.0.0.3'], ports: [tcp(81)], owner: 'b' }, '10.0.0.3'],
    ['requested address with overlapping ports', data, [{ address: '10.0.0.3', owner: 'a', ports: [tcp(80)] }], { requested: ['10.0.0.3'], ports: [tcp(80)], owner: 'b' }, 'AddressInUseError: address "10.0.0.3" is in use by a: ports overlap: TCP/80'],
  ])('%s', (_name, d, used, req, want) => {
    expect(once(d, used, req)).toBe(want);
  });

  it('reports the shared addresses and keeps them until the last holder releases', () => {
    const a = allocator(data, [{ address: '10.0.0.1', owner: 'a', ports: [tcp(80)] }]);
    const r = a.allocate({ namespace: 'x', owner: 'b', ports: [tcp(81)] });
    expect(r.ok && r.value).toEqual({ key: 'cidr-global', dhcp: false, addresses: ['10.0.0.1'], shared: ['10.0.0.1'] });
    // A third consumer cannot take TCP/81 any more on that address.
    const c = a.allocate({ namespace: 'x', owner: 'c', ports: [tcp(81)] });
    expect(c.ok && c.value.addresses).toEqual(['10.0.0.2']);
    expect(a.release('10.0.0.1', 'a')).toEqual({ ok: true, value: false });
    expect(a.isUsed('10.0.0.1')).toBe(true);
    expect(a.release('10.0.0.1', 'b')).toEqual({ ok: true, value: true });
    expect(a.isUsed('10.0.0.1')).toBe(false);
  });
});

describe('release and holdings', () => {
  it('release then allocate reuses the lowest free address', () => {
    const a = allocator({ 'cidr-global': '10.0.0.0/24' });
    for (let i = 0; i < 5; i++) a.allocate({ namespace: 'x' });
    expect(a.release('10.0.0.3')).toEqual({ ok: true, value: true });
    const r = a.allocate({ namespace: 'x' });
    expect(r.ok && r.value.addresses).toEqual(['10.0.0.3']);
  });
  it('release of a free address is a no-op; of text that is not an address, an error', () => {
    const a = allocator({ 'cidr-global': '10.0.0.0/24' });
    expect(a.release('10.0.0.3')).toEqual({ ok: true, value: false });
    const bad = a.release('nope');
    expect(!bad.ok && bad.error.message).toBe('address "nope": not an IP address');
  });
  it('release by an owner that does not hold the address keeps it', () => {
    const a = allocator({ 'cidr-global': '10.0.0.0/24' }, [{ address: '10.0.0.1', owner: 'a' }]);
    expect(a.release('10.0.0.1', 'b')).toEqual({ ok: true, value: false });
    expect(a.isUsed('10.0.0.1')).toBe(true);
  });
  it('holdings and releaseOwner', () => {
    const a = allocator({ 'cidr-global': '10.0.0.0/24,fd00::/120' });
    a.allocate({ namespace: 'x', owner: 'Gateway/x/gw', ipFamilyPolicy: 'RequireDualStack' });
    a.allocate({ namespace: 'x', owner: 'Gateway/x/other' });
    expect(a.holdings('Gateway/x/gw')).toEqual(['10.0.0.1', 'fd00::']);
    expect(a.releaseOwner('Gateway/x/gw')).toEqual(['10.0.0.1', 'fd00::']);
    expect(a.holdings('Gateway/x/gw')).toEqual([]);
    expect(a.isUsed('10.0.0.2')).toBe(true);
  });
});

describe('rebuild', () => {
  it('skips and reports what is not an address, and still allocates (kube-vip-cloud-provider would block)', () => {
    const a = new AddressAllocator(parseIpamConfig({ 'cidr-global': '10.0.0.0/24' }));
    const report = a.rebuild(['10.0.0.1', 'lb.example.com', ' 10.0.0.2 ', '0.0.0.0', '::', '10.0.0.3, 10.0.0.4']);
    expect(report.recorded).toBe(2);
    expect(report.dhcp).toBe(2);
    expect(report.skipped.map((e) => e.message)).toEqual(['address "lb.example.com": not an IP address', 'address "10.0.0.3, 10.0.0.4": not an IP address']);
    const r = a.allocate({ namespace: 'x' });
    expect(r.ok && r.value.addresses).toEqual(['10.0.0.3']);
  });
  it('reports named holders that cannot share, but not the same owner seen twice', () => {
    const a = new AddressAllocator(parseIpamConfig({ 'cidr-global': '10.0.0.0/24' }));
    const report = a.rebuild([
      { address: '10.0.0.1', owner: 'Gateway/a/gw', ports: [{ protocol: 'TCP', port: 80 }] },
      { address: '10.0.0.1', owner: 'Gateway/a/gw', ports: [{ protocol: 'TCP', port: 443 }] },
      { address: '10.0.0.1', owner: 'Service/b/web', ports: [{ protocol: 'TCP', port: 443 }] },
      { address: '10.0.0.2', owner: 'Service/b/x', ports: [{ protocol: 'TCP', port: 0 }] },
    ]);
    expect(report.conflicts).toEqual([{ address: '10.0.0.1', holders: ['Gateway/a/gw', 'Service/b/web'] }]);
    expect(report.problems.map((p) => p.message)).toEqual(['ports {"protocol":"TCP","port":0}: port must be an integer from 1 to 65535']);
    expect(a.isUsed('10.0.0.2')).toBe(true);
  });
  it('replaces the previous used set', () => {
    const a = allocator({ 'cidr-global': '10.0.0.0/24' }, ['10.0.0.1']);
    a.rebuild(['10.0.0.2']);
    expect([a.isUsed('10.0.0.1'), a.isUsed('10.0.0.2')]).toEqual([false, true]);
  });
});

describe('stats', () => {
  it('is exact for a /64', () => {
    const a = allocator({ 'cidr-global': 'fd00::/64' }, ['fd00::1', 'fd00::2', 'fd01::1']);
    const s = a.stats('x');
    expect(s.ok && s.value).toEqual({ key: 'cidr-global', dhcp: false, IPv6: { size: 1n << 64n, reserved: 0n, used: 2n, free: (1n << 64n) - 2n } });
  });
  it('excludes .0/.255 and reserved addresses from the size, and counts only used addresses inside', () => {
    const a = allocator({ 'cidr-global': '10.0.0.0/23', 'reserved-global': '10.0.0.1,10.0.0.255,10.0.1.0/30' }, ['10.0.0.2', '10.0.0.1', '10.0.0.0', '10.1.0.1']);
    const s = a.stats('x');
    // 512 addresses, less .0/.255 of two /24s (4), less reserved .0.1 and .1.1-.1.3 (.1.0 is already skipped).
    expect(s.ok && s.value.IPv4).toEqual({ size: 504n, reserved: 4n, used: 1n, free: 503n });
  });
  it('per key, and a DHCP pool has no counts', () => {
    const a = allocator({ 'cidr-global': '0.0.0.0/32', 'range-dev': '10.0.0.1-10.0.0.3,fd00::1-fd00::2', 'reserved-dev': 'fd00::2' });
    expect(a.statsForKey('cidr-global')).toEqual({ key: 'cidr-global', dhcp: true });
    expect(a.statsForKey('range-dev')).toEqual({
      key: 'range-dev',
      dhcp: false,
      IPv4: { size: 3n, reserved: 0n, used: 0n, free: 3n },
      IPv6: { size: 1n, reserved: 1n, used: 0n, free: 1n },
    });
    expect(a.statsForKey('cidr-nope')).toBeUndefined();
  });
});

describe('bad requests are errors, never exceptions', () => {
  const a = allocator({ 'cidr-global': '10.0.0.0/24' });
  it.each<[unknown, string]>([
    [{ namespace: '' }, 'namespace "": must be a non-empty string'],
    [{ namespace: 'x', ipFamilyPolicy: 'DualStack' }, 'ipFamilyPolicy "DualStack": expected SingleStack, PreferDualStack or RequireDualStack'],
    [{ namespace: 'x', ipFamilies: ['IPv4', 'IPv4'] }, 'ipFamilies ["IPv4","IPv4"]: expected up to two distinct values of IPv4, IPv6'],
    [{ namespace: 'x', ipFamilies: ['ipv4'] }, 'ipFamilies ["ipv4"]: expected up to two distinct values of IPv4, IPv6'],
    [{ namespace: 'x', ports: [{ protocol: 'HTTP', port: 80 }] }, 'ports {"protocol":"HTTP","port":80}: protocol must be TCP, UDP or SCTP'],
    [{ namespace: 'x', ports: [{ protocol: 'TCP', port: 70000 }] }, 'ports {"protocol":"TCP","port":70000}: port must be an integer from 1 to 65535'],
    [{ namespace: 'x', owner: '' }, 'owner "": must be a non-empty string'],
    [null, 'request null: must be an object'],
  ])('%j', (req, message) => {
    const r = a.allocate(req as AllocationRequest);
    expect(!r.ok && r.error.message).toBe(message);
  });
});
