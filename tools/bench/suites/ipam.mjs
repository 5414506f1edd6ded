// IPAM suite: @kube-vip-gw/ipam's benchmarks (packages/ipam/bench) beside kube-vip-cloud-provider's own Go
// package (tools/bench/kvcp-ipam, built from the Go module proxy when `go` is installed), plus a differential
// check that both hand out the same addresses.
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { packageVersion, tryRun } from '../lib/env.mjs';
import { barChart, formatNs } from '../lib/svg.mjs';

const fmtMs = (ms) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(ms >= 100 ? 0 : 1)} ms`);
const ratio = (a, b) => (a === undefined || b === undefined ? 'n/a' : `${(a / b).toFixed(a / b >= 10 ? 0 : 1)}×`);
const yes = (ok) => (ok ? '✅ met' : '❌ not met');

export default {
  id: 'ipam',
  title: 'IPAM: @kube-vip-gw/ipam, and kube-vip-cloud-provider pkg/ipam side by side',
  order: 10,
  async run(ctx) {
    const tsx = path.join(ctx.root, 'node_modules', '.bin', 'tsx');
    const tsxArgs = ['--expose-gc', '--conditions=@kube-vip-gw/source'];
    const quickArg = ctx.quick ? ['--quick'] : [];

    ctx.log('ipam: @kube-vip-gw/ipam workloads');
    const ours = JSON.parse(ctx.run(tsx, [...tsxArgs, 'packages/ipam/bench/ipam.bench.ts', ...quickArg])).figures;

    const goVersion = tryRun('go', ['version']);
    const goDir = path.join(ctx.root, 'tools', 'bench', 'kvcp-ipam');
    const kvcpVersion = /kube-vip-cloud-provider (v\S+)/.exec(readFileSync(path.join(goDir, 'go.mod'), 'utf8'))?.[1] ?? 'unknown';
    let theirs = [];
    let compat;
    if (goVersion === undefined) {
      ctx.log('ipam: go not found, side-by-side part skipped');
    } else {
      const bin = path.join(os.tmpdir(), 'kvgw-bench', 'kvcp-ipam');
      ctx.log('ipam: building tools/bench/kvcp-ipam');
      ctx.run('go', ['build', '-o', bin, '.'], { cwd: goDir });
      ctx.log('ipam: kube-vip-cloud-provider workloads');
      theirs = ctx
        .run(bin, ['bench', '-runs', ctx.quick ? '1' : '5', ...(ctx.quick ? ['-quick'] : [])])
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      ctx.log('ipam: differential check');
      compat = JSON.parse(ctx.run(tsx, [...tsxArgs, 'packages/ipam/bench/compat.ts', '--kvcp', bin, '--cases', ctx.quick ? '500' : '3000']));
    }
    const o = (name, variant = 'search') => ours.find((f) => f.name === name && f.variant === variant);
    const t = (name, variant = 'search') => theirs.find((f) => f.name === name && f.variant === variant);
    const ns = (f) => f?.nsPerOp;

    // --- charts ---
    const pools = ['/24', '/16', '/8', '/120', '/64'];
    const poolChart = await ctx.writeAsset(
      'ipam-pool-size.svg',
      barChart({
        title: 'Cost per allocation by pool size (sequential, from an empty pool)',
        yLabel: 'time per allocation (log scale)',
        categories: pools,
        series: [
          { name: '@kube-vip-gw/ipam', values: pools.map((p) => ns(o(`seq-${p}`))) },
          ...(theirs.length ? [{ name: 'kube-vip-cloud-provider pkg/ipam (lookup only)', values: pools.map((p) => ns(t(`seq-${p}`))) }] : []),
        ],
      }),
    );
    const usedCounts = [1000, 10000, 50000];
    const usedChart = await ctx.writeAsset(
      'ipam-used.svg',
      barChart({
        title: 'Cost per allocation with random used addresses (10.0.0.0/16)',
        yLabel: 'time per allocation (log scale)',
        categories: usedCounts.map((n) => `${n / 1000}k used`),
        series: [
          { name: '@kube-vip-gw/ipam', values: usedCounts.map((n) => ns(o(`used-${n}`))) },
          ...(theirs.length
            ? [
                { name: 'kvcp lookup only', values: usedCounts.map((n) => ns(t(`used-${n}`))) },
                { name: 'kvcp as it runs (in-use set rebuilt)', values: usedCounts.map((n) => ns(t(`used-${n}`, 'per-allocation'))) },
              ]
            : []),
        ],
      }),
    );
    const handed = [
      ['1k', 'bulk-1000-/8', 'seq-/8'],
      ['10k', 'seq10k-/8', 'seq10k-/8'],
      ['100k', 'bulk-100000-/8', undefined],
      ['1M', 'bulk-1000000-/8', undefined],
    ].filter(([, mine]) => o(mine) !== undefined);
    const seqChart = await ctx.writeAsset(
      'ipam-sequential.svg',
      barChart({
        title: 'Mean cost per allocation over the first N allocations in a /8',
        yLabel: 'time per allocation (log scale)',
        categories: handed.map(([label]) => `first ${label}`),
        series: [
          { name: '@kube-vip-gw/ipam', values: handed.map(([, mine]) => ns(o(mine))) },
          ...(theirs.length ? [{ name: 'kube-vip-cloud-provider pkg/ipam (lookup only)', values: handed.map(([, , kv]) => (kv ? ns(t(kv)) : undefined)) }] : []),
        ],
      }),
    );

    // --- tables ---
    const m1v4 = o('bulk-1000000-/8');
    const m1v6 = o('bulk-1000000-/64');
    const flat = pools.map((p) => ns(o(`seq-${p}`))).filter((v) => v !== undefined);
    const flatRatio = Math.max(...flat) / Math.min(...flat);
    const used1k = ns(o('used-1000'));
    const used50k = ns(o('used-50000'));
    const rb = o('rebuild-50000', 'rebuild');
    const headline = t('used-50000', 'per-allocation') && o('used-50000') ? ns(t('used-50000', 'per-allocation')) / ns(o('used-50000')) : undefined;
    const lines = [];
    lines.push('## IPAM', '');
    lines.push(
      `Workloads of issues 3 and 10 run through \`@kube-vip-gw/ipam\` (\`packages/ipam/bench/ipam.bench.ts\`, Node.js, after an untimed warm-up so V8 has optimised the hot path) and through kube-vip-cloud-provider ${kvcpVersion}'s own \`pkg/ipam\` (\`tools/bench/kvcp-ipam\`, Go), on the same machine in one run, with the same pools and the same pseudo-random used addresses (one PRNG, implemented on both sides).${ctx.quick ? ' **Quick run: smaller workloads, one run each; not for quoting.**' : ''}`,
      '',
    );
    lines.push(
      ctx.machineTable([
        ['Go', goVersion?.replace(/^go version /, '') ?? 'not installed (side-by-side skipped)'],
        ['kube-vip-cloud-provider', kvcpVersion],
        ['ipaddr.js', packageVersion(ctx.root, 'ipaddr.js') ?? '?'],
        ['tsx', packageVersion(ctx.root, 'tsx') ?? '?'],
      ]),
      '',
    );
    lines.push('### Targets', '', '| target | measured | |', '|---|---|---|');
    if (m1v4) lines.push(`| 1,000,000 sequential allocations in a /8 in seconds (docs/architecture.md, Targets) | ${fmtMs(m1v4.totalMs)} | ${yes(m1v4.totalMs < 5000)} |`);
    if (m1v6) lines.push(`| 1,000,000 sequential allocations in a /64 | ${fmtMs(m1v6.totalMs)} | ${yes(m1v6.totalMs < 5000)} |`);
    const v6flat = ns(o('seq-/64')) / ns(o('seq-/120'));
    lines.push(`| cost per allocation flat from /24 to /64 | ${pools.map((p) => `${p} ${formatNs(ns(o(`seq-${p}`)))}`).join(', ')} (max/min ${flatRatio.toFixed(1)}; IPv4 /24→/8 ${(ns(o('seq-/8')) / ns(o('seq-/24'))).toFixed(1)}×, IPv6 /120→/64 ${v6flat.toFixed(1)}×) | ${yes(flatRatio < 4 && v6flat < 1.5)} |`);
    lines.push(`| at most logarithmic growth with used addresses | 1k used ${formatNs(used1k)}, 50k used ${formatNs(used50k)} (${(used50k / used1k).toFixed(1)}×; log₂ ratio would be ${(Math.log2(50000) / Math.log2(1000)).toFixed(1)}×) | ${yes(used50k / used1k < 3)} |`);
    if (rb) lines.push(`| rebuild of 50,000 used addresses under 2 s, zero moved | ${fmtMs(rb.totalMs)}, ${rb.last} | ${yes(rb.totalMs < 2000 && rb.last === 'moved=0')} |`);
    if (headline !== undefined) lines.push(`| at 50k used, ≥100× faster per allocation than kube-vip-cloud-provider | ${headline.toFixed(0)}× | ${yes(headline >= 100)} |`);
    lines.push('');

    lines.push('### Sequential allocations (`@kube-vip-gw/ipam`)', '', '| pool | allocations | total (median) | per allocation | runs | heap after |', '|---|---:|---:|---:|---:|---:|');
    for (const f of ours.filter((x) => x.name.startsWith('bulk-'))) {
      const [, count, pool] = /^bulk-(\d+)-(.*)$/.exec(f.name);
      lines.push(`| ${pool} | ${Number(count).toLocaleString('en-US')} | ${fmtMs(f.totalMs)} | ${formatNs(f.nsPerOp)} | ${f.runs} | ${f.heapMiB} MiB |`);
    }
    lines.push('');

    lines.push(`### Cost per allocation by pool size`, '', `![cost by pool size](${poolChart})`, '');
    lines.push('Sequential allocations from an empty pool (254 in the /24 and the /120, 1,000 in the others); mean per allocation, median of runs. IPv6 costs more than IPv4 on both sides (128-bit arithmetic, RFC 5952 text); within a family the cost does not depend on the pool\'s size.', '');
    lines.push('| pool | @kube-vip-gw/ipam | kvcp pkg/ipam, lookup only | kvcp ÷ ours |', '|---|---:|---:|---:|');
    for (const p of pools) lines.push(`| ${p} | ${formatNs(ns(o(`seq-${p}`)))} | ${formatNs(ns(t(`seq-${p}`)))} | ${ratio(ns(t(`seq-${p}`)), ns(o(`seq-${p}`)))} |`);
    lines.push('');

    lines.push('### Cost as a pool fills up', '', `![cost as addresses are handed out](${seqChart})`, '');
    lines.push(
      "kube-vip-cloud-provider searches from the start of the pool and steps over every used address, so its cost per allocation grows with the number already handed out; ours jumps over a whole run of used addresses in one lookup.",
      '',
      '| allocations in a /8 | @kube-vip-gw/ipam | kvcp pkg/ipam, lookup only | kvcp ÷ ours |',
      '|---|---:|---:|---:|',
    );
    for (const [label, mine, kv] of handed) lines.push(`| first ${label} | ${formatNs(ns(o(mine)))} | ${kv ? formatNs(ns(t(kv))) : 'not run (quadratic)'} | ${kv ? ratio(ns(t(kv)), ns(o(mine))) : ''} |`);
    lines.push('');

    lines.push('### With random used addresses', '', `![cost with used addresses](${usedChart})`, '');
    lines.push(
      '`n` distinct random addresses of 10.0.0.0/16 are in use, then addresses are allocated one after another. *ours* keeps its state between allocations (how the controller runs). *kvcp as it runs*: before every allocation kube-vip-cloud-provider lists the Services and parses every `kube-vip.io/loadbalancerIPs` annotation into a fresh in-use set; that parse-and-build step (its unexported `mapImplementedServices`, reproduced in `tools/bench/kvcp-ipam`) is timed with its lookup, the API List call is **not** (so its real cost is higher). *ours, rebuilt each time* does the same rebuild-per-allocation with our code, for a like-for-like view.',
      '',
      '| used | ours | kvcp lookup only | kvcp ÷ ours | kvcp as it runs | kvcp as it runs ÷ ours | ours, rebuilt each time |',
      '|---:|---:|---:|---:|---:|---:|---:|',
    );
    for (const n of usedCounts) {
      const mine = ns(o(`used-${n}`));
      lines.push(
        `| ${n.toLocaleString('en-US')} | ${formatNs(mine)} | ${formatNs(ns(t(`used-${n}`)))} | ${ratio(ns(t(`used-${n}`)), mine)} | ${formatNs(ns(t(`used-${n}`, 'per-allocation')))} | ${ratio(ns(t(`used-${n}`, 'per-allocation')), mine)} | ${formatNs(ns(o(`used-${n}`, 'per-allocation')))} |`,
      );
    }
    lines.push('');

    if (rb) {
      lines.push('### Restart: rebuild of the used set', '');
      lines.push(
        `${rb.ops.toLocaleString('en-US')} entries as a controller reads them after a restart (half Gateways, half Services, each with an owner and ports, one in ten IPv6, one DNS name that is skipped and reported): **${fmtMs(rb.totalMs)}** median of ${rb.runs} runs (${formatNs(rb.nsPerOp)} per entry); afterwards every holder still holds its address and 100 new allocations avoid them all (${rb.last}).`,
        '',
      );
    }

    if (compat) {
      lines.push('### Same addresses as kube-vip-cloud-provider', '');
      lines.push(
        `${compat.cases.toLocaleString('en-US')} random cases (\`packages/ipam/bench/compat.ts\`: CIDR and range pools of 1 to 3 entries near /24 and 16-bit boundaries, IPv4 and IPv6, some with entries of the other family, random used addresses, \`skip-end-ips-in-cidr\` and \`search-order=desc\` on or off, one range in 40 inverted) answered by both: **${compat.agree.toLocaleString('en-US')} agree** (${compat.bothRefused} of them refused by both).${compat.disagreements.length ? ` First disagreements:\n\n\`\`\`json\n${JSON.stringify(compat.disagreements, null, 1)}\n\`\`\`` : ''}`,
        '',
      );
    }

    lines.push('### Reproduce', '');
    lines.push(
      '```sh',
      'npm run bench -- ipam          # this section (needs `go` for the side-by-side part)',
      'npx tsx --expose-gc --conditions=@kube-vip-gw/source packages/ipam/bench/ipam.bench.ts  # ours, JSON',
      '(cd tools/bench/kvcp-ipam && go run . bench -runs 5)                                 # kube-vip-cloud-provider, JSON lines',
      '```',
      '',
    );
    return lines.join('\n');
  },
};
