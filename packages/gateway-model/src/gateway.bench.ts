// Benchmark of evaluateGateway at the scale of docs/architecture.md's Targets (a Gateway reconcile sees only its own routes, so the
// interesting sizes are routes per Gateway and listeners per Gateway). Run: npx vitest bench --project 'gateway-model (bench)' --run
import { test } from 'vitest';
import { evaluateGateway, type GatewaySnapshot } from './gateway.js';
import { CONTROLLER, gateway, gatewayClass, namespace, NOW, route, service, tcp } from './internal/fixtures.js';

// A benchmark test may take longer than vitest's 60 s (each task runs for tinybench's time budget); measured: one
// comparison of this file took 96 s on a busy 2-core machine.
const SLOW = { timeout: 600_000 };

function snapshot(listeners: number, routes: number): GatewaySnapshot {
  const gw = gateway(Array.from({ length: listeners }, (_, i) => tcp(`l${i}`, 10_000 + i)));
  return {
    controllerName: CONTROLLER,
    gateway: gw,
    gatewayClass: gatewayClass(),
    routes: { TCPRoute: Array.from({ length: routes }, (_, i) =>
      route(`r${i}`, [{ name: 'gw', sectionName: `l${i % listeners}` }], [{ name: `svc${i % 100}`, port: 8080 }], {
        created: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
      }),
    ) },
    namespaces: [namespace('infra')],
    services: Array.from({ length: 100 }, (_, i) => service(`svc${i}`, [{ port: 8080 }])),
    address: { kind: 'assigned', addresses: ['192.0.2.1'] },
    dataPlane: { kind: 'applied' },
    now: NOW,
  };
}

test('evaluateGateway', SLOW, async ({ bench }) => {
  const small = snapshot(4, 5);
  const typical = snapshot(16, 100);
  const large = snapshot(64, 5000);
  await bench.compare(
    bench('4 listeners, 5 routes', () => {
      evaluateGateway(small);
    }),
    bench('16 listeners, 100 routes', () => {
      evaluateGateway(typical);
    }),
    bench('64 listeners, 5000 routes', () => {
      evaluateGateway(large);
    }),
  );
});
