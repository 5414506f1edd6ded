// Differential check: random pools, used sets and settings run through @kube-vip-gw/ipam and through
// kube-vip-cloud-provider's own pkg/ipam (tools/bench/kvcp-ipam `diff` mode); reports how many agree.
//   tsx --conditions=@kube-vip-gw/source packages/ipam/bench/compat.ts --kvcp <binary> [--cases N]
import { spawnSync } from 'node:child_process';
import { AddressAllocator, formatAddress, parseIpamConfig, type IPFamily } from '@kube-vip-gw/ipam';
import { mulberry32 } from './random.js';

interface Case {
  pool: string;
  family: IPFamily;
  used: string[];
  skipEnd: boolean;
  desc: boolean;
}

const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const kvcp = arg('--kvcp');
if (kvcp === undefined) throw new Error('usage: compat.ts --kvcp <kvcp-ipam binary> [--cases N]');
const count = Number(arg('--cases') ?? '2000');
const next = mulberry32(20260101);
const pick = <T>(xs: readonly T[]): T => xs[next() % xs.length]!;

// Bases near /24 and 16-bit boundaries so skips, carries and prefix decompositions are exercised.
const V4_BASES = [0x0a0000f0n, 0x0a00fff4n, 0xc0a80000n, 0xac1003fan];
const V6_BASES = [0xfd00000000000000000000000000fff0n, 0xfd000000000000000000000000000000n];

function entry(family: IPFamily, asCidr: boolean): { family: IPFamily; text: string; lo: bigint; hi: bigint } {
  const base = pick(family === 'IPv4' ? V4_BASES : V6_BASES) + BigInt(next() % 40);
  if (asCidr) {
    const host = next() % 7;
    const bits = family === 'IPv4' ? 32 : 128;
    const size = 1n << BigInt(host);
    const lo = (base / size) * size;
    return { family, text: `${formatAddress(family, base)}/${bits - host}`, lo, hi: lo + size - 1n };
  }
  const len = BigInt(next() % 14);
  // One in 40 ranges is inverted: both sides must refuse it.
  const inverted = next() % 40 === 0 && len > 0n;
  const [a, b] = inverted ? [base + len, base] : [base, base + len];
  return { family, text: `${formatAddress(family, a)}-${formatAddress(family, b)}`, lo: base, hi: base + len };
}

const cases: Case[] = [];
for (let i = 0; i < count; i++) {
  const family: IPFamily = next() % 10 < 7 ? 'IPv4' : 'IPv6';
  const asCidr = next() % 2 === 0;
  const n = 1 + (next() % 3);
  const parts = Array.from({ length: n }, () => entry(next() % 6 === 0 ? (family === 'IPv4' ? 'IPv6' : 'IPv4') : family, asCidr));
  const used: string[] = [];
  for (const p of parts) {
    for (let v = p.lo; v <= p.hi; v++) if (next() % 3 === 0) used.push(formatAddress(p.family, v));
  }
  cases.push({ pool: parts.map((p) => p.text).join(','), family, used, skipEnd: next() % 2 === 0, desc: next() % 2 === 0 });
}

function ours(c: Case): { address?: string; error?: string } {
  const data: Record<string, string> = { [c.pool.includes('/') ? 'cidr-global' : 'range-global']: c.pool };
  if (c.skipEnd) data['skip-end-ips-in-cidr'] = 'true';
  if (c.desc) data['search-order'] = 'desc';
  const a = new AddressAllocator(parseIpamConfig(data));
  a.rebuild(c.used);
  const r = a.allocate({ namespace: 'compat', ipFamilies: [c.family] });
  return r.ok ? { address: r.value.addresses[0]! } : { error: r.error.message };
}

const run = spawnSync(kvcp, ['diff'], { input: JSON.stringify(cases), encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
if (run.status !== 0) throw new Error(`kvcp-ipam diff failed: ${run.stderr}`);
const theirs = JSON.parse(run.stdout) as { address?: string; error?: string }[];
let agree = 0;
let bothRefused = 0;
const disagreements: unknown[] = [];
cases.forEach((c, i) => {
  const a = ours(c);
  const b = theirs[i]!;
  const same = a.address !== undefined ? a.address === b.address : b.address === undefined;
  if (same) {
    agree++;
    if (a.address === undefined) bothRefused++;
  } else if (disagreements.length < 10) disagreements.push({ case: c, ours: a, kvcp: b });
});
process.stdout.write(`${JSON.stringify({ cases: cases.length, agree, bothRefused, disagreements }, null, 1)}\n`);
