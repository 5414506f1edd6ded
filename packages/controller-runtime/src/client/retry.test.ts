import { describe, expect, it, vi } from 'vitest';
import { ConflictError, NotFoundError } from '../errors.js';
import { MemoryCluster } from '../memory-cluster/memory-cluster.js';
import { ConfigMap } from '../resources.js';
import { retryOnConflict } from './retry.js';

describe('retryOnConflict', () => {
  it('re-runs a read-modify-write that lost a race until it wins', async () => {
    const c = new MemoryCluster();
    await c.create(ConfigMap, { metadata: { name: 'counter', namespace: 'ns' }, data: { n: '0' } });
    const ref = { namespace: 'ns', name: 'counter' };
    let interfered = false;
    const attempts: number[] = [];
    await retryOnConflict(async (attempt) => {
      attempts.push(attempt);
      const cur = await c.get<{ metadata: { name: string }; data: { n: string } }>(ConfigMap, ref);
      if (!interfered) {
        interfered = true; // someone else writes between our read and our write
        await c.patch(ConfigMap, ref, { type: 'merge', patch: { data: { n: '10' } } });
      }
      await c.update(ConfigMap, { ...cur, data: { n: String(Number(cur.data.n) + 1) } });
    });
    expect(attempts).toEqual([0, 1]);
    expect((await c.get<{ metadata: { name: string }; data: { n: string } }>(ConfigMap, ref)).data.n).toBe('11');
  });

  it('gives up after the steps and rethrows the last conflict', async () => {
    const fn = vi.fn(async () => {
      throw new ConflictError('stale', { code: 409 });
    });
    await expect(retryOnConflict(fn, { steps: 3, delayMs: 1 })).rejects.toBeInstanceOf(ConflictError);
    expect(fn).toHaveBeenCalledTimes(3);
  });

  it('does not retry other errors', async () => {
    const fn = vi.fn(async () => {
      throw new NotFoundError('gone', { code: 404 });
    });
    await expect(retryOnConflict(fn)).rejects.toBeInstanceOf(NotFoundError);
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it('waits delay * (1 + jitter * random) between attempts, growing by factor', async () => {
    vi.useFakeTimers();
    try {
      const times: number[] = [];
      let n = 0;
      const p = retryOnConflict(
        async () => {
          times.push(Date.now());
          if (n++ < 3) throw new ConflictError('stale', { code: 409 });
          return 'ok';
        },
        { delayMs: 100, factor: 2, jitter: 0.5, random: () => 1 },
      );
      await vi.advanceTimersByTimeAsync(2_000);
      expect(await p).toBe('ok');
      expect(times.map((t) => t - times[0]!)).toEqual([0, 150, 450, 1050]);
    } finally {
      vi.useRealTimers();
    }
  });
});
