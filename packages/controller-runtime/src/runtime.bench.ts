// Benchmarks of the runtime's hot paths at the scale of docs/architecture.md's Targets (1,000 Gateways, 5,000 routes).
// Run: npx vitest bench --project controller-runtime --run
import { bench, describe } from 'vitest';
import { KubeClient } from './client/kube-client.js';
import { Informer } from './cache/informer.js';
import { Manager } from './manager/manager.js';
import { MemoryCluster } from './memory-cluster/memory-cluster.js';
import type { KubeObject } from './object.js';
import { ConfigMap, Gateway, Namespace, TCPRoute } from './resources.js';
import { indexByLabel, Store } from './cache/store.js';
import { serveMemoryCluster } from './testing/memory-api-server.js';
import { WorkQueue } from './workqueue/workqueue.js';

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

describe('WorkQueue', () => {
  bench('10,000 distinct keys: add, get, done', async () => {
    const q = new WorkQueue<string>();
    for (let i = 0; i < 10_000; i++) q.add(`ns/k${i}`);
    for (let i = 0; i < 10_000; i++) q.done((await q.get())!);
  });
  bench('10,000 adds of 100 keys (de-duplicated to 100 reconciles)', async () => {
    const q = new WorkQueue<string>();
    for (let i = 0; i < 10_000; i++) q.add(`ns/k${i % 100}`);
    while (q.length > 0) q.done((await q.get())!);
  });
});

describe('Store', () => {
  const objects = Array.from({ length: 5_000 }, (_, i) => route(i));
  bench('upsert 5,000 routes with a label index', () => {
    const s = new Store<KubeObject>({ gw: indexByLabel('gw') });
    for (const o of objects) s.upsert(o);
  });
  const filled = new Store<KubeObject>({ gw: indexByLabel('gw') });
  for (const o of objects) filled.upsert(o);
  bench('1,000 index lookups (routes of one Gateway)', () => {
    for (let i = 0; i < 1_000; i++) filled.byIndex('gw', `gw${i}`);
  });
});

describe('MemoryCluster', () => {
  bench('create 5,000 routes', async () => {
    await clusterWith(5_000);
  }, { iterations: 5, time: 0 });
  let c: MemoryCluster;
  bench('list 5,000 routes (all namespaces)', async () => {
    await c.list(TCPRoute);
  }, { setup: async () => { c = await clusterWith(5_000); }, iterations: 10, time: 0 });
  bench('1,000 merge patches of status', async () => {
    for (let i = 0; i < 1_000; i++) {
      await c.patchStatus(TCPRoute, { namespace: `ns${i % 50}`, name: `r${i}` }, { type: 'merge', patch: { status: { parents: [{ n: i }] } } });
    }
  }, { setup: async () => { c = await clusterWith(1_000); }, iterations: 5, time: 0 });
});

describe('Informer', () => {
  let c: MemoryCluster;
  bench('list and sync 5,000 routes (pages of 500, managedFields stripped)', async () => {
    const inf = new Informer(c, TCPRoute, { indexers: { gw: indexByLabel('gw') } });
    inf.start();
    await inf.waitForSync();
    await inf.stop();
  }, { setup: async () => { c = await clusterWith(5_000); }, iterations: 5, time: 0 });
});

describe('Controller', () => {
  let c: MemoryCluster;
  bench('1,000 Gateways: manager start to every key reconciled (no-op reconcile)', async () => {
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
  }, { setup: async () => { c = await clusterWith(0, 1_000); }, iterations: 5, time: 0 });
});

describe('KubeClient over HTTP (keep-alive) to MemoryCluster', () => {
  let client: KubeClient;
  let close: () => Promise<void> = async () => undefined;
  bench('200 sequential GETs', async () => {
    for (let i = 0; i < 200; i++) await client.get(Namespace, { name: 'ns' });
  }, {
    setup: async () => {
      const cluster = new MemoryCluster();
      await cluster.create(Namespace, { metadata: { name: 'ns' } });
      await cluster.create(ConfigMap, { metadata: { name: 'c', namespace: 'ns' } });
      const server = await serveMemoryCluster(cluster);
      client = await KubeClient.create({ source: { kind: 'string', yaml: server.kubeconfig() } });
      close = async () => { await client.close(); await server.close(); };
    },
    teardown: async () => close(),
    iterations: 10,
    time: 0,
  });
});
