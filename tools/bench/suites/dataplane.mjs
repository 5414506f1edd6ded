// Data-plane suite (issue 21): the real kube-vip v1.0.0 and kube-proxy in network namespaces (packages/dataplane), the
// controller and a local API server. Runs `npm run bench:dataplane` (root only: network namespaces), whose two files
// write docs/benchmarks/dataplane-kube-vip-load.json and dataplane-route-latency.json, then renders them.
// KVGW_BENCH_DATAPLANE_JSON=1 re-renders from those files without measuring (also what happens when not root).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { histogramChart } from '../lib/svg.mjs';

const n0 = (v) => (v === undefined || !Number.isFinite(v) ? 'n/a' : Math.round(v).toLocaleString('en-US'));
const n2 = (v) => (v === undefined || !Number.isFinite(v) ? 'n/a' : v.toFixed(2));
const ms = (v) => (v === undefined || !Number.isFinite(v) ? 'n/a' : `${n0(v)} ms`);

function read(root, name) {
  const file = path.join(root, 'docs', 'benchmarks', `${name}.json`);
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : undefined;
}

/** The kube-vip table: one column per design. */
export function kubeVipTable(load) {
  const designs = ['gateway', 'duplicate'].filter((d) => load?.[d]?.kubeVip);
  // A run that did not get to its window says why (a timeout, or kube-vip's end) instead of a column.
  const unfinished = ['gateway', 'duplicate']
    .filter((d) => load?.[d] && !load[d].kubeVip)
    .map((d) => `- ${d === 'gateway' ? 'one Service per Gateway' : 'one Service per listener'}, ${load[d].gateways} Gateways × ${load[d].listenersPerGateway} listeners (${load[d].date}): ${load[d].timedOut ?? (load[d].kubeVipEnded ? `kube-vip ended: \`${load[d].kubeVipEnded.lastWords.split('\n')[0]}\`` : 'no figures')}${load[d].addressesOnNode1 !== undefined ? ` (${load[d].addressesOnNode1} addresses on node1's interface then, its own included)` : ''}`);
  if (designs.length === 0) {
    return [
      'No kube-vip load figures: the last run did not get to its measuring window.',
      '',
      ...unfinished,
      '',
    ];
  }
  const col = (f) => designs.map((d) => f(load[d])).join(' | ');
  const writes = (r, k) => r.apiServerWritesPerSecond?.[k] ?? 0;
  const other = (r) => Object.entries(r.apiServerWritesPerSecond ?? {}).filter(([k]) => k !== 'leases' && k !== 'services/status' && k !== 'services').reduce((a, [, v]) => a + v, 0);
  const head = designs.map((d) => (d === 'gateway' ? 'one Service per Gateway (default)' : 'one Service per listener (`duplicate`)'));
  const first = load[designs[0]];
  return [
    `${n0(first.gateways)} IPv6 Gateways × ${first.listenersPerGateway} TCP listeners (${n0(first.routes)} TCPRoutes), one node, kube-vip with ${first.svcElection === false ? '`svc_election=false` (one global lease, `plndr-svcs-lock`: the leader announces every Service; kube-vip\'s default)' : '`svc_election=true` (one lease per Service, what several nodes need to spread addresses)'}, lease 5 s / renew 3 s / retry 1 s as in the data-plane tests; the objects are made with kube-vip stopped, then kube-vip starts on all of them; the window is ${first.windowSeconds} s with nothing changing, after every address was announced and traffic through every listener of the first three Gateways was checked.`,
    '',
    `| | ${head.join(' | ')} |`,
    `|---|${designs.map(() => '---:').join('|')}|`,
    `| Services kube-vip watches and announces | ${col((r) => n0(r.services))} |`,
    `| addresses on node1's interface | ${col((r) => n0(r.addresses))} |`,
    `| kube-vip leases (${first.svcElection === false ? 'the global one' : '`kubevip-<service>`'}) | ${col((r) => n0(r.leases))} |`,
    `| objects made (kube-vip stopped) | ${col((r) => (r.objectsSeconds === undefined ? 'n/a' : `${n0(r.objectsSeconds)} s`))} |`,
    `| kube-vip started on them → every address on node1 | ${col((r) => `${n0(r.announcedAllSeconds)} s`)} |`,
    `| kube-vip's age at the end of the window (its first 300-s refresh not reached) | ${col((r) => (r.kubeVipUptimeSeconds === undefined ? 'n/a' : `${n0(r.kubeVipUptimeSeconds)} s`))} |`,
    `| API server writes/s, leases (kube-vip's renewals) | ${col((r) => n2(writes(r, 'leases')))} |`,
    `| API server writes/s, Services and their status | ${col((r) => n2(writes(r, 'services') + writes(r, 'services/status')))} |`,
    `| API server writes/s, anything else | ${col((r) => n2(other(r)))} |`,
    `| kube-vip CPU during the window (cores busy) | ${col((r) => n2(r.kubeVip.cpuCoresBusy))} |`,
    `| kube-vip CPU from its start to the end of the window (taking every Service up, then idle) | ${col((r) => (r.kubeVip.cpuSecondsTotal === undefined ? "n/a" : `${r.kubeVip.cpuSecondsTotal} s`))} |`,
    `| kube-vip RSS / peak RSS | ${col((r) => `${n0(r.kubeVip.rssMiB)} / ${n0(r.kubeVip.peakRssMiB)} MiB`)} |`,
    `| ARP packets/s at the client | ${col((r) => n2(r.client.arpPerSecond))} |`,
    `| IPv6 Neighbour Advertisements/s at the client | ${col((r) => n2(r.client.neighbourAdvertsPerSecond))} |`,
    `| load average (1 min) at the end | ${col((r) => n2(r.loadAverage?.[0]))} |`,
    `| measured | ${col((r) => r.date)} |`,
    '',
    ...(unfinished.length ? ['Did not get to the window:', '', ...unfinished, ''] : []),
  ];
}

export default {
  id: 'dataplane',
  title: "The real data plane: kube-vip's load, route to first connection",
  order: 30,
  async run(ctx) {
    const reuse = process.env.KVGW_BENCH_DATAPLANE_JSON === '1' || process.getuid?.() !== 0;
    if (!reuse) {
      ctx.log('dataplane: npm run bench:dataplane (root, network namespaces; about 15 min)');
      ctx.run('npm', ['run', 'bench:dataplane'], { stdio: ['ignore', 'inherit', 'inherit'] });
    } else ctx.log('dataplane: re-rendering docs/benchmarks/dataplane-*.json (not measuring: not root, or KVGW_BENCH_DATAPLANE_JSON=1)');
    const load = read(ctx.root, 'dataplane-kube-vip-load');
    const latency = read(ctx.root, 'dataplane-route-latency')?.default;
    const lines = ['## The real data plane', ''];
    lines.push(
      "`npm run bench:dataplane` (root): the controller, a local API server, and the real kube-vip v1.0.0 and kube-proxy v1.36.3 (nftables) in network namespaces, one node (`packages/dataplane`, layout in [dataplane.md](dataplane.md)). Every probe runs in the client's namespace; nothing is sent from the host's.",
      '',
      ctx.machineTable([
        ['kube-vip / kube-proxy', 'v1.0.0 / v1.36.3 (nftables), built by `tools/dataplane/build.sh`'],
        ['kube-apiserver / etcd', 'v1.36.3 / v3.6.16'],
      ]),
      '',
    );
    lines.push("### kube-vip's side: one Service per Gateway against one per listener", '', ...kubeVipTable(load));
    // Runs in which kube-vip ended (kept by hand from earlier runs of the benchmark: dataplane-kube-vip-crashes.json).
    const crashes = read(ctx.root, 'dataplane-kube-vip-crashes');
    if (crashes) {
      lines.push(
        "**kube-vip v1.0.0 crashed** when it was running while the workload was made (the benchmark's first form): in both designs, 200 Gateways × 3 listeners, 300 s after its start and again 300 s later, in `RefreshUPNPForwards`, which walks its Service list every 300 s without a lock while the list changes. Hence kube-vip is now started on the finished workload and the window ends before its first refresh. What it said:",
        '',
        ...Object.values(crashes).map((c) => `- ${c.design === 'gateway' ? 'one Service per Gateway' : 'one Service per listener'} (${c.date}): \`${c.kubeVipEnded.lastWords.split('\n')[0]}\` at \`${(c.kubeVipEnded.lastWords.split('\n').find((l) => l.includes('.go:')) ?? '').trim()}\`, ${c.kubeVipEnded.secondsAfterTheBenchStarted} s into the benchmark`),
        '',
      );
    }
    lines.push('### Route to first connection', '');
    if (!latency) lines.push('No latency figures yet (`npm run bench:dataplane -- -t "first connection"` as root).', '');
    else {
      const chart = await ctx.writeAsset(
        'dataplane-route-latency.svg',
        histogramChart({
          title: `TCPRoute created → first answered connection (${latency.routes} routes)`,
          xLabel: 'milliseconds',
          values: latency.samplesMs,
          binWidth: 50,
          markers: [
            { name: 'p50', value: latency.firstConnectionMs.p50 },
            { name: 'p99', value: latency.firstConnectionMs.p99 },
          ],
          formatX: (v) => `${Math.round(v)}`,
        }),
      );
      const row = (what, s) => `| ${what} | ${ms(s.p50)} | ${ms(s.p90)} | ${ms(s.p99)} | ${ms(s.min)} | ${ms(s.max)} |`;
      lines.push(
        `![route to first connection](${chart})`,
        '',
        `${latency.routes} routes, one after another, each to its own Gateway whose address kube-vip already announced (the Gateway Service exists from the Gateway's creation, before any route). Load average ${latency.loadAverage.start.join(' / ')} at the start, ${latency.loadAverage.end.join(' / ')} at the end; ${latency.date}. Each part is timed from the route's creation; they add up along one route, not across percentiles.`,
        '',
        '| from the TCPRoute\'s creation to | p50 | p90 | p99 | min | max |',
        '|---|---:|---:|---:|---:|---:|',
        row('**the first answered connection**', latency.firstConnectionMs),
        row("the controller's EndpointSlice readable (controller + API server)", latency.controllerSliceMs),
        row("the end of kube-proxy's sync that programmed it", latency.kubeProxySyncMs),
        row('… of which after the slice was readable (kube-proxy)', latency.kubeProxyAfterSliceMs),
        row('… and from that sync to the answer (probe interval, ARP)', latency.probeAfterSyncMs),
        row("(the Gateway's own: created → its address on node1, kube-vip)", latency.gatewayAnnouncedMs),
        '',
      );
    }
    lines.push(
      '### Reproduce',
      '',
      '```sh',
      'npm run bench -- dataplane                                          # both, as root (~15 min), then this section',
      'npm run bench:dataplane -- -t "kube-vip"                              # kube-vip\'s load only (KVGW_BENCH_GATEWAYS, _LISTENERS, _WINDOW_SECONDS, _SVC_ELECTION=true)',
      'KVGW_BENCH_ROUTES=120 npm run bench:dataplane -- -t "first connection" # route latency only',
      'KVGW_BENCH_DATAPLANE_JSON=1 npm run bench -- dataplane               # re-render from docs/benchmarks/dataplane-*.json',
      '```',
      '',
    );
    return lines.join('\n');
  },
};
