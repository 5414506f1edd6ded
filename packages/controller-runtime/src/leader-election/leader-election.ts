// Leader election on a coordination.k8s.io/v1 Lease, following client-go's tools/leaderelection: try to acquire every
// retry period (jittered), renew every retry period while leading, give up leadership when no renewal succeeded within
// the renew deadline, release on shutdown. Expiry of another holder's lease is judged by *our* clock from when we last
// saw its record change (not by its renewTime, which came from another machine's clock). client-node has no leader
// election (see the reference), hence this module. Lease times are written as MicroTime with six fractional digits.

import { sleep } from '../backoff.js';
import type { Reader, Writer } from '../client/client.js';
import { AlreadyExistsError, ConfigError, ConflictError, NotFoundError } from '../errors.js';
import { withDefaults } from '../internal/options.js';
import { type Logger, silentLogger } from '../logging.js';
import type { KubeObject } from '../object.js';
import { Lease } from '../resources.js';
import { formatMicroTime, parseKubeTime } from '../time.js';

/** The Lease fields leader election uses. */
export interface LeaseSpec {
  holderIdentity?: string | null;
  leaseDurationSeconds?: number | null;
  acquireTime?: string | null;
  renewTime?: string | null;
  leaseTransitions?: number | null;
}

/** A coordination.k8s.io/v1 Lease. */
export type LeaseObject = KubeObject & { spec?: LeaseSpec };

/** Options of a LeaderElector. */
export interface LeaderElectionOptions {
  client: Pick<Reader, 'get'> & Pick<Writer, 'create' | 'update'>;
  /** Namespace and name of the Lease. */
  namespace: string;
  name: string;
  /** This candidate's identity (unique per process; e.g. pod name + random suffix). */
  identity: string;
  /** How long a lease is valid after its last renewal (default 15 s). */
  leaseDurationMs?: number;
  /** How long the leader keeps trying to renew before it gives up leadership (default 10 s). */
  renewDeadlineMs?: number;
  /** Interval between attempts (default 2 s). */
  retryPeriodMs?: number;
  /** Clear the holder on shutdown so a successor need not wait for expiry (default true). */
  releaseOnCancel?: boolean;
  /** Called when this candidate becomes leader; the signal aborts when leadership ends. */
  onStartedLeading?: (signal: AbortSignal) => void;
  /** Called when leadership ends (lost or released). */
  onStoppedLeading?: () => void;
  /** Called when the observed leader changes (including to ourselves). */
  onNewLeader?: (identity: string) => void;
  now?: () => number;
  random?: () => number;
  logger?: Logger;
}

/** client-go's JitterFactor for the acquire loop. */
export const LEADER_ELECTION_JITTER = 1.2;

/** Runs for leadership of one Lease (see the module comment). */
export class LeaderElector {
  readonly #o: Required<Omit<LeaderElectionOptions, 'onStartedLeading' | 'onStoppedLeading' | 'onNewLeader' | 'logger'>> &
    Pick<LeaderElectionOptions, 'onStartedLeading' | 'onStoppedLeading' | 'onNewLeader'>;
  readonly #log: Logger;
  #observed: LeaseSpec | undefined;
  #observedRv: string | undefined;
  #observedAt = 0;
  #leading = false;
  #leaderAbort: AbortController | undefined;
  #lastLeader: string | undefined;

  constructor(opts: LeaderElectionOptions) {
    const o = withDefaults(
      { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000, releaseOnCancel: true, now: Date.now, random: Math.random },
      opts,
    );
    if (o.leaseDurationMs <= o.renewDeadlineMs) {
      throw new ConfigError(`leader election: leaseDuration (${o.leaseDurationMs} ms) must be greater than renewDeadline (${o.renewDeadlineMs} ms)`);
    }
    if (o.renewDeadlineMs <= LEADER_ELECTION_JITTER * o.retryPeriodMs) {
      throw new ConfigError(
        `leader election: renewDeadline (${o.renewDeadlineMs} ms) must be greater than ${LEADER_ELECTION_JITTER} x retryPeriod (${o.retryPeriodMs} ms)`,
      );
    }
    if (!o.identity) throw new ConfigError('leader election: identity must not be empty');
    if (o.leaseDurationMs < 1000) throw new ConfigError(`leader election: leaseDuration (${o.leaseDurationMs} ms) must be at least 1 s`);
    this.#o = o;
    this.#log = (opts.logger ?? silentLogger()).child({ lease: `${o.namespace}/${o.name}`, identity: o.identity });
  }

  /** True while this candidate holds the lease. */
  isLeader(): boolean {
    return this.#leading;
  }

  /** The holder last observed (ourselves when leading), if any. */
  getLeader(): string | undefined {
    return this.#observed?.holderIdentity || undefined;
  }

  /**
   * Campaigns until the signal aborts: acquires, leads while renewals succeed, and after losing the lease goes back to
   * campaigning (so a manager can lead again later). On abort, releases the lease if leading and releaseOnCancel.
   */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const acquired = await this.#acquire(signal);
      if (!acquired) break;
      await this.#lead(signal);
    }
    if (this.#leading) {
      this.#stopLeading();
      if (this.#o.releaseOnCancel) await this.#release();
    }
  }

  async #acquire(signal: AbortSignal): Promise<boolean> {
    this.#log.info('trying to acquire the lease');
    while (!signal.aborted) {
      if (await this.#tryAcquireOrRenew()) {
        this.#leading = true;
        this.#log.info('acquired the lease');
        const abort = new AbortController();
        this.#leaderAbort = abort;
        this.#safe(() => this.#o.onStartedLeading?.(abort.signal));
        return true;
      }
      const wait = this.#o.retryPeriodMs * (1 + this.#o.random() * LEADER_ELECTION_JITTER);
      await sleep(wait, signal);
    }
    return false;
  }

  async #lead(signal: AbortSignal): Promise<void> {
    let lastRenew = this.#o.now();
    while (!signal.aborted) {
      await sleep(this.#o.retryPeriodMs, signal);
      if (signal.aborted) return;
      const renewed = await this.#tryAcquireOrRenew();
      const now = this.#o.now();
      if (renewed) {
        lastRenew = now;
        continue;
      }
      if (now - lastRenew >= this.#o.renewDeadlineMs || (this.#observed?.holderIdentity && this.#observed.holderIdentity !== this.#o.identity)) {
        this.#log.warn({ sinceLastRenewMs: now - lastRenew, holder: this.#observed?.holderIdentity }, 'lost the lease');
        this.#stopLeading();
        return;
      }
    }
  }

  #stopLeading(): void {
    this.#leading = false;
    this.#leaderAbort?.abort(new Error('leadership lost'));
    this.#leaderAbort = undefined;
    this.#safe(() => this.#o.onStoppedLeading?.());
  }

  /** One attempt to take or keep the lease; true when we hold it afterwards. */
  async #tryAcquireOrRenew(): Promise<boolean> {
    const { client, namespace, name, identity } = this.#o;
    const now = this.#o.now();
    const durationSeconds = Math.ceil(this.#o.leaseDurationMs / 1000);
    let lease: LeaseObject;
    try {
      lease = await client.get<LeaseObject>(Lease, { namespace, name });
    } catch (err) {
      if (!(err instanceof NotFoundError)) {
        this.#log.warn({ err }, 'cannot read the lease');
        return false;
      }
      const spec: LeaseSpec = {
        holderIdentity: identity,
        leaseDurationSeconds: durationSeconds,
        acquireTime: formatMicroTime(new Date(now)),
        renewTime: formatMicroTime(new Date(now)),
        leaseTransitions: 0,
      };
      try {
        const created = await client.create<LeaseObject>(Lease, { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace }, spec });
        this.#observe(created, this.#o.now());
        return true;
      } catch (createErr) {
        if (!(createErr instanceof AlreadyExistsError)) this.#log.warn({ err: createErr }, 'cannot create the lease');
        return false;
      }
    }
    const rec = lease.spec ?? {};
    if (
      !this.#observed ||
      this.#observed.holderIdentity !== rec.holderIdentity ||
      this.#observed.renewTime !== rec.renewTime ||
      this.#observedRv !== lease.metadata.resourceVersion
    ) {
      this.#observe(lease, now);
    }
    const holder = rec.holderIdentity ?? '';
    const heldByUs = holder === identity;
    const validMs = (rec.leaseDurationSeconds ?? durationSeconds) * 1000;
    if (holder !== '' && !heldByUs && this.#observedAt + validMs > now) return false;
    const spec: LeaseSpec = {
      holderIdentity: identity,
      leaseDurationSeconds: durationSeconds,
      acquireTime: heldByUs && rec.acquireTime ? rec.acquireTime : formatMicroTime(new Date(now)),
      renewTime: formatMicroTime(new Date(now)),
      leaseTransitions: heldByUs ? (rec.leaseTransitions ?? 0) : (rec.leaseTransitions ?? 0) + 1,
    };
    try {
      const updated = await client.update<LeaseObject>(Lease, { ...lease, spec: { ...lease.spec, ...spec } });
      this.#observe(updated, this.#o.now());
      return true;
    } catch (err) {
      if (!(err instanceof ConflictError)) this.#log.warn({ err }, 'cannot update the lease');
      return false;
    }
  }

  #observe(lease: LeaseObject, at: number): void {
    this.#observed = { ...(lease.spec ?? {}) };
    this.#observedRv = lease.metadata.resourceVersion;
    this.#observedAt = at;
    const holder = this.#observed.holderIdentity || undefined;
    if (holder && holder !== this.#lastLeader) {
      this.#lastLeader = holder;
      this.#log.info({ leader: holder }, 'new leader observed');
      this.#safe(() => this.#o.onNewLeader?.(holder));
    }
  }

  /** Gives the lease up: empty holder, 1 s duration (client-go's release), only if we still hold it. */
  async #release(): Promise<void> {
    const { client, namespace, name, identity } = this.#o;
    try {
      const lease = await client.get<LeaseObject>(Lease, { namespace, name });
      if (lease.spec?.holderIdentity !== identity) return;
      const now = formatMicroTime(new Date(this.#o.now()));
      await client.update<LeaseObject>(Lease, {
        ...lease,
        spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1, acquireTime: now, renewTime: now },
      });
      this.#log.info('released the lease');
    } catch (err) {
      this.#log.warn({ err }, 'cannot release the lease');
    }
  }

  #safe(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.#log.error({ err }, 'leader election callback threw');
    }
  }
}

/** Parses a Lease's renewTime to epoch ms (for status displays). */
export function leaseRenewedAt(lease: LeaseObject): number | undefined {
  return parseKubeTime(lease.spec?.renewTime ?? undefined);
}
