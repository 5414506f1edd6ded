// The controller work queue, with client-go's semantics: a dirty set (queued, de-duplicated) and a processing set.
// An item added while it is being processed is queued again only when `done` is called, so no key is ever processed
// by two workers at once, and ten adds of one key before a worker gets to it mean one reconcile. Delayed adds
// (addAfter, addRateLimited) wait in a timer per item; an earlier deadline replaces a later one.

import { defaultControllerRateLimiter, type RateLimiter } from './rate-limiter.js';

/** Receives queue measurements (see RuntimeMetrics.workQueue for the Prometheus implementation). */
export interface QueueMetrics {
  /** An item was added (workqueue_adds_total). */
  added(): void;
  /** The number of queued items changed (workqueue_depth). */
  depth(n: number): void;
  /** An item waited this long between add and get (workqueue_queue_duration_seconds). */
  queued(seconds: number): void;
  /** An item was processed for this long (workqueue_work_duration_seconds). */
  worked(seconds: number): void;
  /** A rate-limited re-add happened (workqueue_retries_total). */
  retried(): void;
}

/** Options of a WorkQueue. */
export interface WorkQueueOptions<K> {
  rateLimiter?: RateLimiter<K>;
  metrics?: QueueMetrics;
  now?: () => number;
}

/** A de-duplicating, rate-limited work queue (see the module comment). */
export class WorkQueue<K = string> {
  readonly #queue: K[] = [];
  #head = 0;
  readonly #dirty = new Set<K>();
  readonly #processing = new Map<K, number>(); // item -> start time
  readonly #addedAt = new Map<K, number>();
  readonly #delayed = new Map<K, { at: number; timer: NodeJS.Timeout }>();
  readonly #waiters: Array<(item: K | undefined) => void> = [];
  readonly #drainWaiters: Array<() => void> = [];
  readonly #limiter: RateLimiter<K>;
  readonly #metrics: QueueMetrics | undefined;
  readonly #now: () => number;
  #shuttingDown = false;

  constructor(opts: WorkQueueOptions<K> = {}) {
    this.#now = opts.now ?? Date.now;
    this.#limiter = opts.rateLimiter ?? defaultControllerRateLimiter<K>(this.#now);
    this.#metrics = opts.metrics;
    this.#metrics?.depth(0);
  }

  /** Queues an item unless it is already queued; if it is being processed, it is queued again when done. */
  add(item: K): void {
    if (this.#shuttingDown || this.#dirty.has(item)) return;
    this.#metrics?.added();
    this.#dirty.add(item);
    this.#addedAt.set(item, this.#now());
    if (this.#processing.has(item)) return;
    const waiter = this.#waiters.shift();
    if (waiter) this.#handOut(item, waiter);
    else {
      this.#queue.push(item);
      this.#metrics?.depth(this.length);
    }
  }

  /** Queues an item after a delay (an earlier pending deadline for the same item wins). */
  addAfter(item: K, delayMs: number): void {
    if (this.#shuttingDown) return;
    if (delayMs <= 0) return this.add(item);
    const at = this.#now() + delayMs;
    const pending = this.#delayed.get(item);
    if (pending && pending.at <= at) return;
    if (pending) clearTimeout(pending.timer);
    const timer = setTimeout(() => {
      this.#delayed.delete(item);
      this.add(item);
    }, delayMs);
    timer.unref?.();
    this.#delayed.set(item, { at, timer });
  }

  /** Queues an item after the rate limiter's delay (a retry after a failure). */
  addRateLimited(item: K): void {
    if (this.#shuttingDown) return;
    this.#metrics?.retried();
    this.addAfter(item, this.#limiter.when(item));
  }

  /** Forgets an item's failures (call after a successful reconcile). */
  forget(item: K): void {
    this.#limiter.forget(item);
  }

  /** Failures counted for an item since it was last forgotten. */
  numRequeues(item: K): number {
    return this.#limiter.numRequeues(item);
  }

  /** Waits for the next item; resolves undefined once the queue is shut down (after draining, for shutDownWithDrain). */
  get(): Promise<K | undefined> {
    if (this.#head < this.#queue.length) {
      const item = this.#queue[this.#head++]!;
      if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
        this.#queue.splice(0, this.#head);
        this.#head = 0;
      }
      this.#metrics?.depth(this.length);
      return new Promise((resolve) => this.#handOut(item, resolve));
    }
    if (this.#shuttingDown) return Promise.resolve(undefined);
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  #handOut(item: K, deliver: (item: K) => void): void {
    const now = this.#now();
    const added = this.#addedAt.get(item);
    if (added !== undefined) this.#metrics?.queued((now - added) / 1000);
    this.#addedAt.delete(item);
    this.#dirty.delete(item);
    this.#processing.set(item, now);
    deliver(item);
  }

  /** Marks an item processed; if it was added meanwhile, it is queued again now. */
  done(item: K): void {
    const started = this.#processing.get(item);
    if (started === undefined) return;
    this.#processing.delete(item);
    this.#metrics?.worked((this.#now() - started) / 1000);
    if (this.#dirty.has(item)) {
      if (this.#shuttingDown && this.#drainWaiters.length === 0) {
        this.#dirty.delete(item);
      } else {
        const waiter = this.#waiters.shift();
        if (waiter) this.#handOut(item, waiter);
        else {
          this.#queue.push(item);
          this.#metrics?.depth(this.length);
        }
      }
    }
    this.#checkDrained();
  }

  /** Queued items (not counting those being processed or waiting for a delay). */
  get length(): number {
    return this.#queue.length - this.#head;
  }

  /** Items being processed now. */
  get processing(): number {
    return this.#processing.size;
  }

  /** Items waiting for their delay to pass. */
  get delayed(): number {
    return this.#delayed.size;
  }

  /** True after shutDown or shutDownWithDrain. */
  get shuttingDown(): boolean {
    return this.#shuttingDown;
  }

  /** Seconds of processing not yet done, summed over items, and the longest single one (for the in-flight gauges). */
  inFlight(): { unfinishedSeconds: number; longestSeconds: number } {
    const now = this.#now();
    let total = 0;
    let longest = 0;
    for (const started of this.#processing.values()) {
      const s = (now - started) / 1000;
      total += s;
      longest = Math.max(longest, s);
    }
    return { unfinishedSeconds: total, longestSeconds: longest };
  }

  /**
   * Stops at once: new adds are ignored, queued and delayed items are dropped, waiting get() calls resolve undefined.
   * Items being processed finish on their own (their done() calls are still accepted). Used when leadership is lost.
   */
  shutDown(): void {
    this.#shuttingDown = true;
    this.#clearDelayed();
    for (const item of this.#queue.slice(this.#head)) this.#dirty.delete(item);
    this.#queue.length = 0;
    this.#head = 0;
    this.#metrics?.depth(0);
    for (const w of this.#waiters.splice(0)) w(undefined);
    this.#checkDrained();
  }

  /**
   * Stops taking new items (adds after this point are ignored), lets workers finish what is queued and in progress
   * (including items re-added before the call while they were being processed), then resolves. Delayed items are
   * dropped. Used for graceful shutdown.
   */
  shutDownWithDrain(): Promise<void> {
    this.#shuttingDown = true;
    this.#clearDelayed();
    const drained = new Promise<void>((resolve) => this.#drainWaiters.push(resolve));
    this.#checkDrained();
    return drained;
  }

  #clearDelayed(): void {
    for (const { timer } of this.#delayed.values()) clearTimeout(timer);
    this.#delayed.clear();
  }

  #checkDrained(): void {
    if (!this.#shuttingDown || this.length > 0 || this.#processing.size > 0) return;
    for (const w of this.#waiters.splice(0)) w(undefined);
    for (const d of this.#drainWaiters.splice(0)) d();
  }
}
