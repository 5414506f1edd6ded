// Informers on the real apiserver, across what a long-running controller meets: server-side watch timeouts, an
// apiserver restart, and resourceVersions that expired while the informer was away (410 Gone -> re-list).
import { ConfigMap, Informer, KubeClient, Namespace, type InformerEvent, type KubeObject } from '@kube-vip-gw/controller-runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniqueName, useControlPlane } from './harness.js';
import { waitFor } from '@kube-vip-gw/test-support';

const plane = useControlPlane();
let client: KubeClient;

beforeAll(async () => {
  client = await KubeClient.create({ source: { kind: 'string', yaml: plane().kubeconfig } });
});
afterAll(async () => {
  await client?.close();
});

type CM = KubeObject & { data?: Record<string, string> };

async function namespaceWith(names: string[]): Promise<string> {
  const namespace = uniqueName('inf');
  await client.create(Namespace, { metadata: { name: namespace } });
  for (const name of names) await client.create<CM>(ConfigMap, { metadata: { name, namespace }, data: { v: '0' } });
  return namespace;
}

/** An informer over one namespace's ConfigMaps that records its lifecycle and handler calls. */
function watchNamespace(namespace: string, watchTimeoutSeconds?: number) {
  const lifecycle: InformerEvent[] = [];
  const seen: string[] = [];
  const informer = new Informer<CM>(client, ConfigMap, {
    namespace,
    onEvent: (e) => lifecycle.push(e),
    ...(watchTimeoutSeconds ? { watchTimeoutSeconds } : {}),
  });
  informer.addEventHandler({
    onAdd: (o) => seen.push(`add ${o.metadata.name}`),
    onUpdate: (_, o) => seen.push(`update ${o.metadata.name} ${o.data?.['v'] ?? ''}`),
    onDelete: (o) => seen.push(`delete ${o.metadata.name}`),
  });
  const names = (): string[] => informer.store.list().map((o) => o.metadata.name).sort();
  return { informer, lifecycle, seen, names };
}

describe('Informer against kube-apiserver', () => {
  it('keeps watching across server-side watch timeouts without re-listing', async () => {
    const namespace = await namespaceWith(['a']);
    const { informer, lifecycle, seen } = watchNamespace(namespace, 1);
    informer.start();
    try {
      await informer.waitForSync();
      // Each watch asks for 1-2 s; wait for the server to end at least two of them.
      await waitFor('three watches', () => lifecycle.filter((e) => e.type === 'watch-started').length >= 3, 30_000, 50);
      await client.update<CM>(ConfigMap, { metadata: { name: 'a', namespace }, data: { v: '1' } });
      await waitFor('the update after the rotations', () => seen.includes('update a 1'), 30_000, 50);
      expect(lifecycle.some((e) => e.type === 'watch-ended' && e.reason === 'closed')).toBe(true);
      expect(lifecycle.filter((e) => e.type === 'listed')).toHaveLength(1);
      expect(lifecycle.some((e) => e.type === 'relist')).toBe(false);
    } finally {
      await informer.stop();
    }
  });

  it('re-lists after 410 Gone and reports what changed while it was away', async () => {
    const namespace = await namespaceWith(['stays', 'goes']);
    const { informer, lifecycle, seen, names } = watchNamespace(namespace);
    informer.start();
    await informer.waitForSync();
    await informer.stop(); // the cache and its resourceVersion are kept, as during a long disconnection

    await client.delete(ConfigMap, { namespace, name: 'goes' });
    await client.create<CM>(ConfigMap, { metadata: { name: 'new', namespace } });
    await client.update<CM>(ConfigMap, { metadata: { name: 'stays', namespace }, data: { v: '2' } });
    await plane().expireResourceVersions();

    seen.length = 0;
    informer.start();
    try {
      await waitFor('the cache to match the server', () => names().join(',') === 'new,stays', 30_000, 50);
      expect(lifecycle).toContainEqual({ type: 'relist', reason: 'gone' });
      expect([...seen].sort()).toEqual(['add new', 'delete goes', 'update stays 2']);
    } finally {
      await informer.stop();
    }
  });

  it('rides through an apiserver restart while running', async () => {
    const namespace = await namespaceWith(['before']);
    const { informer, lifecycle, names } = watchNamespace(namespace);
    informer.start();
    try {
      await informer.waitForSync();
      // An unrelated write moves etcd past the informer's resourceVersion, so the restarted watch cache starts after it.
      await client.create(Namespace, { metadata: { name: uniqueName('bump') } });
      await plane().expireResourceVersions();
      await client.create<CM>(ConfigMap, { metadata: { name: 'after', namespace } });
      await waitFor('the object created after the restart', () => names().join(',') === 'after,before', 30_000, 50);
      expect(lifecycle).toContainEqual({ type: 'relist', reason: 'gone' });
    } finally {
      await informer.stop();
    }
  });
});
