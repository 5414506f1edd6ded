// Read-modify-write helpers, after client-go's retry.RetryOnConflict: re-run a function (which must re-read the
// object) while the API server answers 409 Conflict, with a short jittered backoff between attempts.

import { sleep } from '../backoff.js';
import { ConflictError } from '../errors.js';

/** Options of retryOnConflict; the defaults are client-go's DefaultRetry (5 steps, 10 ms, factor 1, jitter 0.1). */
export interface RetryOptions {
  steps?: number;
  delayMs?: number;
  factor?: number;
  jitter?: number;
  /** Which errors to retry (default: ConflictError only). */
  retriable?: (err: unknown) => boolean;
  signal?: AbortSignal;
  random?: () => number;
}

/**
 * Runs `fn` and re-runs it after a retriable error (409 Conflict by default), at most `steps` times in all; the last
 * error is rethrown. `fn` gets the attempt number (0-based) and must read the object afresh each time.
 */
export async function retryOnConflict<T>(fn: (attempt: number) => Promise<T>, opts: RetryOptions = {}): Promise<T> {
  const steps = opts.steps ?? 5;
  const factor = opts.factor ?? 1;
  const jitter = opts.jitter ?? 0.1;
  const random = opts.random ?? Math.random;
  const retriable = opts.retriable ?? ((err: unknown) => err instanceof ConflictError);
  let delay = opts.delayMs ?? 10;
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (attempt + 1 >= steps || !retriable(err) || opts.signal?.aborted) throw err;
      await sleep(delay * (1 + jitter * random()), opts.signal);
      delay *= factor;
    }
  }
}
