import { describe, expect, it, vi } from 'vitest';
import { Service, type KubeObject } from '@kube-vip-gw/controller-runtime';
import { MemoryCluster } from '@kube-vip-gw/controller-runtime/memory';
import { StallGuard, WriteFencedError, fenceWrites } from './stall-guard.js';

function clock(start = 1_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('StallGuard', () => {
  it.each([
    { gapMs: 250, stall: false },
    { gapMs: 4_999, stall: false },
    { gapMs: 5_000, stall: false },
    { gapMs: 5_001, stall: true },
    { gapMs: 17_000, stall: true },
  ])('a gap of $gapMs ms between ticks is a stall: $stall', ({ gapMs, stall }) => {
    const c = clock();
    const onStall = vi.fn();
    const guard = new StallGuard({ onStall, now: c.now });
    guard.tick();
    c.advance(gapMs);
    guard.tick();
    expect(onStall.mock.calls).toEqual(stall ? [[gapMs]] : []);
  });

  it('refuses writes once the last tick is too old, before any tick notices', () => {
    const c = clock();
    const guard = new StallGuard({ onStall: () => undefined, now: c.now });
    guard.tick();
    c.advance(4_000);
    expect(() => guard.check('create Service a/b')).not.toThrow();
    c.advance(2_000);
    expect(() => guard.check('create Service a/b')).toThrow(WriteFencedError);
    expect(() => guard.check('create Service a/b')).toThrow('refusing create Service a/b: the process was frozen for 6.0 s (more than 5 s)');
  });

  it('reports a stall that a write saw first, on the next tick, once', () => {
    const c = clock();
    const onStall = vi.fn();
    const guard = new StallGuard({ onStall, now: c.now });
    guard.tick();
    c.advance(6_000);
    expect(() => guard.check('patch Service a/b')).toThrow(WriteFencedError);
    expect(onStall).not.toHaveBeenCalled();
    guard.tick();
    guard.tick();
    expect(onStall.mock.calls).toEqual([[6_000]]);
    // Later writes name the freeze, not the (short) time since the last tick.
    expect(() => guard.check('patch Service a/b')).toThrow('the process was frozen for 6.0 s');
  });

  it('keeps refusing after a stall even when ticks are regular again, and reports it once', () => {
    const c = clock();
    const onStall = vi.fn();
    const guard = new StallGuard({ onStall, now: c.now });
    c.advance(9_000);
    guard.tick();
    for (let i = 0; i < 5; i++) {
      c.advance(250);
      guard.tick();
    }
    expect(onStall).toHaveBeenCalledTimes(1);
    expect(() => guard.check('delete Service a/b')).toThrow(WriteFencedError);
  });
});

describe('fenceWrites', () => {
  it('passes reads and writes through while ticks are regular, and refuses every kind of write after a stall', async () => {
    const c = clock();
    const cluster = new MemoryCluster();
    const guard = new StallGuard({ onStall: () => undefined, now: c.now });
    const client = fenceWrites(cluster, guard);
    const svc: KubeObject = { apiVersion: 'v1', kind: 'Service', metadata: { namespace: 'ns', name: 'web' }, spec: { ports: [{ port: 80 }] } };
    const created = await client.create(Service, svc);
    expect((await client.get(Service, { namespace: 'ns', name: 'web' })).metadata.uid).toBe(created.metadata.uid);

    c.advance(6_000);
    const writes: [string, () => Promise<unknown>][] = [
      ['create', () => client.create(Service, { ...svc, metadata: { namespace: 'ns', name: 'other' } })],
      ['update', () => client.update(Service, created)],
      ['updateStatus', () => client.updateStatus(Service, created)],
      ['patch', () => client.patch(Service, { namespace: 'ns', name: 'web' }, { type: 'merge', patch: { metadata: { labels: { a: 'b' } } } })],
      ['patchStatus', () => client.patchStatus(Service, { namespace: 'ns', name: 'web' }, { type: 'merge', patch: { status: {} } })],
      ['delete', () => client.delete(Service, { namespace: 'ns', name: 'web' })],
    ];
    for (const [verb, write] of writes) await expect(write(), verb).rejects.toBeInstanceOf(WriteFencedError);
    // Nothing reached the cluster; reads still work.
    expect((await client.list(Service)).items.map((s) => s.metadata.name)).toEqual(['web']);
    expect((await cluster.get(Service, { namespace: 'ns', name: 'web' })).metadata.labels).toBeUndefined();
  });
});
