import { describe, expect, it } from 'vitest';
import { MemoryCluster } from '../memory-cluster/memory-cluster.js';
import type { KubeObject } from '../object.js';
import { OwnWrites } from './own-writes.js';
import { Gateway, Service, TCPRoute, TCPRouteV1alpha2 } from '../resources.js';

const at = (resourceVersion: string, name = 'gw', namespace = 'ns'): KubeObject => ({ metadata: { namespace, name, resourceVersion } });

function clock() {
  let t = 1_000;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

describe('OwnWrites', () => {
  it('is behind while the cache shows the version written on top of, and forgets the write once it shows the result', () => {
    const w = new OwnWrites();
    w.record(Gateway, at('41'), at('43'));
    expect(w.isBehind(Gateway, at('41'))).toBe(true);
    expect(w.isBehind(Gateway, at('41'))).toBe(true);
    expect(w.size).toBe(1);
    expect(w.isBehind(Gateway, at('43'))).toBe(false);
    expect(w.size).toBe(0);
    // Gone for good: an older copy seen later (a re-list from a lagging server) no longer counts.
    expect(w.isBehind(Gateway, at('41'))).toBe(false);
  });

  it('treats resourceVersions as opaque: any version but the one written on top of means the cache moved on', () => {
    // "10" < "9" as strings and 5 < 9 as numbers: neither order may decide.
    for (const other of ['5', '10', 'zz']) {
      const w = new OwnWrites();
      w.record(Gateway, at('9'), at('12'));
      expect(w.isBehind(Gateway, at(other))).toBe(false);
      expect(w.size).toBe(0);
    }
  });

  it('stays behind through writes that follow each other until the cache shows the last one', () => {
    const w = new OwnWrites();
    w.record(Gateway, at('a'), at('b')); // e.g. a finalizer patch on the cached copy
    w.record(Gateway, at('b'), at('c')); // then a status write on the patched copy
    expect(w.isBehind(Gateway, at('a'))).toBe(true);
    expect(w.isBehind(Gateway, at('b'))).toBe(true);
    expect(w.isBehind(Gateway, at('c'))).toBe(false);
  });

  it('records nothing for a write that kept the resourceVersion (a no-op write has no watch event to wait for)', () => {
    const w = new OwnWrites();
    w.record(Gateway, at('7'), at('7'));
    w.record(Gateway, { metadata: { namespace: 'ns', name: 'gw' } }, at('8'));
    expect(w.size).toBe(0);
    expect(w.isBehind(Gateway, at('7'))).toBe(false);
  });

  it('keeps objects apart by resource, namespace and name, and versions of one resource together', () => {
    const w = new OwnWrites();
    w.record(TCPRoute, at('1', 'r'), at('2', 'r'));
    expect(w.isBehind(TCPRoute, at('1', 'r', 'other'))).toBe(false);
    expect(w.isBehind(TCPRoute, at('1', 'other'))).toBe(false);
    expect(w.isBehind(Service, at('1', 'r'))).toBe(false);
    expect(w.isBehind(TCPRouteV1alpha2, at('1', 'r'))).toBe(true);
    expect(w.size).toBe(1);
  });

  it('stops waiting after the timeout, so a lost watch event cannot hold reconciles back', () => {
    const c = clock();
    const w = new OwnWrites({ timeoutMs: 10_000, now: c.now });
    w.record(Gateway, at('1'), at('2'));
    c.advance(9_999);
    expect(w.isBehind(Gateway, at('1'))).toBe(true);
    c.advance(1);
    expect(w.isBehind(Gateway, at('1'))).toBe(false);
    expect(w.size).toBe(0);
  });

  it('a later write restarts the timeout', () => {
    const c = clock();
    const w = new OwnWrites({ timeoutMs: 10_000, now: c.now });
    w.record(Gateway, at('1'), at('2'));
    c.advance(8_000);
    w.record(Gateway, at('2'), at('3'));
    c.advance(8_000);
    expect(w.isBehind(Gateway, at('1'))).toBe(true);
    c.advance(2_000);
    expect(w.isBehind(Gateway, at('2'))).toBe(false);
  });

  it('drops expired entries of objects nobody asks about again (memory stays bounded by the writes of one timeout)', () => {
    const c = clock();
    const w = new OwnWrites({ timeoutMs: 10_000, now: c.now });
    for (let i = 0; i < 100; i++) w.record(TCPRoute, at('1', `r${i}`), at('2', `r${i}`));
    c.advance(5_000);
    w.record(Gateway, at('1'), at('2'));
    expect(w.size).toBe(101);
    c.advance(5_000);
    expect(w.isBehind(Gateway, at('1'))).toBe(true);
    expect(w.size).toBe(1);
  });

  it('forgets a deleted object', () => {
    const w = new OwnWrites();
    w.record(Gateway, at('1'), at('2'));
    w.record(Gateway, at('1', 'kept'), at('2', 'kept'));
    w.forget(Gateway, { namespace: 'ns', name: 'gw' });
    expect(w.size).toBe(1);
    expect(w.isBehind(Gateway, at('1'))).toBe(false);
    expect(w.isBehind(Gateway, at('1', 'kept'))).toBe(true);
  });

  it('observe() drops the entry when the cache shows the write, and keeps it while it does not', () => {
    const w = new OwnWrites();
    w.record(Gateway, at('1'), at('2'));
    w.observe(Gateway, at('1'));
    expect(w.size).toBe(1);
    w.observe(Gateway, at('2'));
    expect(w.size).toBe(0);
  });

  it('works with what an API server returns: a status write is waited for, a no-op write is not', async () => {
    const cluster = new MemoryCluster();
    const cached = await cluster.create<KubeObject>(Gateway, { metadata: { namespace: 'ns', name: 'gw' }, spec: { gatewayClassName: 'c', listeners: [] } });
    const w = new OwnWrites();
    const sent = { ...cached, status: { addresses: [{ type: 'IPAddress', value: '10.0.0.1' }] } };
    const written = await cluster.updateStatus<KubeObject>(Gateway, sent);
    w.record(Gateway, sent, written);
    expect(w.isBehind(Gateway, cached)).toBe(true);
    expect(w.isBehind(Gateway, await cluster.get(Gateway, { namespace: 'ns', name: 'gw' }))).toBe(false);

    const again = await cluster.updateStatus<KubeObject>(Gateway, written);
    w.record(Gateway, written, again);
    expect(w.isBehind(Gateway, written)).toBe(false);
  });
});
