import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { BucketRateLimiter, defaultControllerRateLimiter, ItemExponentialFailureRateLimiter, MaxOfRateLimiter } from './rate-limiter.js';

describe('ItemExponentialFailureRateLimiter', () => {
  it('doubles per item from 5 ms and caps at 1000 s; forget starts over', () => {
    const r = new ItemExponentialFailureRateLimiter<string>();
    expect([r.when('a'), r.when('a'), r.when('a'), r.when('b')]).toEqual([5, 10, 20, 5]);
    expect(r.numRequeues('a')).toBe(3);
    for (let i = 0; i < 100; i++) r.when('a');
    expect(r.when('a')).toBe(1_000_000);
    r.forget('a');
    expect(r.numRequeues('a')).toBe(0);
    expect(r.when('a')).toBe(5);
  });
});

describe('BucketRateLimiter', () => {
  it('lets a burst of 100 through, then spaces retries at 10 per second', () => {
    const now = 0;
    const r = new BucketRateLimiter<string>(10, 100, () => now);
    const delays = Array.from({ length: 103 }, (_, i) => r.when(`k${i}`));
    expect(delays.slice(0, 100).every((d) => d === 0)).toBe(true);
    expect(delays.slice(100)).toEqual([100, 200, 300]);
  });

  test.prop([fc.array(fc.integer({ min: 0, max: 2000 }), { minLength: 1, maxLength: 300 })])(
    'never admits more than burst + qps * elapsed items by their scheduled times',
    (gaps) => {
      let now = 0;
      const r = new BucketRateLimiter<number>(10, 100, () => now);
      const scheduled: number[] = [];
      for (const g of gaps) {
        now += g;
        scheduled.push(now + r.when(0));
      }
      scheduled.sort((a, b) => a - b);
      scheduled.forEach((t, i) => {
        expect(i + 1).toBeLessThanOrEqual(100 + Math.floor((t / 1000) * 10) + 1);
      });
    },
  );
});

describe('defaultControllerRateLimiter', () => {
  it('takes the larger of the per-item and the bucket delay', () => {
    const now = 0;
    const r = defaultControllerRateLimiter<string>(() => now);
    expect(r.when('a')).toBe(5);
    expect(r.when('a')).toBe(10);
    for (let i = 0; i < 98; i++) r.when(`other${i}`);
    expect(r.when('b')).toBe(100); // bucket exhausted: 100 ms beats 5 ms
    expect(r.numRequeues('a')).toBe(2);
    r.forget('a');
    expect(r.numRequeues('a')).toBe(0);
  });

  it('MaxOf of nothing never delays', () => {
    expect(new MaxOfRateLimiter<string>().when('x')).toBe(0);
  });
});
