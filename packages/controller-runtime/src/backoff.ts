// Retry delays for informers and other long-running loops: exponential with jitter, reset after a healthy period.
// Defaults follow kube-rs's watcher backoff (800 ms -> 30 s, factor 2, reset after 120 s without failures).

import { withDefaults } from './internal/options.js';

/** Options of ExponentialBackoff. */
export interface BackoffOptions {
  initialMs?: number;
  maxMs?: number;
  factor?: number;
  /**
   * Fraction of each delay that is random: a delay d becomes a value in (d * (1 - jitter), d]. Jitter below the cap
   * (rather than above it) keeps the maximum a real bound while still spreading reconnecting clients apart.
   */
  jitter?: number;
  /** After this long without a failure, the next failure starts again from initialMs. */
  resetAfterMs?: number;
  random?: () => number;
  now?: () => number;
}

/** The informer defaults (kube-rs DefaultBackoff). */
export const WATCHER_BACKOFF: Required<Omit<BackoffOptions, 'random' | 'now'>> = {
  initialMs: 800,
  maxMs: 30_000,
  factor: 2,
  jitter: 0.5,
  resetAfterMs: 120_000,
};

/** Computes successive retry delays (see BackoffOptions). */
export class ExponentialBackoff {
  readonly #o: Required<BackoffOptions>;
  #attempt = 0;
  #lastFailure: number | undefined;

  constructor(opts: BackoffOptions = {}) {
    this.#o = withDefaults({ ...WATCHER_BACKOFF, random: Math.random, now: Date.now }, opts);
  }

  /** The delay before the next retry, after a failure now. */
  next(): number {
    const now = this.#o.now();
    if (this.#lastFailure !== undefined && now - this.#lastFailure >= this.#o.resetAfterMs) this.#attempt = 0;
    this.#lastFailure = now;
    const base = Math.min(this.#o.maxMs, this.#o.initialMs * this.#o.factor ** this.#attempt);
    if (base < this.#o.maxMs) this.#attempt++;
    return Math.round(base * (1 - this.#o.jitter * this.#o.random()));
  }

  /** Forgets past failures (e.g. after a success that proves health). */
  reset(): void {
    this.#attempt = 0;
    this.#lastFailure = undefined;
  }

  /** Failures counted since the last reset. */
  get attempts(): number {
    return this.#attempt;
  }
}

/** Resolves after `ms`, or at once when the signal aborts (never rejects). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
