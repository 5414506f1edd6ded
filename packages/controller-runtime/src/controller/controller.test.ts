import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Controller, type ReconcileFn, type Request } from './controller.js';
import { ConflictError, TerminalError } from '../errors.js';
import { SharedInformerFactory } from '../cache/informer-factory.js';
import { MemoryCluster } from '../memory-cluster/memory-cluster.js';
import { RuntimeMetrics } from '../metrics.js';
import type { KubeObject } from '../object.js';
import { generationChanged } from './predicates.js';
import { ItemExponentialFailureRateLimiter } from '../workqueue/rate-limiter.js';
import { ConfigMap, Gateway, GatewayClass, Service } from '../resources.js';

type Gw = KubeObject & { spec: { gatewayClassName: string; listeners: unknown[] }; status?: unknown };
const gw = (name: string, cls = 'kv', extra: Partial<KubeObject['metadata']> = {}): Gw => ({
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'Gateway',
  metadata: { name, namespace: 'ns', ...extra },
  spec: { gatewayClassName: cls, listeners: [] },
});

const flush = () => vi.advanceTimersByTimeAsync(0);
const cleanups: Array<() => Promise<void>> = [];

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
  vi.useRealTimers();
});

async function setup(reconcile: ReconcileFn, opts: Partial<ConstructorParameters<typeof Controller>[1]> = {}) {
  const cluster = new MemoryCluster();
  const informers = new SharedInformerFactory(cluster, { random: () => 0 });
  const metrics = new RuntimeMetrics();
  const ctrl = new Controller<Gw>(informers, {
    name: 'gateway',
    for: Gateway,
    reconcile,
    metrics,
    rateLimiter: () => new ItemExponentialFailureRateLimiter(5, 1000),
    ...opts,
  });
  cleanups.push(async () => {
    await ctrl.stop('now');
    await informers.stop();
  });
  return { cluster, informers, metrics, ctrl };
}

async function run(s: Awaited<ReturnType<typeof setup>>) {
  s.informers.start();
  await s.informers.waitForSync();
  s.ctrl.start();
  await flush();
}

describe('Controller', () => {
  it('reconciles every existing key once after start, then each change', async () => {
    const seen: string[] = [];
    const s = await setup((req) => void seen.push(req.key));
    await s.cluster.create(Gateway, gw('a'));
    await s.cluster.create(Gateway, gw('b'));
    await run(s);
    expect(seen.sort()).toEqual(['ns/a', 'ns/b']);
    await s.cluster.patch(Gateway, { namespace: 'ns', name: 'a' }, { type: 'merge', patch: { spec: { listeners: [{}] } } });
    await s.cluster.delete(Gateway, { namespace: 'ns', name: 'b' });
    await flush();
    expect(seen.slice(2)).toEqual(['ns/a', 'ns/b']);
  });

  it('passes the key parts of the request', async () => {
    const reqs: Request[] = [];
    const s = await setup((req) => void reqs.push(req));
    await s.cluster.create(Gateway, gw('a'));
    await run(s);
    expect(reqs).toEqual([{ key: 'ns/a', namespace: 'ns', name: 'a' }]);
  });

  it('applies predicates to primary events (status-only writes filtered by generationChanged)', async () => {
    const seen: string[] = [];
    const s = await setup((req) => void seen.push(req.key), { predicates: [generationChanged] });
    const created = await s.cluster.create(Gateway, gw('a'));
    await run(s);
    await s.cluster.updateStatus(Gateway, { ...created, status: { conditions: [] } });
    await flush();
    expect(seen).toEqual(['ns/a']);
    await s.cluster.patch(Gateway, { namespace: 'ns', name: 'a' }, { type: 'merge', patch: { spec: { listeners: [{ name: 'x' }] } } });
    await flush();
    expect(seen).toEqual(['ns/a', 'ns/a']);
  });

  it('maps related objects to primary keys with watches() (old and new on update) and owns()', async () => {
    const seen: string[] = [];
    const s = await setup((req) => void seen.push(req.key));
    s.ctrl.watches<KubeObject & { spec?: { controllerName?: string } }>(GatewayClass, (cls) =>
      s.ctrl.informer.store.list().filter((g) => g.spec.gatewayClassName === cls.metadata.name).map((g) => ({ namespace: g.metadata.namespace, name: g.metadata.name })),
    );
    s.ctrl.owns(Service);
    const owner = await s.cluster.create(Gateway, gw('a', 'kv'));
    await s.cluster.create(Gateway, gw('b', 'other'));
    await run(s);
    seen.length = 0;
    await s.cluster.create(GatewayClass, { metadata: { name: 'kv' }, spec: { controllerName: 'x/y' } });
    await flush();
    expect(seen).toEqual(['ns/a']);
    seen.length = 0;
    await s.cluster.create(Service, {
      metadata: { name: 'svc', namespace: 'ns', ownerReferences: [{ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', name: 'a', uid: owner.metadata.uid!, controller: true }] },
    });
    await s.cluster.create(Service, {
      metadata: { name: 'foreign', namespace: 'ns', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Gateway', name: 'b', uid: 'x', controller: true }] },
    });
    await s.cluster.create(Service, { metadata: { name: 'unowned', namespace: 'ns' } });
    await flush();
    expect(seen).toEqual(['ns/a']);
  });

  it('a map function that throws is logged and ignored', async () => {
    const seen: string[] = [];
    const s = await setup((req) => void seen.push(req.key));
    s.ctrl.watches(ConfigMap, () => {
      throw new Error('bad map');
    });
    await run(s);
    await s.cluster.create(ConfigMap, { metadata: { name: 'c', namespace: 'ns' } });
    await s.cluster.create(Gateway, gw('a'));
    await flush();
    expect(seen).toEqual(['ns/a']);
  });

  it('retries a failing key with per-key backoff (5, 10, 20 ms), then forgets its failures on success', async () => {
    const times: number[] = [];
    const retries: number[] = [];
    let failures = 3;
    const s = await setup((_req, ctx) => {
      times.push(Date.now());
      retries.push(ctx.retries);
      if (failures-- > 0) throw new ConflictError('stale', { code: 409 });
    });
    await s.cluster.create(Gateway, gw('a'));
    const t0 = Date.now();
    await run(s);
    await vi.advanceTimersByTimeAsync(100);
    expect(times.map((t) => t - t0)).toEqual([0, 5, 15, 35]);
    expect(retries).toEqual([0, 1, 2, 3]);
    const text = await s.metrics.text();
    expect(text).toContain('controller_runtime_reconcile_errors_total{controller="gateway"} 3');
    expect(text).toContain('controller_runtime_reconcile_total{controller="gateway",result="error"} 3');
    expect(text).toContain('controller_runtime_reconcile_total{controller="gateway",result="success"} 1');
    expect(text).toContain('workqueue_retries_total{name="gateway",controller="gateway"} 3');
  });

  it('does not retry a TerminalError', async () => {
    let calls = 0;
    const s = await setup(() => {
      calls++;
      throw new TerminalError('spec can never work');
    });
    await s.cluster.create(Gateway, gw('a'));
    await run(s);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(calls).toBe(1);
    expect(await s.metrics.text()).toContain('controller_runtime_terminal_reconcile_errors_total{controller="gateway"} 1');
  });

  it('counts programming errors as panics, and still retries them', async () => {
    let calls = 0;
    const s = await setup(() => {
      calls++;
      void (undefined as unknown as { x: number }).x;
    });
    await s.cluster.create(Gateway, gw('a'));
    await run(s);
    await vi.advanceTimersByTimeAsync(6);
    expect(calls).toBe(2);
    expect(await s.metrics.text()).toContain('controller_runtime_reconcile_panics_total{controller="gateway"} 2');
  });

  it('requeues after the asked delay, and with backoff on requeue: true', async () => {
    const times: number[] = [];
    let n = 0;
    const s = await setup(() => {
      times.push(Date.now());
      n++;
      if (n === 1) return { requeueAfterMs: 30_000 };
      if (n === 2) return { requeue: true };
      return undefined;
    });
    await s.cluster.create(Gateway, gw('a'));
    const t0 = Date.now();
    await run(s);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(times.map((t) => t - t0)).toEqual([0, 30_000, 30_005]);
    const text = await s.metrics.text();
    expect(text).toContain('result="requeue_after"} 1');
    expect(text).toContain('result="requeue"} 1');
  });

  it('never runs one key twice at once, runs different keys concurrently up to the limit, and coalesces bursts', async () => {
    let active = 0;
    let maxActive = 0;
    const perKey = new Map<string, number>();
    const activeKeys = new Set<string>();
    const s = await setup(
      async (req) => {
        expect(activeKeys.has(req.key)).toBe(false);
        activeKeys.add(req.key);
        active++;
        maxActive = Math.max(maxActive, active);
        perKey.set(req.key, (perKey.get(req.key) ?? 0) + 1);
        await new Promise((r) => setTimeout(r, 100));
        active--;
        activeKeys.delete(req.key);
      },
      { concurrency: 3 },
    );
    for (const n of ['a', 'b', 'c', 'd', 'e']) await s.cluster.create(Gateway, gw(n));
    await run(s);
    // A burst of 20 changes to one key while it is being reconciled: one more reconcile, not 20.
    for (let i = 0; i < 20; i++) s.ctrl.enqueue('ns/a');
    await vi.advanceTimersByTimeAsync(1000);
    expect(maxActive).toBe(3);
    expect(perKey.get('ns/a')).toBe(2);
    expect(perKey.get('ns/e')).toBe(1);
    const text = await s.metrics.text();
    expect(text).toContain('controller_runtime_max_concurrent_reconciles{controller="gateway"} 3');
    expect(text).toContain('controller_runtime_active_workers{controller="gateway"} 0');
  });

  it("stop('now') aborts in-flight reconciles' signal and drops queued keys; stop('drain') finishes them", async () => {
    let aborted = false;
    const done: string[] = [];
    const s = await setup(async (req, ctx) => {
      ctx.signal.addEventListener('abort', () => (aborted = true));
      await new Promise((r) => setTimeout(r, 50));
      done.push(req.key);
    });
    for (const n of ['a', 'b', 'c']) await s.cluster.create(Gateway, gw(n));
    await run(s);
    const stopping = s.ctrl.stop('now');
    await vi.advanceTimersByTimeAsync(100);
    await stopping;
    expect(aborted).toBe(true);
    expect(done).toEqual(['ns/a']);
    expect(s.ctrl.running).toBe(false);

    done.length = 0;
    s.ctrl.start();
    await flush();
    const draining = s.ctrl.stop('drain');
    await vi.advanceTimersByTimeAsync(500);
    await draining;
    expect(done.sort()).toEqual(['ns/a', 'ns/b', 'ns/c']);
  });

  it('a restart while the old run still reconciles a key waits for it instead of running the key twice at once', async () => {
    const active = new Set<string>();
    let overlaps = 0;
    let runs = 0;
    const s = await setup(async (req) => {
      if (active.has(req.key)) overlaps++;
      active.add(req.key);
      runs++;
      await new Promise((r) => setTimeout(r, 100));
      active.delete(req.key);
    });
    await s.cluster.create(Gateway, gw('a'));
    await run(s);
    const stopping = s.ctrl.stop('now'); // the in-flight reconcile of ns/a keeps running
    s.ctrl.start(); // replays ns/a at once
    await vi.advanceTimersByTimeAsync(500);
    await stopping;
    expect(overlaps).toBe(0);
    expect(runs).toBe(2);
  });

  it('rejects a bad concurrency with ConfigError naming the controller', () => {
    const informers = new SharedInformerFactory(new MemoryCluster());
    expect(() => new Controller(informers, { name: 'x', for: Gateway, reconcile: () => undefined, concurrency: 0 })).toThrow(
      'controller "x": concurrency must be a positive integer, got 0',
    );
  });

  it('shares one informer per resource and namespace between controllers', async () => {
    const informers = new SharedInformerFactory(new MemoryCluster());
    const a = new Controller(informers, { name: 'a', for: Gateway, reconcile: () => undefined }).owns(Service);
    const b = new Controller(informers, { name: 'b', for: Gateway, reconcile: () => undefined }).watches(Service, () => []);
    const c = new Controller(informers, { name: 'c', for: Gateway, namespace: 'other', reconcile: () => undefined });
    expect(a.informer).toBe(b.informer);
    expect(c.informer).not.toBe(a.informer);
    expect(informers.informers()).toHaveLength(3);
  });
});
