// The two disruptions the reliability tests build on: an apiserver restart (same etcd, same port, same
// credentials) and expired resourceVersions (etcd compaction), which informers see as 410 Gone.
import { CoreV1Api, CustomObjectsApi, Watch, type KubeConfig } from '@kubernetes/client-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { apiFailure, createNamespace, kubeConfigFrom, useControlPlane } from './harness.js';

const plane = useControlPlane({ gatewayApiCrds: 'standard' });
let kc: KubeConfig;
let core: CoreV1Api;

beforeAll(() => {
  kc = kubeConfigFrom(plane().kubeconfig);
  core = kc.makeApiClient(CoreV1Api);
});

/** One watch event as @kubernetes/client-node delivers it. */
interface WatchEvent {
  readonly type: string;
  readonly object: { metadata?: { name?: string }; code?: number; reason?: string; message?: string };
}

/** Opens a watch and collects its events until it ends (or `timeoutMs`, when it is aborted). */
async function collectWatch(path: string, resourceVersion: string, timeoutMs: number): Promise<{ events: WatchEvent[]; ended: unknown }> {
  const events: WatchEvent[] = [];
  let finish: (ended: unknown) => void = () => undefined;
  const done = new Promise<unknown>((resolve) => (finish = resolve));
  const controller = await new Watch(kc).watch(
    path,
    { resourceVersion },
    (type, object: WatchEvent['object']) => events.push({ type, object }),
    (err: unknown) => finish(err ?? 'closed'),
  );
  const timer = setTimeout(() => {
    controller.abort();
    finish('timeout');
  }, timeoutMs);
  const ended = await done;
  clearTimeout(timer);
  return { events, ended };
}

describe('restartApiServer', () => {
  it('keeps every object, the address and the credentials', async () => {
    const namespace = await createNamespace(kc, 'restart');
    const cm = await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'kept' }, data: { answer: '42' } } });
    const objects = kc.makeApiClient(CustomObjectsApi);
    await objects.createNamespacedCustomObject({
      group: 'gateway.networking.k8s.io',
      version: 'v1',
      namespace,
      plural: 'gateways',
      body: { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: 'gw' }, spec: { gatewayClassName: 'c', listeners: [{ name: 't', protocol: 'TCP', port: 1 }] } },
    });
    const before = { server: plane().server, pid: plane().pids.apiServer };

    const t0 = performance.now();
    await plane().restartApiServer();
    console.info(`[e2e] kube-apiserver restart ${((performance.now() - t0) / 1000).toFixed(2)} s`);

    expect(plane().server).toBe(before.server);
    expect(plane().pids.apiServer).not.toBe(before.pid);
    const again = await core.readNamespacedConfigMap({ namespace, name: 'kept' });
    expect(again.metadata?.uid).toBe(cm.metadata?.uid);
    expect(again.data).toEqual({ answer: '42' });
    const gw = (await objects.getNamespacedCustomObject({ group: 'gateway.networking.k8s.io', version: 'v1', namespace, plural: 'gateways', name: 'gw' })) as {
      metadata: { name: string };
    };
    expect(gw.metadata.name).toBe('gw');
  });

  it('survives a hard kill (graceful: false) the same way', async () => {
    const namespace = await createNamespace(kc, 'kill');
    await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'kept' } } });
    await plane().restartApiServer({ graceful: false });
    expect((await core.readNamespacedConfigMap({ namespace, name: 'kept' })).metadata?.name).toBe('kept');
  });

  it('ends watches that were open, as a real restart does', async () => {
    const namespace = await createNamespace(kc, 'watch-restart');
    const rv = (await core.listNamespacedConfigMap({ namespace })).metadata?.resourceVersion ?? '';
    const watching = collectWatch(`/api/v1/namespaces/${namespace}/configmaps`, rv, 30_000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await plane().restartApiServer();
    const { ended } = await watching;
    expect(ended).not.toBe('timeout');
  });
});

describe('compaction and 410 Gone', () => {
  it('compactEtcd makes exact reads at an older resourceVersion answer 410', async () => {
    const namespace = await createNamespace(kc, 'compact');
    const first = await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'v' }, data: { n: '1' } } });
    const oldRv = first.metadata?.resourceVersion ?? '';
    await core.replaceNamespacedConfigMap({ namespace, name: 'v', body: { metadata: { name: 'v' }, data: { n: '2' } } });
    // Control: before compaction the old revision is still readable.
    const old = await core.listNamespacedConfigMap({ namespace, resourceVersion: oldRv, resourceVersionMatch: 'Exact' });
    expect(old.items[0]?.data).toEqual({ n: '1' });

    const revision = await plane().compactEtcd();
    expect(revision).toBeGreaterThan(Number(oldRv));
    await plane().restartApiServer(); // the watch cache would otherwise answer from memory
    const failure = await apiFailure(() => core.listNamespacedConfigMap({ namespace, resourceVersion: oldRv, resourceVersionMatch: 'Exact' }));
    expect(failure.code).toBe(410);
    expect(failure.reason).toBe('Expired');
  });

  it('expireResourceVersions makes a watch from an old resourceVersion get 410 Gone', async () => {
    const namespace = await createNamespace(kc, 'expire');
    const created = await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'w' }, data: { n: '1' } } });
    const oldRv = created.metadata?.resourceVersion ?? '';
    await core.replaceNamespacedConfigMap({ namespace, name: 'w', body: { metadata: { name: 'w' }, data: { n: '2' } } });
    const path = `/api/v1/namespaces/${namespace}/configmaps`;

    // Control: the same watch replays the update while the resourceVersion is still valid.
    const replay = await collectWatch(path, oldRv, 1_500);
    expect(replay.events.map((e) => e.type)).toEqual(['MODIFIED']);

    await plane().expireResourceVersions();
    const gone = await collectWatch(path, oldRv, 10_000);
    expect(gone.events[0]?.type).toBe('ERROR');
    expect(gone.events[0]?.object).toMatchObject({ code: 410, reason: 'Expired' });
    expect(gone.events[0]?.object.message).toContain('too old resource version');
  });

  it('reports etcd revisions that only grow', async () => {
    const before = await plane().etcdRevision();
    await createNamespace(kc, 'rev');
    const after = await plane().etcdRevision();
    expect(after).toBeGreaterThan(before);
  });
});
