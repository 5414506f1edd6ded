import { fc, test as propTest } from '@fast-check/vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureIo } from './internal/capture.js';
import { checkIpamData, intersectRanges, type ConfigMapReport, type Problem } from './ipam-check.js';
import { runCli } from './program.js';

const REPO = path.resolve(import.meta.dirname, '../../..');
const check = (data: Record<string, unknown>): ConfigMapReport => checkIpamData(data, 'kube-system/kubevip', 'test');
const problems = (data: Record<string, unknown>): Problem[] => check(data).problems as Problem[];

describe('checkIpamData explains each pool', () => {
  it.each([
    ['a /24 (no .0/.255)', { 'cidr-global': '10.0.0.0/24' }, 'cidr-global', { IPv4: { ranges: ['10.0.0.0-10.0.0.255'], addresses: '256', allocatable: '254', reserved: '0' } }],
    ['a /64, exactly', { 'cidr-global': 'fd00::/64' }, 'cidr-global', { IPv6: { ranges: ['fd00::-fd00::ffff:ffff:ffff:ffff'], addresses: '18446744073709551616', allocatable: '18446744073709551616', reserved: '0' } }],
    ['a /48, exactly', { 'cidr-global': '2001:db8::/48' }, 'cidr-global', { IPv6: { addresses: '1208925819614629174706176' } }],
    ['a range crossing an octet', { 'range-global': '10.0.0.250-10.0.1.5' }, 'range-global', { IPv4: { addresses: '12', allocatable: '10' } }],
    ['a dual-stack range', { 'range-team': '10.0.0.1-10.0.0.3,fd00::1-fd00::4' }, 'range-team', { scope: 'team', format: 'range', IPv4: { addresses: '3' }, IPv6: { addresses: '4' } }],
    ['skip-end on merged CIDRs', { 'cidr-global': '10.0.0.0/25,10.0.0.128/25', 'skip-end-ips-in-cidr': 'true' }, 'cidr-global', { IPv4: { ranges: ['10.0.0.1-10.0.0.254'], addresses: '254', allocatable: '254' } }],
    ['reserved addresses', { 'range-global': '10.0.0.1-10.0.0.10', 'reserved-global': '10.0.0.2,10.0.0.5-10.0.0.6' }, 'range-global', { IPv4: { addresses: '10', allocatable: '7', reserved: '3' } }],
    ['a range read as CIDRs because of a slash', { 'range-global': '10.0.0.0/30' }, 'range-global', { format: 'cidr', IPv4: { addresses: '4' } }],
    ['DHCP', { 'cidr-global': '0.0.0.0/32' }, 'cidr-global', { format: 'dhcp', usable: true }],
    ['a refused pool', { 'range-global': '10.0.0.9-10.0.0.1' }, 'range-global', { usable: false }],
  ])('%s', (_, data, key, expected) => {
    const pool = check(data).pools.find((p) => p.key === key);
    expect(pool).toMatchObject(expected);
  });

  it('reports settings, reserved lists, sharing and interfaces', () => {
    const r = check({ 'range-global': '10.0.0.1-10.0.0.9', 'search-order': 'desc', 'skip-end-ips-in-cidr': 'true', 'allow-share-team': 'true', 'interface-global': 'eth1', 'reserved-team': '10.0.0.1,fd00::/126' });
    expect(r).toMatchObject({
      searchOrder: 'desc',
      skipEndIpsInCidr: true,
      allowShare: [{ key: 'allow-share-team', value: true }],
      interfaces: [{ key: 'interface-global', value: 'eth1' }],
      reserved: [{ key: 'reserved-team', scope: 'team', entries: ['10.0.0.1', 'fd00::/126'], IPv4: '1', IPv6: '4' }],
    });
  });

  it('finds no problem in the shipped ConfigMaps shape', () => {
    expect(problems({ 'range-global': '192.168.1.220-192.168.1.239', 'range-dual-stack': '192.168.1.240-192.168.1.245,fd00:10::10-fd00:10::1f' })).toEqual([]);
  });
});

describe('checkIpamData problems', () => {
  it.each([
    ['a malformed entry', { 'range-global': '10.0.0.9-10.0.0.1' }, 'error', 'range-global entry "10.0.0.9-10.0.0.1": start is after end'],
    ['a bad CIDR', { 'cidr-global': '10.0.0.0/40' }, 'error', 'cidr-global entry "10.0.0.0/40": prefix length 40 is out of range for IPv4 (0-32)'],
    ['a bad reserved entry', { 'range-global': '10.0.0.1-10.0.0.9', 'reserved-global': 'router' }, 'error', /^reserved-global entry "router": /],
    ['a misspelt search-order', { 'range-global': '10.0.0.1-10.0.0.9', 'search-order': 'descending' }, 'error', /^search-order value "descending": only "desc"/],
    ['a non-boolean allow-share', { 'range-global': '10.0.0.1-10.0.0.9', 'allow-share-global': 'yes' }, 'error', /^allow-share-global value "yes": not a boolean/],
    ['a non-string value', { 'range-global': ['10.0.0.1'] }, 'error', /^range-global value "10\.0\.0\.1": ConfigMap values must be strings/],
    ['spaces after commas', { 'range-global': '10.0.0.1-10.0.0.2, 10.0.0.5-10.0.0.6' }, 'warning', /kube-vip-cloud-provider cannot parse the value \(write "10\.0\.0\.1-10\.0\.0\.2,10\.0\.0\.5-10\.0\.0\.6"\)$/],
    ['a trailing comma', { 'cidr-global': '10.0.0.0/24,' }, 'warning', /^cidr-global: spaces around or empty entries/],
    ['cidr-global hiding range-<ns>', { 'cidr-global': '10.0.0.0/24', 'range-team': '10.1.0.1-10.1.0.9' }, 'warning', /^range-team: kube-vip-cloud-provider checks cidr-global before range-team/],
    ['reserved keys', { 'range-global': '10.0.0.1-10.0.0.9', 'reserved-global': '10.0.0.1' }, 'warning', /^reserved-global: kube-vip-cloud-provider does not read reserved-\* keys/],
    ['overlapping namespace and global pools', { 'range-global': '10.0.0.1-10.0.0.9', 'range-team': '10.0.0.5-10.0.0.20' }, 'warning', /^range-global and range-team overlap \(10\.0\.0\.5-10\.0\.0\.9\); /],
    ['overlapping namespace pools, IPv6', { 'cidr-a': 'fd00::/120', 'cidr-b': 'fd00::80/121' }, 'warning', /^cidr-a and cidr-b overlap \(fd00::80-fd00::ff\)/],
    ['a pool with nothing to hand out', { 'cidr-global': '10.0.0.0/32' }, 'warning', /^cidr-global: the pool has no address that can be handed out/],
    ['a fully reserved pool', { 'range-global': '10.0.0.1-10.0.0.2', 'reserved-global': '10.0.0.1-10.0.0.2' }, 'warning', /^range-global: the pool has no address that can be handed out/],
    ['no pools', { 'search-order': 'desc' }, 'warning', /^no pool keys \(cidr-\*\/range-\*\)/],
    ['an unknown key', { 'range-global': '10.0.0.1-10.0.0.9', colour: 'blue' }, 'warning', 'colour: not a key kvgw or kube-vip-cloud-provider reads; ignored'],
  ])('%s', (_, data, severity, message) => {
    const found = problems(data).filter((p) => p.severity === severity && (typeof message === 'string' ? p.message === message : message.test(p.message)));
    expect(found).toHaveLength(1);
  });

  it.each([
    ['two global pools (the namespace-scoped in-use set does not matter there)', { 'cidr-global': '10.0.0.0/24', 'range-global': '10.0.0.1-10.0.0.9' }],
    ['disjoint namespace pools', { 'range-a': '10.0.0.1-10.0.0.9', 'range-b': '10.0.0.10-10.0.0.20', 'range-global': '10.0.1.1-10.0.1.9' }],
    ['range-<ns> with its own cidr-<ns>', { 'cidr-global': '10.0.0.0/24', 'cidr-team': '10.1.0.0/24', 'range-team': '10.1.1.1-10.1.1.9' }],
  ])('no overlap or hiding warning for %s', (_, data) => {
    expect(problems(data).filter((p) => /overlap|checks cidr-global/.test(p.message))).toEqual([]);
  });
});

describe('intersectRanges', () => {
  const ranges = fc
    .uniqueArray(fc.integer({ min: 0, max: 60 }), { maxLength: 12 })
    .map((points) => {
      const sorted = [...points].sort((a, b) => a - b);
      const out: { start: bigint; end: bigint }[] = [];
      for (let i = 0; i + 1 < sorted.length; i += 2) out.push({ start: BigInt(sorted[i]!), end: BigInt(sorted[i + 1]!) });
      return out;
    });
  const members = (rs: { start: bigint; end: bigint }[]): Set<number> => {
    const s = new Set<number>();
    for (const r of rs) for (let v = Number(r.start); v <= Number(r.end); v++) s.add(v);
    return s;
  };
  propTest.prop([ranges, ranges])('holds exactly the addresses in both lists', (a, b) => {
    const got = members(intersectRanges(a, b));
    const mb = members(b);
    expect([...got].sort()).toEqual([...members(a)].filter((v) => mb.has(v)).sort());
  });
});

describe('kvgw ipam check', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'kvgw-check-'));
    await writeFile(path.join(dir, 'warn.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: kubevip, namespace: kube-system}\ndata:\n  range-global: 10.0.0.1-10.0.0.9\n  reserved-global: 10.0.0.1\n');
    await writeFile(path.join(dir, 'error.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: kubevip, namespace: kube-system}\ndata:\n  range-global: 10.0.0.9-10.0.0.1\n');
    await writeFile(path.join(dir, 'list-data.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x, namespace: kube-system}\ndata: [1, 2]\n');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const run = async (args: string[], stdin?: string) => {
    const io = captureIo({ cwd: dir, stdin });
    const code = await runCli(['ipam', 'check', ...args], io);
    return { code, out: io.out(), err: io.err() };
  };

  it('prints the pools of the example ConfigMap and exits 0', async () => {
    const r = await run(['-f', path.join(REPO, 'examples/01-ipam-configmap.yaml')]);
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    expect(r.out).toContain('range-dual-stack  dual-stack  range   IPv4    6          6            0         192.168.1.240-192.168.1.245\n');
    expect(r.out).toContain('                                        IPv6    16         16           0         fd00:10::10-fd00:10::1f\n');
    expect(r.out).toContain('ok: no problems');
  });

  it('exits 0 on warnings, 1 with --strict', async () => {
    const lenient = await run(['-f', 'warn.yaml']);
    expect(lenient.code).toBe(0);
    expect(lenient.out).toContain('warning: reserved-global: kube-vip-cloud-provider does not read reserved-* keys');
    const strict = await run(['-f', 'warn.yaml', '--strict']);
    expect(strict.code).toBe(1);
    expect(strict.err).toBe('kvgw: 0 errors, 1 warning\n');
  });

  it('prints the report and exits 1 on errors', async () => {
    const r = await run(['-f', 'error.yaml']);
    expect(r.code).toBe(1);
    expect(r.out).toContain('range-global  global  range   -       refused');
    expect(r.out).toContain('error:   range-global entry "10.0.0.9-10.0.0.1": start is after end');
    expect(r.err).toBe('kvgw: 1 error, 0 warnings\n');
  });

  it('reports a ConfigMap whose data is not a mapping as an error', async () => {
    const r = await run(['-f', 'list-data.yaml']);
    expect(r.code).toBe(1);
    expect(r.out).toContain('error:   data must be a mapping of strings');
  });

  it('checks every ConfigMap of several files (the same one twice is fine) as JSON', async () => {
    const r = await run(['-f', 'warn.yaml', 'error.yaml', '-o', 'json']);
    expect(r.code).toBe(1);
    const parsed = JSON.parse(r.out) as { configMaps: ConfigMapReport[] };
    expect(parsed.configMaps.map((c) => [c.source, c.problems.map((p) => p.severity)])).toEqual([
      ['warn.yaml document 1', ['warning']],
      ['error.yaml document 1', ['error']],
    ]);
  });

  it('reads stdin, e.g. from kubectl', async () => {
    const r = await run(['-f', '-', '-o', 'yaml'], 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: kubevip, namespace: kube-system}\ndata: {cidr-global: fd00::/64}\n');
    expect(r.code).toBe(0);
    expect(r.out).toContain('addresses: "18446744073709551616"');
  });

  it.each([
    [['-f', path.join(REPO, 'examples/00-gatewayclass.yaml')], 1, /: no ConfigMap found\n$/],
    [['-f', 'missing.yaml'], 1, /^kvgw: missing\.yaml: no such file or directory\n$/],
    [[], 2, /required option '-f, --filename <file\.\.\.>' not specified/],
    [['-f', 'warn.yaml', '-o', 'xml'], 2, /Allowed choices are text, yaml, json/],
  ])('fails on %j', async (args, code, message) => {
    const r = await run(args);
    expect(r.code).toBe(code);
    expect(r.err).toMatch(message);
  });
});
