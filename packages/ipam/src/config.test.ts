import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { parseIpamConfig, selectPool, splitList } from './config.js';
import { formatIp } from './internal/address.js';

const show = (ranges: readonly { start: bigint; end: bigint }[], family: 'IPv4' | 'IPv6' = 'IPv4'): string[] =>
  ranges.map((r) => `${formatIp(family, r.start)}-${formatIp(family, r.end)}`);

describe('splitList', () => {
  it.each([
    ['a,b', ['a', 'b']],
    ['a, b', ['a', 'b']],
    [' a ,b,\n', ['a', 'b']],
    ['a,,b,', ['a', 'b']],
    ['', []],
  ])('%j', (value, want) => {
    expect(splitList(value)).toEqual(want);
  });
});

describe('parseIpamConfig: pool values', () => {
  it.each([
    // [value, skip-end, IPv4 ranges, IPv6 ranges]
    ['192.168.1.1/24', false, ['192.168.1.0-192.168.1.255'], []],
    ['10.0.0.0/25,10.0.0.128/25', false, ['10.0.0.0-10.0.0.255'], []],
    ['192.168.0.200/30,192.168.0.200/29', false, ['192.168.0.200-192.168.0.207'], []],
    ['192.168.0.10-192.168.0.12', false, ['192.168.0.10-192.168.0.12'], []],
    ['192.168.0.10-192.168.0.11,192.168.0.12-192.168.0.13', false, ['192.168.0.10-192.168.0.13'], []],
    ['10.10.10.8-10.10.10.15,fd00::1-fd00::10', false, ['10.10.10.8-10.10.10.15'], ['fd00::1-fd00::10']],
    ['fe80::10/127,fe80::fe/127', false, [], ['fe80::10-fe80::11', 'fe80::fe-fe80::ff']],
    // skip-end-ips-in-cidr: per canonical prefix of the merged set, IPv4 only; /31 and /32 exempt.
    ['192.168.0.200/30', true, ['192.168.0.201-192.168.0.202'], []],
    ['192.168.0.200/31', true, ['192.168.0.200-192.168.0.201'], []],
    ['192.168.0.200/32', true, ['192.168.0.200-192.168.0.200'], []],
    ['192.168.0.200/30,192.168.0.200/29', true, ['192.168.0.201-192.168.0.206'], []],
    ['10.0.0.0/25,10.0.0.128/25', true, ['10.0.0.1-10.0.0.254'], []],
    ['10.0.0.4/30,10.0.0.8/29', true, ['10.0.0.5-10.0.0.6', '10.0.0.9-10.0.0.14'], []],
    ['fd00::/126', true, [], ['fd00::-fd00::3']],
    // Ranges are never trimmed.
    ['192.168.0.0-192.168.0.255', true, ['192.168.0.0-192.168.0.255'], []],
  ])('%s (skip-end %s)', (value, skip, v4, v6) => {
    const cfg = parseIpamConfig({ 'cidr-global': value, 'skip-end-ips-in-cidr': String(skip) });
    const pool = cfg.pools.get('cidr-global')!;
    expect(pool.problems).toEqual([]);
    expect(show(pool.ranges.IPv4)).toEqual(v4);
    expect(show(pool.ranges.IPv6, 'IPv6')).toEqual(v6);
  });

  it('reads the value by content, not by key prefix (a range under cidr-*, a CIDR under range-*)', () => {
    const cfg = parseIpamConfig({ 'cidr-ipv6': '2001::10-2001::20', 'range-x': '10.0.0.0/30' });
    expect(cfg.pools.get('cidr-ipv6')!.format).toBe('range');
    expect(show(cfg.pools.get('cidr-ipv6')!.ranges.IPv6, 'IPv6')).toEqual(['2001::10-2001::20']);
    expect(cfg.pools.get('range-x')!.format).toBe('cidr');
  });

  it.each([['0.0.0.0/32'], [' 0.0.0.0/32\n']])('%j is DHCP', (value) => {
    expect(parseIpamConfig({ 'range-global': value }).pools.get('range-global')!.format).toBe('dhcp');
  });

  it.each([
    ['range-global', '10.0.0.9-10.0.0.1', 'range-global entry "10.0.0.9-10.0.0.1": start is after end'],
    ['range-global', '10.0.0.1-fd00::1', 'range-global entry "10.0.0.1-fd00::1": start and end are of different address families'],
    ['range-global', '10.0.0.1', 'range-global entry "10.0.0.1": expected start-end'],
    ['range-global', '10.0.0.1-10.0.0.2-10.0.0.3', 'expected start-end'],
    ['range-dev', '10.0.0.1-10.0.0.300', 'range-dev entry "10.0.0.1-10.0.0.300": end "10.0.0.300"'],
    ['cidr-global', '10.0.0.0/24,10.0.1.0-10.0.1.9', 'cidr-global entry "10.0.1.0-10.0.1.9": expected a CIDR'],
    ['cidr-global', '10.0.0.0/33', 'prefix length 33 is out of range for IPv4 (0-32)'],
    ['cidr-global', 'fd00::/129', 'prefix length 129 is out of range for IPv6 (0-128)'],
    ['cidr-global', '10.0.0.0/024', 'prefix length "024" is not a number'],
    ['cidr-global', 'fe80::1%eth0/64', 'zone'],
    ['cidr-global', 'example.com/24', 'not an IP address'],
    ['cidr-global', '', 'cidr-global entry "": the value has no entries'],
    ['cidr-global', ' , ', 'the value has no entries'],
  ])('%s=%j is refused: %s', (key, value, message) => {
    const cfg = parseIpamConfig({ [key]: value });
    const pool = cfg.pools.get(key)!;
    expect(pool.problems.length).toBeGreaterThan(0);
    expect(pool.problems[0]!._tag).toBe('InvalidPoolError');
    expect(pool.problems[0]!.message).toContain(message);
    expect(pool.problems[0]!.key).toBe(key);
    expect(cfg.problems).toContain(pool.problems[0]);
  });

  it('trims spaces around entries (kube-vip-cloud-provider would fail on "a, b")', () => {
    const pool = parseIpamConfig({ 'range-global': '10.0.0.1-10.0.0.2, 10.0.0.5-10.0.0.6 ,' }).pools.get('range-global')!;
    expect(pool.problems).toEqual([]);
    expect(show(pool.ranges.IPv4)).toEqual(['10.0.0.1-10.0.0.2', '10.0.0.5-10.0.0.6']);
  });
});

describe('parseIpamConfig: settings', () => {
  it.each([
    [{}, 'asc', false, 0],
    [{ 'search-order': 'desc' }, 'desc', false, 0],
    [{ 'search-order': 'asc' }, 'asc', false, 0],
    [{ 'search-order': 'Desc' }, 'asc', false, 1],
    [{ 'skip-end-ips-in-cidr': 'true' }, 'asc', true, 0],
    [{ 'skip-end-ips-in-cidr': 'false' }, 'asc', false, 0],
    [{ 'skip-end-ips-in-cidr': 'yes' }, 'asc', false, 1],
    [{ 'skip-end-ips-in-cidr': true }, 'asc', true, 0],
  ])('%j', (data, order, skip, problems) => {
    const cfg = parseIpamConfig(data);
    expect(cfg.searchOrder).toBe(order);
    expect(cfg.skipEndIpsInCidr).toBe(skip);
    expect(cfg.problems).toHaveLength(problems);
    if (problems > 0) expect(cfg.problems[0]!._tag).toBe('InvalidSettingError');
  });

  it.each([
    ['true', true],
    ['1', true],
    ['T', true],
    ['True', true],
    ['false', false],
    ['0', false],
    ['F', false],
    ['yes', false],
  ])('allow-share-x=%s parses as Go strconv.ParseBool: %s', (value, want) => {
    const cfg = parseIpamConfig({ 'allow-share-x': value, 'cidr-global': '10.0.0.0/24' });
    expect(cfg.allowShare.get('allow-share-x')).toBe(want);
    const sel = selectPool(cfg, 'x');
    expect(sel.ok && sel.value.allowShare).toBe(want);
  });

  it('lists keys it does not read and refuses non-string values without throwing', () => {
    const cfg = parseIpamConfig({ 'cidr-global': '10.0.0.0/24', 'something-else': 'x', 'cidr-': 'y', weird: { a: 1 } });
    expect(cfg.ignoredKeys).toEqual(['something-else', 'cidr-']);
    expect(cfg.problems.map((p) => p.message)).toEqual(['weird value "[object Object]": ConfigMap values must be strings; key ignored']);
  });

  it.each([[undefined], [null]])('accepts %s data as an empty ConfigMap', (data) => {
    const cfg = parseIpamConfig(data);
    expect(cfg.pools.size).toBe(0);
    const sel = selectPool(cfg, 'default');
    expect(!sel.ok && sel.error._tag).toBe('NoPoolError');
  });
});

describe('selectPool', () => {
  const cases: [string, Record<string, string>, string | undefined][] = [
    ['cidr-<ns> first', { 'cidr-dev': '10.0.1.0/24', 'range-dev': '10.0.2.1-10.0.2.9', 'cidr-global': '10.0.0.0/24' }, 'cidr-dev'],
    ['range-<ns> beats cidr-global (deliberate difference)', { 'range-dev': '10.0.2.1-10.0.2.9', 'cidr-global': '10.0.0.0/24' }, 'range-dev'],
    ['cidr-global before range-global', { 'cidr-global': '10.0.0.0/24', 'range-global': '10.0.2.1-10.0.2.9' }, 'cidr-global'],
    ['range-global last', { 'range-global': '10.0.2.1-10.0.2.9', 'cidr-other': '10.9.0.0/24' }, 'range-global'],
    ['another namespace\'s key does not apply', { 'cidr-other': '10.9.0.0/24' }, undefined],
  ];
  it.each(cases)('%s', (_name, data, key) => {
    const sel = selectPool(parseIpamConfig(data), 'dev');
    if (key === undefined) {
      expect(!sel.ok && sel.error.message).toBe(
        'namespace "dev": no address pool (none of cidr-dev, range-dev, cidr-global, range-global is set)',
      );
    } else {
      expect(sel.ok && sel.value.pool.key).toBe(key);
      expect(sel.ok && sel.value.global).toBe(key.endsWith('-global'));
    }
  });

  it('a present but malformed key is an error naming the entry, not a fallback to global', () => {
    const sel = selectPool(parseIpamConfig({ 'cidr-dev': '10.0.0.0/24,bogus/8', 'cidr-global': '10.1.0.0/24' }), 'dev');
    expect(!sel.ok && sel.error.message).toBe('cidr-dev entry "bogus/8": not an IP address');
    const other = selectPool(parseIpamConfig({ 'cidr-dev': 'bogus/8', 'cidr-global': '10.1.0.0/24' }), 'prod');
    expect(other.ok && other.value.pool.key).toBe('cidr-global');
  });

  it('applies reserved-global and reserved-<ns>; a malformed reserved list refuses the pools it covers', () => {
    const cfg = parseIpamConfig({
      'cidr-global': '10.0.0.0/24',
      'reserved-global': '10.0.0.1, 10.0.0.64/30, 10.0.0.100-10.0.0.101',
      'reserved-dev': '10.0.0.2',
      'reserved-bad': '10.0.0.300',
    });
    const dev = selectPool(cfg, 'dev');
    expect(dev.ok && dev.value.reserved.map((r) => r.key)).toEqual(['reserved-global', 'reserved-dev']);
    expect(show(cfg.reserved.get('reserved-global')!.ranges.IPv4)).toEqual(['10.0.0.1-10.0.0.1', '10.0.0.64-10.0.0.67', '10.0.0.100-10.0.0.101']);
    const bad = selectPool(cfg, 'bad');
    expect(!bad.ok && bad.error.message).toBe('reserved-bad entry "10.0.0.300": not a valid IPv4 address (four decimal octets 0-255, no leading zeros)');
  });

  it.each([
    [{ 'interface-dev': 'eth1', 'interface-global': 'eth0' }, 'dev', 'eth1'],
    [{ 'interface-global': 'eth0' }, 'dev', 'eth0'],
    [{}, 'dev', undefined],
  ])('interface lookup %j', (data, ns, want) => {
    const sel = selectPool(parseIpamConfig({ 'cidr-global': '10.0.0.0/24', ...data }), ns);
    expect(sel.ok && sel.value.serviceInterface).toBe(want);
  });

  it('refuses an empty namespace', () => {
    const sel = selectPool(parseIpamConfig({ 'cidr-global': '10.0.0.0/24' }), '');
    expect(!sel.ok && sel.error._tag).toBe('InvalidRequestError');
  });
});

describe('parseIpamConfig fuzz', () => {
  const keyArb = fc.oneof(
    fc.constantFrom('cidr-global', 'range-global', 'cidr-ns', 'range-ns', 'reserved-global', 'allow-share-global', 'search-order', 'skip-end-ips-in-cidr'),
    fc.string({ maxLength: 20 }),
  );
  const entryArb = fc.oneof(
    fc.string({ maxLength: 30 }),
    fc.ipV4(),
    fc.ipV6(),
    fc.tuple(fc.ipV4(), fc.integer({ min: -1, max: 40 })).map(([a, n]) => `${a}/${n}`),
    fc.tuple(fc.ipV6(), fc.integer({ min: -1, max: 140 })).map(([a, n]) => `${a}/${n}`),
    fc.tuple(fc.ipV4(), fc.ipV4()).map(([a, b]) => `${a}-${b}`),
    fc.tuple(fc.ipV6(), fc.oneof(fc.ipV6(), fc.ipV4())).map(([a, b]) => `${a}-${b}`),
  );
  const valueArb = fc.array(entryArb, { maxLength: 4 }).map((es) => es.join(','));
  test.prop([fc.dictionary(keyArb, fc.oneof(valueArb, fc.string()), { maxKeys: 8 })])('never throws; every problem names its key and entry', (data) => {
    const cfg = parseIpamConfig(data);
    for (const p of cfg.problems) {
      expect(Object.keys(data)).toContain(p.key);
      if (p._tag === 'InvalidPoolError') {
        expect(p.message.startsWith(`${p.key} entry ${JSON.stringify(p.entry)}: `)).toBe(true);
        expect(data[p.key]).toContain(p.entry);
      }
    }
    for (const ns of ['ns', 'global', 'other']) selectPool(cfg, ns);
  });
});
