// IPAM benchmarks of @kube-vip-gw/ipam (run by tools/bench/run.mjs; prints one JSON document on stdout).
//   tsx --expose-gc --conditions=@kube-vip-gw/source packages/ipam/bench/ipam.bench.ts [--quick]
import { AddressAllocator, parseIpamConfig, type UsedAddress } from '@kube-vip-gw/ipam';
import { randomUsed } from './random.js';

const quick = process.argv.includes('--quick');

interface Figure {
  name: string;
  variant: string;
  ops: number;
  runs: number;
  /** Median over runs of the timed part, in milliseconds. */
  totalMs: number;
  /** Median over runs of the time per operation, in nanoseconds. */
  nsPerOp: number;
  last?: string;
  heapMiB?: number;
}

const figures: Figure[] = [];

/** Collects garbage between workloads (with --expose-gc) so one workload's garbage is not timed in the next. */
function settle(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function fail(what: string, e: { message: string }): never {
  throw new Error(`${what}: ${e.message}`);
}

/**
 * Times a workload. `pass` runs it once and returns the milliseconds it timed. First untimed passes for ~200 ms
 * (at least one): V8 keeps re-optimising for a while when a workload starts, and the first passes of a 1 ms
 * workload are 3-10 times slower. Then `runs` recorded runs, each repeating the pass until it has timed at least
 * 25 ms (so a descheduling or GC pause on a shared machine is spread out instead of being a whole run).
 * Returns the milliseconds per pass of each run.
 */
function measure(runs: number, pass: () => number): number[] {
  let warm = 0;
  let last = 0;
  for (let i = 0; i < 200 && (i === 0 || warm < 200); i++) {
    last = pass();
    warm += Math.max(last, 0.5);
  }
  const reps = Math.max(1, Math.ceil(25 / Math.max(last, 0.01)));
  const times: number[] = [];
  for (let r = 0; r < runs; r++) {
    settle();
    let ms = 0;
    for (let k = 0; k < reps; k++) ms += pass();
    times.push(ms / reps);
  }
  return times;
}

/** Sequential allocations from an empty pool; times the allocations only. */
function sequential(name: string, data: Record<string, string>, ops: number, runs: number): void {
  let last = '';
  let heap = 0;
  const times = measure(runs, () => {
    const a = new AddressAllocator(parseIpamConfig(data));
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < ops; i++) {
      const res = a.allocate({ namespace: 'bench' });
      if (!res.ok) fail(name, res.error);
      last = res.value.addresses[0]!;
    }
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    heap = process.memoryUsage().heapUsed / 2 ** 20;
    return ms;
  });
  const totalMs = median(times);
  figures.push({ name, variant: 'search', ops, runs, totalMs, nsPerOp: (totalMs * 1e6) / ops, last, heapMiB: Math.round(heap) });
}

/** `ops` allocations in 10.0.0.0/16 holding `n` random used addresses. Variant "search" keeps the state (how
 *  the controller runs); "per-allocation" rebuilds the used set from the address strings before each allocation
 *  (how kube-vip-cloud-provider runs), to compare like with like. */
function withUsed(n: number, ops: number, runs: number, rebuildEach: boolean): void {
  const base = randomUsed(n, 42);
  let last = '';
  const times = measure(runs, () => {
    const a = new AddressAllocator(parseIpamConfig({ 'cidr-global': '10.0.0.0/16' }));
    const used = [...base];
    a.rebuild(used);
    let spent = 0n;
    for (let i = 0; i < ops; i++) {
      const t0 = process.hrtime.bigint();
      if (rebuildEach) a.rebuild(used);
      const res = a.allocate({ namespace: 'bench' });
      spent += process.hrtime.bigint() - t0;
      if (!res.ok) fail(`used-${n}`, res.error);
      last = res.value.addresses[0]!;
      used.push(last);
    }
    return Number(spent) / 1e6;
  });
  const totalMs = median(times);
  figures.push({ name: `used-${n}`, variant: rebuildEach ? 'per-allocation' : 'search', ops, runs, totalMs, nsPerOp: (totalMs * 1e6) / ops, last });
}

/** Rebuild of `n` used addresses as a controller sees them after a restart, then checks nothing moved. */
function rebuild(n: number, runs: number): void {
  // Half Gateways (owner, several listener ports), half Services; one in ten dual-stack; a few DNS names.
  const entries: UsedAddress[] = [];
  const v4 = randomUsed(Math.min(n, 60000), 7);
  for (let i = 0; entries.length < n; i++) {
    const address = i % 10 === 9 ? `fd00::${(i + 1).toString(16)}` : v4[i % v4.length]!;
    const owner = i % 2 === 0 ? `Gateway/ns-${i % 97}/gw-${i}` : `Service/ns-${i % 97}/svc-${i}`;
    entries.push({ address, owner, ports: [{ protocol: 'TCP', port: 80 + (i % 3) }, { protocol: 'UDP', port: 53 }] });
  }
  entries[0] = { address: 'lb.example.com', owner: 'Service/x/dns-name' };
  const times: number[] = [];
  let moved = 0;
  for (let r = 0; r < runs; r++) {
    settle();
    const a = new AddressAllocator(parseIpamConfig({ 'cidr-global': '10.0.0.0/16,fd00::/64' }));
    const t0 = process.hrtime.bigint();
    const report = a.rebuild(entries);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    if (report.skipped.length !== 1) throw new Error(`rebuild skipped ${report.skipped.length} entries, expected 1`);
    // Zero moved: every holder still holds its address, and new allocations avoid them all.
    moved = entries.slice(1).filter((e) => !a.holdings(e.owner!).includes(e.address)).length;
    for (let i = 0; i < 100; i++) {
      const res = a.allocate({ namespace: 'x', owner: `new-${i}` });
      if (!res.ok) fail('rebuild', res.error);
      if (entries.some((e) => e.address === res.value.addresses[0] && e.owner !== undefined)) moved++;
    }
  }
  const totalMs = median(times);
  figures.push({ name: `rebuild-${n}`, variant: 'rebuild', ops: n, runs, totalMs, nsPerOp: (totalMs * 1e6) / n, last: `moved=${moved}` });
}

// Warm-up, untimed: V8 optimises the hot paths only after some tens of thousands of calls, and every figure
// below should describe the optimised code, as a long-running controller runs it.
{
  for (const cidr of ['10.0.0.0/8', 'fd00::/64']) {
    const a = new AddressAllocator(parseIpamConfig({ 'cidr-global': cidr }));
    for (let i = 0; i < (quick ? 50_000 : 200_000); i++) a.allocate({ namespace: 'warm-up' });
  }
  const a = new AddressAllocator(parseIpamConfig({ 'cidr-global': '10.0.0.0/16' }));
  for (let i = 0; i < 3; i++) a.rebuild(randomUsed(20_000, i));
  // Fresh allocators too (every run starts with one), for both families.
  for (let i = 0; i < (quick ? 5_000 : 30_000); i++) {
    const fresh = new AddressAllocator(parseIpamConfig({ 'cidr-global': i % 2 === 0 ? '10.0.0.0/24' : 'fd00::/120' }));
    for (let k = 0; k < 20; k++) fresh.allocate({ namespace: 'warm-up' });
  }
}

const runs = quick ? 1 : 5;
for (const [name, cidr] of [
  ['seq-/24', '10.0.0.0/24'],
  ['seq-/16', '10.0.0.0/16'],
  ['seq-/8', '10.0.0.0/8'],
  ['seq-/120', 'fd00::/120'],
  ['seq-/64', 'fd00::/64'],
] as const) {
  const ops = name === 'seq-/24' || name === 'seq-/120' ? (quick ? 200 : 254) : quick ? 200 : 1000;
  // A run is about a millisecond, so one GC pause would dominate it: many runs, and the median.
  sequential(name, { 'cidr-global': cidr }, ops, runs * 3);
}
sequential('seq10k-/8', { 'cidr-global': '10.0.0.0/8' }, 10_000, quick ? 1 : 3);
for (const [pool, cidr] of [
  ['/8', '10.0.0.0/8'],
  ['/64', 'fd00::/64'],
] as const) {
  for (const ops of quick ? [1000, 100_000] : [1000, 100_000, 1_000_000]) {
    sequential(`bulk-${ops}-${pool}`, { 'cidr-global': cidr }, ops, ops >= 1_000_000 ? 3 : runs);
  }
}
for (const n of [1000, 10_000, 50_000]) {
  withUsed(n, quick ? 100 : 1000, runs, false);
  withUsed(n, quick ? 5 : 20, quick ? 1 : 3, true);
}
rebuild(50_000, quick ? 1 : 5);

process.stdout.write(`${JSON.stringify({ node: process.version, figures }, null, 1)}\n`);
