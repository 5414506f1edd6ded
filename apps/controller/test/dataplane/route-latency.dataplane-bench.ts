// Benchmark (not a test: `npm run bench:dataplane`): time from a TCPRoute's creation to the first connection through
// its Gateway that the echo backend answers, over many routes, on the real data plane. Each Gateway exists and has its
// address before its route is created, so the figure is what the controller (Service + EndpointSlices), kube-vip
// (announce, gratuitous ARP) and kube-proxy (rules) add together. Printed as p50/p90/p99/max; docs/dataplane.md.
import { describe, expect, it } from 'vitest';
import { R } from '../e2e/support/kube-rest.js';
import { gateway, route, tcp } from '../e2e/support/objects.js';
import { DATAPLANE_SKIP_REASON, useDataPlaneEnvironment } from './support/environment.js';

const ROUTES = Number(process.env['KVGW_BENCH_ROUTES'] ?? 60);

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

describe.skipIf(DATAPLANE_SKIP_REASON)('bench: TCPRoute created -> first connection through its Gateway', () => {
  const env = useDataPlaneEnvironment();

  it(`${ROUTES} routes`, async () => {
    const { admin, e2e, backend, dataPlane } = env();
    const ns = (await env().newNamespace('bench')).name;
    // One pool for every Gateway of the run (the rest of the file's pool is unused).
    await e2e.setIpamKey(`range-${ns}`, '10.77.0.104-10.77.0.239');
    await backend(ns, 'be', 9000, { protocols: ['TCP'] });
    const samples: number[] = [];
    for (let i = 0; i < ROUTES; i += 1) {
      await admin.create(R.Gateway, gateway(ns, `g${i}`, [tcp('t', 80)]));
      const [address] = (await env().gatewayAddresses(ns, `g${i}`)) as [string];
      const t0 = performance.now();
      await admin.create(R.TCPRoute, route('TCPRoute', ns, `r${i}`, [{ name: `g${i}` }], [{ name: 'be', port: 9000 }]));
      for (;;) {
        const r = await dataPlane.probe('tcp', address, 80, { timeoutMs: 300 });
        if (r.ok) break;
        if (performance.now() - t0 > 60_000) throw new Error(`route r${i}: no answer from ${address}:80 within 60 s (${r.error})`);
        await new Promise((res) => setTimeout(res, 20));
      }
      samples.push(performance.now() - t0);
    }
    const sorted = [...samples].sort((a, b) => a - b);
    const f = (ms: number) => `${Math.round(ms)} ms`;
    process.stderr.write(
      `[bench] route -> first connection over ${ROUTES} routes: p50 ${f(percentile(sorted, 50))}, p90 ${f(percentile(sorted, 90))}, ` +
        `p99 ${f(percentile(sorted, 99))}, max ${f(sorted.at(-1)!)}, min ${f(sorted[0]!)}\n`,
    );
    expect(samples).toHaveLength(ROUTES);
  });
});
