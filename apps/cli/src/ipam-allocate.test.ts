import { fc, test as propTest } from '@fast-check/vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureIo } from './internal/capture.js';
import { parseUsedList, poolKeyFor } from './ipam-allocate.js';
import { runCli } from './program.js';

const REPO = path.resolve(import.meta.dirname, '../../..');
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'kvgw-allocate-'));
  await writeFile(path.join(dir, 'used.txt'), '# addresses of the routers\n10.0.0.1, 10.0.0.2 # two on one line\n\n10.0.0.3\n');
  await writeFile(path.join(dir, 'bad-used.txt'), '10.0.0.1\n# fine\n10.0.0.2,10.0.0.x\n');
  await writeFile(path.join(dir, 'two.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: kube-system}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: b, namespace: kube-system}\n');
  await writeFile(path.join(dir, 'none.yaml'), 'apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n');
  await writeFile(path.join(dir, 'bad-cm.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: kube-system}\ndata:\n  range-global: 10.0.0.9-10.0.0.1\n  search-order: descending\n');
  await writeFile(path.join(dir, 'settings-cm.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: kube-system}\ndata:\n  cidr-global: 10.0.1.0/30\n  search-order: desc\n  skip-end-ips-in-cidr: "true"\n  range-broken: 1-2\n');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = captureIo({ cwd: dir });
  const code = await runCli(['ipam', 'allocate', ...args], io);
  return { code, out: io.out(), err: io.err() };
}

describe('ipam allocate hands out what kube-vip-cloud-provider would', () => {
  it.each([
    ['first of a range', ['--pool', '192.168.0.10-192.168.0.12'], '192.168.0.10'],
    ['last of a range with desc', ['--pool', '192.168.0.10-192.168.0.12', '--search-order', 'desc'], '192.168.0.12'],
    ['skip-end on a CIDR', ['--pool', '192.168.0.200/30', '--skip-end-ips-in-cidr'], '192.168.0.201'],
    ['no .0 in a /24', ['--pool', '10.1.2.0/24'], '10.1.2.1'],
    ['IPv6 range', ['--pool', 'fe80::13-fe80::14'], 'fe80::13'],
    ['the gap between used addresses', ['--pool', '10.10.10.8/29', '--used', '10.10.10.8,10.10.10.9,10.10.10.10', '--used', '10.10.10.12'], '10.10.10.11'],
    ['used addresses from a file', ['--pool', '10.0.0.1-10.0.0.9', '--used-file', 'used.txt'], '10.0.0.4'],
    ['dual-stack, IPv6 first', ['--pool', '10.10.10.8-10.10.10.15,fd00::1-fd00::10', '--ip-family-policy', 'RequireDualStack', '--ip-families', 'IPv6,IPv4'], 'fd00::1,10.10.10.8'],
    ['PreferDualStack on an IPv4-only pool', ['--pool', '10.0.0.1-10.0.0.2', '--ip-family-policy', 'PreferDualStack'], '10.0.0.1'],
    ['SingleStack IPv6 from a dual pool', ['--pool', '10.0.0.1-10.0.0.2,fd00::4-fd00::5', '--ip-families', 'ipv6'], 'fd00::4'],
    ['spaces after commas (trimmed)', ['--pool', '10.0.0.5-10.0.0.6, 10.0.0.1-10.0.0.2'], '10.0.0.1'],
    ['DHCP', ['--pool', '0.0.0.0/32'], '0.0.0.0'],
    ['the namespace pool of a ConfigMap', ['--configmap', path.join(REPO, 'examples/01-ipam-configmap.yaml'), '--namespace', 'dual-stack', '--ip-family-policy', 'RequireDualStack'], '192.168.1.240,fd00:10::10'],
    ['the global pool of a ConfigMap', ['--configmap', path.join(REPO, 'examples/01-ipam-configmap.yaml'), '--namespace', 'shop'], '192.168.1.220'],
    ['ConfigMap settings, a flag overriding one', ['--configmap', 'settings-cm.yaml', '--search-order', 'asc'], '10.0.1.1'],
    ['ConfigMap settings', ['--configmap', 'settings-cm.yaml'], '10.0.1.2'],
  ])('%s', async (_, args, expected) => {
    const r = await run(args);
    expect(r).toMatchObject({ code: 0, out: `${expected}\n` });
  });

  it('prints one allocation per line, each different', async () => {
    const r = await run(['--pool', '10.0.0.254-10.0.1.2', '-n', '3']);
    expect(r).toEqual({ code: 0, out: '10.0.0.254\n10.0.1.1\n10.0.1.2\n', err: '' });
  });

  it('prints what it could allocate, then fails with exit 1 when the pool runs out', async () => {
    const r = await run(['--pool', '192.168.0.10-192.168.0.12', '-n', '5']);
    expect(r.code).toBe(1);
    expect(r.out).toBe('192.168.0.10\n192.168.0.11\n192.168.0.12\n');
    expect(r.err).toBe('kvgw: allocation 4 of 5 failed: range-global (namespace "default"): no free IPv4 address\n');
  });

  it('warns about DHCP and about problems of other ConfigMap keys, but allocates', async () => {
    expect((await run(['--pool', '0.0.0.0/32'])).err).toContain('kube-vip takes the address from DHCP');
    const r = await run(['--configmap', 'settings-cm.yaml']);
    expect(r.err).toMatch(/warning: --configmap settings-cm\.yaml \(ConfigMap kube-system\/a\): range-broken entry "1-2": start "1": /);
  });
});

describe('ipam allocate refuses bad input', () => {
  it.each([
    ['an inverted range', ['--pool', '10.0.0.9-10.0.0.1'], 1, 'kvgw: --pool entry "10.0.0.9-10.0.0.1": start is after end\n'],
    ['a bad CIDR', ['--pool', '10.0.0.0/33'], 1, 'kvgw: --pool entry "10.0.0.0/33": prefix length 33 is out of range for IPv4 (0-32)\n'],
    ['a range mixed into CIDRs', ['--pool', '10.0.0.0/30,10.0.1.1-10.0.1.5'], 1, /^kvgw: --pool entry "10\.0\.1\.1-10\.0\.1\.5": expected a CIDR/],
    ['an empty pool', ['--pool', ' '], 1, 'kvgw: --pool " ": the pool is empty\n'],
    ['a bad used address', ['--pool', '10.0.0.0/24', '--used', '10.0.0.1,10.0.0.300'], 1, /^kvgw: --used address "10\.0\.0\.300": /],
    ['a bad line of a used file', ['--pool', '10.0.0.0/24', '--used-file', 'bad-used.txt'], 1, /^kvgw: --used-file bad-used\.txt line 3 address "10\.0\.0\.x": /],
    ['a missing used file', ['--pool', '10.0.0.0/24', '--used-file', 'nope.txt'], 1, 'kvgw: nope.txt: no such file\n'],
    ['a missing family', ['--pool', '10.0.0.0/24', '--ip-family-policy', 'RequireDualStack'], 1, 'kvgw: allocation 1 of 1 failed: cidr-global has no IPv6 addresses, needed by ipFamilyPolicy RequireDualStack\n'],
    ['a ConfigMap with a refused pool', ['--configmap', 'bad-cm.yaml'], 1, 'kvgw: --configmap bad-cm.yaml (ConfigMap kube-system/a) key range-global entry "10.0.0.9-10.0.0.1": start is after end\n'],
    ['a file with two ConfigMaps', ['--configmap', 'two.yaml'], 1, 'kvgw: two.yaml: expected one ConfigMap, found 2 (kube-system/a, kube-system/b)\n'],
    ['a file without ConfigMap', ['--configmap', 'none.yaml'], 1, 'kvgw: none.yaml: no ConfigMap in the file\n'],
    ['both --pool and --configmap', ['--pool', '10.0.0.0/24', '--configmap', 'x.yaml'], 2, 'kvgw: --pool/--configmap: give exactly one of --pool <value> or --configmap <file>\n'],
    ['neither --pool nor --configmap', [], 2, /give exactly one of/],
    ['a bad --search-order', ['--pool', '10.0.0.0/24', '--search-order', 'descending'], 2, /argument 'descending' is invalid\. Allowed choices are asc, desc/],
    ['a bad --ip-families', ['--pool', '10.0.0.0/24', '--ip-families', 'IPv5'], 2, /"IPv5" is not IPv4 or IPv6/],
    ['a repeated --ip-families', ['--pool', '10.0.0.0/24', '--ip-families', 'IPv4,ipv4'], 2, /IPv4 is listed twice/],
    ['a bad --ip-family-policy', ['--pool', '10.0.0.0/24', '--ip-family-policy', 'Dual'], 2, /Allowed choices are SingleStack, PreferDualStack, RequireDualStack/],
    ['-n 0', ['--pool', '10.0.0.0/24', '-n', '0'], 2, /--count must be an integer from 1 to 10000000/],
    ['-n x', ['--pool', '10.0.0.0/24', '-n', 'x'], 2, /--count must be an integer/],
  ])('%s', async (_, args, code, message) => {
    const r = await run(args);
    expect(r.code).toBe(code);
    expect(r.out).toBe('');
    if (typeof message === 'string') expect(r.err).toBe(message);
    else expect(r.err).toMatch(message);
  });

  it('names the namespace when no pool applies to it', async () => {
    await writeFile(path.join(dir, 'ns-only.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: kube-system}\ndata: {range-team: 10.0.0.1-10.0.0.5}\n');
    const r = await run(['--configmap', 'ns-only.yaml', '--namespace', 'other']);
    expect(r.code).toBe(1);
    expect(r.err).toBe(
      'kvgw: --namespace "other": --configmap ns-only.yaml (ConfigMap kube-system/a): namespace "other": no address pool (none of cidr-other, range-other, cidr-global, range-global is set)\n',
    );
  });
});

describe('helpers', () => {
  it.each([
    ['10.0.0.0/24', 'cidr-global'],
    ['0.0.0.0/32', 'cidr-global'],
    ['fd00::/64', 'cidr-global'],
    ['10.0.0.1-10.0.0.5', 'range-global'],
    ['fd00::1-fd00::5', 'range-global'],
  ])('poolKeyFor(%s) = %s', (value, key) => {
    expect(poolKeyFor(value)).toBe(key);
  });

  it('parseUsedList reads comma lists, lines and comments, with line numbers', () => {
    expect(parseUsedList('a, b\n# c\n\n d # e,f\r\ng,')).toEqual([
      { entry: 'a', line: 1 },
      { entry: 'b', line: 1 },
      { entry: 'd', line: 4 },
      { entry: 'g', line: 5 },
    ]);
  });
});

describe('properties', () => {
  propTest.prop(
    [
      fc.integer({ min: 1, max: 40 }),
      fc.integer({ min: 0, max: 20 }),
      fc.uniqueArray(fc.integer({ min: 0, max: 60 }), { maxLength: 15 }),
      fc.boolean(),
    ],
    { numRuns: 40 },
  )('n allocations are distinct, inside the pool, never used; exhaustion prints exactly the free ones', async (size, extra, usedOffsets, desc) => {
    const start = 10;
    const pool = `10.9.0.${start}-10.9.0.${start + size - 1}`;
    const used = usedOffsets.map((o) => `10.9.0.${start + o}`);
    const free = Array.from({ length: size }, (_, i) => start + i).filter((o) => !usedOffsets.includes(o - start));
    const n = Math.max(1, free.length + extra - 10);
    const args = ['--pool', pool, '-n', String(n), ...(used.length > 0 ? ['--used', used.join(',')] : []), ...(desc ? ['--search-order', 'desc'] : [])];
    const r = await run(args);
    const lines = r.out.split('\n').filter(Boolean);
    const expected = (desc ? [...free].reverse() : free).slice(0, n).map((o) => `10.9.0.${o}`);
    expect(lines).toEqual(expected);
    expect(r.code).toBe(n <= free.length ? 0 : 1);
  });
});
