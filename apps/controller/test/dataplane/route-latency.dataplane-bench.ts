// Benchmark (not a test: `npm run bench:dataplane`): time from a TCPRoute's creation to the first connection through
// its Gateway that the echo backend answers, over many routes, on the real data plane, and what it is made of.
// Each Gateway exists and its address is on node1's interface (kube-vip announced it: the default design gives every
// Gateway its Service before any route) before its route is created, so the route's time is the controller's (it
// sees the route through its watch, writes the Gateway Service's EndpointSlice, the API server stores it) and
// kube-proxy's (it sees the slice and syncs its rules, at most once a second: --min-sync-period 1 s). Per route:
//   slice:  route created -> the controller's EndpointSlice with the endpoint is readable (polled every 10 ms);
//   sync:   -> the end of the kube-proxy rule sync that programmed it (its last-sync gauge, read at the first answer);
//   first:  -> the first answered connection (probe every ~20 ms, 300 ms timeout, neighbour cache flushed).
// And per Gateway, the kube-vip side: Gateway created -> its address on node1's `lan`.
// Printed, and written to docs/benchmarks/dataplane-route-latency.json (tools/bench/suites/dataplane.mjs renders it).
import { describe, expect, it } from 'vitest';
import os from 'node:os';
import type { EndpointSlice } from '@kube-vip-gw/gateway-model';
import { gatewayServiceName } from '@kube-vip-gw/service-mapper';
import { R } from '../e2e/support/kube-rest.js';
import { gateway, route, tcp } from '../e2e/support/objects.js';
import { DATAPLANE_SKIP_REASON, useDataPlaneEnvironment } from './support/environment.js';
import { addressesOn, kubeProxyLastSync, percentile, writeBenchResult } from './support/bench.js';

const ROUTES = Number(process.env['KVGW_BENCH_ROUTES'] ?? 120);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(DATAPLANE_SKIP_REASON)('bench: TCPRoute created -> first connection through its Gateway', () => {
  const env = useDataPlaneEnvironment();

  it(`${ROUTES} routes`, async () => {
    const { admin, e2e, backend, dataPlane } = env();
    const node = dataPlane.nodes[0]!;
    const ns = (await env().newNamespace('bench')).name;
    // One pool for every Gateway of the run (the rest of the file's pool is unused).
    await e2e.setIpamKey(`range-${ns}`, '10.77.0.104-10.77.0.239');
    await backend(ns, 'be', 9000, { protocols: ['TCP'] });
    const loadAtStart = os.loadavg();
    const samples: { first: number; slice: number; sync: number | undefined; announce: number }[] = [];
    for (let i = 0; i < ROUTES; i += 1) {
      const tg = performance.now();
      await admin.create(R.Gateway, gateway(ns, `g${i}`, [tcp('t', 80)]));
      const [address] = (await env().gatewayAddresses(ns, `g${i}`)) as [string];
      while (!addressesOn(node.netns, 'lan').has(address)) {
        if (performance.now() - tg > 60_000) throw new Error(`g${i}: ${address} not on node1 within 60 s`);
        await sleep(10);
      }
      const announce = performance.now() - tg;
      const t0 = performance.now();
      const wall0 = Date.now();
      await admin.create(R.TCPRoute, route('TCPRoute', ns, `r${i}`, [{ name: `g${i}` }], [{ name: 'be', port: 9000 }]));
      let sliceAt: number | undefined;
      const sliceName = gatewayServiceName(ns, `g${i}`);
      const sliceWatch = (async () => {
        while (sliceAt === undefined && performance.now() - t0 < 60_000) {
          const slices = await admin.list<EndpointSlice>(R.EndpointSlice, ns, `kubernetes.io/service-name=${sliceName}`);
          if (slices.some((s) => (s.endpoints ?? []).length > 0)) {
            sliceAt = performance.now() - t0;
            return;
          }
          await sleep(10);
        }
      })();
      let first: number;
      for (;;) {
        const r = await dataPlane.probe('tcp', address, 80, { timeoutMs: 300 });
        if (r.ok) {
          first = performance.now() - t0;
          break;
        }
        if (performance.now() - t0 > 60_000) throw new Error(`route r${i}: no answer from ${address}:80 within 60 s (${r.error})`);
        await sleep(20);
      }
      // kube-proxy's last completed sync, read right after the first answer: the one that programmed this route (the
      // next change, the next Gateway, comes only after this read; its periodic resync is far longer than a route).
      const syncWall = kubeProxyLastSync(node.netns);
      await sliceWatch;
      samples.push({ first, slice: sliceAt ?? NaN, sync: syncWall - wall0, announce });
    }
    const stats = (xs: number[]) => {
      const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
      return { n: s.length, p50: Math.round(percentile(s, 50)), p90: Math.round(percentile(s, 90)), p99: Math.round(percentile(s, 99)), min: Math.round(s[0] ?? NaN), max: Math.round(s.at(-1) ?? NaN) };
    };
    const result = {
      date: new Date().toISOString(),
      routes: ROUTES,
      loadAverage: { start: loadAtStart.map((l) => Math.round(l * 100) / 100), end: os.loadavg().map((l) => Math.round(l * 100) / 100) },
      firstConnectionMs: stats(samples.map((s) => s.first)),
      // The parts, each from the route's creation: they add up along one route, not across percentiles.
      controllerSliceMs: stats(samples.map((s) => s.slice)),
      kubeProxySyncMs: stats(samples.map((s) => s.sync ?? NaN)),
      kubeProxyAfterSliceMs: stats(samples.map((s) => (s.sync ?? NaN) - s.slice)),
      probeAfterSyncMs: stats(samples.map((s) => s.first - (s.sync ?? NaN))),
      gatewayAnnouncedMs: stats(samples.map((s) => s.announce)),
      samplesMs: samples.map((s) => Math.round(s.first)),
    };
    const f = (s: { p50: number; p90: number; p99: number; max: number }) => `p50 ${s.p50} ms, p90 ${s.p90}, p99 ${s.p99}, max ${s.max}`;
    process.stderr.write(
      `[bench] route -> first connection over ${ROUTES} routes: ${f(result.firstConnectionMs)}\n` +
        `[bench]   controller's EndpointSlice readable: ${f(result.controllerSliceMs)}\n` +
        `[bench]   kube-proxy sync done: ${f(result.kubeProxySyncMs)} (after the slice: ${f(result.kubeProxyAfterSliceMs)})\n` +
        `[bench]   first answer after that sync: ${f(result.probeAfterSyncMs)}\n` +
        `[bench] Gateway created -> address on node1: ${f(result.gatewayAnnouncedMs)}\n` +
        `[bench] written to ${writeBenchResult('dataplane-route-latency', 'default', result)}\n`,
    );
    expect(samples).toHaveLength(ROUTES);
  }, 1_800_000);
});
