import { describe, expect, it } from 'vitest';
import { MemoryCluster } from '../memory-cluster/memory-cluster.js';
import { ConfigMap } from '../resources.js';
import { finalizer } from './finalizer.js';

// The behaviour against a server is in the Client contract suite (testing/client-contract.ts), which runs against
// MemoryCluster, KubeClient over HTTP and a real kube-apiserver; these are the cases that need no server round trip.
describe('finalizer()', () => {
  it('refuses a finalizer name the API server would reject, before any write', async () => {
    const cluster = new MemoryCluster();
    const cm = await cluster.create(ConfigMap, { metadata: { name: 'a', namespace: 'default' } });
    await expect(finalizer(cluster, ConfigMap, 'not a name', cm, async () => 'apply')).rejects.toMatchObject({ _tag: 'UsageError' });
    expect((await cluster.get(ConfigMap, { namespace: 'default', name: 'a' })).metadata.finalizers).toBeUndefined();
  });

  it('does not add the finalizer to an object already being deleted (the server forbids it) and does not clean up for others', async () => {
    const cluster = new MemoryCluster();
    await cluster.create(ConfigMap, { metadata: { name: 'a', namespace: 'default', finalizers: ['example.com/theirs'] } });
    const deleting = await cluster.delete(ConfigMap, { namespace: 'default', name: 'a' });
    const calls: string[] = [];
    expect(await finalizer(cluster, ConfigMap, 'example.com/mine', deleting!, async (ev) => calls.push(ev.type))).toBeUndefined();
    expect(calls).toEqual([]);
    expect((await cluster.get(ConfigMap, { namespace: 'default', name: 'a' })).metadata.finalizers).toEqual(['example.com/theirs']);
  });

  it('an error from apply propagates and leaves the finalizer on (a later delete still gets its cleanup)', async () => {
    const cluster = new MemoryCluster();
    const cm = await cluster.create(ConfigMap, { metadata: { name: 'a', namespace: 'default' } });
    await expect(
      finalizer(cluster, ConfigMap, 'example.com/mine', cm, async () => {
        throw new Error('apply failed');
      }),
    ).rejects.toThrow('apply failed');
    expect((await cluster.get(ConfigMap, { namespace: 'default', name: 'a' })).metadata.finalizers).toEqual(['example.com/mine']);
  });
});
