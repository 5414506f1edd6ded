// Bounded polling for tests: the controller and the API server act asynchronously, so tests wait for a state, never
// sleep for it.

/** Default bound of one wait: generous for a loaded 2-core machine, small against a suite's budget. */
export const DEFAULT_WAIT_MS = 20_000;
const DEFAULT_POLL_MS = 100;

/** A wait that ran out of time; the message says what was awaited and what was last seen. */
export class WaitTimeoutError extends Error {
  readonly _tag = 'WaitTimeoutError';
  constructor(what: string, timeoutMs: number, last: string) {
    super(`timed out after ${timeoutMs} ms waiting for ${what}; last seen: ${last}`);
    this.name = 'WaitTimeoutError';
  }
}

/** Resolves after `ms` milliseconds (only for idle windows; state is awaited with waitFor/eventually). */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Polls `probe` until it returns something other than undefined/false and returns that. `probe` may throw (e.g. a 404
 * while an object does not exist yet): that counts as "not yet". On timeout the error names `what` and the last result.
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = DEFAULT_WAIT_MS,
  pollMs = DEFAULT_POLL_MS,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: string;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
      last = String(value);
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    if (Date.now() > deadline) throw new WaitTimeoutError(what, timeoutMs, last);
    await sleep(pollMs);
  }
}

/**
 * Retries `assertion` (which throws, e.g. through `expect`, while the state is not there yet) until it passes, and
 * returns its result; on timeout rethrows its last error, so the failure shows vitest's diff of the last attempt.
 */
export async function eventually<T>(assertion: () => Promise<T> | T, timeoutMs = DEFAULT_WAIT_MS, pollMs = DEFAULT_POLL_MS): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await assertion();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(pollMs);
    }
  }
}
