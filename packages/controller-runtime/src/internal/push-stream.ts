// A push-to-pull adapter: producers push events (from a socket or from MemoryCluster writes), one consumer pulls them
// with `for await`. Both WatchStream implementations use it, so end/close/error behave the same.

/** An async iterable fed by push(); ends on end()/close(), throws the error given to fail() once. */
export class PushStream<T> implements AsyncIterable<T> {
  #buffer: T[] = [];
  #head = 0;
  #done = false;
  #error: unknown = undefined;
  #waiters: Array<{ resolve: (r: IteratorResult<T>) => void; reject: (e: unknown) => void }> = [];
  readonly #onClose: (() => void) | undefined;
  #closed = false;

  /** `onClose` runs once, when the stream ends for any reason (to release sockets and timers). */
  constructor(onClose?: () => void) {
    this.#onClose = onClose;
  }

  /** Delivers an item (ignored after the stream ended). */
  push(item: T): void {
    if (this.#done) return;
    const w = this.#waiters.shift();
    if (w) w.resolve({ value: item, done: false });
    else this.#buffer.push(item);
  }

  /** Ends the stream cleanly after the buffered items. */
  end(): void {
    this.#finish(undefined);
  }

  /** Ends the stream with an error, thrown after the buffered items. */
  fail(err: unknown): void {
    this.#finish(err ?? new Error('stream failed'));
  }

  /** Ends the stream at once, dropping buffered items (the consumer's pending next() resolves done). */
  close(): void {
    this.#buffer = [];
    this.#head = 0;
    this.#error = undefined;
    this.#finish(undefined);
  }

  /** True once end/fail/close was called. */
  get ended(): boolean {
    return this.#done;
  }

  #finish(err: unknown): void {
    if (this.#done) return;
    this.#done = true;
    this.#error = err;
    // Pending next() calls exist only while the buffer is empty: the first gets the error, all get done.
    const waiters = this.#waiters.splice(0);
    for (const w of waiters) {
      if (this.#error !== undefined) {
        w.reject(this.#error);
        this.#error = undefined;
      } else {
        w.resolve({ value: undefined, done: true });
      }
    }
    if (!this.#closed) {
      this.#closed = true;
      this.#onClose?.();
    }
  }

  #next(): Promise<IteratorResult<T>> {
    if (this.#head < this.#buffer.length) {
      const value = this.#buffer[this.#head++]!;
      if (this.#head > 1024 && this.#head * 2 > this.#buffer.length) {
        this.#buffer = this.#buffer.slice(this.#head);
        this.#head = 0;
      }
      return Promise.resolve({ value, done: false });
    }
    if (this.#done) {
      const err = this.#error;
      this.#error = undefined;
      return err !== undefined ? Promise.reject(err) : Promise.resolve({ value: undefined, done: true });
    }
    return new Promise((resolve, reject) => {
      this.#waiters.push({ resolve, reject });
    });
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: () => this.#next(),
      return: () => {
        this.close();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}
