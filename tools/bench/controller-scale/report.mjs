// Markdown (and the chart) of the controller-scale section of docs/benchmarks.md, from the runs run.mjs collected.
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { lineChart } from './chart.mjs';
import { strategyOf } from './strategy.mjs';
import { ceilingSection } from './report-ceiling.mjs';

const here = path.dirname(new URL(import.meta.url).pathname);

/** Median of the finite numbers (undefined when none). */
export function median(xs) {
  const s = xs.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return undefined;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const n0 = (v) => (v === undefined ? 'n/a' : Math.round(v).toLocaleString('en-US'));
const n1 = (v) => (v === undefined ? 'n/a' : v.toFixed(1));
const sec = (ms) => (ms === undefined ? 'n/a' : `${(ms / 1000).toFixed(ms >= 100_000 ? 0 : 1)} s`);
const msf = (ms) => (ms === undefined ? 'n/a' : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(ms >= 100 ? 0 : 1)} ms`);
const yes = (ok) => (ok ? '✅ met' : '❌ not met');
const byMethod = (o) =>
  ['GET', 'POST', 'PUT', 'PATCH', 'DELETE']
    .filter((k) => (o?.[k] ?? 0) > 0)
    .map((k) => `${k} ${n0(o[k])}`)
    .join(', ') || 'none';

/** Groups runs by variant, size, mode and Service strategy, in first-seen order. */
function groups(runs) {
  const out = new Map();
  for (const r of runs) {
    const strategy = strategyOf(r);
    const key = `${r.variant}|${r.size.gateways}|${r.size.routes}|${r.mode}|${strategy}`;
    if (!out.has(key)) out.set(key, { variant: r.variant, size: r.size, mode: r.mode, strategy, runs: [] });
    out.get(key).runs.push(r);
  }
  return [...out.values()];
}

/** Medians of the figures of one group of runs. */
function summary(g) {
  const m = (f) => median(g.runs.map(f));
  const methods = {};
  for (const k of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE']) methods[k] = m((r) => r.converge.controller.requestsByMethod[k] ?? 0);
  return {
    ...g,
    convergeMs: m((r) => r.converge.ms),
    routesPerSecond: m((r) => r.converge.routesPerSecond),
    createMs: m((r) => r.converge.lastCreateMs),
    createPerSecond: m((r) => r.converge.createPerSecond),
    readyP50: m((r) => r.converge.gatewayReadyMs.p50),
    readyP99: m((r) => r.converge.gatewayReadyMs.p99),
    writes: m((r) => r.converge.controller.writes),
    methods,
    conflicts: m((r) => r.converge.controller.requestsByCode['409'] ?? 0),
    gatewayReconciles: m((r) => r.converge.controller.reconciles.gateway ?? 0),
    classReconciles: m((r) => r.converge.controller.reconciles.gatewayclass ?? 0),
    recP50: m((r) => r.converge.controller.gatewayReconcile.p50Ms),
    recP90: m((r) => r.converge.controller.gatewayReconcile.p90Ms),
    recP99: m((r) => r.converge.controller.gatewayReconcile.p99Ms),
    cpu: m((r) => r.converge.controller.cpuSeconds),
    peakRss: m((r) => r.converge.controller.peakRssMiB),
    heap: m((r) => r.converge.controller.heapUsedMiB),
    apiCpu: m((r) => r.converge.apiServer.cpuSeconds),
    etcdCpu: m((r) => r.converge.etcd.cpuSeconds),
    loaderCpu: m((r) => r.converge.loaderCpuSeconds),
    apiAlonePerSecond: m((r) => r.apiServerCreate?.perSecond),
    apiAloneMs: m((r) => r.apiServerCreate?.ms),
    objects: g.runs[0].apiServerCreate?.objects ?? g.size.gateways + 2 * g.size.routes,
    load: m((r) => r.loadAtStart[0]),
    loads: g.runs.map((r) => r.loadAtStart[0].toFixed(1)).join(', '),
  };
}

/**
 * The time the API server needs for a workload at its own measured rates: the users' objects (backlog run, API server
 * alone) plus the controller's writes (api-rates.ts). Undefined without both measurements.
 */
function apiServerBound(key, backlog, apiRates) {
  const rates = apiRates?.rates ?? {};
  // The kind of Service the controller creates: no node ports (older results only have the node-port rate).
  const lbRate = rates['create Service (LoadBalancer, allocateLoadBalancerNodePorts: false)'] ?? rates['create Service (LoadBalancer, node ports)'];
  const statusRate = rates['update TCPRoute status'];
  if (!backlog?.apiAloneMs || !lbRate || !statusRate) return undefined;
  const routes = key.size.routes;
  const gatewayWrites = 4 * key.size.gateways;
  const userSeconds = (backlog.apiAloneMs / 1000) * (routes / backlog.size.routes);
  const controllerSeconds = routes / lbRate + routes / statusRate + gatewayWrites / statusRate;
  return {
    lbRate,
    statusRate,
    gatewayWrites,
    userSeconds,
    controllerSeconds,
    liveRoutesPerSecond: routes / (userSeconds + controllerSeconds),
    backlogRoutesPerSecond: routes / controllerSeconds,
  };
}

/**
 * The section's markdown. `result` is run.mjs's { runs, commit }; `ctx` is the bench runner's context (machine
 * table, assets); `scaleLabel` says which plan ran.
 */
export async function renderReport(result, ctx, { scaleLabel }) {
  const all = groups(result.runs).map(summary);
  // The default strategy's runs make the chart and the targets; runs with another strategy get rows of their own.
  const live = all.filter((g) => g.mode === 'live' && g.strategy === 'auto').sort((a, b) => a.size.routes - b.size.routes);
  const backlog = all.filter((g) => g.mode === 'backlog' && g.strategy === 'auto').sort((a, b) => a.size.routes - b.size.routes);
  const otherStrategies = all.filter((g) => g.strategy !== 'auto');
  const key = [...live].sort((a, b) => b.runs.length - a.runs.length || b.size.routes - a.size.routes)[0];
  const keyBacklog = backlog.find((g) => key && g.size.routes === key.size.routes) ?? backlog.at(-1);
  const idleRun = result.runs.find((r) => r.idle && r.idle.seconds > 0);
  // Variants labelled "not kept" are experiments measured beside the code (NOTES.md): their restarts are listed, not judged.
  const restarts = result.runs.filter((r) => r.restart);
  const judgedRestarts = restarts.filter((r) => !/not kept/.test(r.variant ?? ''));
  const lines = [];

  lines.push('## Controller on a real API server', '');
  lines.push(
    `\`tools/bench/controller-scale/\` starts a local etcd + kube-apiserver (\`LocalControlPlane\`, Gateway API v1.6.1 standard CRDs), applies \`deploy/\`'s namespace, RBAC and GatewayClass, and runs the controller bundle (\`npm run build\`'s \`gateway-api-controller.js\`, started like the image: \`node ${(result.runs[0]?.nodeArgs ?? []).join(' ')}\`, \`NODE_ENV=production\`, ${result.runs[0]?.controllerArgs?.length ? `flags \`${result.runs[0].controllerArgs.join(' ')}\`` : 'default flags'}) as the ServiceAccount of \`deploy/01-rbac.yaml\`, with a client certificate, never as admin. An IPAM ConfigMap holds \`cidr-global: 10.128.0.0/12\`. The benchmark then creates, 32 requests in flight, per Gateway: one backend Service per route, the Gateway (⌈routes/Gateways⌉ listeners, alternately TCP and UDP), and its TCPRoutes/UDPRoutes (one per listener, \`sectionName\`), spread over 10 namespaces. **Converged** means every Gateway is \`Programmed=True\` for its current generation with the expected \`attachedRoutes\` on each listener, and every expected Service exists (with the default strategy \`auto\`: one Gateway Service per Gateway since that change, and before it one \`duplicate\` Service per routed listener, which is what the figures of this section measured, see the table of changes; rows marked strategy \`update\` adopt each backend Service as the listener's Service instead of creating one); it is followed with watches. *live*: the controller runs while the objects are created (time from the first create); *backlog*: the objects are created first with no controller (the API server's own create rate for them), then the controller starts (time from its start). ${scaleLabel}`,
    '',
  );
  const extras = [
    ...(result.startedAt ? [['measured from (UTC)', `${result.startedAt}, commit ${result.commit} (load average then: ${result.loadAtStart.join(' / ')})`]] : []),
    ['kube-apiserver / etcd', 'v1.36.3 / v3.6.16 (tools/envtest/versions.env), on /dev/shm, default `--service-node-port-range` (2,768 node ports; the controller\'s Services take none)'],
    ['controller bundle', `${result.runs[0]?.bundleMiB ?? '?'} MiB, built from the working tree by the suite`],
    ['load average (1 min) at the start of each run', all.map((g) => `${g.size.routes} ${g.mode}: ${g.loads}`).join('; ')],
  ];
  lines.push(ctx.machineTable(extras), '');

  // --- targets ---
  const bound = key ? apiServerBound(key, keyBacklog, result.apiRates) : undefined;
  lines.push('### Targets (docs/architecture.md, issue 10)', '', '| target | measured | |', '|---|---|---|');
  if (key) {
    const verdict = key.routesPerSecond >= 300 ? '✅ met' : bound && key.routesPerSecond >= 0.7 * bound.liveRoutesPerSecond ? '⚠️ not met: at the API server\'s limit (below)' : '❌ not met';
    lines.push(
      `| ${n0(key.size.gateways)} Gateways and ${n0(key.size.routes)} routes converge at 300+ routes/s (or the API server's limit) | **${n0(key.routesPerSecond)} routes/s** (${sec(key.convergeMs)}, median of ${key.runs.length})${bound ? `; the API server's limit for this workload on this machine is about ${n0(bound.liveRoutesPerSecond)} routes/s (below)` : ''} | ${verdict} |`,
    );
    lines.push(`| resident memory under 150 MiB at that scale | peak ${n0(key.peakRss)} MiB (VmHWM) | ${yes(key.peakRss < 150)} |`);
  }
  if (idleRun) lines.push(`| zero writes when nothing changes | ${idleRun.idle.writes} writes in ${idleRun.idle.seconds} s idle (${byMethod(idleRun.idle.requestsByMethod)}) | ${yes(idleRun.idle.writes === 0)} |`);
  if (judgedRestarts.length) {
    const big = judgedRestarts.filter((r) => r.size.routes === Math.max(...judgedRestarts.map((x) => x.size.routes)));
    const w = Math.max(...big.map((r) => r.restart.writes));
    const moved = Math.max(...big.map((r) => r.restart.moved));
    lines.push(
      `| restart: ready fast, zero writes, zero moved addresses | ready in ${msf(median(big.map((r) => r.restart.readyMs)))}, caught up in ${msf(median(big.map((r) => r.restart.settledMs)))} (median of ${big.length}); ${w} writes; ${moved} of ${n0(big[0].restart.addressesChecked)} addresses moved (worst run) | ${yes(w === 0 && moved === 0)} |`,
    );
  }
  lines.push('');

  lines.push(...(await ceilingSection(result, ctx)));

  // --- chart ---
  const chart = await ctx.writeAsset(
    'controller-scale-convergence.svg',
    lineChart({
      title: 'Time to converge against the number of routes (median of runs)',
      xLabel: 'routes (Gateways = routes / 5)',
      yLabel: 'seconds',
      formatX: (v) => v.toLocaleString('en-US'),
      formatY: (v) => `${v} s`,
      series: [
        { name: 'controller running while objects are created (live)', points: live.map((g) => [g.size.routes, g.convergeMs / 1000]) },
        { name: 'controller started on the backlog', points: backlog.map((g) => [g.size.routes, g.convergeMs / 1000]) },
        { name: 'API server alone: creating the objects', points: backlog.map((g) => [g.size.routes, g.apiAloneMs / 1000]) },
        ...(bound ? [{ name: "API server's limit for the live run (its own rates)", points: [[key.size.routes, key.size.routes / bound.liveRoutesPerSecond]] }] : []),
        { name: 'target: 300 routes/s', dashed: true, points: [[0, 0], ...[...live, ...backlog].map((g) => [g.size.routes, g.size.routes / 300])] },
      ],
    }),
  );
  lines.push('### Convergence', '', `![time to converge against routes](${chart})`, '');
  lines.push(
    '| Gateways | routes | mode | runs | converged in | routes/s | objects created/s | Gateway ready after its last object (p50 / p99) | controller requests | 409s | reconciles (gateway / class) | reconcile p50 / p90 / p99 | controller CPU | peak RSS | kube-apiserver CPU | etcd CPU |',
    '|---:|---:|---|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|',
  );
  for (const g of [...live, ...backlog, ...otherStrategies]) {
    lines.push(
      `| ${n0(g.size.gateways)} | ${n0(g.size.routes)} | ${g.mode}${g.strategy === 'auto' ? '' : `, strategy \`${g.strategy}\``}${g.variant === 'working tree' ? '' : ` (${g.variant})`} | ${g.runs.length} | ${sec(g.convergeMs)} | ${n0(g.routesPerSecond)} | ${g.mode === 'live' ? n0(g.createPerSecond) : `${n0(g.apiAlonePerSecond)} (alone)`} | ${g.mode === 'live' ? `${msf(g.readyP50)} / ${msf(g.readyP99)}` : 'n/a'} | ${byMethod(g.methods)} | ${n0(g.conflicts)} | ${n0(g.gatewayReconciles)} / ${n0(g.classReconciles)} | ${msf(g.recP50)} / ${msf(g.recP90)} / ${msf(g.recP99)} | ${n1(g.cpu)} s | ${n0(g.peakRss)} MiB | ${n1(g.apiCpu)} s | ${n1(g.etcdCpu)} s |`,
    );
  }
  lines.push('');
  lines.push(
    'Controller requests are the deltas of its `rest_client_requests_total` (by HTTP method; GET includes lists and watches) over the measured interval; reconcile latencies come from its `controller_runtime_reconcile_time_seconds` histogram (interpolated within buckets, as `histogram_quantile` does); CPU is user + system time from `/proc/<pid>/stat` over the same interval; peak RSS is `VmHWM` from `/proc/<pid>/status`.',
    '',
  );

  // --- what bounds it ---
  if (result.apiRates) {
    const a = result.apiRates;
    lines.push('### The API server alone', '');
    lines.push(
      `\`api-rates.ts\`: a fresh control plane, ${n0(a.existing)} ClusterIP Services created first (Service creation slows down as Services accumulate), then ${n0(a.count)} writes of each kind in the order of the table, ${a.inFlight} in flight (the controller's default concurrency), no controller. Each kind of Service is created with the previous kinds' Services present too, so the later rows pay for more Services: the difference between the two LoadBalancer rows is that, not node ports. Load average at its start: ${a.loadAtStart[0]}.`,
      '',
      '| write | per second |',
      '|---|---:|',
      ...Object.entries(a.rates).map(([k, v]) => `| ${k} | ${n0(v)} |`),
      '',
    );
  }
  if (bound) {
    lines.push('### The API server\'s limit for this workload', '');
    lines.push(
      `A lower bound on the time, from the API server's own rates (no controller): creating the users' objects took ${sec(bound.userSeconds * 1000)} (backlog run, API server alone); the controller's writes at the rates of \`api-rates.ts\` take at least ${sec(bound.controllerSeconds * 1000)} (${n0(key.size.routes)} LoadBalancer Services at ${n0(bound.lbRate)}/s, ${n0(key.size.routes)} route status updates at ${n0(bound.statusRate)}/s, and ${n0(bound.gatewayWrites)} Gateway writes (finalizer, two status writes, Event) counted at the status rate). That is **${n0(bound.liveRoutesPerSecond)} routes/s** for the live run (measured: ${n0(key.routesPerSecond)}) and **${n0(bound.backlogRoutesPerSecond)} routes/s** for the controller's part alone (backlog, measured: ${keyBacklog ? n0(keyBacklog.routesPerSecond) : 'n/a'}). It is optimistic where \`api-rates.ts\` had fewer Services present than the controller meets (up to ${n0(2 * key.size.routes)}), since Service creation slows down as Services accumulate.`,
      '',
    );
  }
  if (key && keyBacklog) {
    const objectsPerRoute = keyBacklog.objects / keyBacklog.size.routes;
    const ctlWritesPerRoute = key.writes / key.size.routes;
    const apiWritesPerSecond = (key.size.routes * objectsPerRoute + key.writes) / (key.convergeMs / 1000);
    const cores = (s) => (s === undefined ? 'n/a' : (s / (key.convergeMs / 1000)).toFixed(2));
    lines.push('### Where the time goes', '');
    lines.push(
      `At ${n0(key.size.routes)} routes each route costs the API server ${objectsPerRoute.toFixed(1)} creates from the user (route, backend Service, a share of a Gateway) and ${ctlWritesPerRoute.toFixed(1)} writes from the controller (the listener Service, the route's status, a share of the Gateway's finalizer patch, status and Event). In the live runs the API server absorbed ${n0(apiWritesPerSecond)} writes/s in total; alone, with nothing else running, it created the user's objects at ${n0(keyBacklog.apiAlonePerSecond)}/s. CPU while converging (cores busy on average over the ${sec(key.convergeMs)}): kube-apiserver ${cores(key.apiCpu)}, etcd ${cores(key.etcdCpu)}, controller ${cores(key.cpu)}, benchmark client ${cores(key.loaderCpu)}, on a ${os.cpus().length}-core machine shared with other work (load average above).`,
      '',
    );
  }

  // --- idle and restart ---
  if (idleRun) {
    lines.push('### Idle', '');
    lines.push(
      `After convergence and ${msf(idleRun.settle.ms)} of trailing work (${byMethod(idleRun.settle.requestsByMethod)}), the controller was watched for ${idleRun.idle.seconds} s with nothing changing: **${idleRun.idle.writes} writes**, requests ${byMethod(idleRun.idle.requestsByMethod)}, reconciles ${JSON.stringify(idleRun.idle.reconciles)}, ${idleRun.idle.cpuSeconds} s of CPU, RSS ${n0(idleRun.idle.rssMiB)} MiB.`,
      '',
    );
  }
  if (restarts.length) {
    lines.push('### Restart', '');
    lines.push(
      'SIGTERM, wait for the exit, start a new process: *ready* is `/readyz` answering 200 (informers synced); *caught up* is the work queue empty after one reconcile of every Gateway; writes count every POST/PUT/PATCH/DELETE of the new process; *moved* compares every Gateway\'s `status.addresses` and every Service\'s `kube-vip.io/loadbalancerIPs` before and after.',
      '',
      '| Gateways | routes | mode | shutdown | ready | caught up | gateway reconciles | writes | requests | moved / checked | CPU | peak RSS |',
      '|---:|---:|---|---:|---:|---:|---:|---:|---|---:|---:|---:|',
    );
    for (const r of restarts) {
      lines.push(
        `| ${n0(r.size.gateways)} | ${n0(r.size.routes)} | ${r.mode}${strategyOf(r) === 'auto' ? '' : `, strategy \`${strategyOf(r)}\``}${r.variant && r.variant !== 'working tree' ? ` (${r.variant})` : ''} | ${msf(r.restart.shutdownMs)} | ${msf(r.restart.readyMs)} | ${msf(r.restart.settledMs)} | ${n0(r.restart.reconciles.gateway ?? 0)} | ${r.restart.writes} | ${byMethod(r.restart.requestsByMethod)} | ${r.restart.moved} / ${n0(r.restart.addressesChecked)} | ${n1(r.restart.cpuSeconds)} s | ${n0(r.restart.peakRssMiB)} MiB |`,
      );
    }
    lines.push('');
  }

  const problems = result.runs.filter((r) => (r.controllerLog.warn ?? 0) + (r.controllerLog.error ?? 0) > 0);
  if (problems.length) {
    lines.push('### Controller log', '');
    for (const r of problems.slice(0, 3)) {
      lines.push(`- ${r.size.routes} routes ${r.mode}: ${r.controllerLog.warn ?? 0} warnings, ${r.controllerLog.error ?? 0} errors; first: \`${(r.controllerProblems[0] ?? '').slice(0, 300).replace(/`/g, "'")}\``);
    }
    lines.push('');
  }

  const notes = path.join(here, 'NOTES.md');
  if (existsSync(notes)) lines.push(readFileSync(notes, 'utf8').trim(), '');

  lines.push('### Reproduce', '');
  lines.push(
    '```sh',
    'npm run bench -- controller-scale            # this section, default plan (a few minutes)',
    'npm run bench -- controller-scale --full     # 1,000 Gateways / 5,000 routes, 3 runs (~17 min on a quiet machine)',
    'node tools/bench/controller-scale/run.mjs --gateways 1000 --routes 5000 --repeat 3   # just print medians',
    'node tools/bench/controller-scale/run.mjs --compare <git rev> --gateways 200 --routes 1000 --repeat 3  # before/after',
    '```',
    '',
  );
  return lines.join('\n');
}
