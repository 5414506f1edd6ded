import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConnectionError, GoneError, ServerError, TooManyRequestsError } from '../errors.js';
import { Informer, LAST_APPLIED_ANNOTATION, stripBulkyMetadata, type InformerEvent } from './informer.js';
import { MemoryCluster } from '../memory-cluster/memory-cluster.js';
import type { KubeObject } from '../object.js';
import { ConfigMap } from '../resources.js';
import { indexByLabel } from './store.js';
import { FaultyClient } from '../testing/faulty-client.js';

type CM = KubeObject & { data?: Record<string, string> };
const cm = (name: string, data: Record<string, string> = {}, labels: Record<string, string> = {}): CM => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'ns', labels },
  data,
});

let informers: Informer<CM>[] = [];
function make(client: FaultyClient | MemoryCluster, opts: ConstructorParameters<typeof Informer<CM>>[2] = {}) {
  const events: InformerEvent[] = [];
  const log: string[] = [];
  const inf = new Informer<CM>(client, ConfigMap, { random: () => 0, onEvent: (e) => events.push(e), ...opts });
  inf.addEventHandler({
    onAdd: (o) => log.push(`add ${o.metadata.name}`),
    onUpdate: (a, b) => log.push(`update ${b.metadata.name} ${a.data?.v ?? ''}->${b.data?.v ?? ''}`),
    onDelete: (o) => log.push(`delete ${o.metadata.name}`),
  });
  informers.push(inf);
  return { inf, events, log };
}

const flush = () => vi.advanceTimersByTimeAsync(0);

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(async () => {
  for (const i of informers) await i.stop();
  informers = [];
  vi.useRealTimers();
});

describe('Informer basics', () => {
  it('lists, syncs, then mirrors creates, updates and deletes into the store and the handlers', async () => {
    const cluster = new MemoryCluster();
    await cluster.create(ConfigMap, cm('a', { v: '1' }));
    const { inf, log } = make(cluster);
    expect(inf.hasSynced()).toBe(false);
    const synced = inf.waitForSync();
    inf.start();
    await synced;
    expect(inf.hasSynced()).toBe(true);
    expect(inf.store.get('ns/a')?.data).toEqual({ v: '1' });
    await cluster.create(ConfigMap, cm('b'));
    await cluster.patch(ConfigMap, { namespace: 'ns', name: 'a' }, { type: 'merge', patch: { data: { v: '2' } } });
    await cluster.delete(ConfigMap, { namespace: 'ns', name: 'b' });
    await flush();
    expect(log).toEqual(['add a', 'add b', 'update a 1->2', 'delete b']);
    expect(inf.store.list().map((o) => o.metadata.name)).toEqual(['a']);
    expect(inf.lastSyncResourceVersion).toBe(cluster.resourceVersion);
  });

  it('asks for bookmarks and a jittered watch timeout in [base, 2*base)', async () => {
    const client = new FaultyClient(new MemoryCluster());
    const { inf } = make(client, { random: () => 0.5, watchTimeoutSeconds: 300 });
    inf.start();
    await inf.waitForSync();
    await flush();
    expect(client.callsOf('watch')[0]?.args).toMatchObject({ allowWatchBookmarks: true, timeoutSeconds: 450, resourceVersion: expect.any(String) });
  });

  it('drops managedFields by default and applies a custom transform instead when given', async () => {
    const cluster = new MemoryCluster();
    await cluster.create(ConfigMap, cm('a'));
    const withManagedFields = new FaultyClient(cluster);
    const list = withManagedFields.list.bind(withManagedFields);
    withManagedFields.list = (async (res, opts) => {
      const page = await list(res, opts);
      return { ...page, items: page.items.map((o) => ({ ...o, metadata: { ...o.metadata, managedFields: [{ manager: 'kubectl' }] } })) };
    }) as typeof withManagedFields.list;
    const { inf: plain } = make(withManagedFields);
    plain.start();
    await plain.waitForSync();
    expect(plain.store.get('ns/a')?.metadata).not.toHaveProperty('managedFields');
    const { inf } = make(withManagedFields, { transform: (o) => ({ ...o, data: { transformed: 'yes' } }) });
    inf.start();
    await inf.waitForSync();
    expect(inf.store.get('ns/a')?.data).toEqual({ transformed: 'yes' });
    expect(inf.store.get('ns/a')?.metadata.managedFields).toEqual([{ manager: 'kubectl' }]);
  });

  it("drops kubectl's last-applied-configuration by default, in lists and in watch events, keeping other annotations", async () => {
    const cluster = new MemoryCluster();
    const applied = (name: string, v: string): CM => ({
      ...cm(name, { v }),
      metadata: { name, namespace: 'ns', annotations: { [LAST_APPLIED_ANNOTATION]: JSON.stringify(cm(name, { v })), keep: 'me' } },
    });
    await cluster.create(ConfigMap, applied('a', '1'));
    const { inf } = make(cluster);
    inf.start();
    await inf.waitForSync();
    expect(inf.store.get('ns/a')?.metadata.annotations).toEqual({ keep: 'me' });
    const current = await cluster.get<CM>(ConfigMap, { namespace: 'ns', name: 'a' });
    await cluster.update(ConfigMap, { ...current, data: { v: '2' }, metadata: { ...current.metadata, annotations: { [LAST_APPLIED_ANNOTATION]: '{"v":"2"}' } } });
    await vi.waitFor(() => expect(inf.store.get('ns/a')?.data).toEqual({ v: '2' }));
    expect(inf.store.get('ns/a')?.metadata.annotations).toEqual({});
    // The server's object is untouched: only the cache is slimmed.
    expect((await cluster.get<CM>(ConfigMap, { namespace: 'ns', name: 'a' })).metadata.annotations).toHaveProperty([LAST_APPLIED_ANNOTATION]);
  });

  it('stripBulkyMetadata returns the same object when there is nothing to drop', () => {
    const plain = cm('a');
    expect(stripBulkyMetadata(plain)).toBe(plain);
    const withBoth = { ...plain, metadata: { ...plain.metadata, managedFields: [{}], annotations: { [LAST_APPLIED_ANNOTATION]: '{}', x: 'y' } } };
    const slim = stripBulkyMetadata(withBoth);
    expect(slim.metadata).not.toHaveProperty('managedFields');
    expect(slim.metadata.annotations).toEqual({ x: 'y' });
    expect(withBoth.metadata.annotations).toHaveProperty([LAST_APPLIED_ANNOTATION]);
  });

  it('keeps secondary indexes current through events', async () => {
    const cluster = new MemoryCluster();
    await cluster.create(ConfigMap, cm('a', {}, { gw: 'one' }));
    const { inf } = make(cluster, { indexers: { gateway: indexByLabel('gw') } });
    inf.start();
    await inf.waitForSync();
    expect(inf.store.byIndex('gateway', 'one').map((o) => o.metadata.name)).toEqual(['a']);
    await cluster.patch(ConfigMap, { namespace: 'ns', name: 'a' }, { type: 'merge', patch: { metadata: { labels: { gw: 'two' } } } });
    await cluster.create(ConfigMap, cm('b', {}, { gw: 'two' }));
    await flush();
    expect(inf.store.byIndex('gateway', 'one')).toEqual([]);
    expect(inf.store.indexKeys('gateway', 'two').sort()).toEqual(['ns/a', 'ns/b']);
    expect(inf.store.listNamespace('ns')).toHaveLength(2);
  });

  it('replays the cache as adds to a late handler, and stops calling a removed one', async () => {
    const cluster = new MemoryCluster();
    await cluster.create(ConfigMap, cm('a'));
    const { inf } = make(cluster);
    inf.start();
    await inf.waitForSync();
    const late: string[] = [];
    const remove = inf.addEventHandler({ onAdd: (o) => late.push(o.metadata.name) });
    expect(late).toEqual(['a']);
    remove();
    await cluster.create(ConfigMap, cm('b'));
    await flush();
    expect(late).toEqual(['a']);
  });

  it('a throwing handler does not stop other handlers or the informer', async () => {
    const cluster = new MemoryCluster();
    const { inf, log } = make(cluster);
    inf.addEventHandler({ onAdd: () => { throw new Error('bad handler'); } });
    inf.start();
    await inf.waitForSync();
    await cluster.create(ConfigMap, cm('a'));
    await cluster.create(ConfigMap, cm('b'));
    await flush();
    expect(log).toEqual(['add a', 'add b']);
  });

  it('waitForSync rejects when its signal aborts first', async () => {
    const client = new FaultyClient(new MemoryCluster()).failNext('list', new ServerError('down', { code: 503 }), 100);
    const { inf } = make(client);
    inf.start();
    const ac = new AbortController();
    const waiting = inf.waitForSync(ac.signal);
    ac.abort(new Error('gave up'));
    await expect(waiting).rejects.toThrow('gave up');
  });

  it('pages its list and starts over when a continue token expires', async () => {
    const cluster = new MemoryCluster();
    for (const n of ['a', 'b', 'c', 'd', 'e']) await cluster.create(ConfigMap, cm(n));
    const client = new FaultyClient(cluster);
    const { inf } = make(client, { pageSize: 2 });
    inf.start();
    await inf.waitForSync();
    expect(client.callsOf('list')).toHaveLength(3);
    expect(inf.store.size).toBe(5);

    const client2 = new FaultyClient(cluster);
    let calls = 0;
    const origList = client2.list.bind(client2);
    client2.list = (async (res, opts) => {
      calls++;
      if (calls === 2) throw new GoneError('continue expired', { code: 410 });
      return origList(res, opts);
    }) as typeof client2.list;
    const { inf: inf2 } = make(client2, { pageSize: 2 });
    inf2.start();
    await inf2.waitForSync();
    expect(inf2.store.size).toBe(5);
    expect(calls).toBe(5);
  });
});

describe('Informer recovery', () => {
  it('resumes from the last resourceVersion after a watch ends, without re-listing, and misses nothing', async () => {
    const cluster = new MemoryCluster();
    const client = new FaultyClient(cluster);
    const { inf, log } = make(client);
    inf.start();
    await inf.waitForSync();
    await cluster.create(ConfigMap, cm('a'));
    await flush();
    const rvAfterA = inf.lastSyncResourceVersion;
    client.dropWatches();
    await cluster.create(ConfigMap, cm('b')); // happens while no watch is open
    await flush();
    expect(client.callsOf('list')).toHaveLength(1);
    const watches = client.callsOf('watch');
    expect(watches).toHaveLength(2);
    expect(watches[1]?.args).toMatchObject({ resourceVersion: rvAfterA });
    expect(log).toEqual(['add a', 'add b']);
  });

  it('reconnects after a dropped connection with backoff (800 ms first), never giving up', async () => {
    const cluster = new MemoryCluster();
    const client = new FaultyClient(cluster);
    const { inf, events, log } = make(client);
    inf.start();
    await inf.waitForSync();
    await flush();
    client.failNext('watch', new ConnectionError('ECONNRESET', { code: 0 }), 30);
    client.dropWatches(new ConnectionError('ECONNRESET', { code: 0 }));
    await flush();
    expect(events.filter((e) => e.type === 'error').map((e) => (e as { retryInMs: number }).retryInMs)).toEqual([800]);
    await vi.advanceTimersByTimeAsync(799);
    expect(client.callsOf('watch')).toHaveLength(1); // the first retry is not sent before 800 ms
    await vi.advanceTimersByTimeAsync(1);
    expect(client.callsOf('watch')).toHaveLength(2);
    // 30 consecutive failures later it is still trying, with delays capped at 30 s.
    await vi.advanceTimersByTimeAsync(30 * 30_000);
    const delays = events.filter((e) => e.type === 'error').map((e) => (e as { retryInMs: number }).retryInMs);
    expect(delays.slice(0, 7)).toEqual([800, 1600, 3200, 6400, 12800, 25600, 30000]);
    expect(Math.max(...delays)).toBe(30_000);
    await cluster.create(ConfigMap, cm('after-outage'));
    await vi.advanceTimersByTimeAsync(30_000);
    expect(log).toContain('add after-outage');
    expect(inf.running).toBe(true);
  });

  it('re-lists on 410 Gone, turning what changed while away into add, update and delete events', async () => {
    const cluster = new MemoryCluster();
    await cluster.create(ConfigMap, cm('stays', { v: '1' }));
    await cluster.create(ConfigMap, cm('changes', { v: '1' }));
    await cluster.create(ConfigMap, cm('goes', { v: '1' }));
    const client = new FaultyClient(cluster);
    const { inf, events, log } = make(client);
    inf.start();
    await inf.waitForSync();
    log.length = 0;
    client.failNext('watch', new ConnectionError('reset', { code: 0 }));
    client.dropWatches(new ConnectionError('reset', { code: 0 }));
    await flush();
    // While the informer waits to reconnect: changes, then etcd compaction.
    await cluster.delete(ConfigMap, { namespace: 'ns', name: 'goes' });
    await cluster.patch(ConfigMap, { namespace: 'ns', name: 'changes' }, { type: 'merge', patch: { data: { v: '2' } } });
    await cluster.create(ConfigMap, cm('new'));
    cluster.compact();
    await vi.advanceTimersByTimeAsync(1600);
    expect(events.some((e) => e.type === 'relist')).toBe(true);
    expect(client.callsOf('list')).toHaveLength(2);
    expect(log.sort()).toEqual(['add new', 'delete goes', 'update changes 1->2']);
    expect(inf.store.keys().sort()).toEqual(['ns/changes', 'ns/new', 'ns/stays']);
  });

  it('backs off on list errors (800, 1600, 3200 ms) and honours Retry-After when longer', async () => {
    const client = new FaultyClient(new MemoryCluster())
      .failNext('list', new ServerError('etcd down', { code: 503 }), 3)
      .failNext('list', new TooManyRequestsError('slow down', { code: 429, retryAfterSeconds: 10 }));
    const { inf, events } = make(client);
    inf.start();
    await flush();
    expect(client.callsOf('list')).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(799);
    expect(client.callsOf('list')).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(client.callsOf('list')).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1600);
    expect(client.callsOf('list')).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(3200);
    expect(client.callsOf('list')).toHaveLength(4);
    await vi.advanceTimersByTimeAsync(9_999);
    expect(inf.hasSynced()).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(inf.hasSynced()).toBe(true);
    expect(events.filter((e) => e.type === 'error').map((e) => (e as { retryInMs: number }).retryInMs)).toEqual([800, 1600, 3200, 10_000]);
  });

  it('starts the backoff over after 120 s without failures', async () => {
    const cluster = new MemoryCluster();
    const client = new FaultyClient(cluster);
    const { inf, events } = make(client);
    inf.start();
    await inf.waitForSync();
    await flush();
    const boom = () => new ConnectionError('reset', { code: 0 });
    client.failNext('watch', boom(), 2);
    client.dropWatches(boom());
    await vi.advanceTimersByTimeAsync(800 + 1600 + 10);
    await vi.advanceTimersByTimeAsync(121_000);
    client.dropWatches(boom());
    await flush();
    const delays = events.filter((e) => e.type === 'error').map((e) => (e as { retryInMs: number }).retryInMs);
    expect(delays).toEqual([800, 1600, 3200, 800]);
  });

  it('replaces a watch that stays silent past the inactivity timeout', async () => {
    const cluster = new MemoryCluster({ bookmarkIntervalMs: 10 * 60_000 });
    const client = new FaultyClient(cluster);
    const { inf, events } = make(client, { inactivityTimeoutMs: 5_000 });
    inf.start();
    await inf.waitForSync();
    await vi.advanceTimersByTimeAsync(4_999);
    expect(client.callsOf('watch')).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(events).toContainEqual({ type: 'watch-ended', events: 0, reason: 'inactive' });
    await vi.advanceTimersByTimeAsync(1_000);
    expect(client.callsOf('watch').length).toBeGreaterThanOrEqual(2);
    expect(client.openWatches).toBe(1);
    await cluster.create(ConfigMap, cm('x'));
    await flush();
    expect(inf.store.get('ns/x')).toBeDefined();
  });

  it('uses bookmarks to advance its resourceVersion', async () => {
    const cluster = new MemoryCluster({ bookmarkIntervalMs: 1_000 });
    const { inf } = make(cluster);
    inf.start();
    await inf.waitForSync();
    const before = inf.lastSyncResourceVersion;
    // Changes to another kind move the global resourceVersion without a ConfigMap event.
    const { Service } = await import('../resources.js');
    await cluster.create(Service, { metadata: { name: 's', namespace: 'ns' } });
    await vi.advanceTimersByTimeAsync(1_000);
    expect(inf.lastSyncResourceVersion).not.toBe(before);
    expect(inf.lastSyncResourceVersion).toBe(cluster.resourceVersion);
  });

  it('does not spin when the server ends every watch at once', async () => {
    const cluster = new MemoryCluster();
    const client = new FaultyClient(cluster);
    const { inf } = make(client);
    const origWatch = client.watch.bind(client);
    client.watch = ((res, opts) => {
      const s = origWatch(res, opts);
      s.close();
      return s;
    }) as typeof client.watch;
    inf.start();
    await inf.waitForSync();
    await vi.advanceTimersByTimeAsync(10_000);
    // 800 + 1600 + 3200 + 6400 > 10 s: at most 5 watches in 10 s instead of thousands.
    expect(client.callsOf('watch').length).toBeLessThanOrEqual(5);
  });

  it('stop() ends the loop and closes the watch; start() again resumes', async () => {
    const cluster = new MemoryCluster();
    const { inf, log } = make(cluster);
    inf.start();
    await inf.waitForSync();
    await flush();
    expect(cluster.openWatches).toBe(1);
    await inf.stop();
    expect(inf.running).toBe(false);
    expect(cluster.openWatches).toBe(0);
    await cluster.create(ConfigMap, cm('while-stopped'));
    inf.start();
    await flush();
    expect(log).toEqual(['add while-stopped']);
  });
});
