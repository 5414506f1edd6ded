import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ServerError } from '../errors.js';
import { type LeaseObject } from '../leader-election/leader-election.js';
import { createLogger } from '../logging.js';
import { Manager, setupSignalHandler } from './manager.js';
import { MemoryCluster } from '../memory-cluster/memory-cluster.js';
import type { KubeObject } from '../object.js';
import { ConfigMap, Gateway, Lease, Service } from '../resources.js';
import { FaultyClient } from '../testing/faulty-client.js';

const gw = (name: string): KubeObject => ({
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'Gateway',
  metadata: { name, namespace: 'ns' },
  spec: { gatewayClassName: 'kv', listeners: [] },
});

afterEach(() => {
  vi.useRealTimers();
});

describe('Manager (real timers, HTTP endpoints)', () => {
  it('serves probes and metrics, is ready only after sync, reconciles, and shuts down cleanly on abort', async () => {
    const cluster = new MemoryCluster();
    await cluster.create(Gateway, gw('a'));
    const faulty = new FaultyClient(cluster).failNext('list', new ServerError('not yet', { code: 503 }));
    const lines: string[] = [];
    const mgr = new Manager({
      client: faulty,
      healthProbeBindAddress: '127.0.0.1:0',
      metricsBindAddress: '127.0.0.1:0',
      logger: createLogger({ destination: { write: (l: string) => lines.push(l) }, level: 'info' }),
      // The failed first list is retried after this long: the not-ready probe below must come before it, and 300 ms
      // was too short on a loaded machine (the probe saw 200 in several runs at load 25-35).
      informers: { backoff: { initialMs: 3_000 } },
    });
    const reconciled: string[] = [];
    mgr.addController({ name: 'gateway', for: Gateway, reconcile: (req) => void reconciled.push(req.key) });
    let crdsServed = true;
    mgr.addReadyzCheck('route-crds', () => {
      if (!crdsServed) throw new Error('TCPRoute is not served');
    });
    const abort = new AbortController();
    const running = mgr.start(abort.signal);
    await vi.waitFor(() => expect(mgr.probeAddress).toBeDefined());
    const probe = (p: string) => fetch(`http://${mgr.probeAddress}${p}`).then(async (r) => [r.status, await r.text()] as const);
    expect(await probe('/healthz')).toEqual([200, 'ok']);
    const notReady = await probe('/readyz');
    expect(notReady[0]).toBe(500);
    expect(notReady[1]).toContain('[-]informers-synced failed: waiting for Gateway');
    await mgr.elected;
    await vi.waitFor(() => expect(reconciled).toEqual(['ns/a']), { timeout: 15_000 });
    expect(await probe('/readyz')).toEqual([200, 'ok']);
    crdsServed = false;
    expect((await probe('/readyz'))[1]).toContain('[-]route-crds failed: TCPRoute is not served');
    const metrics = await fetch(`http://${mgr.metricsAddress}/metrics`).then((r) => r.text());
    expect(metrics).toContain('controller_runtime_reconcile_total{controller="gateway",result="success"} 1');
    expect(metrics).toContain('controller_runtime_reconcile_time_seconds_count{controller="gateway"} 1');
    expect(metrics).toContain('workqueue_depth{name="gateway",controller="gateway"} 0');
    expect(metrics).toContain('workqueue_adds_total{name="gateway",controller="gateway"} 1');
    expect(metrics).toContain('workqueue_unfinished_work_seconds{name="gateway",controller="gateway"} 0');
    expect(metrics).toContain('workqueue_longest_running_processor_seconds{name="gateway",controller="gateway"} 0');
    expect(metrics).toContain('# TYPE workqueue_queue_duration_seconds histogram');
    expect(metrics).toContain('# TYPE workqueue_work_duration_seconds histogram');
    expect(metrics).not.toContain('leader_election_master_status{'); // only with leader election
    abort.abort();
    await running;
    expect(cluster.openWatches).toBe(0);
    await expect(fetch(`http://${mgr.probeAddress}/healthz`)).rejects.toThrow();
    const msgs = lines.map((l) => JSON.parse(l).msg as string);
    expect(msgs).toEqual(expect.arrayContaining(['caches synced', 'shutting down', 'shutdown complete']));
  }, 30_000);

  it('serves everything from one server when the two addresses are the same', async () => {
    const mgr = new Manager({ client: new MemoryCluster(), healthProbeBindAddress: '127.0.0.1:0', metricsBindAddress: '127.0.0.1:0' });
    const abort = new AbortController();
    const running = mgr.start(abort.signal);
    await mgr.elected;
    expect(mgr.probeAddress).not.toBe(mgr.metricsAddress); // :0 twice means two ephemeral ports
    abort.abort();
    await running;
  });

  it('drains in-flight reconciles on shutdown, but no longer than the graceful timeout', async () => {
    const cluster = new MemoryCluster();
    await cluster.create(Gateway, gw('slow'));
    await cluster.create(Gateway, gw('stuck'));
    const finished: string[] = [];
    const mgr = new Manager({ client: cluster, gracefulShutdownTimeoutMs: 300 });
    mgr.addController({
      name: 'g',
      for: Gateway,
      concurrency: 2,
      reconcile: async (req) => {
        await new Promise((r) => setTimeout(r, req.name === 'slow' ? 100 : 60_000));
        finished.push(req.key);
      },
    });
    const abort = new AbortController();
    const running = mgr.start(abort.signal);
    await mgr.elected;
    await new Promise((r) => setTimeout(r, 20));
    const t0 = Date.now();
    abort.abort();
    await running;
    const took = Date.now() - t0;
    expect(finished).toEqual(['ns/slow']);
    expect(took).toBeGreaterThanOrEqual(250);
    expect(took).toBeLessThan(5_000);
  });

  it('runs runnables: always-on ones after sync, leader-only ones while leading; both see the stop signal', async () => {
    const mgr = new Manager({ client: new MemoryCluster() });
    const log: string[] = [];
    mgr.add({ name: 'always', needLeaderElection: false, start: (s) => new Promise<void>((r) => { log.push('always start'); s.addEventListener('abort', () => { log.push('always stop'); r(); }); }) });
    mgr.add({ name: 'leader', start: (s) => new Promise<void>((r) => { log.push('leader start'); s.addEventListener('abort', () => { log.push('leader stop'); r(); }); }) });
    mgr.add({ name: 'broken', start: () => { throw new Error('boom'); } });
    const abort = new AbortController();
    const running = mgr.start(abort.signal);
    await mgr.elected;
    abort.abort();
    await running;
    expect(log).toEqual(['always start', 'leader start', 'leader stop', 'always stop']);
    expect(() => mgr.add({ name: 'late', start: () => undefined })).toThrow('runnable "late" must be added before the manager starts');
  });

  it('checks its configuration', () => {
    const mgr = new Manager({ client: new MemoryCluster() });
    expect(() => mgr.eventRecorder()).toThrow('eventRecorder() needs the manager option `events: { reportingController }`');
    mgr.addController({ name: 'x', for: Gateway, reconcile: () => undefined });
    expect(() => mgr.addController({ name: 'x', for: Service, reconcile: () => undefined })).toThrow('a controller named "x" already exists');
    expect(() => new Manager({ client: new MemoryCluster(), metricsBindAddress: 'nope' })).toThrow('invalid bind address "nope"');
  });

  it('records events through the manager recorder', async () => {
    const cluster = new MemoryCluster();
    const mgr = new Manager({ client: cluster, events: { reportingController: 'kube-vip.io/gateway', reportingInstance: 'pod-1' } });
    mgr.eventRecorder().event(gw('a'), 'Normal', 'Accepted', 'ok');
    await mgr.flushEvents();
    const { Event } = await import('../resources.js');
    expect((await cluster.list(Event)).items[0]).toMatchObject({ reason: 'Accepted', reportingInstance: 'pod-1' });
  });
});

describe('Manager leader election (fake timers)', () => {
  const LE = { namespace: 'kube-system', name: 'kube-vip-gateway' };

  function manager(client: MemoryCluster | FaultyClient, identity: string, reconciled: string[]) {
    const mgr = new Manager({ client, leaderElection: { ...LE, identity }, informers: { random: () => 0 } });
    mgr.addController({ name: 'gateway', for: Gateway, reconcile: (req) => void reconciled.push(`${identity}:${req.key}`) });
    const cms = mgr.informer(ConfigMap);
    const abort = new AbortController();
    const running = mgr.start(abort.signal);
    return { mgr, cms, stop: async () => { abort.abort(); await running; } };
  }

  it('hands over between two managers: the follower keeps a warm cache and takes over after a release', async () => {
    vi.useFakeTimers();
    const cluster = new MemoryCluster();
    await cluster.create(Gateway, gw('a'));
    await cluster.create(ConfigMap, { metadata: { name: 'c', namespace: 'ns' } });
    const reconciled: string[] = [];
    const a = manager(cluster, 'a', reconciled);
    await vi.advanceTimersByTimeAsync(100);
    const b = manager(cluster, 'b', reconciled);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(a.mgr.isLeader()).toBe(true);
    expect(b.mgr.isLeader()).toBe(false);
    expect(reconciled).toEqual(['a:ns/a']);
    expect(b.cms.store.get('ns/c')).toBeDefined(); // warm follower cache
    expect(await b.mgr.metrics.text()).toContain('leader_election_master_status{name="kube-vip-gateway"} 0');
    expect(await a.mgr.metrics.text()).toContain('leader_election_master_status{name="kube-vip-gateway"} 1');
    await cluster.create(Gateway, gw('b'));
    await vi.advanceTimersByTimeAsync(10);
    expect(reconciled).toEqual(['a:ns/a', 'a:ns/b']);

    const stopping = a.stop();
    await vi.advanceTimersByTimeAsync(100);
    await stopping;
    expect((await cluster.get<LeaseObject>(Lease, LE)).spec?.holderIdentity).toBe('');
    await vi.advanceTimersByTimeAsync(5_000);
    expect(b.mgr.isLeader()).toBe(true);
    expect(reconciled.slice(2).sort()).toEqual(['b:ns/a', 'b:ns/b']);
    expect(await b.mgr.metrics.text()).toContain('leader_election_master_status{name="kube-vip-gateway"} 1');
    const stoppingB = b.stop();
    await vi.advanceTimersByTimeAsync(100);
    await stoppingB;
  });

  it('stops reconciling at once when the lease is lost, and the other manager takes over after expiry', async () => {
    vi.useFakeTimers();
    const cluster = new MemoryCluster();
    const faultyA = new FaultyClient(cluster);
    const reconciled: string[] = [];
    const a = manager(faultyA, 'a', reconciled);
    await vi.advanceTimersByTimeAsync(100);
    const b = manager(cluster, 'b', reconciled);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(a.mgr.isLeader()).toBe(true);
    // a's API access to the Lease breaks (partition): renewals fail.
    faultyA.failNext('get', new ServerError('unreachable', { code: 503 }), 100_000);
    await vi.advanceTimersByTimeAsync(11_000);
    expect(a.mgr.isLeader()).toBe(false);
    expect(await a.mgr.metrics.text()).toContain('leader_election_master_status{name="kube-vip-gateway"} 0');
    await cluster.create(Gateway, gw('x')); // a must not reconcile this any more
    await vi.advanceTimersByTimeAsync(10_000);
    expect(b.mgr.isLeader()).toBe(true);
    expect(reconciled.filter((r) => r.startsWith('a:'))).toEqual([]);
    expect(reconciled).toContain('b:ns/x');
    const s1 = a.stop();
    const s2 = b.stop();
    await vi.advanceTimersByTimeAsync(100);
    await Promise.all([s1, s2]);
  });
});

describe('setupSignalHandler', () => {
  it('aborts on the first SIGTERM or SIGINT and exits on the second', () => {
    const proc = Object.assign(new EventEmitter(), { exit: vi.fn() });
    const signal = setupSignalHandler(proc as unknown as NodeJS.Process);
    expect(signal.aborted).toBe(false);
    proc.emit('SIGTERM');
    expect(signal.aborted).toBe(true);
    expect(proc.exit).not.toHaveBeenCalled();
    proc.emit('SIGINT');
    expect(proc.exit).toHaveBeenCalledWith(1);
  });
});
