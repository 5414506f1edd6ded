import { describe, expect, it } from 'vitest';
import { SharedInformerFactory } from './informer-factory.js';
import { MemoryCluster } from '../memory-cluster/memory-cluster.js';
import { ConfigMap, GatewayClass, Service } from '../resources.js';

describe('SharedInformerFactory', () => {
  it('returns one informer per resource and namespace (namespace ignored for cluster-scoped kinds)', () => {
    const f = new SharedInformerFactory(new MemoryCluster());
    expect(f.informerFor(Service)).toBe(f.informerFor(Service));
    expect(f.informerFor(Service, { namespace: 'a' })).not.toBe(f.informerFor(Service));
    expect(f.informerFor(GatewayClass, { namespace: 'a' })).toBe(f.informerFor(GatewayClass));
    expect(f.informers()).toHaveLength(3);
  });

  it('starts informers made after start, reports sync, and stops them all', async () => {
    const cluster = new MemoryCluster();
    await cluster.create(ConfigMap, { metadata: { name: 'c', namespace: 'ns' } });
    const f = new SharedInformerFactory(cluster);
    f.informerFor(Service);
    f.start();
    const late = f.informerFor(ConfigMap);
    expect(late.running).toBe(true);
    await f.waitForSync();
    expect(f.hasSynced()).toBe(true);
    expect(late.store.get('ns/c')).toBeDefined();
    await f.stop();
    expect(f.informers().every((i) => !i.running)).toBe(true);
  });

  it('a field selector makes an informer of its own, which caches only what it selects', async () => {
    const cluster = new MemoryCluster();
    await cluster.create(ConfigMap, { metadata: { name: 'a', namespace: 'kube-node-lease' } });
    await cluster.create(ConfigMap, { metadata: { name: 'b', namespace: 'ns' } });
    const f = new SharedInformerFactory(cluster);
    const narrowed = f.informerFor(ConfigMap, { fieldSelector: 'metadata.namespace!=kube-node-lease' });
    expect(narrowed).not.toBe(f.informerFor(ConfigMap));
    expect(f.informerFor(ConfigMap, { fieldSelector: 'metadata.namespace!=kube-node-lease' })).toBe(narrowed);
    f.start();
    await f.waitForSync();
    expect(narrowed.store.list().map((o) => o.metadata.name)).toEqual(['b']);
    await f.stop();
  });
});
