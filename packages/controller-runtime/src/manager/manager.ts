// Manager: owns the shared informers, the controllers, leader election, the event broadcaster, metrics and the
// probe/metrics HTTP endpoints, and runs them in the right order: serve probes -> start informers -> wait for sync
// (ready) -> campaign -> while leader, run controllers and leader-only runnables -> on shutdown, stop taking work, drain
// in-flight reconciles (bounded), release the lease, stop informers, flush events, close the endpoints.
// Followers keep their caches warm, so a new leader starts reconciling without a cold list.

import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Registry } from 'prom-client';
import { sleep } from '../backoff.js';
import type { Client } from '../client/client.js';
import { Controller, type ControllerOptions } from '../controller/controller.js';
import { ConfigError } from '../errors.js';
import { EventBroadcaster, type EventRecorder } from '../events/events.js';
import { type BindAddress, type Check, CheckSet, parseBindAddress, type RunningServer, startEndpointServer } from './http-server.js';
import type { Informer } from '../cache/informer.js';
import { type InformerRequest, type SharedInformerDefaults, SharedInformerFactory } from '../cache/informer-factory.js';
import { withDefaults } from '../internal/options.js';
import { LeaderElector } from '../leader-election/leader-election.js';
import { type Logger, silentLogger } from '../logging.js';
import { RuntimeMetrics } from '../metrics.js';
import type { KubeObject } from '../object.js';
import type { ResourceDescriptor } from '../resources.js';

/** Something the manager runs besides controllers (e.g. a periodic job). */
export interface Runnable {
  name: string;
  /** Run only while leader (default true). */
  needLeaderElection?: boolean;
  /** Runs until the signal aborts (shutdown, or leadership lost for leader-only runnables). */
  start(signal: AbortSignal): Promise<void> | void;
}

/** Leader election settings (client-go defaults: 15 s lease, 10 s renew deadline, 2 s retry). */
export interface ManagerLeaderElection {
  namespace: string;
  name: string;
  /** Default: `<hostname>_<uuid>`. */
  identity?: string;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  releaseOnCancel?: boolean;
}

/** Options of a Manager. */
export interface ManagerOptions {
  client: Client;
  logger?: Logger;
  /** Registry for metrics (default: a new one). */
  registry?: Registry;
  /** Also export process_* and nodejs_* metrics. */
  defaultMetrics?: boolean;
  /** `:8080`-style address for /metrics; `0` (default) disables. */
  metricsBindAddress?: string;
  /** Address for /healthz and /readyz; `0` (default) disables. May equal the metrics address (one server then). */
  healthProbeBindAddress?: string;
  /** Enables leader election on this Lease. */
  leaderElection?: ManagerLeaderElection;
  /** How long shutdown waits for in-flight reconciles before abandoning them (default 30 s). */
  gracefulShutdownTimeoutMs?: number;
  /** Defaults for every shared informer. */
  informers?: SharedInformerDefaults;
  /** Identity written on Events (reportingController; reportingInstance defaults to the leader identity or hostname). */
  events?: { reportingController: string; reportingInstance?: string };
}

/** Returns an AbortSignal that aborts on the first SIGTERM or SIGINT; a second one exits at once with code 1. */
export function setupSignalHandler(
  proc: Pick<NodeJS.Process, 'on' | 'exit'> = process,
  logger: Logger = silentLogger(),
): AbortSignal {
  const abort = new AbortController();
  const onSignal = (sig: string): void => {
    if (abort.signal.aborted) {
      logger.warn({ signal: sig }, 'second signal: exiting now');
      proc.exit(1);
      return;
    }
    logger.info({ signal: sig }, 'shutting down gracefully (send again to exit at once)');
    abort.abort(new Error(`received ${sig}`));
  };
  proc.on('SIGTERM', () => onSignal('SIGTERM'));
  proc.on('SIGINT', () => onSignal('SIGINT'));
  return abort.signal;
}

/** Runs informers, controllers, leader election and endpoints (see the module comment). */
export class Manager {
  readonly client: Client;
  readonly logger: Logger;
  readonly metrics: RuntimeMetrics;
  readonly informers: SharedInformerFactory;
  readonly identity: string;
  readonly #opts: ManagerOptions;
  readonly #controllers: Controller<KubeObject>[] = [];
  readonly #runnables: Runnable[] = [];
  readonly #healthz = new CheckSet();
  readonly #readyz = new CheckSet();
  readonly #metricsBind: BindAddress | undefined;
  readonly #probeBind: BindAddress | undefined;
  #events: EventBroadcaster | undefined;
  #servers: RunningServer[] = [];
  #metricsAddress: string | undefined;
  #probeAddress: string | undefined;
  #started = false;
  #leading = false;
  #leaderWork: AbortController | undefined;
  #leaderRunnables: Promise<void>[] = [];
  #electedResolve: () => void = () => undefined;
  /** Resolves when this manager first starts leader work (at once after sync without leader election). */
  readonly elected: Promise<void>;

  constructor(opts: ManagerOptions) {
    this.#opts = opts;
    this.client = opts.client;
    this.logger = opts.logger ?? silentLogger();
    this.metrics = new RuntimeMetrics(opts.registry, { defaultMetrics: opts.defaultMetrics });
    this.informers = new SharedInformerFactory(opts.client, withDefaults({ logger: this.logger }, opts.informers ?? {}));
    this.identity = opts.leaderElection?.identity ?? `${hostname()}_${randomUUID()}`;
    this.#metricsBind = parseBindAddress(opts.metricsBindAddress ?? '0');
    this.#probeBind = parseBindAddress(opts.healthProbeBindAddress ?? '0');
    this.elected = new Promise((resolve) => (this.#electedResolve = resolve));
    this.#healthz.add('ping', () => undefined);
    this.#readyz.add('informers-synced', () => {
      const waiting = this.informers.informers().filter((i) => !i.hasSynced());
      if (!this.#started || waiting.length > 0) {
        throw new Error(`waiting for ${waiting.length ? waiting.map((i) => i.resource.kind).join(', ') : 'start'}`);
      }
    });
    if (opts.leaderElection) this.metrics.leaderElectionMasterStatus.set({ name: opts.leaderElection.name }, 0);
  }

  /** The shared informer of a resource (created on first use; started with the manager). */
  informer<T extends KubeObject = KubeObject>(res: ResourceDescriptor, req: InformerRequest<T> = {}): Informer<T> {
    return this.informers.informerFor<T>(res, req);
  }

  /** Creates a controller that the manager runs while leader (logger and metrics filled in). */
  addController<T extends KubeObject = KubeObject>(opts: Omit<ControllerOptions<T>, 'logger' | 'metrics'>): Controller<T> {
    if (this.#controllers.some((c) => c.name === opts.name)) throw new ConfigError(`a controller named "${opts.name}" already exists`);
    const c = new Controller<T>(this.informers, { ...opts, logger: this.logger, metrics: this.metrics });
    this.#controllers.push(c as unknown as Controller<KubeObject>);
    if (this.#leading) c.start();
    return c;
  }

  /** Adds a runnable (see Runnable). */
  add(runnable: Runnable): void {
    if (this.#started) throw new ConfigError(`runnable "${runnable.name}" must be added before the manager starts`);
    this.#runnables.push(runnable);
  }

  /** Adds a liveness check (served at /healthz and /healthz/<name>). */
  addHealthzCheck(name: string, check: Check): void {
    this.#healthz.add(name, check);
  }

  /** Adds a readiness check (served at /readyz and /readyz/<name>), e.g. "route CRDs served". */
  addReadyzCheck(name: string, check: Check): void {
    this.#readyz.add(name, check);
  }

  /** Runs the readiness checks (what /readyz answers). */
  checkReady(): Promise<{ ok: boolean; lines: string[] }> {
    return this.#readyz.run();
  }

  /** An event recorder; requires the `events` option. */
  eventRecorder(reportingController?: string): EventRecorder {
    if (!this.#events) {
      if (!this.#opts.events) throw new ConfigError('eventRecorder() needs the manager option `events: { reportingController }`');
      this.#events = new EventBroadcaster({
        client: this.client,
        reportingController: this.#opts.events.reportingController,
        reportingInstance: this.#opts.events.reportingInstance ?? this.identity,
        logger: this.logger,
      });
    }
    return this.#events.recorder(reportingController);
  }

  /** Waits for background event writes (tests, shutdown). */
  async flushEvents(): Promise<void> {
    await this.#events?.flush();
  }

  /** True while controllers run (always after sync without leader election). */
  isLeader(): boolean {
    return this.#leading;
  }

  /** The bound `host:port` of /metrics, once started. */
  get metricsAddress(): string | undefined {
    return this.#metricsAddress;
  }

  /** The bound `host:port` of /healthz and /readyz, once started. */
  get probeAddress(): string | undefined {
    return this.#probeAddress;
  }

  /** Runs everything until the signal aborts, then shuts down gracefully. Resolves when shutdown is complete. */
  async start(signal: AbortSignal): Promise<void> {
    if (this.#started) throw new ConfigError('the manager is already started');
    this.#started = true;
    const log = this.logger;
    await this.#startServers();
    const always = new AbortController();
    const alwaysRunning: Promise<void>[] = [];
    let election: Promise<void> | undefined;
    const electionAbort = new AbortController();
    try {
      this.informers.start();
      log.info({ informers: this.informers.informers().length }, 'waiting for caches to sync');
      try {
        await this.informers.waitForSync(signal);
      } catch {
        return; // aborted before sync: nothing else started
      }
      log.info('caches synced');
      for (const r of this.#runnables.filter((x) => x.needLeaderElection === false)) alwaysRunning.push(this.#runRunnable(r, always.signal));
      const le = this.#opts.leaderElection;
      if (le) {
        const elector = new LeaderElector({
          client: this.client,
          namespace: le.namespace,
          name: le.name,
          identity: this.identity,
          leaseDurationMs: le.leaseDurationMs,
          renewDeadlineMs: le.renewDeadlineMs,
          retryPeriodMs: le.retryPeriodMs,
          releaseOnCancel: le.releaseOnCancel,
          logger: log,
          onStartedLeading: () => {
            this.metrics.leaderElectionMasterStatus.set({ name: le.name }, 1);
            this.#startLeaderWork();
          },
          onStoppedLeading: () => {
            this.metrics.leaderElectionMasterStatus.set({ name: le.name }, 0);
            void this.#stopLeaderWork('now');
          },
        });
        election = elector.run(electionAbort.signal);
      } else {
        this.#startLeaderWork();
      }
      await new Promise<void>((resolve) => {
        if (signal.aborted) return resolve();
        signal.addEventListener('abort', () => resolve(), { once: true });
      });
    } finally {
      log.info('shutting down');
      await this.#stopLeaderWork('drain');
      always.abort(new Error('manager stopped'));
      await this.#bounded(Promise.all(alwaysRunning), 'runnables');
      electionAbort.abort();
      await election;
      await this.#events?.close();
      await this.informers.stop();
      for (const s of this.#servers.splice(0)) await s.close();
      log.info('shutdown complete');
    }
  }

  #startLeaderWork(): void {
    if (this.#leading) return;
    this.#leading = true;
    const abort = new AbortController();
    this.#leaderWork = abort;
    for (const c of this.#controllers) c.start();
    this.#leaderRunnables = this.#runnables.filter((r) => r.needLeaderElection !== false).map((r) => this.#runRunnable(r, abort.signal));
    this.#electedResolve();
  }

  async #stopLeaderWork(mode: 'now' | 'drain'): Promise<void> {
    if (!this.#leading) return;
    this.#leading = false;
    this.#leaderWork?.abort(new Error(mode === 'now' ? 'leadership lost' : 'manager stopped'));
    this.#leaderWork = undefined;
    if (mode === 'now') {
      await Promise.all(this.#controllers.map((c) => c.stop('now')));
    } else {
      const drained = await this.#bounded(Promise.all(this.#controllers.map((c) => c.stop('drain'))), 'controllers');
      // Past the timeout, abort what is left and stop waiting for it.
      if (!drained) for (const c of this.#controllers) void c.stop('now');
    }
    await this.#bounded(Promise.all(this.#leaderRunnables.splice(0)), 'leader runnables');
  }

  /** Waits for `p` at most the graceful shutdown timeout; false (and a log line) when it took longer. */
  async #bounded(p: Promise<unknown>, what: string): Promise<boolean> {
    const timeoutMs = this.#opts.gracefulShutdownTimeoutMs ?? 30_000;
    const abort = new AbortController();
    const done = await Promise.race([p.then(() => true), sleep(timeoutMs, abort.signal).then(() => false)]);
    abort.abort();
    if (!done) this.logger.warn({ timeoutMs }, `${what} did not stop within the graceful shutdown timeout`);
    return done;
  }

  async #runRunnable(r: Runnable, signal: AbortSignal): Promise<void> {
    try {
      await r.start(signal);
    } catch (err) {
      this.logger.error({ err, runnable: r.name }, 'runnable failed');
    }
  }

  async #startServers(): Promise<void> {
    const same =
      this.#metricsBind && this.#probeBind && this.#metricsBind.host === this.#probeBind.host && this.#metricsBind.port === this.#probeBind.port && this.#probeBind.port !== 0;
    if (same) {
      const s = await startEndpointServer(this.#probeBind!, { healthz: this.#healthz, readyz: this.#readyz, metrics: this.metrics.registry });
      this.#servers.push(s);
      this.#metricsAddress = this.#probeAddress = s.address;
      return;
    }
    if (this.#probeBind) {
      const s = await startEndpointServer(this.#probeBind, { healthz: this.#healthz, readyz: this.#readyz });
      this.#servers.push(s);
      this.#probeAddress = s.address;
    }
    if (this.#metricsBind) {
      const s = await startEndpointServer(this.#metricsBind, { metrics: this.metrics.registry });
      this.#servers.push(s);
      this.#metricsAddress = s.address;
    }
  }
}
