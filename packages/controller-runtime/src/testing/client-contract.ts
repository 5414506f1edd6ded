// The shared behaviour contract of Client implementations. The same suite runs against MemoryCluster (unit tests),
// KubeClient over an HTTP front-end of MemoryCluster (unit tests), and KubeClient against a real kube-apiserver (e2e),
// so MemoryCluster cannot drift from the real server unnoticed. Assertions stick to behaviour both must share: no exact
// resourceVersions, no server defaults, no garbage collection (envtest runs no controller-manager).

import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apply, type Client, isServed, listAll, type WatchEvent } from '../client/client.js';
import { isTransient } from '../errors.js';
import { finalizer, type FinalizerEvent } from '../controller/finalizer.js';
import { EventBroadcaster, type EventObject } from '../events/events.js';
import { Informer } from '../cache/informer.js';
import { LeaderElector, type LeaseObject } from '../leader-election/leader-election.js';
import type { KubeObject } from '../object.js';
import { ConfigMap, Event, GatewayClass, Lease, Service } from '../resources.js';
import { indexByLabel } from '../cache/store.js';
import { formatMicroTime, parseKubeTime } from '../time.js';

/** What a contract run needs: a client, a namespace that exists and is empty enough to create objects in, and a cleanup. */
export interface ContractContext {
  client: Client;
  namespace: string;
  cleanup(): Promise<void>;
}

type CM = KubeObject & { data?: Record<string, string> };
type Svc = KubeObject & { spec?: Record<string, unknown>; status?: { loadBalancer?: { ingress?: Array<{ ip?: string }> } } };
type GC = KubeObject & { spec: { controllerName: string; description?: string }; status?: Record<string, unknown> };
type LeaseObj = KubeObject & { spec?: { holderIdentity?: string; acquireTime?: string; renewTime?: string; leaseDurationSeconds?: number } };

/** A short random suffix so concurrent or repeated runs never collide on names. */
export function uniqueSuffix(): string {
  return randomBytes(4).toString('hex');
}

/** Collects watch events until `until` returns true for the list so far, or fails after `timeoutMs`. */
export async function collectEvents<T extends KubeObject>(
  stream: AsyncIterable<WatchEvent<T>> & { close(): void },
  until: (events: WatchEvent<T>[]) => boolean,
  timeoutMs = 10_000,
): Promise<WatchEvent<T>[]> {
  const events: WatchEvent<T>[] = [];
  const timer = setTimeout(() => stream.close(), timeoutMs);
  try {
    for await (const ev of stream) {
      if (ev.type === 'BOOKMARK') continue;
      events.push(ev);
      if (until(events)) break;
    }
  } finally {
    clearTimeout(timer);
    stream.close();
  }
  return events;
}

/** Polls `check` until it returns a value other than undefined, or throws after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined> | T | undefined, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Registers the Client contract tests under `describe(name)`. `setup` runs once before the tests and gives the client
 * and a namespace; `cleanup` runs after them. Tests about Gateway API kinds skip themselves when the server does not
 * serve gateway.networking.k8s.io/v1 GatewayClass.
 */
export function describeClientContract(name: string, setup: () => Promise<ContractContext>): void {
  describe(`Client contract: ${name}`, () => {
    let ctx: ContractContext;
    let client: Client;
    let ns: string;
    const run = uniqueSuffix();
    const clusterScoped: string[] = [];

    beforeAll(async () => {
      ctx = await setup();
      client = ctx.client;
      ns = ctx.namespace;
    });

    afterAll(async () => {
      for (const n of clusterScoped) await client.delete(GatewayClass, { name: n }).catch(() => undefined);
      await ctx?.cleanup();
    });

    const cm = (n: string, data: Record<string, string> = {}, labels: Record<string, string> = {}): CM => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: `${n}-${run}`, namespace: ns, labels: { 'contract-run': run, ...labels } },
      data,
    });

    it('create fills in uid, resourceVersion, creationTimestamp, apiVersion and kind; get returns the same object', async () => {
      const created = await client.create(ConfigMap, cm('create', { a: '1' }));
      expect(created.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
      expect(created.metadata.resourceVersion).toMatch(/^\d+$/);
      expect(created.metadata.creationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      expect(created.apiVersion).toBe('v1');
      expect(created.kind).toBe('ConfigMap');
      const got = await client.get<CM>(ConfigMap, { namespace: ns, name: created.metadata.name });
      expect(got.data).toEqual({ a: '1' });
      expect(got.metadata.uid).toBe(created.metadata.uid);
      expect(got.metadata.resourceVersion).toBe(created.metadata.resourceVersion);
    });

    it('create of an existing name fails with AlreadyExistsError', async () => {
      await client.create(ConfigMap, cm('dup'));
      await expect(client.create(ConfigMap, cm('dup'))).rejects.toMatchObject({ _tag: 'AlreadyExistsError', code: 409 });
    });

    it('get of a missing object fails with a non-transient NotFoundError', async () => {
      const err = await client.get(ConfigMap, { namespace: ns, name: `missing-${run}` }).catch((e: unknown) => e);
      expect(err).toMatchObject({ _tag: 'NotFoundError', code: 404 });
      expect(isTransient(err)).toBe(false);
    });

    it('an invalid object name fails with InvalidError naming the object', async () => {
      const bad = cm('x');
      bad.metadata.name = `Bad_Name-${run}`;
      const err = await client.create(ConfigMap, bad).catch((e: unknown) => e);
      expect(err).toMatchObject({ _tag: 'InvalidError', code: 422 });
      expect((err as Error).message).toContain(`Bad_Name-${run}`);
    });

    it('update with a stale resourceVersion fails with ConflictError; with the current one it succeeds', async () => {
      const created = await client.create(ConfigMap, cm('occ', { v: '1' }));
      const first = await client.update(ConfigMap, { ...created, data: { v: '2' } });
      expect(first.metadata.resourceVersion).not.toBe(created.metadata.resourceVersion);
      await expect(client.update(ConfigMap, { ...created, data: { v: '3' } })).rejects.toMatchObject({ _tag: 'ConflictError', code: 409 });
      const got = await client.get<CM>(ConfigMap, { namespace: ns, name: created.metadata.name });
      expect(got.data).toEqual({ v: '2' });
    });

    it('update without a resourceVersion is unconditional', async () => {
      const created = await client.create(ConfigMap, cm('uncond', { v: '1' }));
      const { resourceVersion: _rv, ...meta } = created.metadata;
      const updated = await client.update<CM>(ConfigMap, { ...created, metadata: meta, data: { v: '9' } });
      expect(updated.data).toEqual({ v: '9' });
    });

    it('update of a missing object fails with NotFoundError', async () => {
      await expect(client.update(ConfigMap, cm('ghost'))).rejects.toMatchObject({ _tag: 'NotFoundError' });
    });

    it('list filters by label selector (string and object form), field selector and namespace', async () => {
      await client.create(ConfigMap, cm('sel-a', {}, { tier: 'web', sel: run }));
      await client.create(ConfigMap, cm('sel-b', {}, { tier: 'db', sel: run }));
      await client.create(ConfigMap, cm('sel-c', {}, { sel: run }));
      const names = (l: { items: KubeObject[] }): string[] => l.items.map((o) => o.metadata.name).sort();
      expect(names(await client.list(ConfigMap, { namespace: ns, labelSelector: `sel=${run},tier=web` }))).toEqual([`sel-a-${run}`]);
      expect(names(await client.list(ConfigMap, { namespace: ns, labelSelector: `sel=${run},tier in (web,db)` }))).toEqual([
        `sel-a-${run}`,
        `sel-b-${run}`,
      ]);
      expect(names(await client.list(ConfigMap, { namespace: ns, labelSelector: `sel=${run},!tier` }))).toEqual([`sel-c-${run}`]);
      expect(
        names(
          await client.list(ConfigMap, {
            namespace: ns,
            labelSelector: { matchLabels: { sel: run }, matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['web'] }] },
          }),
        ),
      ).toEqual([`sel-b-${run}`, `sel-c-${run}`]);
      expect(names(await client.list(ConfigMap, { namespace: ns, fieldSelector: `metadata.name=sel-b-${run}` }))).toEqual([`sel-b-${run}`]);
      expect(names(await client.list(ConfigMap, { namespace: ns, fieldSelector: { 'metadata.name': `sel-c-${run}` } }))).toEqual([`sel-c-${run}`]);
      const all = await client.list(ConfigMap, { labelSelector: `sel=${run}` });
      expect(names(all)).toHaveLength(3);
      expect(all.items.every((o) => o.apiVersion === 'v1' && o.kind === 'ConfigMap' && o.metadata.namespace === ns)).toBe(true);
      expect(all.resourceVersion).toMatch(/^\d+$/);
    });

    it('a malformed label selector fails with BadRequestError', async () => {
      await expect(client.list(ConfigMap, { namespace: ns, labelSelector: 'a in (b' })).rejects.toMatchObject({ _tag: 'BadRequestError' });
    });

    it('list pages with limit and continue, and listAll joins the pages', async () => {
      for (const i of [1, 2, 3]) await client.create(ConfigMap, cm(`page-${i}`, {}, { page: run }));
      const first = await client.list(ConfigMap, { namespace: ns, labelSelector: `page=${run}`, limit: 2 });
      expect(first.items).toHaveLength(2);
      expect(first.continue).toBeTruthy();
      const second = await client.list(ConfigMap, { namespace: ns, labelSelector: `page=${run}`, limit: 2, continue: first.continue });
      expect(second.items).toHaveLength(1);
      expect(second.continue).toBeFalsy();
      const all = await listAll(client, ConfigMap, { namespace: ns, labelSelector: `page=${run}`, limit: 1 });
      expect(all.items.map((o) => o.metadata.name).sort()).toEqual([1, 2, 3].map((i) => `page-${i}-${run}`));
    });

    it('merge patch and JSON patch change only what they name', async () => {
      const created = await client.create(ConfigMap, cm('patch', { a: '1', b: '2' }));
      const ref = { namespace: ns, name: created.metadata.name };
      const merged = await client.patch<CM>(ConfigMap, ref, { type: 'merge', patch: { data: { a: 'x', b: null }, metadata: { labels: { p: 'q' } } } });
      expect(merged.data).toEqual({ a: 'x' });
      expect(merged.metadata.labels).toMatchObject({ p: 'q', 'contract-run': run });
      const json = await client.patch<CM>(ConfigMap, ref, {
        type: 'json',
        patch: [
          { op: 'add', path: '/data/c', value: '3' },
          { op: 'replace', path: '/data/a', value: 'y' },
        ],
      });
      expect(json.data).toEqual({ a: 'y', c: '3' });
    });

    it('a merge patch carrying a stale resourceVersion fails with ConflictError', async () => {
      const created = await client.create(ConfigMap, cm('patch-occ', { a: '1' }));
      const ref = { namespace: ns, name: created.metadata.name };
      await client.patch(ConfigMap, ref, { type: 'merge', patch: { data: { a: '2' } } });
      await expect(
        client.patch(ConfigMap, ref, { type: 'merge', patch: { metadata: { resourceVersion: created.metadata.resourceVersion }, data: { a: '3' } } }),
      ).rejects.toMatchObject({ _tag: 'ConflictError' });
    });

    it('a JSON patch whose test operation fails is rejected and changes nothing', async () => {
      const created = await client.create(ConfigMap, cm('patch-test', { a: '1' }));
      const ref = { namespace: ns, name: created.metadata.name };
      const err = await client
        .patch(ConfigMap, ref, { type: 'json', patch: [{ op: 'test', path: '/data/a', value: 'nope' }, { op: 'remove', path: '/data/a' }] })
        .catch((e: unknown) => e);
      expect((err as { _tag?: string })._tag).toMatch(/InvalidError|BadRequestError|ConflictError/);
      expect((await client.get<CM>(ConfigMap, ref)).data).toEqual({ a: '1' });
    });

    it('patch of a missing object fails with NotFoundError', async () => {
      await expect(client.patch(ConfigMap, { namespace: ns, name: `nope-${run}` }, { type: 'merge', patch: { data: { a: '1' } } })).rejects.toMatchObject({
        _tag: 'NotFoundError',
      });
    });

    it('server-side apply creates, merges, and prunes only the fields its manager stopped applying', async () => {
      const n = `apply-${run}`;
      const base = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: n, namespace: ns } };
      const one = await apply<CM>(client, ConfigMap, { ...base, metadata: { ...base.metadata, labels: { a: '1', b: '2' } }, data: { x: '1' } }, { fieldManager: 'm1', force: true });
      expect(one.metadata.labels).toEqual({ a: '1', b: '2' });
      await apply<CM>(client, ConfigMap, { ...base, data: { y: '2' } }, { fieldManager: 'm2', force: true });
      const three = await apply<CM>(client, ConfigMap, { ...base, metadata: { ...base.metadata, labels: { a: '1' } } }, { fieldManager: 'm1', force: true });
      expect(three.metadata.labels).toEqual({ a: '1' });
      expect(three.data).toEqual({ y: '2' });
      // Re-applying the same configuration changes nothing.
      const again = await apply<CM>(client, ConfigMap, { ...base, metadata: { ...base.metadata, labels: { a: '1' } } }, { fieldManager: 'm1', force: true });
      expect(again.metadata.resourceVersion).toBe(three.metadata.resourceVersion);
    });

    it('server-side apply without a field manager fails with InvalidError', async () => {
      const n = `apply-nofm-${run}`;
      await expect(
        client.patch(ConfigMap, { namespace: ns, name: n }, { type: 'apply', patch: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: n, namespace: ns } } }),
      ).rejects.toMatchObject({ _tag: 'InvalidError', code: 422 });
    });

    it('status is a separate subresource: create and update ignore it, updateStatus and patchStatus change only it', async () => {
      const svc: Svc = {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: `svc-${run}`, namespace: ns },
        spec: { type: 'LoadBalancer', ports: [{ name: 'tcp', port: 80, protocol: 'TCP', targetPort: 8080 }], selector: { app: 'x' } },
        status: { loadBalancer: { ingress: [{ ip: '192.0.2.1' }] } },
      };
      // Only the IPs are compared: a real server defaults more fields (ipMode: VIP).
      const ips = (o: Svc): string[] | undefined => o.status?.loadBalancer?.ingress?.map((i) => i.ip ?? '');
      const created = await client.create<Svc>(Service, svc);
      expect(created.status?.loadBalancer?.ingress).toBeUndefined();
      const withStatus = await client.updateStatus<Svc>(Service, {
        ...created,
        spec: { ...created.spec, selector: { app: 'changed-through-status' } },
        status: { loadBalancer: { ingress: [{ ip: '192.0.2.2' }] } },
      });
      expect(ips(withStatus)).toEqual(['192.0.2.2']);
      expect(withStatus.spec?.selector).toEqual({ app: 'x' });
      const updated = await client.update<Svc>(Service, {
        ...withStatus,
        spec: { ...withStatus.spec, selector: { app: 'y' } },
        status: { loadBalancer: { ingress: [{ ip: '192.0.2.99' }] } },
      });
      expect(updated.spec?.selector).toEqual({ app: 'y' });
      expect(ips(updated)).toEqual(['192.0.2.2']);
      const patched = await client.patchStatus<Svc>(Service, { namespace: ns, name: svc.metadata.name }, {
        type: 'merge',
        patch: { status: { loadBalancer: { ingress: [{ ip: '192.0.2.3' }] } }, spec: { selector: { app: 'ignored' } } },
      });
      expect(ips(patched)).toEqual(['192.0.2.3']);
      expect(patched.spec?.selector).toEqual({ app: 'y' });
      await expect(client.updateStatus(Service, { ...patched, metadata: { ...patched.metadata, resourceVersion: created.metadata.resourceVersion } })).rejects.toMatchObject({
        _tag: 'ConflictError',
      });
    });

    it('generation starts at 1 and moves on spec changes only (Gateway API kind)', async (t) => {
      if (!(await isServed(client, GatewayClass))) return t.skip();
      const n = `contract-${run}`;
      clusterScoped.push(n);
      const created = await client.create<GC>(GatewayClass, {
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'GatewayClass',
        metadata: { name: n },
        spec: { controllerName: 'example.com/contract' },
      });
      expect(created.metadata.generation).toBe(1);
      const labelled = await client.update<GC>(GatewayClass, { ...created, metadata: { ...created.metadata, labels: { a: 'b' } } });
      expect(labelled.metadata.generation).toBe(1);
      const described = await client.update<GC>(GatewayClass, { ...labelled, spec: { ...labelled.spec, description: 'changed' } });
      expect(described.metadata.generation).toBe(2);
      const status = {
        conditions: [
          { type: 'Accepted', status: 'True', reason: 'Accepted', message: '', observedGeneration: 2, lastTransitionTime: '2024-01-01T00:00:00Z' },
        ],
      };
      const withStatus = await client.updateStatus<GC>(GatewayClass, { ...described, status });
      expect(withStatus.metadata.generation).toBe(2);
      expect((withStatus.status as typeof status).conditions[0]?.reason).toBe('Accepted');
      const noop = await client.update<GC>(GatewayClass, withStatus);
      expect(noop.metadata.resourceVersion).toBe(withStatus.metadata.resourceVersion);
    });

    it('delete honours uid and resourceVersion preconditions and then removes the object', async () => {
      const created = await client.create(ConfigMap, cm('del'));
      const ref = { namespace: ns, name: created.metadata.name };
      await expect(client.delete(ConfigMap, ref, { preconditions: { uid: '00000000-0000-0000-0000-000000000000' } })).rejects.toMatchObject({
        _tag: 'ConflictError',
      });
      await client.update(ConfigMap, { ...created, data: { changed: 'yes' } });
      await expect(client.delete(ConfigMap, ref, { preconditions: { resourceVersion: created.metadata.resourceVersion } })).rejects.toMatchObject({
        _tag: 'ConflictError',
      });
      const result = await client.delete(ConfigMap, ref, { preconditions: { uid: created.metadata.uid } });
      expect(result).toBeUndefined();
      await expect(client.get(ConfigMap, ref)).rejects.toMatchObject({ _tag: 'NotFoundError' });
      await expect(client.delete(ConfigMap, ref)).rejects.toMatchObject({ _tag: 'NotFoundError' });
    });

    it('delete of an object with finalizers only marks it; removing the last finalizer deletes it', async () => {
      const obj = cm('fin');
      obj.metadata.finalizers = ['example.com/keep'];
      const created = await client.create(ConfigMap, obj);
      const ref = { namespace: ns, name: created.metadata.name };
      const marked = await client.delete(ConfigMap, ref);
      expect(marked?.metadata.deletionTimestamp).toBeTruthy();
      const got = await client.get(ConfigMap, ref);
      expect(got.metadata.deletionTimestamp).toBeTruthy();
      expect(got.metadata.finalizers).toEqual(['example.com/keep']);
      await expect(client.update(ConfigMap, { ...got, metadata: { ...got.metadata, finalizers: ['example.com/keep', 'example.com/new'] } })).rejects.toMatchObject({
        _tag: 'InvalidError',
      });
      await client.update(ConfigMap, { ...got, metadata: { ...got.metadata, finalizers: [] } });
      await eventually(() => client.get(ConfigMap, ref).then(() => undefined, (e: { _tag?: string }) => (e._tag === 'NotFoundError' ? true : undefined)), 10_000, 'the finalized object to disappear');
    });

    it('finalizer(): adds the finalizer before apply, runs cleanup on delete, and the object goes only after cleanup succeeded', async () => {
      const fin = 'example.com/contract-cleanup';
      const events: string[] = [];
      const reconcile = async (ev: FinalizerEvent<CM>) => {
        events.push(`${ev.type}:${(ev.object.metadata.finalizers ?? []).join('|')}`);
        return ev.type;
      };
      const created = await client.create(ConfigMap, cm('finalizer', {}, {}));
      const ref = { namespace: ns, name: created.metadata.name };
      expect(await finalizer(client, ConfigMap, fin, created, reconcile)).toBe('apply');
      const withFin = await client.get<CM>(ConfigMap, ref);
      expect(withFin.metadata.finalizers).toEqual([fin]);
      // apply saw the finalizer on the object: a delete from now on waits for cleanup.
      expect(events).toEqual([`apply:${fin}`]);
      // Already there: apply without another write.
      await finalizer(client, ConfigMap, fin, withFin, reconcile);
      expect((await client.get(ConfigMap, ref)).metadata.resourceVersion).toBe(withFin.metadata.resourceVersion);

      await client.delete(ConfigMap, ref);
      const deleting = await client.get<CM>(ConfigMap, ref);
      expect(deleting.metadata.deletionTimestamp).toBeTruthy();
      // A failing cleanup keeps the finalizer, and with it the object.
      await expect(
        finalizer(client, ConfigMap, fin, deleting, async () => {
          throw new Error('backend still busy');
        }),
      ).rejects.toThrow('backend still busy');
      expect((await client.get(ConfigMap, ref)).metadata.finalizers).toEqual([fin]);
      expect(await finalizer(client, ConfigMap, fin, deleting, reconcile)).toBe('cleanup');
      await eventually(() => client.get(ConfigMap, ref).then(() => undefined, (e: { _tag?: string }) => (e._tag === 'NotFoundError' ? true : undefined)), 10_000, 'the finalized object to disappear');
      // Deleted and without our finalizer: nothing to do.
      expect(await finalizer(client, ConfigMap, fin, { ...deleting, metadata: { ...deleting.metadata, finalizers: [] } }, async () => 'ran')).toBeUndefined();
    });

    it("finalizer(): keeps another writer's finalizer and fails with ConflictError on a stale object", async () => {
      const fin = 'example.com/contract-mine';
      const obj = cm('finalizer-other');
      obj.metadata.finalizers = ['example.com/theirs'];
      const created = await client.create(ConfigMap, obj);
      const ref = { namespace: ns, name: created.metadata.name };
      await client.patch(ConfigMap, ref, { type: 'merge', patch: { data: { changed: 'yes' } } });
      await expect(finalizer(client, ConfigMap, fin, created, async () => 'apply')).rejects.toMatchObject({ _tag: 'ConflictError' });
      const fresh = await client.get<CM>(ConfigMap, ref);
      await finalizer(client, ConfigMap, fin, fresh, async () => 'apply');
      expect((await client.get(ConfigMap, ref)).metadata.finalizers).toEqual(['example.com/theirs', fin]);
      await client.delete(ConfigMap, ref);
      await finalizer(client, ConfigMap, fin, await client.get<CM>(ConfigMap, ref), async () => 'cleanup');
      const held = await client.get(ConfigMap, ref);
      expect(held.metadata.finalizers).toEqual(['example.com/theirs']);
      await client.update(ConfigMap, { ...held, metadata: { ...held.metadata, finalizers: [] } });
    });

    it('watch from a list resourceVersion delivers ADDED, MODIFIED and DELETED in order, with apiVersion and kind', async () => {
      const label = `watch-${run}`;
      const listed = await client.list(ConfigMap, { namespace: ns, labelSelector: `w=${label}` });
      const stream = client.watch<CM>(ConfigMap, { namespace: ns, labelSelector: `w=${label}`, resourceVersion: listed.resourceVersion });
      const events = collectEvents(stream, (evs) => evs.some((e) => e.type === 'DELETED'));
      const created = await client.create(ConfigMap, cm('w', { a: '1' }, { w: label }));
      await client.update(ConfigMap, { ...created, data: { a: '2' } });
      await client.delete(ConfigMap, { namespace: ns, name: created.metadata.name });
      const got = await events;
      expect(got.map((e) => e.type)).toEqual(['ADDED', 'MODIFIED', 'DELETED']);
      expect(got[1]?.object.data).toEqual({ a: '2' });
      expect(got.every((e) => e.object.kind === 'ConfigMap' && e.object.apiVersion === 'v1')).toBe(true);
      const rvs = got.map((e) => BigInt(e.object.metadata.resourceVersion ?? '0'));
      expect(rvs[0]! < rvs[1]! && rvs[1]! < rvs[2]!).toBe(true);
    });

    it('watch without a resourceVersion starts with the current objects as ADDED', async () => {
      const label = `initial-${run}`;
      await client.create(ConfigMap, cm('init-a', {}, { i: label }));
      await client.create(ConfigMap, cm('init-b', {}, { i: label }));
      const events = await collectEvents(client.watch(ConfigMap, { namespace: ns, labelSelector: `i=${label}` }), (evs) => evs.length >= 2);
      expect(events.map((e) => [e.type, e.object.metadata.name]).sort()).toEqual([
        ['ADDED', `init-a-${run}`],
        ['ADDED', `init-b-${run}`],
      ]);
    });

    it('a label-selected watch sees an object leave the selection as DELETED and enter it as ADDED', async () => {
      const label = `move-${run}`;
      const created = await client.create(ConfigMap, cm('move', {}, { m: label }));
      const listed = await client.list(ConfigMap, { namespace: ns, labelSelector: `m=${label}` });
      const stream = client.watch(ConfigMap, { namespace: ns, labelSelector: `m=${label}`, resourceVersion: listed.resourceVersion });
      const events = collectEvents(stream, (evs) => evs.length >= 2);
      const moved = await client.patch(ConfigMap, { namespace: ns, name: created.metadata.name }, { type: 'merge', patch: { metadata: { labels: { m: 'elsewhere' } } } });
      await client.patch(ConfigMap, { namespace: ns, name: moved.metadata.name }, { type: 'merge', patch: { metadata: { labels: { m: label } } } });
      expect((await events).map((e) => e.type)).toEqual(['DELETED', 'ADDED']);
    });

    it('a watch with timeoutSeconds ends cleanly', async () => {
      const stream = client.watch(ConfigMap, { namespace: ns, labelSelector: `never=${run}`, timeoutSeconds: 1, resourceVersion: (await client.list(ConfigMap, { namespace: ns, limit: 1 })).resourceVersion });
      const started = Date.now();
      const events: unknown[] = [];
      for await (const ev of stream) events.push(ev);
      expect(Date.now() - started).toBeLessThan(15_000);
      expect(events.filter((e) => (e as WatchEvent<KubeObject>).type !== 'BOOKMARK')).toEqual([]);
    });

    it('watch of a resource the server does not serve fails with NotFoundError', async () => {
      const stream = client.watch({ group: 'nonexistent.example.com', version: 'v1', kind: 'Nope', plural: 'nopes', namespaced: true }, { namespace: ns });
      await expect(collectEvents(stream, () => true, 5_000)).rejects.toMatchObject({ _tag: 'NotFoundError' });
    });

    it('discovery reports served versions and resources, and nothing for unknown groups', async () => {
      expect(await client.servedVersions('')).toContain('v1');
      expect(await client.servedVersions('coordination.k8s.io')).toContain('v1');
      expect(await client.servedVersions('nonexistent.example.com')).toEqual([]);
      expect(await client.servedResources('nonexistent.example.com', 'v1')).toEqual([]);
      const core = await client.servedResources('', 'v1');
      expect(core.find((r) => r.name === 'configmaps')).toMatchObject({ kind: 'ConfigMap', namespaced: true });
      expect(core.some((r) => r.name.includes('/'))).toBe(false);
      expect(await isServed(client, Lease)).toBe(true);
    });

    it('Lease MicroTime fields written with microseconds are accepted and read back', async () => {
      const at = new Date('2024-05-06T07:08:09.123Z');
      const lease: LeaseObj = {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: `lease-${run}`, namespace: ns },
        spec: { holderIdentity: 'me', leaseDurationSeconds: 15, acquireTime: formatMicroTime(at), renewTime: formatMicroTime(at) },
      };
      await client.create(Lease, lease);
      const got = await client.get<LeaseObj>(Lease, { namespace: ns, name: lease.metadata.name });
      expect(parseKubeTime(got.spec?.renewTime)).toBe(at.getTime());
      expect(got.spec?.renewTime).toMatch(/\.\d{6}Z$/);
    });

    it('an informer lists, syncs, follows creates, updates and deletes, and keeps its indexes current', async () => {
      const label = `inf-${run}`;
      await client.create(ConfigMap, cm('inf-a', { v: '1' }, { inf: label, tier: 'web' }));
      const informer = new Informer<CM>(client, ConfigMap, {
        namespace: ns,
        labelSelector: `inf=${label}`,
        indexers: { tier: indexByLabel('tier') },
      });
      const log: string[] = [];
      informer.addEventHandler({
        onAdd: (o) => log.push(`add ${o.metadata.name}`),
        onUpdate: (_a, b) => log.push(`update ${b.metadata.name} ${b.data?.v ?? ''}`),
        onDelete: (o) => log.push(`delete ${o.metadata.name}`),
      });
      informer.start();
      try {
        await informer.waitForSync();
        expect(informer.store.get(`${ns}/inf-a-${run}`)?.data).toEqual({ v: '1' });
        expect(informer.store.get(`${ns}/inf-a-${run}`)?.metadata.managedFields).toBeUndefined();
        const b = await client.create(ConfigMap, cm('inf-b', {}, { inf: label, tier: 'db' }));
        await client.patch(ConfigMap, { namespace: ns, name: `inf-a-${run}` }, { type: 'merge', patch: { data: { v: '2' } } });
        await client.delete(ConfigMap, { namespace: ns, name: b.metadata.name });
        await eventually(() => (log.length >= 4 ? true : undefined), 10_000, 'informer events');
        expect(log).toEqual([`add inf-a-${run}`, `add inf-b-${run}`, `update inf-a-${run} 2`, `delete inf-b-${run}`]);
        expect(informer.store.byIndex('tier', 'web').map((o) => o.data)).toEqual([{ v: '2' }]);
        expect(informer.store.byIndex('tier', 'db')).toEqual([]);
      } finally {
        await informer.stop();
      }
    });

    it('leader election: one holder at a time, MicroTime renewals, hand-over after release', async () => {
      const name = `leader-${run}`;
      const timing = { leaseDurationMs: 3_000, renewDeadlineMs: 2_000, retryPeriodMs: 500 };
      const started: string[] = [];
      const a = new LeaderElector({ client, namespace: ns, name, identity: 'a', ...timing, onStartedLeading: () => started.push('a') });
      const b = new LeaderElector({ client, namespace: ns, name, identity: 'b', ...timing, onStartedLeading: () => started.push('b') });
      const stopA = new AbortController();
      const stopB = new AbortController();
      const runA = a.run(stopA.signal);
      await eventually(() => (a.isLeader() ? true : undefined), 10_000, 'a to lead');
      const runB = b.run(stopB.signal);
      try {
        await new Promise((r) => setTimeout(r, 1_500));
        expect(b.isLeader()).toBe(false);
        const held = await client.get<LeaseObject>(Lease, { namespace: ns, name });
        expect(held.spec?.holderIdentity).toBe('a');
        expect(held.spec?.renewTime).toMatch(/\.\d{6}Z$/);
        stopA.abort();
        await runA;
        await eventually(() => (b.isLeader() ? true : undefined), 10_000, 'b to take over');
        expect(started).toEqual(['a', 'b']);
        expect((await client.get<LeaseObject>(Lease, { namespace: ns, name })).spec).toMatchObject({ holderIdentity: 'b', leaseTransitions: 1 });
      } finally {
        stopA.abort();
        stopB.abort();
        await Promise.all([runA, runB]);
      }
    });

    it('events are accepted by the server and repeats aggregate into one Event with a series', async () => {
      const regarding = await client.create(ConfigMap, cm('evented'));
      const events = new EventBroadcaster({ client, reportingController: 'kube-vip.io/contract', reportingInstance: `contract-${run}`, seriesUpdateIntervalMs: 0 });
      const recorder = events.recorder();
      recorder.event(regarding, 'Normal', 'Tested', 'first occurrence');
      await events.flush();
      recorder.event(regarding, 'Normal', 'Tested', 'first occurrence');
      recorder.event(regarding, 'Normal', 'Tested', 'first occurrence');
      await events.flush();
      recorder.event(regarding, 'Warning', 'Broken', 'another kind of event');
      await events.close();
      const mine = (await client.list<EventObject>(Event, { namespace: ns })).items.filter((e) => e.regarding?.uid === regarding.metadata.uid);
      const tested = mine.filter((e) => e.reason === 'Tested');
      expect(tested).toHaveLength(1);
      expect(tested[0]).toMatchObject({ type: 'Normal', note: 'first occurrence', reportingController: 'kube-vip.io/contract', series: { count: 3 } });
      expect(mine.filter((e) => e.reason === 'Broken')).toHaveLength(1);
    });
  });
}
