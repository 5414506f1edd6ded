import { fc, test } from '@fast-check/vitest';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ExponentialBackoff, sleep, WATCHER_BACKOFF } from './backoff.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('ExponentialBackoff', () => {
  it('doubles from 800 ms to a 30 s cap with the kube-rs defaults (no jitter drawn)', () => {
    const b = new ExponentialBackoff({ random: () => 0, now: () => 0 });
    expect(Array.from({ length: 8 }, () => b.next())).toEqual([800, 1600, 3200, 6400, 12800, 25600, 30000, 30000]);
    b.reset();
    expect(b.next()).toBe(800);
  });

  it('resets after resetAfterMs without failures', () => {
    let now = 0;
    const b = new ExponentialBackoff({ random: () => 0, now: () => now });
    b.next();
    b.next();
    now += WATCHER_BACKOFF.resetAfterMs - 1;
    expect(b.next()).toBe(3200);
    now += WATCHER_BACKOFF.resetAfterMs;
    expect(b.next()).toBe(800);
  });

  test.prop([fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), fc.integer({ min: 1, max: 20 })])(
    'jitter keeps every delay within (base * (1 - jitter), base]',
    (r, failures) => {
      const b = new ExponentialBackoff({ random: () => r, now: () => 0 });
      let d = 0;
      for (let i = 0; i < failures; i++) d = b.next();
      const base = Math.min(30_000, 800 * 2 ** (failures - 1));
      expect(d).toBeLessThanOrEqual(base);
      expect(d).toBeGreaterThanOrEqual(Math.round(base * 0.5));
    },
  );
});

describe('sleep', () => {
  it('resolves after the delay, or at once when aborted', async () => {
    vi.useFakeTimers();
    let done = false;
    void sleep(1000).then(() => (done = true));
    await vi.advanceTimersByTimeAsync(999);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(done).toBe(true);
    const ac = new AbortController();
    let early = false;
    void sleep(60_000, ac.signal).then(() => (early = true));
    ac.abort();
    await vi.advanceTimersByTimeAsync(0);
    expect(early).toBe(true);
    await expect(sleep(10, AbortSignal.abort())).resolves.toBeUndefined();
  });
});
