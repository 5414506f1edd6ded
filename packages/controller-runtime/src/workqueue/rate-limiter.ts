// Rate limiters for the work queue, with client-go's names and defaults: per-item exponential failure backoff
// (5 ms doubling to 1000 s) combined with an overall token bucket (10 qps, burst 100) by taking the larger delay.

/** Decides how long an item waits before it is retried. */
export interface RateLimiter<K> {
  /** The delay for the item's next retry (and counts the retry). */
  when(item: K): number;
  /** Forgets the item's failures (after a success). */
  forget(item: K): void;
  /** Failures counted for the item. */
  numRequeues(item: K): number;
}

/** Per-item exponential backoff: base * 2^failures, capped. */
export class ItemExponentialFailureRateLimiter<K> implements RateLimiter<K> {
  readonly #failures = new Map<K, number>();
  readonly #baseMs: number;
  readonly #maxMs: number;

  constructor(baseMs = 5, maxMs = 1_000_000) {
    this.#baseMs = baseMs;
    this.#maxMs = maxMs;
  }

  when(item: K): number {
    const n = this.#failures.get(item) ?? 0;
    this.#failures.set(item, n + 1);
    // 2^n overflows to Infinity for large n, and Math.min handles that.
    return Math.min(this.#maxMs, this.#baseMs * 2 ** n);
  }

  forget(item: K): void {
    this.#failures.delete(item);
  }

  numRequeues(item: K): number {
    return this.#failures.get(item) ?? 0;
  }
}

/** An overall token bucket: `qps` tokens per second, at most `burst` saved; a retry without a token waits for one. */
export class BucketRateLimiter<K> implements RateLimiter<K> {
  readonly #qps: number;
  readonly #burst: number;
  readonly #now: () => number;
  #tokens: number;
  #last: number;

  constructor(qps = 10, burst = 100, now: () => number = Date.now) {
    this.#qps = qps;
    this.#burst = burst;
    this.#now = now;
    this.#tokens = burst;
    this.#last = now();
  }

  when(_item: K): number {
    const now = this.#now();
    this.#tokens = Math.min(this.#burst, this.#tokens + ((now - this.#last) / 1000) * this.#qps);
    this.#last = now;
    // Reserve a token even when none is left (the balance goes negative), as golang.org/x/time/rate's Reserve does,
    // so later callers queue up behind earlier ones instead of all waiting the same amount.
    this.#tokens -= 1;
    return this.#tokens >= 0 ? 0 : Math.ceil((-this.#tokens / this.#qps) * 1000);
  }

  forget(_item: K): void {}

  numRequeues(_item: K): number {
    return 0;
  }
}

/** Combines limiters: the delay is the largest of theirs. */
export class MaxOfRateLimiter<K> implements RateLimiter<K> {
  readonly #limiters: RateLimiter<K>[];

  constructor(...limiters: RateLimiter<K>[]) {
    this.#limiters = limiters;
  }

  when(item: K): number {
    let max = 0;
    for (const l of this.#limiters) max = Math.max(max, l.when(item));
    return max;
  }

  forget(item: K): void {
    for (const l of this.#limiters) l.forget(item);
  }

  numRequeues(item: K): number {
    let max = 0;
    for (const l of this.#limiters) max = Math.max(max, l.numRequeues(item));
    return max;
  }
}

/** client-go's DefaultControllerRateLimiter: max(per-item 5 ms..1000 s, bucket 10 qps burst 100). */
export function defaultControllerRateLimiter<K>(now: () => number = Date.now): RateLimiter<K> {
  return new MaxOfRateLimiter<K>(new ItemExponentialFailureRateLimiter<K>(5, 1_000_000), new BucketRateLimiter<K>(10, 100, now));
}
