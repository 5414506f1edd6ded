// Cost of the pure pipeline per Gateway, to compare with docs/architecture.md's Targets (1,000 Gateways and 5,000 routes converging at
// 300+ routes/s on a real API server): the mapper must be a negligible share of that. Run:
//   npx vitest bench --project 'service-mapper (bench)' --run
import { test } from 'vitest';
import { applyPlan, backend, endpoint, gateway, GW_NS, served, service, slice } from './internal/fixtures.testkit.js';
import { desiredForGateway } from './mapper.js';
import { planChanges, type ActualObjects } from './plan.js';
import type { ServedListener } from './types.js';

// A benchmark test may take longer than vitest's 60 s (each task runs for tinybench's time budget); measured: one
// comparison of this file took 96 s on a busy 2-core machine.
const SLOW = { timeout: 600_000 };

function listeners(gwName: string, strategy: string, count: number, endpointsPerBackend: number): ServedListener[] {
  const gw = gateway({ name: gwName, uid: `uid-${gwName}` });
  return Array.from({ length: count }, (_, i) => {
    const svc = service(GW_NS, `web-${i}`, { ports: [{ protocol: 'TCP', port: 80, targetPort: 8080 }] });
    const eps = Array.from({ length: endpointsPerBackend }, (_, j) => endpoint(`10.${i}.${Math.floor(j / 250)}.${(j % 250) + 1}`));
    return served({ gateway: gw, strategy, listener: { name: `l${i}`, port: 1000 + i, protocol: 'TCP' }, backends: [backend(svc, 80, { endpointSlices: [slice(GW_NS, svc.metadata.name, { port: 8080 }, eps)] })] });
  });
}

function converged(input: ServedListener[]): { input: ServedListener[]; state: ActualObjects } {
  const d = desiredForGateway(input[0]!.gateway, input);
  const users = input.flatMap((l) => l.backends.map((b) => b.service!));
  const start = { services: users, endpointSlices: [] };
  return { input, state: applyPlan(start, planChanges(d, start)) };
}

const cases = {
  gateway: converged(listeners('gws', 'auto', 5, 10)),
  'gateway, 200 endpoints per backend': converged(listeners('gws2', 'auto', 5, 200)),
  duplicate: converged(listeners('dup', 'duplicate', 5, 10)),
  update: converged(listeners('upd', 'update', 5, 10)),
  endpoints: converged(listeners('eps', 'endpoints', 5, 200)),
};

test('one Gateway with 5 routes, idle reconcile (desired + plan, zero writes)', SLOW, async ({ bench }) => {
  await bench.compare(
    ...Object.entries(cases).map(([name, { input, state }]) =>
      bench(name, () => {
        planChanges(desiredForGateway(input[0]!.gateway, input), state);
      }),
    ),
  );
});

test('one Gateway with 5 routes, first reconcile (desired + plan from nothing)', SLOW, async ({ bench }) => {
  await bench.compare(
    ...Object.entries(cases).map(([name, { input }]) =>
      bench(name, () => {
        const users = input.flatMap((l) => l.backends.map((b) => b.service!));
        planChanges(desiredForGateway(input[0]!.gateway, input), { services: users, endpointSlices: [] });
      }),
    ),
  );
});
