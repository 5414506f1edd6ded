// Controller: turns cache events into keys of one primary kind, and runs a reconcile function on those keys with
// bounded concurrency, de-duplication, retries with backoff and metrics. Shaped after controller-runtime's builder
// (For / Owns / Watches) and kube-rs's Controller (reconcile -> Action, error policy): a reconcile returns nothing
// (done), `{ requeueAfterMs }` or `{ requeue: true }`; a thrown error is retried with per-key backoff; a thrown
// TerminalError is logged and not retried.

import { TerminalError } from '../errors.js';
import type { EventHandler, Informer } from '../cache/informer.js';
import type { SharedInformerFactory } from '../cache/informer-factory.js';
import { type Logger, silentLogger } from '../logging.js';
import type { RuntimeMetrics } from '../metrics.js';
import type { KubeObject, ObjectRef } from '../object.js';
import { objectKey, parseObjectKey } from '../object.js';
import type { Predicate } from './predicates.js';
import { defaultControllerRateLimiter, type RateLimiter } from '../workqueue/rate-limiter.js';
import type { ResourceDescriptor } from '../resources.js';
import { ConfigError } from '../errors.js';
import { WorkQueue } from '../workqueue/workqueue.js';

/** What a reconcile is asked to converge: the primary object's key (it may no longer exist). */
export interface Request {
  /** `namespace/name` or `name`. */
  key: string;
  namespace?: string | undefined;
  name: string;
}

/** What a reconcile may ask for besides "done". */
export interface ReconcileResult {
  /** Reconcile this key again after this long (periodic checks, waiting for something outside the cluster). */
  requeueAfterMs?: number;
  /** Reconcile again after the rate limiter's backoff, without counting an error. */
  requeue?: boolean;
}

/** Passed to every reconcile call. */
export interface ReconcileContext {
  /** Aborted when the controller stops at once (leadership lost); pass it to client calls. */
  signal: AbortSignal;
  /** A logger bound to the controller and the key. */
  logger: Logger;
  /** How many times this key has been retried after failures since its last success. */
  retries: number;
}

/** A reconcile function. */
export type ReconcileFn = (req: Request, ctx: ReconcileContext) => Promise<ReconcileResult | void> | ReconcileResult | void;

/** Maps a related object to the primary keys it affects (`namespace/name` strings or references). */
export type MapFunc<R extends KubeObject> = (obj: R) => Iterable<string | ObjectRef> | undefined | null;

/** Options of a Controller. */
export interface ControllerOptions<T extends KubeObject> {
  /** Unique name; labels metrics and logs. */
  name: string;
  /** The primary kind: its keys are what reconcile receives. */
  for: ResourceDescriptor;
  reconcile: ReconcileFn;
  /** Watch the primary kind in one namespace only. */
  namespace?: string | undefined;
  /** Filters for primary-kind events (all must pass). Deletes of the primary kind always pass unless a predicate says no. */
  predicates?: Predicate<T>[] | undefined;
  /** Reconciles running at once, over different keys (default 1). */
  concurrency?: number | undefined;
  /** Makes the rate limiter of each run's queue (default: client-go's controller rate limiter). */
  rateLimiter?: (() => RateLimiter<string>) | undefined;
  logger?: Logger | undefined;
  metrics?: RuntimeMetrics | undefined;
}

interface Run {
  queue: WorkQueue<string>;
  abort: AbortController;
  unsubscribe: Array<() => void>;
  done: Promise<void>;
}

interface Source {
  informer: Informer<KubeObject>;
  handler: (enqueue: (key: string) => void) => EventHandler<KubeObject>;
}

const PANIC_CLASSES = [TypeError, ReferenceError, RangeError, SyntaxError];

function passes<T extends KubeObject>(predicates: readonly Predicate<T>[], kind: keyof Predicate<T>, a: T, b?: T): boolean {
  for (const p of predicates) {
    const f = p[kind];
    if (!f) continue;
    if (kind === 'update' ? !(f as (x: T, y: T) => boolean)(a, b!) : !(f as (x: T) => boolean)(a)) return false;
  }
  return true;
}

function toKey(k: string | ObjectRef): string {
  return typeof k === 'string' ? k : objectKey(k);
}

/** A controller (see the module comment). Build it, add watches, then start/stop it (the Manager does this). */
export class Controller<T extends KubeObject = KubeObject> {
  readonly name: string;
  /** The informer of the primary kind (shared). */
  readonly informer: Informer<T>;
  readonly #opts: ControllerOptions<T>;
  readonly #informers: SharedInformerFactory;
  readonly #sources: Source[] = [];
  readonly #log: Logger;
  readonly #concurrency: number;
  /** The run taking new work, if any. */
  #current: Run | undefined;
  /** Every run whose workers have not all exited (a stopped run may still be finishing reconciles). */
  readonly #runs = new Set<Run>();
  /** Keys being reconciled by any run: a new run (e.g. after regaining leadership) waits for an old one's key. */
  readonly #active = new Set<string>();

  constructor(informers: SharedInformerFactory, opts: ControllerOptions<T>) {
    if (!opts.name) throw new ConfigError('a controller needs a name');
    const concurrency = opts.concurrency ?? 1;
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new ConfigError(`controller "${opts.name}": concurrency must be a positive integer, got ${String(opts.concurrency)}`);
    }
    this.name = opts.name;
    this.#opts = opts;
    this.#informers = informers;
    this.#concurrency = concurrency;
    this.#log = (opts.logger ?? silentLogger()).child({ controller: opts.name });
    this.informer = informers.informerFor<T>(opts.for, { namespace: opts.namespace });
    const predicates = opts.predicates ?? [];
    this.#sources.push({
      informer: this.informer as unknown as Informer<KubeObject>,
      handler: (enqueue) => ({
        onAdd: (o) => passes(predicates, 'create', o as T) && enqueue(objectKey(o.metadata)),
        onUpdate: (a, b) => passes(predicates, 'update', a as T, b as T) && enqueue(objectKey(b.metadata)),
        onDelete: (o) => passes(predicates, 'delete', o as T) && enqueue(objectKey(o.metadata)),
      }),
    });
  }

  /**
   * Reconciles the primary keys that `map` returns for objects of another kind (on update, for the old and the new
   * object). Predicates filter the events first.
   */
  watches<R extends KubeObject>(
    res: ResourceDescriptor,
    map: MapFunc<R>,
    opts: { predicates?: Predicate<R>[]; namespace?: string } = {},
  ): this {
    const informer = this.#informers.informerFor<R>(res, { namespace: opts.namespace ?? this.#opts.namespace });
    const predicates = opts.predicates ?? [];
    const mapSafely = (o: R, enqueue: (key: string) => void): void => {
      let keys: Iterable<string | ObjectRef> | undefined | null;
      try {
        keys = map(o);
      } catch (err) {
        this.#log.error({ err, kind: res.kind, object: objectKey(o.metadata) }, 'map function threw; event ignored');
        return;
      }
      for (const k of keys ?? []) enqueue(toKey(k));
    };
    this.#sources.push({
      informer: informer as unknown as Informer<KubeObject>,
      handler: (enqueue) => ({
        onAdd: (o) => passes(predicates, 'create', o as R) && mapSafely(o as R, enqueue),
        onUpdate: (a, b) => {
          if (!passes(predicates, 'update', a as R, b as R)) return;
          mapSafely(a as R, enqueue);
          mapSafely(b as R, enqueue);
        },
        onDelete: (o) => passes(predicates, 'delete', o as R) && mapSafely(o as R, enqueue),
      }),
    });
    return this;
  }

  /** Reconciles the owner when an object of `res` whose controller ownerReference is of the primary kind changes. */
  owns<R extends KubeObject>(res: ResourceDescriptor, opts: { predicates?: Predicate<R>[]; namespace?: string } = {}): this {
    const primary = this.#opts.for;
    return this.watches<R>(
      res,
      (o) => {
        const owner = o.metadata.ownerReferences?.find((r) => r.controller === true);
        if (!owner || owner.kind !== primary.kind) return [];
        const group = owner.apiVersion.includes('/') ? owner.apiVersion.slice(0, owner.apiVersion.indexOf('/')) : '';
        if (group !== primary.group) return [];
        return [primary.namespaced ? { namespace: o.metadata.namespace, name: owner.name } : { name: owner.name }];
      },
      opts,
    );
  }

  /** The informers this controller reads (primary first). */
  informers(): Informer<KubeObject>[] {
    return [...new Set(this.#sources.map((s) => s.informer))];
  }

  /** True while started. */
  get running(): boolean {
    return this.#current !== undefined;
  }

  /** Queued keys (0 when stopped). */
  get queueLength(): number {
    return this.#current?.queue.length ?? 0;
  }

  /** Enqueues a key by hand (e.g. a periodic resync, or a change the caches cannot see). Ignored while stopped. */
  enqueue(key: string | ObjectRef): void {
    this.#current?.queue.add(toKey(key));
  }

  /**
   * Starts the workers and subscribes to the informers. Every cached object is replayed as an add, so each existing
   * primary key is reconciled once after a start (e.g. on becoming leader). Idempotent.
   */
  start(): void {
    if (this.#current) return;
    const metrics = this.#opts.metrics;
    const queue = new WorkQueue<string>({
      rateLimiter: this.#opts.rateLimiter?.() ?? defaultControllerRateLimiter<string>(),
      metrics: metrics?.queueMetrics(this.name),
    });
    metrics?.trackQueue(this.name, queue as WorkQueue<unknown>);
    metrics?.maxConcurrentReconciles.set({ controller: this.name }, this.#concurrency);
    metrics?.activeWorkers.set({ controller: this.name }, 0);
    const abort = new AbortController();
    const workers = Array.from({ length: this.#concurrency }, () => this.#work(queue, abort.signal));
    const run: Run = { queue, abort, unsubscribe: [], done: Promise.resolve() };
    run.done = Promise.all(workers).then(() => {
      this.#runs.delete(run);
    });
    this.#current = run;
    this.#runs.add(run);
    const enqueue = (key: string): void => queue.add(key);
    run.unsubscribe = this.#sources.map((s) => s.informer.addEventHandler(s.handler(enqueue)));
    this.#log.info({ concurrency: this.#concurrency }, 'controller started');
  }

  /**
   * Stops the controller. `now` (leadership lost): queued keys are dropped, in-flight reconciles get their signal
   * aborted, nothing new starts (this also cuts short an earlier `drain` in progress). `drain` (graceful shutdown): no
   * new events are taken, queued and in-flight keys finish. Resolves when the affected workers have exited; the
   * controller can be started again at once (keys still in flight from the old run are not reconciled twice at once).
   */
  async stop(mode: 'now' | 'drain' = 'now'): Promise<void> {
    const run = this.#current;
    this.#current = undefined;
    if (run) for (const u of run.unsubscribe.splice(0)) u();
    const targets = mode === 'now' ? [...this.#runs] : run ? [run] : [];
    if (mode === 'now') {
      for (const t of targets) {
        t.abort.abort(new Error(`controller ${this.name} stopped`));
        t.queue.shutDown();
      }
    } else if (run) {
      await run.queue.shutDownWithDrain();
    }
    await Promise.all(targets.map((t) => t.done));
    if (run) this.#log.info({ mode }, 'controller stopped');
  }

  async #work(queue: WorkQueue<string>, signal: AbortSignal): Promise<void> {
    const metrics = this.#opts.metrics;
    for (;;) {
      const key = await queue.get();
      if (key === undefined) return;
      if (this.#active.has(key)) {
        // Still being reconciled by a previous run of this controller: try again shortly.
        queue.done(key);
        queue.addAfter(key, 50);
        continue;
      }
      this.#active.add(key);
      const ref = parseObjectKey(key);
      const req: Request = { key, name: ref.name, ...(ref.namespace !== undefined ? { namespace: ref.namespace } : {}) };
      const retries = queue.numRequeues(key);
      const logger = this.#log.child({ key });
      const started = performance.now();
      metrics?.activeWorkers.inc({ controller: this.name });
      let outcome: 'success' | 'error' | 'requeue' | 'requeue_after' = 'success';
      try {
        const result = (await this.#opts.reconcile(req, { signal, logger, retries })) ?? {};
        if (result.requeueAfterMs !== undefined && result.requeueAfterMs > 0) {
          outcome = 'requeue_after';
          queue.forget(key);
          queue.addAfter(key, result.requeueAfterMs);
        } else if (result.requeue) {
          outcome = 'requeue';
          queue.addRateLimited(key);
        } else {
          queue.forget(key);
        }
      } catch (err) {
        outcome = 'error';
        metrics?.reconcileErrors.inc({ controller: this.name });
        if (PANIC_CLASSES.some((c) => err instanceof c)) metrics?.reconcilePanics.inc({ controller: this.name });
        if (err instanceof TerminalError) {
          metrics?.terminalReconcileErrors.inc({ controller: this.name });
          queue.forget(key);
          logger.error({ err }, 'reconcile failed with a terminal error; not retrying');
        } else if (signal.aborted) {
          logger.debug({ err }, 'reconcile interrupted by stop');
        } else {
          queue.addRateLimited(key);
          logger.error({ err, retries: retries + 1 }, 'reconcile failed; retrying with backoff');
        }
      } finally {
        this.#active.delete(key);
        metrics?.activeWorkers.dec({ controller: this.name });
        metrics?.observeReconcile(this.name, outcome, (performance.now() - started) / 1000);
        queue.done(key);
      }
    }
  }
}
