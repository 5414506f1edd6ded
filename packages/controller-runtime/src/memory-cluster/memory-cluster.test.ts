import { fc, test } from '@fast-check/vitest';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { apply, type WatchEvent } from '../client/client.js';
import { MemoryCluster, compareKubeVersions } from './memory-cluster.js';
import type { KubeObject } from '../object.js';
import {
  ConfigMap,
  EndpointSlice,
  GatewayClass,
  Lease,
  Namespace,
  ReferenceGrant,
  Service,
  TCPRoute,
  TCPRouteV1alpha2,
  UDPRouteV1alpha2,
} from '../resources.js';

// MemoryCluster behaviour beyond the shared contract: the parts a real envtest cannot show (garbage collection,
// namespace termination, compaction) and the emulation details (generation rules, versions, admission hooks, load).

const cm = (name: string, extra: Partial<KubeObject['metadata']> = {}, data?: Record<string, string>): KubeObject & { data?: Record<string, string> } => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'ns', ...extra },
  ...(data ? { data } : {}),
});

function ownedBy(owner: KubeObject): Partial<KubeObject['metadata']> {
  return { ownerReferences: [{ apiVersion: owner.apiVersion!, kind: owner.kind!, name: owner.metadata.name, uid: owner.metadata.uid!, controller: true }] };
}

async function names(c: MemoryCluster): Promise<string[]> {
  return (await c.list(ConfigMap, { namespace: 'ns' })).items.map((o) => o.metadata.name);
}

afterEach(() => {
  vi.useRealTimers();
});

describe('garbage collection', () => {
  it('background deletion removes dependents, transitively, once all their owners are gone', async () => {
    const c = new MemoryCluster();
    const owner = await c.create(ConfigMap, cm('owner'));
    const child = await c.create(ConfigMap, cm('child', ownedBy(owner)));
    await c.create(ConfigMap, cm('grandchild', ownedBy(child)));
    const other = await c.create(ConfigMap, cm('other-owner'));
    const shared = cm('shared', ownedBy(owner));
    shared.metadata.ownerReferences!.push({ ...ownedBy(other).ownerReferences![0]!, controller: false });
    await c.create(ConfigMap, shared);
    await c.create(Service, { metadata: { name: 'svc', namespace: 'ns', ...ownedBy(owner) } });
    expect(await c.delete(ConfigMap, { namespace: 'ns', name: 'owner' })).toBeUndefined();
    expect(await names(c)).toEqual(['other-owner', 'shared']);
    expect((await c.list(Service)).items).toEqual([]);
  });

  it('orphan deletion keeps dependents and strips the owner reference', async () => {
    const c = new MemoryCluster();
    const owner = await c.create(ConfigMap, cm('owner'));
    await c.create(ConfigMap, cm('child', ownedBy(owner)));
    await c.delete(ConfigMap, { namespace: 'ns', name: 'owner' }, { propagationPolicy: 'Orphan' });
    const child = await c.get(ConfigMap, { namespace: 'ns', name: 'child' });
    expect(child.metadata.ownerReferences).toBeUndefined();
  });

  it('foreground deletion keeps the owner (with foregroundDeletion) until blocked dependents are gone', async () => {
    const c = new MemoryCluster();
    const owner = await c.create(ConfigMap, cm('owner'));
    await c.create(ConfigMap, cm('held', { ...ownedBy(owner), finalizers: ['example.com/hold'] }));
    await c.create(ConfigMap, cm('free', ownedBy(owner)));
    const marked = await c.delete(ConfigMap, { namespace: 'ns', name: 'owner' }, { propagationPolicy: 'Foreground' });
    expect(marked?.metadata.finalizers).toEqual(['foregroundDeletion']);
    expect(await names(c)).toEqual(['held', 'owner']);
    const held = await c.get(ConfigMap, { namespace: 'ns', name: 'held' });
    expect(held.metadata.deletionTimestamp).toBeDefined();
    await c.patch(ConfigMap, { namespace: 'ns', name: 'held' }, { type: 'merge', patch: { metadata: { finalizers: null } } });
    expect(await names(c)).toEqual([]);
  });
});

describe('namespaces', () => {
  it('deleting a namespace deletes its content; finalizers hold it in Terminating, where creates are forbidden', async () => {
    const c = new MemoryCluster();
    await c.create(Namespace, { metadata: { name: 'ns' } });
    await c.create(Namespace, { metadata: { name: 'keep' } });
    await c.create(ConfigMap, cm('plain'));
    await c.create(ConfigMap, cm('held', { finalizers: ['example.com/hold'] }));
    await c.create(ConfigMap, { ...cm('elsewhere'), metadata: { name: 'elsewhere', namespace: 'keep' } });
    const ns = await c.delete<KubeObject & { status?: { phase?: string } }>(Namespace, { name: 'ns' });
    expect(ns?.status?.phase).toBe('Terminating');
    expect(await names(c)).toEqual(['held']);
    await expect(c.create(ConfigMap, cm('late'))).rejects.toMatchObject({
      _tag: 'ForbiddenError',
      message: expect.stringContaining('unable to create new content in namespace ns because it is being terminated'),
    });
    await c.patch(ConfigMap, { namespace: 'ns', name: 'held' }, { type: 'json', patch: [{ op: 'remove', path: '/metadata/finalizers' }] });
    await expect(c.get(Namespace, { name: 'ns' })).rejects.toMatchObject({ _tag: 'NotFoundError' });
    expect((await c.list(ConfigMap, { namespace: 'keep' })).items).toHaveLength(1);
  });

  it('a new namespace has phase Active, and objects may be created in namespaces that do not exist (lenient)', async () => {
    const c = new MemoryCluster();
    const ns = await c.create<KubeObject & { status?: { phase?: string } }>(Namespace, { metadata: { name: 'a' } });
    expect(ns.status?.phase).toBe('Active');
    await expect(c.create(ConfigMap, { metadata: { name: 'x', namespace: 'nowhere' } })).resolves.toBeDefined();
  });
});

describe('generation and status rules', () => {
  it.each([
    [ConfigMap, { data: { a: '1' } }, { data: { a: '2' } }, undefined, undefined],
    [Service, { spec: { ports: [{ port: 80 }] } }, { spec: { ports: [{ port: 81 }] } }, undefined, undefined],
    [Lease, { spec: { holderIdentity: 'a' } }, { spec: { holderIdentity: 'b' } }, undefined, undefined],
    [EndpointSlice, { addressType: 'IPv4', endpoints: [] }, { addressType: 'IPv4', endpoints: [{ addresses: ['10.0.0.1'] }] }, 1, 2],
    [ReferenceGrant, { spec: { from: [] } }, { spec: { from: [{ group: '', kind: 'Service', namespace: 'x' }] } }, 1, 2],
    [TCPRoute, { spec: { rules: [] } }, { spec: { rules: [{}] } }, 1, 2],
  ])('%o: generation on create %s and after a spec change %s', async (res, before, after, g1, g2) => {
    const c = new MemoryCluster();
    const created = await c.create(res, { metadata: { name: 'x', namespace: 'ns' }, ...before } as KubeObject);
    expect(created.metadata.generation).toBe(g1);
    const relabelled = await c.update(res, { ...created, metadata: { ...created.metadata, labels: { a: 'b' } } });
    expect(relabelled.metadata.generation).toBe(g1);
    const changed = await c.update(res, { ...relabelled, ...after } as KubeObject);
    expect(changed.metadata.generation).toBe(g2);
  });

  it('updateStatus on a kind without a status subresource fails with NotFoundError', async () => {
    const c = new MemoryCluster();
    const created = await c.create(ConfigMap, cm('a'));
    await expect(c.updateStatus(ConfigMap, created)).rejects.toMatchObject({ _tag: 'NotFoundError', message: expect.stringContaining('no status subresource') });
  });

  it('an update that changes nothing keeps the resourceVersion and sends no watch event', async () => {
    const c = new MemoryCluster();
    const created = await c.create(ConfigMap, cm('a', {}, { k: 'v' }));
    const stream = c.watch(ConfigMap, { resourceVersion: created.metadata.resourceVersion });
    const same = await c.update(ConfigMap, created);
    const patched = await c.patch(ConfigMap, { namespace: 'ns', name: 'a' }, { type: 'merge', patch: { data: { k: 'v' } } });
    expect(same.metadata.resourceVersion).toBe(created.metadata.resourceVersion);
    expect(patched.metadata.resourceVersion).toBe(created.metadata.resourceVersion);
    await c.patch(ConfigMap, { namespace: 'ns', name: 'a' }, { type: 'merge', patch: { data: { k: 'w' } } });
    const first = await stream[Symbol.asyncIterator]().next();
    expect((first.value as WatchEvent<KubeObject & { data?: unknown }>).object.data).toEqual({ k: 'w' });
    stream.close();
  });
});

describe('server-side apply approximation', () => {
  it('applies status through the status subresource only, and prunes status fields the manager dropped', async () => {
    const c = new MemoryCluster();
    const base = { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', metadata: { name: 'gc' } };
    await apply(c, GatewayClass, { ...base, spec: { controllerName: 'a/b' } } as KubeObject, { fieldManager: 'user' });
    const one = await c.patchStatus<KubeObject & { status?: unknown; spec?: unknown }>(
      GatewayClass,
      { name: 'gc' },
      { type: 'apply', patch: { ...base, spec: { controllerName: 'ignored' }, status: { conditions: [{ type: 'Accepted' }], extra: 'x' } } },
      { fieldManager: 'ctrl' },
    );
    expect(one.spec).toEqual({ controllerName: 'a/b' });
    expect(one.status).toEqual({ conditions: [{ type: 'Accepted' }], extra: 'x' });
    const two = await c.patchStatus<KubeObject & { status?: unknown }>(
      GatewayClass,
      { name: 'gc' },
      { type: 'apply', patch: { ...base, status: { conditions: [{ type: 'Accepted', status: 'True' }] } } },
      { fieldManager: 'ctrl' },
    );
    expect(two.status).toEqual({ conditions: [{ type: 'Accepted', status: 'True' }] });
  });

  it.each([
    [{ apiVersion: 'v1', kind: 'Service', metadata: { name: 'a', namespace: 'ns' } }, /apiVersion and kind must be "v1" and "ConfigMap"/],
    [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'b', namespace: 'ns' } }, /must match the request/],
    [{ apiVersion: 'v1', kind: 'ConfigMap' }, /must be an object with metadata/],
  ])('rejects the configuration %o with BadRequestError', async (patch, why) => {
    const c = new MemoryCluster();
    await expect(c.patch(ConfigMap, { namespace: 'ns', name: 'a' }, { type: 'apply', patch }, { fieldManager: 'm' })).rejects.toMatchObject({
      _tag: 'BadRequestError',
      message: expect.stringMatching(why),
    });
  });

  it('apply of status for a missing object fails with NotFoundError', async () => {
    const c = new MemoryCluster();
    const patch = { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', metadata: { name: 'nope' }, status: {} };
    await expect(c.patchStatus(GatewayClass, { name: 'nope' }, { type: 'apply', patch }, { fieldManager: 'm' })).rejects.toMatchObject({ _tag: 'NotFoundError' });
  });
});

describe('watch history', () => {
  it('a watch from a compacted resourceVersion fails with GoneError; from the current one it works', async () => {
    const c = new MemoryCluster();
    const a = await c.create(ConfigMap, cm('a'));
    await c.create(ConfigMap, cm('z'));
    c.compact();
    const gone = c.watch(ConfigMap, { resourceVersion: a.metadata.resourceVersion });
    await expect(gone[Symbol.asyncIterator]().next()).rejects.toMatchObject({ _tag: 'GoneError', code: 410 });
    const fresh = c.watch(ConfigMap, { resourceVersion: c.resourceVersion });
    await c.create(ConfigMap, cm('b'));
    expect((await fresh[Symbol.asyncIterator]().next()).value).toMatchObject({ type: 'ADDED', object: { metadata: { name: 'b' } } });
    fresh.close();
  });

  it('keeps only historyLimit changes to resume from', async () => {
    const c = new MemoryCluster({ historyLimit: 2 });
    const first = await c.create(ConfigMap, cm('a'));
    for (const n of ['b', 'c', 'd', 'e', 'f']) await c.create(ConfigMap, cm(n));
    await expect(c.watch(ConfigMap, { resourceVersion: first.metadata.resourceVersion })[Symbol.asyncIterator]().next()).rejects.toMatchObject({
      _tag: 'GoneError',
    });
    const recent = c.watch(ConfigMap, { resourceVersion: String(Number(c.resourceVersion) - 1) });
    expect((await recent[Symbol.asyncIterator]().next()).value).toMatchObject({ object: { metadata: { name: 'f' } } });
    recent.close();
  });

  it.each(['abc', '-1'])('rejects the resourceVersion %j with BadRequestError', async (rv) => {
    const c = new MemoryCluster();
    await expect(c.watch(ConfigMap, { resourceVersion: rv })[Symbol.asyncIterator]().next()).rejects.toMatchObject({ _tag: 'BadRequestError' });
  });

  it('sends bookmarks with the current resourceVersion at the bookmark interval, and ends at timeoutSeconds', async () => {
    vi.useFakeTimers();
    const c = new MemoryCluster({ bookmarkIntervalMs: 1000 });
    const stream = c.watch(ConfigMap, { allowWatchBookmarks: true, timeoutSeconds: 3, resourceVersion: c.resourceVersion });
    const seen: WatchEvent<KubeObject>[] = [];
    const done = (async () => {
      for await (const ev of stream) seen.push(ev);
    })();
    await c.create(ConfigMap, cm('a'));
    await vi.advanceTimersByTimeAsync(1000);
    await c.create(ConfigMap, cm('b'));
    await vi.advanceTimersByTimeAsync(2000);
    await done;
    expect(seen.map((e) => e.type)).toEqual(['ADDED', 'BOOKMARK', 'ADDED', 'BOOKMARK']);
    expect(seen[1]?.object.metadata.resourceVersion).toBe(seen[0]?.object.metadata.resourceVersion);
    expect(seen[3]?.object.metadata.resourceVersion).toBe(c.resourceVersion);
    expect(c.openWatches).toBe(0);
  });

  it('an aborted signal ends the watch and unregisters it', async () => {
    const c = new MemoryCluster();
    const ac = new AbortController();
    const stream = c.watch(ConfigMap, { signal: ac.signal });
    expect(c.openWatches).toBe(1);
    ac.abort();
    expect(await stream[Symbol.asyncIterator]().next()).toEqual({ value: undefined, done: true });
    expect(c.openWatches).toBe(0);
  });

  it('closeAllWatches ends every stream cleanly', async () => {
    const c = new MemoryCluster();
    const s1 = c.watch(ConfigMap);
    const s2 = c.watch(Service);
    c.closeAllWatches();
    expect(await s1[Symbol.asyncIterator]().next()).toMatchObject({ done: true });
    expect(await s2[Symbol.asyncIterator]().next()).toMatchObject({ done: true });
    expect(c.openWatches).toBe(0);
  });

  // Invariant: folding the watch events from the start reproduces exactly what a list returns, whatever the writes.
  const op = fc.oneof(
    fc.record({ op: fc.constant('create' as const), name: fc.constantFrom('a', 'b', 'c', 'd'), v: fc.nat(3), fin: fc.boolean() }),
    fc.record({ op: fc.constant('update' as const), name: fc.constantFrom('a', 'b', 'c', 'd'), v: fc.nat(3) }),
    fc.record({ op: fc.constant('delete' as const), name: fc.constantFrom('a', 'b', 'c', 'd') }),
    fc.record({ op: fc.constant('unfinalize' as const), name: fc.constantFrom('a', 'b', 'c', 'd') }),
    fc.record({ op: fc.constant('relabel' as const), name: fc.constantFrom('a', 'b', 'c', 'd'), on: fc.boolean() }),
  );
  test.prop([fc.array(op, { maxLength: 30 }), fc.boolean()], { numRuns: 60 })(
    'watch events from the start fold into the same state as a list (with and without a label selector)',
    async (ops, selective) => {
      const c = new MemoryCluster();
      await c.create(ConfigMap, cm('seed', { labels: { pick: 'yes' } }));
      const start = c.resourceVersion; // resume point (not '0', which means "current state first")
      const selector = selective ? 'pick=yes' : undefined;
      for (const o of ops) {
        const ref = { namespace: 'ns', name: o.name };
        try {
          if (o.op === 'create') await c.create(ConfigMap, cm(o.name, { labels: { pick: 'yes' }, ...(o.fin ? { finalizers: ['x/y'] } : {}) }, { v: String(o.v) }));
          else if (o.op === 'update') await c.patch(ConfigMap, ref, { type: 'merge', patch: { data: { v: String(o.v) } } });
          else if (o.op === 'delete') await c.delete(ConfigMap, ref);
          else if (o.op === 'unfinalize') await c.patch(ConfigMap, ref, { type: 'merge', patch: { metadata: { finalizers: null } } });
          else await c.patch(ConfigMap, ref, { type: 'merge', patch: { metadata: { labels: { pick: o.on ? 'yes' : 'no' } } } });
        } catch (err) {
          expect((err as { _tag?: string })._tag).toMatch(/NotFoundError|AlreadyExistsError/);
        }
      }
      const state = new Map<string, string>([['seed', start]]);
      const stream = c.watch(ConfigMap, { resourceVersion: start, labelSelector: selector });
      const it0 = stream[Symbol.asyncIterator]();
      let lastRv = 0;
      const end = Number(c.resourceVersion);
      while (lastRv < end) {
        const next = await Promise.race([it0.next(), new Promise<undefined>((r) => setTimeout(() => r(undefined), 20))]);
        if (!next || next.done) break;
        const ev = next.value;
        const rv = Number(ev.object.metadata.resourceVersion);
        expect(rv).toBeGreaterThan(lastRv);
        lastRv = rv;
        if (ev.type === 'DELETED') state.delete(ev.object.metadata.name);
        else state.set(ev.object.metadata.name, ev.object.metadata.resourceVersion!);
      }
      stream.close();
      const listed = await c.list(ConfigMap, { labelSelector: selector });
      expect(Object.fromEntries(state)).toEqual(Object.fromEntries(listed.items.map((o) => [o.metadata.name, o.metadata.resourceVersion])));
    },
  );
});

describe('resources and versions', () => {
  it('serves all versions of a kind from one storage, answering in the version asked for', async () => {
    const c = new MemoryCluster();
    await c.create(TCPRouteV1alpha2, { metadata: { name: 'r', namespace: 'ns' } });
    const v1 = await c.get(TCPRoute, { namespace: 'ns', name: 'r' });
    expect(v1.apiVersion).toBe('gateway.networking.k8s.io/v1');
    const listed = await c.list(TCPRouteV1alpha2);
    expect(listed.items[0]?.apiVersion).toBe('gateway.networking.k8s.io/v1alpha2');
  });

  it('refuses resources it does not serve, until served', async () => {
    const c = new MemoryCluster({ resources: [ConfigMap] });
    await expect(c.list(UDPRouteV1alpha2)).rejects.toMatchObject({ _tag: 'NotFoundError', message: expect.stringContaining('udproutes.gateway.networking.k8s.io v1alpha2') });
    expect(await c.servedVersions('gateway.networking.k8s.io')).toEqual([]);
    c.serve(UDPRouteV1alpha2).serve(TCPRoute).serve(TCPRouteV1alpha2);
    expect(await c.servedVersions('gateway.networking.k8s.io')).toEqual(['v1', 'v1alpha2']);
    expect((await c.servedResources('gateway.networking.k8s.io', 'v1alpha2')).map((r) => r.name)).toEqual(['tcproutes', 'udproutes']);
    c.unserve(TCPRoute);
    expect(await c.servedVersions('gateway.networking.k8s.io')).toEqual(['v1alpha2']);
  });

  it('orders versions as discovery does', () => {
    expect(['v1alpha2', 'v1beta1', 'v2', 'v1', 'v1alpha1', 'v10', 'foo'].sort(compareKubeVersions)).toEqual([
      'v10',
      'v2',
      'v1',
      'v1beta1',
      'v1alpha2',
      'v1alpha1',
      'foo',
    ]);
  });

  it('checks the body kind against the resource', async () => {
    const c = new MemoryCluster();
    await expect(c.create(ConfigMap, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'a', namespace: 'ns' } })).rejects.toMatchObject({
      _tag: 'BadRequestError',
      message: expect.stringContaining('"v1"/"Service" does not match the resource v1 ConfigMap'),
    });
  });
});

describe('validation', () => {
  it.each([
    [Service, { name: '1abc', namespace: 'ns' }, /metadata.name: Invalid value: "1abc": a DNS-1035 label/],
    [Namespace, { name: 'a.b' }, /a lowercase RFC 1123 label/],
    [ConfigMap, { name: 'x'.repeat(254), namespace: 'ns' }, /no more than 253 characters/],
    [ConfigMap, { name: 'ok', namespace: 'Bad' }, /metadata.namespace: Invalid value: "Bad"/],
    [ConfigMap, { name: 'ok', namespace: 'ns', labels: { 'bad key': 'x' } }, /metadata.labels: Invalid value: "bad key"/],
    [ConfigMap, { name: 'ok', namespace: 'ns', labels: { k: 'bad value' } }, /metadata.labels: Invalid value: "bad value"/],
    [ConfigMap, { name: 'ok', namespace: 'ns', annotations: { '/x': 'y' } }, /metadata.annotations: Invalid value: "\/x"/],
    [ConfigMap, { name: 'ok', namespace: 'ns', ownerReferences: [{ apiVersion: 'v1', kind: 'X', name: 'n', uid: '' }] }, /ownerReferences\[0\].uid: Required value/],
    [
      ConfigMap,
      {
        name: 'ok',
        namespace: 'ns',
        ownerReferences: [
          { apiVersion: 'v1', kind: 'X', name: 'a', uid: '1', controller: true },
          { apiVersion: 'v1', kind: 'X', name: 'b', uid: '2', controller: true },
        ],
      },
      /only one reference can have Controller set to true/,
    ],
  ])('%o %o fails with InvalidError', async (res, metadata, why) => {
    const c = new MemoryCluster();
    await expect(c.create(res, { metadata } as KubeObject)).rejects.toMatchObject({ _tag: 'InvalidError', code: 422, message: expect.stringMatching(why) });
  });

  it.each([
    [{ name: 'a' }, /ConfigMap "a": a namespace is required/],
    [{ name: '', namespace: 'ns' }, /ConfigMap: a name is required/],
  ])('create with metadata %o fails with UsageError', async (metadata, why) => {
    const c = new MemoryCluster();
    await expect(c.create(ConfigMap, { metadata } as KubeObject)).rejects.toMatchObject({ _tag: 'UsageError', message: expect.stringMatching(why) });
  });

  it('rejects a resourceVersion on create and unsupported field selectors with BadRequestError', async () => {
    const c = new MemoryCluster();
    await expect(c.create(ConfigMap, cm('a', { resourceVersion: '5' }))).rejects.toMatchObject({ _tag: 'BadRequestError' });
    await expect(c.list(ConfigMap, { fieldSelector: 'spec.x=y' })).rejects.toMatchObject({
      _tag: 'BadRequestError',
      message: expect.stringContaining('field label not supported: spec.x'),
    });
  });

  it('an unknown continue token fails with GoneError', async () => {
    const c = new MemoryCluster();
    await expect(c.list(ConfigMap, { continue: 'bogus' })).rejects.toMatchObject({ _tag: 'GoneError' });
  });
});

describe('conveniences', () => {
  it('stamps creationTimestamp and deletionTimestamp from the injected clock and uids from the injected generator', async () => {
    let n = 0;
    const c = new MemoryCluster({ now: () => new Date('2030-01-02T03:04:05.678Z'), uid: () => `uid-${++n}` });
    const a = await c.create(ConfigMap, cm('a', { finalizers: ['x/y'] }));
    expect(a.metadata).toMatchObject({ uid: 'uid-1', creationTimestamp: '2030-01-02T03:04:05Z' });
    const marked = await c.delete(ConfigMap, { namespace: 'ns', name: 'a' });
    expect(marked?.metadata.deletionTimestamp).toBe('2030-01-02T03:04:05Z');
  });

  it('ignores a creationTimestamp the client sends, on create and on update, as the API server does', async () => {
    let t = new Date('2030-01-02T03:04:05Z');
    const c = new MemoryCluster({ now: () => t });
    const a = await c.create(ConfigMap, { ...cm('a'), metadata: { ...cm('a').metadata, creationTimestamp: '2001-01-01T00:00:00Z' } });
    expect(a.metadata.creationTimestamp).toBe('2030-01-02T03:04:05Z');
    t = new Date('2031-01-01T00:00:00Z');
    const b = await c.update(ConfigMap, { ...a, metadata: { ...a.metadata, creationTimestamp: '2001-01-01T00:00:00Z' }, data: { k: 'v' } });
    expect(b.metadata.creationTimestamp).toBe('2030-01-02T03:04:05Z');
  });

  it('names objects from generateName', async () => {
    const c = new MemoryCluster();
    const a = await c.create(ConfigMap, { metadata: { name: '', generateName: 'gw-', namespace: 'ns' } });
    expect(a.metadata.name).toMatch(/^gw-[a-z0-9]{5}$/);
  });

  it('does not persist dry-run writes', async () => {
    const c = new MemoryCluster();
    const dry = await c.create(ConfigMap, cm('a'), { dryRun: true });
    expect(dry.metadata.uid).toBeDefined();
    await expect(c.get(ConfigMap, { namespace: 'ns', name: 'a' })).rejects.toMatchObject({ _tag: 'NotFoundError' });
    const real = await c.create(ConfigMap, cm('a', {}, { v: '1' }));
    await c.update(ConfigMap, { ...real, data: { v: '2' } }, { dryRun: true });
    await c.delete(ConfigMap, { namespace: 'ns', name: 'a' }, { dryRun: true });
    expect(await c.get(ConfigMap, { namespace: 'ns', name: 'a' })).toMatchObject({ data: { v: '1' } });
  });

  it('runs admission hooks that default and validate', async () => {
    const c = new MemoryCluster({
      admission: [
        ({ resource, object }) => {
          if (resource.kind === 'Service') (object as { spec?: Record<string, unknown> }).spec = { type: 'ClusterIP', ...(object as { spec?: object }).spec };
        },
        ({ operation, object }) => {
          if (operation === 'update' && object.metadata.labels?.frozen) throw new Error('frozen');
        },
      ],
    });
    const svc = await c.create<KubeObject & { spec?: unknown }>(Service, { metadata: { name: 's', namespace: 'ns' }, spec: { ports: [] } } as KubeObject);
    expect(svc.spec).toEqual({ type: 'ClusterIP', ports: [] });
    await expect(c.update(Service, { ...svc, metadata: { ...svc.metadata, labels: { frozen: 'y' } } })).rejects.toThrow('frozen');
  });

  it('loads manifests: namespaces first, server fields stripped, status kept', async () => {
    const c = new MemoryCluster();
    const loaded = await c.load([
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 's', namespace: 'app', uid: 'stale', resourceVersion: '99' }, status: { loadBalancer: { ingress: [{ ip: '192.0.2.1' }] } } } as KubeObject,
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'app' } },
    ]);
    expect(loaded.map((o) => o.kind)).toEqual(['Namespace', 'Service']);
    const svc = await c.get<KubeObject & { status?: unknown }>(Service, { namespace: 'app', name: 's' });
    expect(svc.metadata.uid).not.toBe('stale');
    expect(svc.status).toEqual({ loadBalancer: { ingress: [{ ip: '192.0.2.1' }] } });
    await expect(c.load([{ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' } }])).rejects.toMatchObject({ _tag: 'UsageError' });
    expect(c.objects().map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['Namespace/app', 'Service/s']);
  });

  it('counts requests by verb', async () => {
    const c = new MemoryCluster();
    await c.create(ConfigMap, cm('a'));
    await c.get(ConfigMap, { namespace: 'ns', name: 'a' });
    await c.list(ConfigMap);
    c.watch(ConfigMap).close();
    expect(c.requestCounts()).toEqual({ create: 1, get: 1, list: 1, watch: 1 });
  });
});
