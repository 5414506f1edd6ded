import { describe, expect, it } from 'vitest';
import { Namespace, Service, type Client } from '@kube-vip-gw/controller-runtime';
import { MemoryCluster } from '@kube-vip-gw/controller-runtime/memory';
import { BatchedForeignAddresses, freshForeignAddresses } from './fresh-read.js';

async function cluster() {
  const c = new MemoryCluster();
  await c.create(Namespace, { metadata: { name: 'a' } });
  const svc = (name: string, address: string, labels: Record<string, string>) =>
    c.create(Service, { metadata: { namespace: 'a', name, labels, annotations: { 'kube-vip.io/loadbalancerIPs': address } }, spec: { type: 'LoadBalancer', ports: [{ port: 80 }] } });
  await svc('kvcp', '10.0.0.1', { implementation: 'kube-vip' });
  await svc('ours', '10.0.0.2', { implementation: 'kube-vip', 'app.kubernetes.io/managed-by': 'kube-vip-gateway-api' });
  await svc('unlabelled', '10.0.0.3', {});
  return c;
}

describe('fresh read of other allocators\' addresses', () => {
  it("lists only Services labelled implementation=kube-vip that are not the controller's", async () => {
    expect([...(await freshForeignAddresses(await cluster())('Gateway/a/gw'))]).toEqual(['10.0.0.1']);
  });

  it('callers arriving during a list share the next one, which starts after they asked', async () => {
    const c = await cluster();
    let started = 0;
    const release: (() => void)[] = [];
    const gated: Client = { ...c, list: (r, o) => (started++, new Promise((resolve) => release.push(() => resolve(c.list(r, o))))) } as Client;
    const reader = new BatchedForeignAddresses(gated);
    const first = reader.read('Gateway/a/x');
    const waiting = [reader.read('Gateway/a/y'), reader.read('Gateway/a/z')];
    expect(started).toBe(1);
    release.shift()!();
    await first;
    await new Promise((r) => setImmediate(r));
    expect(started).toBe(2);
    release.shift()!();
    for (const w of await Promise.all(waiting)) expect([...w]).toEqual(['10.0.0.1']);
    expect(reader.lists).toBe(2);
  });
});
