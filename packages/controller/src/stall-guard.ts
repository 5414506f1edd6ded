// Split-brain guard for a leader-elected replica. A leader whose process is frozen (SIGSTOP, a paused VM or container,
// a long GC or swap storm) loses its Lease to another replica while it cannot notice; when it wakes up, pending watch
// events and timers run before its elector's next renewal attempt, so it reconciles with a stale cache while the new
// leader does too (reliability tests measured writes from a resumed ex-leader within 0.5 s of waking). The guard ticks
// on the monotonic clock; a gap in the ticks means the loop was frozen. Writes are refused as soon as the last tick is
// older than the threshold (this check runs even before the first timer after waking), and the tick that sees the
// gap ends the process, as Go's controller-runtime does when leadership is lost, so a fresh process rejoins as a
// follower. The runtime's LeaderElector has no such check, hence this wrapper around the client.
import type { Client } from '@kube-vip-gw/controller-runtime';

/** A write refused because the process was frozen long enough for its lease to pass to another replica. */
export class WriteFencedError extends Error {
  readonly _tag = 'WriteFencedError';
  constructor(write: string, frozenMs: number, thresholdMs: number) {
    super(`refusing ${write}: the process was frozen for ${(frozenMs / 1000).toFixed(1)} s (more than ${thresholdMs / 1000} s), so its leader lease may belong to another replica now`);
    this.name = 'WriteFencedError';
  }
}

/** Options of a StallGuard. */
export interface StallGuardOptions {
  /** A gap between ticks longer than this is a stall (default 5 s: the lease duration minus the renew deadline). */
  thresholdMs?: number;
  /** Tick period (default 250 ms). */
  periodMs?: number;
  /** Called once, from the first tick after a stall (the binary logs and exits). */
  onStall: (frozenMs: number) => void;
  /** Monotonic clock in ms (default performance.now). */
  now?: () => number;
}

/** Notices event-loop freezes and fences writes across them (see the module comment). */
export class StallGuard {
  readonly thresholdMs: number;
  readonly #periodMs: number;
  readonly #onStall: (frozenMs: number) => void;
  readonly #now: () => number;
  #last: number;
  #timer: NodeJS.Timeout | undefined;
  #stalled = false;
  // Whether onStall has run: a write's check() can be the first to see a gap (it marks the stall), and the next tick
  // must still report it. Before this flag, a stall seen first by check() was never reported: the process stayed up
  // with every write fenced for good (found by the kube-vip load benchmark on a loaded machine, docs/benchmarks.md).
  #reported = false;
  #stalledForMs = 0;

  constructor(options: StallGuardOptions) {
    this.thresholdMs = options.thresholdMs ?? 5_000;
    this.#periodMs = options.periodMs ?? 250;
    this.#onStall = options.onStall;
    this.#now = options.now ?? (() => performance.now());
    this.#last = this.#now();
  }

  /** Starts ticking (the timer does not keep the process alive). */
  start(): void {
    this.#last = this.#now();
    this.#timer = setInterval(() => this.tick(), this.#periodMs);
    this.#timer.unref();
  }

  /** Stops ticking. */
  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** One tick: records the time, and reports a stall once if the previous tick is too old. */
  tick(): void {
    const now = this.#now();
    const gap = now - this.#last;
    this.#last = now;
    if (gap > this.thresholdMs && !this.#stalled) {
      this.#stalled = true;
      this.#stalledForMs = gap;
    }
    if (this.#stalled && !this.#reported) {
      this.#reported = true;
      this.#onStall(this.#stalledForMs);
    }
  }

  /** Throws WriteFencedError when the loop is frozen now (last tick too old) or was frozen before. */
  check(write: string): void {
    const gap = this.#now() - this.#last;
    if (this.#stalled || gap > this.thresholdMs) {
      if (!this.#stalled) this.#stalledForMs = gap;
      this.#stalled = true;
      throw new WriteFencedError(write, this.#stalledForMs, this.thresholdMs);
    }
  }
}

type Ref = { namespace?: string | undefined; name?: string | undefined };
const describe = (verb: string, res: { kind: string }, ref: Ref) => `${verb} ${res.kind} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name ?? ''}`;

/** The client with every write checked by the guard first; reads and watches pass through. */
export function fenceWrites(client: Client, guard: StallGuard): Client {
  return {
    get: (res, ref, opts) => client.get(res, ref, opts),
    list: (res, opts) => client.list(res, opts),
    watch: (res, opts) => client.watch(res, opts),
    servedVersions: (group) => client.servedVersions(group),
    servedResources: (group, version) => client.servedResources(group, version),
    async create(res, obj, opts) {
      guard.check(describe('create', res, obj.metadata));
      return client.create(res, obj, opts);
    },
    async update(res, obj, opts) {
      guard.check(describe('update', res, obj.metadata));
      return client.update(res, obj, opts);
    },
    async updateStatus(res, obj, opts) {
      guard.check(describe('update status of', res, obj.metadata));
      return client.updateStatus(res, obj, opts);
    },
    async patch(res, ref, patch, opts) {
      guard.check(describe('patch', res, ref));
      return client.patch(res, ref, patch, opts);
    },
    async patchStatus(res, ref, patch, opts) {
      guard.check(describe('patch status of', res, ref));
      return client.patchStatus(res, ref, patch, opts);
    },
    async delete(res, ref, opts) {
      guard.check(describe('delete', res, ref));
      return client.delete(res, ref, opts);
    },
  };
}
