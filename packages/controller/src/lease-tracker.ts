// Follows kube-vip's Leases and wakes the Gateways whose kube-vip.io/Announced condition a Lease decides, only when
// that can change: a holder or duration change, a renewal after the lease had expired, a deletion, and the moment the
// lease expires. A lease that expires makes no watch event (kube-vip that stopped simply stops renewing), so each lease
// has a timer set to its expiry; every renewal (kube-vip renews every retry period, 1-2 s) moves the timer and wakes
// nobody, so an idle cluster costs no reconciles however many leases kube-vip renews.
import { leaseExpiry, type LeaseObject } from '@kube-vip-gw/gateway-model';

/** Timers, injectable for tests. */
export interface LeaseTimers {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const REAL_TIMERS: LeaseTimers = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref?.();
    return t;
  },
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

// Wake a little after the expiry, so the reconcile's clock is past it whatever the rounding of MicroTime.
const EXPIRY_MARGIN_MS = 50;

interface Tracked {
  holder: string;
  duration: number | undefined;
  /** Expiry as last seen (ms since epoch), undefined when the lease carries no renewTime/duration. */
  expiry: number | undefined;
  timer: unknown;
}

/** See the module comment. `wake` receives the Lease that changed or expired. */
export class LeaseTracker {
  readonly #tracked = new Map<string, Tracked>();
  readonly #timers: LeaseTimers;

  constructor(
    private readonly wake: (lease: LeaseObject) => void,
    timers: LeaseTimers = REAL_TIMERS,
  ) {
    this.#timers = timers;
  }

  /** Number of leases followed (for tests and metrics). */
  get size(): number {
    return this.#tracked.size;
  }

  /** A Lease was added or updated. */
  observe(lease: LeaseObject): void {
    const key = `${lease.metadata.namespace ?? ''}/${lease.metadata.name}`;
    const before = this.#tracked.get(key);
    const now = this.#timers.now();
    const expiry = leaseExpiry(lease)?.getTime();
    const holder = lease.spec?.holderIdentity ?? '';
    const duration = lease.spec?.leaseDurationSeconds;
    const wasExpired = before !== undefined && (before.expiry === undefined || before.expiry <= now);
    const changed = before === undefined || before.holder !== holder || before.duration !== duration || wasExpired;
    if (before) this.#timers.clearTimeout(before.timer);
    const entry: Tracked = { holder, duration, expiry, timer: undefined };
    if (expiry !== undefined && expiry > now) {
      entry.timer = this.#timers.setTimeout(() => {
        entry.timer = undefined;
        this.wake(lease);
      }, expiry - now + EXPIRY_MARGIN_MS);
    }
    this.#tracked.set(key, entry);
    if (changed) this.wake(lease);
  }

  /** A Lease was deleted. */
  forget(lease: LeaseObject): void {
    const key = `${lease.metadata.namespace ?? ''}/${lease.metadata.name}`;
    const before = this.#tracked.get(key);
    if (!before) return;
    this.#timers.clearTimeout(before.timer);
    this.#tracked.delete(key);
    this.wake(lease);
  }

  /** Stops every timer. */
  stop(): void {
    for (const t of this.#tracked.values()) this.#timers.clearTimeout(t.timer);
    this.#tracked.clear();
  }
}
