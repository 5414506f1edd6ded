// Benchmarks of the runtime's hot paths at the scale of docs/architecture.md's Targets (1,000 Gateways, 5,000 routes).
// Run: npx vitest bench --project 'controller-runtime (bench)' --run
import { test } from 'vitest';
import { KubeClient } from './client/kube-client.js';
import { Informer } from './cache/informer.js';
import { Manager } from './manager/manager.js';
import { MemoryCluster } from './memory-cluster/memory-cluster.js';
import type { KubeObject } from './object.js';
import { ConfigMap, Gateway, Namespace, TCPRoute } from './resources.js';
import { indexByLabel, Store } from './cache/store.js';
import { serveMemoryCluster } from './testing/memory-api-server.js';
import { WorkQueue } from './workqueue/workqueue.js';

// A benchmark test may take longer than vitest's 60 s (each task runs for tinybench's time budget); measured: one
// comparison of this file took 96 s on a busy 2-core machine.
const SLOW = { timeout: 600_000 };

const route = (i: number): KubeObject => ({
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'TCPRoute',
  metadata: { name: `r${i}`, namespace: `ns${i % 50}`, labels: { gw: `gw${i % 1000}` }, managedFields: [{ manager: 'kubectl', fieldsV1: { f: {} } }] },
  spec: { parentRefs: [{ name: `gw${i % 1000}` }], rules: [{ backendRefs: [{ name: `svc${i}`, port: 8080 }] }] },
});

const gateway = (i: number): KubeObject => ({
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'Gateway',
  metadata: { name: `gw${i}`, namespace: `ns${i % 50}` },
  spec: { gatewayClassName: 'kv', listeners: [{ name: 'tcp', port: 80, protocol: 'TCP' }] },
});

async function clusterWith(routes: number, gateways = 0): Promise<MemoryCluster> {
  const c = new MemoryCluster();
  for (let i = 0; i < routes; i++) await c.create(TCPRoute, route(i));
  for (let i = 0; i < gateways; i++) await c.create(Gateway, gateway(i));
  return c;
}

// Vitest 5 benchmarks are registered inside a test (`bench` is a test-context fixture); the slow ones run a fixed
// number of iterations with no time budget (`run({ iterations, time: 0 })`), and a fixture built once per phase
// (warm-up, run) goes in `beforeAll`.
const FEW = (iterations: number) => ({ iterations, time: 0 });

test('WorkQueue', SLOW, async ({ bench }) => {
  await bench.compare(
    bench('10,000 distinct keys: add, get, done', async () => {
      const q = new WorkQueue<string>();
      for (let i = 0; i < 10_000; i++) q.add(`ns/k${i}`);
      for (let i = 0; i < 10_000; i++) q.done((await q.get())!);
    }),
    bench('10,000 adds of 100 keys (de-duplicated to 100 reconciles)', async () => {
      const q = new WorkQueue<string>();
      for (let i = 0; i < 10_000; i++) q.add(`ns/k${i % 100}`);
      while (q.length > 0) q.done((await q.get())!);
    }),
  );
});

test('Store', SLOW, async ({ bench }) => {
  const objects = Array.from({ length: 5_000 }, (_, i) => route(i));
  const filled = new Store<KubeObject>({ gw: indexByLabel('gw') });
  for (const o of objects) filled.upsert(o);
  await bench.compare(
    bench('upsert 5,000 routes with a label index', () => {
      const s = new Store<KubeObject>({ gw: indexByLabel('gw') });
      for (const o of objects) s.upsert(o);
    }),
    bench('1,000 index lookups (routes of one Gateway)', () => {
      for (let i = 0; i < 1_000; i++) filled.byIndex('gw', `gw${i}`);
    }),
  );
});

test('MemoryCluster', SLOW, async ({ bench }) => {
  await bench('create 5,000 routes', async () => {
    await clusterWith(5_000);
  }).run(FEW(5));
  let c: MemoryCluster;
  await bench('list 5,000 routes (all namespaces)', { beforeAll: async () => { c = await clusterWith(5_000); } }, async () => {
    await c.list(TCPRoute);
  }).run(FEW(10));
  await bench('1,000 merge patches of status', { beforeAll: async () => { c = await clusterWith(1_000); } }, async () => {
    for (let i = 0; i < 1_000; i++) {
      await c.patchStatus(TCPRoute, { namespace: `ns${i % 50}`, name: `r${i}` }, { type: 'merge', patch: { status: { parents: [{ n: i }] } } });
    }
  }).run(FEW(5));
});

test('Informer', SLOW, async ({ bench }) => {
  let c: MemoryCluster;
  await bench('list and sync 5,000 routes (pages of 500, managedFields stripped)', { beforeAll: async () => { c = await clusterWith(5_000); } }, async () => {
    const inf = new Informer(c, TCPRoute, { indexers: { gw: indexByLabel('gw') } });
    inf.start();
    await inf.waitForSync();
    await inf.stop();
  }).run(FEW(5));
});

test('Controller', SLOW, async ({ bench }) => {
  let c: MemoryCluster;
  await bench('1,000 Gateways: manager start to every key reconciled (no-op reconcile)', { beforeAll: async () => { c = await clusterWith(0, 1_000); } }, async () => {
    const mgr = new Manager({ client: c });
    let done = 0;
    let resolveAll: () => void = () => undefined;
    const all = new Promise<void>((r) => (resolveAll = r));
    mgr.addController({ name: 'gw', for: Gateway, concurrency: 4, reconcile: () => { if (++done === 1_000) resolveAll(); } });
    const abort = new AbortController();
    const running = mgr.start(abort.signal);
    await all;
    abort.abort();
    await running;
  }).run(FEW(5));
});

test('KubeClient over HTTP (keep-alive) to MemoryCluster', SLOW, async ({ bench }) => {
  let client: KubeClient;
  let close: () => Promise<void> = async () => undefined;
  await bench('200 sequential GETs', {
    beforeAll: async () => {
      const cluster = new MemoryCluster();
      await cluster.create(Namespace, { metadata: { name: 'ns' } });
      await cluster.create(ConfigMap, { metadata: { name: 'c', namespace: 'ns' } });
      const server = await serveMemoryCluster(cluster);
      client = await KubeClient.create({ source: { kind: 'string', yaml: server.kubeconfig() } });
      close = async () => { await client.close(); await server.close(); };
    },
    afterAll: async () => close(),
  }, async () => {
    for (let i = 0; i < 200; i++) await client.get(Namespace, { name: 'ns' });
  }).run(FEW(10));
});
