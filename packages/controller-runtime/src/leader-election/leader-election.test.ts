import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ServerError } from '../errors.js';
import { LeaderElector, type LeaseObject } from './leader-election.js';
import { MemoryCluster } from '../memory-cluster/memory-cluster.js';
import { Lease } from '../resources.js';
import { FaultyClient } from '../testing/faulty-client.js';

beforeEach(() => {
  vi.useFakeTimers({ now: new Date('2030-01-01T00:00:00Z') });
});
afterEach(() => {
  vi.useRealTimers();
});

function candidate(client: MemoryCluster | FaultyClient, identity: string, log: string[]) {
  const elector = new LeaderElector({
    client,
    namespace: 'kube-system',
    name: 'lock',
    identity,
    random: () => 0,
    onStartedLeading: () => log.push(`${identity} started`),
    onStoppedLeading: () => log.push(`${identity} stopped`),
  });
  const abort = new AbortController();
  const running = elector.run(abort.signal);
  return { elector, stop: async () => { abort.abort(); await running; } };
}

const lease = (c: MemoryCluster) => c.get<LeaseObject>(Lease, { namespace: 'kube-system', name: 'lock' });

describe('LeaderElector', () => {
  it('creates the Lease with MicroTime stamps and renews it every retry period', async () => {
    const cluster = new MemoryCluster();
    const log: string[] = [];
    const a = candidate(cluster, 'a', log);
    await vi.advanceTimersByTimeAsync(0);
    expect(a.elector.isLeader()).toBe(true);
    const first = await lease(cluster);
    expect(first.spec).toMatchObject({ holderIdentity: 'a', leaseDurationSeconds: 15, leaseTransitions: 0, acquireTime: '2030-01-01T00:00:00.000000Z' });
    await vi.advanceTimersByTimeAsync(2_000);
    const renewed = await lease(cluster);
    expect(renewed.spec?.renewTime).toBe('2030-01-01T00:00:02.000000Z');
    expect(renewed.spec?.acquireTime).toBe(first.spec?.acquireTime);
    await a.stop();
    expect(log).toEqual(['a started', 'a stopped']);
  });

  it('a second candidate waits while the lease is renewed, and takes over at once after a release', async () => {
    const cluster = new MemoryCluster();
    const log: string[] = [];
    const a = candidate(cluster, 'a', log);
    await vi.advanceTimersByTimeAsync(0);
    const b = candidate(cluster, 'b', log);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(b.elector.isLeader()).toBe(false);
    expect(b.elector.getLeader()).toBe('a');
    await a.stop();
    expect((await lease(cluster)).spec).toMatchObject({ holderIdentity: '', leaseDurationSeconds: 1 });
    await vi.advanceTimersByTimeAsync(2_000);
    expect(b.elector.isLeader()).toBe(true);
    expect((await lease(cluster)).spec).toMatchObject({ holderIdentity: 'b', leaseTransitions: 1 });
    await b.stop();
    expect(log).toEqual(['a started', 'a stopped', 'b started', 'b stopped']);
  });

  it('a leader that cannot renew gives up after the renew deadline, before anyone else may take over', async () => {
    const cluster = new MemoryCluster();
    const faulty = new FaultyClient(cluster);
    const log: string[] = [];
    const a = candidate(faulty, 'a', log);
    await vi.advanceTimersByTimeAsync(0);
    const b = candidate(cluster, 'b', log);
    await vi.advanceTimersByTimeAsync(100);
    const t0 = Date.now();
    faulty.failNext('get', new ServerError('etcd down', { code: 503 }), 1000);
    // Renewals at +2, +4, +6, +8 fail; at +10 s (the renew deadline since the last renewal at ~0) a gives up.
    await vi.advanceTimersByTimeAsync(9_000);
    expect(a.elector.isLeader()).toBe(true);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(a.elector.isLeader()).toBe(false);
    expect(log).toEqual(['a started', 'a stopped']);
    // b observed a's last renewal at ~t0 and must wait the full 15 s lease duration from then.
    expect(b.elector.isLeader()).toBe(false);
    await vi.advanceTimersByTimeAsync(15_000 - (Date.now() - t0) - 200);
    expect(b.elector.isLeader()).toBe(false);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(b.elector.isLeader()).toBe(true);
    expect(log).toEqual(['a started', 'a stopped', 'b started']);
    await a.stop();
    await b.stop();
  });

  it('judges expiry by its own clock from when it observed the record, not by the renewTime written', async () => {
    const cluster = new MemoryCluster();
    // A lease renewed "long ago" according to its renewTime, by a holder we have never seen before.
    await cluster.create(Lease, {
      metadata: { name: 'lock', namespace: 'kube-system' },
      spec: { holderIdentity: 'ghost', leaseDurationSeconds: 15, renewTime: '2000-01-01T00:00:00.000000Z' },
    });
    const log: string[] = [];
    const b = candidate(cluster, 'b', log);
    await vi.advanceTimersByTimeAsync(14_000);
    expect(b.elector.isLeader()).toBe(false);
    await vi.advanceTimersByTimeAsync(6_000);
    expect(b.elector.isLeader()).toBe(true);
    await b.stop();
  });

  it.each([
    [{ leaseDurationMs: 10_000, renewDeadlineMs: 10_000 }, /leaseDuration \(10000 ms\) must be greater than renewDeadline/],
    [{ renewDeadlineMs: 2_000, retryPeriodMs: 2_000 }, /renewDeadline \(2000 ms\) must be greater than 1.2 x retryPeriod/],
    [{ identity: '' }, /identity must not be empty/],
  ])('rejects %o with ConfigError', (opts, why) => {
    expect(() => new LeaderElector({ client: new MemoryCluster(), namespace: 'n', name: 'l', identity: 'x', ...opts })).toThrow(why);
  });
});
