// The local API server's own rate for each kind of write a controller-scale run needs, measured with no controller:
// creates of backend (ClusterIP) Services, LoadBalancer Services with and without node ports, Gateways, TCPRoutes,
// and status updates of routes. With --existing N, N ClusterIP Services are created first (untimed): Service creation
// slows down as Services accumulate, so this gives the rate a controller meets at that scale. Prints one JSON document.
//
//   tsx --conditions=@kube-vip-gw/source tools/bench/controller-scale/api-rates.ts [--count 1000] [--in-flight 32] [--existing 0]
import os from 'node:os';
import { parseArgs } from 'node:util';
import { ConfigMap, Gateway, GatewayClass, KubeClient, Namespace, Service, TCPRoute, type KubeObject, type ResourceDescriptor } from '@kube-vip-gw/controller-runtime';
import { LocalControlPlane } from '@kube-vip-gw/controller-runtime/envtest';

const { values } = parseArgs({
  options: { count: { type: 'string', default: '1000' }, 'in-flight': { type: 'string', default: '32' }, existing: { type: 'string', default: '0' } },
});
const count = Number(values.count);
const inFlight = Number(values['in-flight']);
const existing = Number(values.existing);
if (!Number.isSafeInteger(existing) || existing < 0) throw new Error(`--existing "${values.existing}": expected a non-negative integer`);
if (!Number.isSafeInteger(count) || count < 1) throw new Error(`--count "${values.count}": expected a positive integer`);
if (!Number.isSafeInteger(inFlight) || inFlight < 1) throw new Error(`--in-flight "${values['in-flight']}": expected a positive integer`);
const log = (m: string) => process.stderr.write(`[api-rates] ${m}\n`);
const round = (x: number) => Math.round(x * 10) / 10;

/** Runs `fn(i)` for i in [0, n) with `limit` in flight; returns operations per second. */
async function rate(n: number, limit: number, fn: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(limit, n) }, async () => {
      while (next < n) await fn(next++);
    }),
  );
  return n / ((performance.now() - t0) / 1000);
}

const NS = 'rates';
const service = (name: string, spec: Record<string, unknown>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: NS },
  spec: { ports: [{ name: 'tcp', port: 10000, targetPort: 8080, protocol: 'TCP' }], selector: { app: name }, ...spec },
});

async function main() {
  const plane = await LocalControlPlane.start({
    gatewayApiCrds: 'standard',
    apiServerArgs: [`--service-node-port-range=30000-${Math.min(65535, 30000 + 2 * count + 1000)}`],
  });
  try {
    const c = await KubeClient.create({ source: { kind: 'string', yaml: plane.kubeconfig }, userAgent: 'kvgw-bench' });
    await c.create(Namespace, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    await c.create(GatewayClass, { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', metadata: { name: 'rates' }, spec: { controllerName: 'example.com/rates' } });
    await c.create(ConfigMap, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'warm-up', namespace: NS }, data: {} });
    if (existing > 0) {
      log(`creating ${existing} ClusterIP Services first (untimed)`);
      await rate(existing, 32, (i) => c.create(Service, service(`pre-${i}`, {})));
    }
    const rates: Record<string, number> = {};
    const measure = async (label: string, fn: (i: number) => Promise<unknown>) => {
      rates[label] = round(await rate(count, inFlight, fn));
      log(`${label}: ${rates[label]}/s`);
    };
    await measure('create Service (ClusterIP)', (i) => c.create(Service, service(`cip-${i}`, {})));
    await measure('create Service (LoadBalancer, node ports)', (i) => c.create(Service, service(`lb-${i}`, { type: 'LoadBalancer' })));
    await measure('create Service (LoadBalancer, allocateLoadBalancerNodePorts: false)', (i) =>
      c.create(Service, service(`lbn-${i}`, { type: 'LoadBalancer', allocateLoadBalancerNodePorts: false })),
    );
    await measure('create Gateway', (i) =>
      c.create(Gateway, {
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'Gateway',
        metadata: { name: `gw-${i}`, namespace: NS },
        spec: { gatewayClassName: 'rates', listeners: [{ name: 'l0', port: 10000, protocol: 'TCP' }] },
      }),
    );
    const routes: KubeObject[] = new Array(count);
    await measure('create TCPRoute', async (i) => {
      routes[i] = await c.create(TCPRoute, {
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'TCPRoute',
        metadata: { name: `route-${i}`, namespace: NS },
        spec: { parentRefs: [{ name: `gw-${i}`, sectionName: 'l0' }], rules: [{ backendRefs: [{ name: `cip-${i}`, port: 8080 }] }] },
      });
    });
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    await measure('update TCPRoute status', (i) =>
      c.updateStatus(TCPRoute as ResourceDescriptor, {
        ...routes[i]!,
        status: {
          parents: [
            {
              parentRef: { name: `gw-${i}`, sectionName: 'l0' },
              controllerName: 'example.com/rates',
              conditions: [{ type: 'Accepted', status: 'True', reason: 'Accepted', message: '', observedGeneration: 1, lastTransitionTime: now }],
            },
          ],
        },
      }),
    );
    const result = { count, inFlight, existing, loadAtStart: os.loadavg().map((l) => round(l)), rates };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await plane.stop();
  }
}

await main();
