// Informer: list, then watch from the list's resourceVersion, forever. Unlike client-node 1.4.0's ListWatch, it never
// stops on an error: every failure is retried with jittered exponential backoff (Retry-After honoured), 410 Gone leads
// to a fresh list whose differences become events (objects deleted while away produce deletes), watches carry a
// jittered timeoutSeconds so the server rotates them, and an inactivity watchdog replaces watches that went silent
// (half-open connections). Handlers only ever see a consistent cache.

import { StringPool } from './string-pool.js';
import { ExponentialBackoff, sleep, type BackoffOptions } from '../backoff.js';
import type { ListerWatcher, WatchEvent } from '../client/client.js';
import { GoneError, retryAfterMs } from '../errors.js';
import { withDefaults } from '../internal/options.js';
import { type Logger, silentLogger } from '../logging.js';
import type { KubeObject } from '../object.js';
import { objectKey } from '../object.js';
import { resourceId, type ResourceDescriptor } from '../resources.js';
import type { FieldSelectorInput, LabelSelectorInput } from '@kube-vip-gw/kube-core';
import { type IndexFunc, Store, type StoreReader } from './store.js';

/** Callbacks for cache changes. They run synchronously and should only enqueue work; exceptions are logged and ignored. */
export interface EventHandler<T extends KubeObject> {
  onAdd?(obj: T): void;
  onUpdate?(oldObj: T, newObj: T): void;
  onDelete?(obj: T): void;
}

/** What an informer is doing, for logs, metrics and tests. */
export type InformerEvent =
  | { type: 'listed'; objects: number; resourceVersion: string }
  | { type: 'watch-started'; resourceVersion: string; timeoutSeconds: number }
  | { type: 'watch-ended'; events: number; reason: 'closed' | 'inactive' }
  | { type: 'relist'; reason: 'gone' }
  | { type: 'error'; error: unknown; retryInMs: number; phase: 'list' | 'watch' };

/** Options of an Informer. */
export interface InformerOptions<T extends KubeObject> {
  namespace?: string | undefined;
  labelSelector?: LabelSelectorInput | undefined;
  fieldSelector?: FieldSelectorInput | undefined;
  /** Applied to every object before it is cached (default: stripBulkyMetadata). */
  transform?: ((obj: T) => T) | undefined;
  /**
   * Shares equal string values of the cached objects (string-pool.ts); default: a pool of this informer's own (a
   * SharedInformerFactory gives all of its informers one); `null`: off.
   */
  stringPool?: StringPool | null | undefined;
  /** Secondary indexes (a `namespace` index always exists). */
  indexers?: Record<string, IndexFunc<T>> | undefined;
  /** Base watch timeout; each watch asks for a random value in [base, 2 * base) (default 300 s, as client-go). */
  watchTimeoutSeconds?: number | undefined;
  /** A watch with no event (bookmarks count) for this long is replaced (default: its timeout plus 30 s). */
  inactivityTimeoutMs?: number | undefined;
  /** Page size of lists (default 500; 0 = unpaged). */
  pageSize?: number | undefined;
  backoff?: BackoffOptions | undefined;
  logger?: Logger | undefined;
  /** Observes lifecycle events (see InformerEvent). */
  onEvent?: ((e: InformerEvent) => void) | undefined;
  random?: (() => number) | undefined;
}

/** kubectl's copy of the whole applied manifest, kept on every object applied with client-side `kubectl apply`. */
export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';

/**
 * The default transform: drops metadata.managedFields and kubectl's last-applied-configuration annotation. Both are
 * bookkeeping of other writers that no controller reads, and each is often larger than the rest of the object, so a
 * cache of applied objects would otherwise hold every object two or three times over. Predicates comparing
 * annotations see the same (stripped) view on both sides.
 */
export function stripBulkyMetadata<T extends KubeObject>(obj: T): T {
  const annotations = obj.metadata.annotations;
  const lastApplied = annotations !== undefined && Object.hasOwn(annotations, LAST_APPLIED_ANNOTATION);
  if (obj.metadata.managedFields === undefined && !lastApplied) return obj;
  const { managedFields: _m, ...metadata } = obj.metadata;
  if (lastApplied) {
    const { [LAST_APPLIED_ANNOTATION]: _a, ...rest } = annotations;
    metadata.annotations = rest;
  }
  return { ...obj, metadata };
}

/** A list+watch cache of one resource type (optionally one namespace / selector), with event handlers. */
export class Informer<T extends KubeObject = KubeObject> {
  readonly resource: ResourceDescriptor;
  readonly #client: ListerWatcher;
  readonly #opts: InformerOptions<T>;
  readonly #store: Store<T>;
  readonly #handlers = new Set<EventHandler<T>>();
  readonly #backoff: ExponentialBackoff;
  readonly #log: Logger;
  readonly #random: () => number;
  readonly #transform: (obj: T) => T;
  #rv: string | undefined;
  #synced = false;
  #syncWaiters: Array<() => void> = [];
  #abort: AbortController | undefined;
  #loop: Promise<void> | undefined;

  constructor(client: ListerWatcher, resource: ResourceDescriptor, opts: InformerOptions<T> = {}) {
    this.#client = client;
    this.resource = resource;
    this.#opts = opts;
    this.#log = (opts.logger ?? silentLogger()).child({ informer: resourceId(resource), namespace: opts.namespace || undefined });
    this.#store = new Store<T>(opts.indexers ?? {}, (index, key, err) =>
      this.#log.error({ err, index, key }, 'index function failed; object left out of the index'),
    );
    this.#backoff = new ExponentialBackoff({ random: opts.random, ...withDefaults({}, opts.backoff ?? {}) });
    this.#random = opts.random ?? Math.random;
    const transform = opts.transform ?? stripBulkyMetadata;
    const pool = opts.stringPool === undefined ? new StringPool() : opts.stringPool;
    // The pool works in place on the transform's result, which holds the freshly parsed event's values.
    this.#transform = pool === null ? transform : (obj) => pool.intern(transform(obj));
  }

  /** The cache (read-only view). */
  get store(): StoreReader<T> {
    return this.#store;
  }

  /** Registers an index after construction (existing objects are indexed at once). */
  addIndexer(name: string, fn: IndexFunc<T>): void {
    this.#store.addIndexer(name, fn);
  }

  /** The resourceVersion the informer has seen up to (list, event or bookmark). */
  get lastSyncResourceVersion(): string | undefined {
    return this.#rv;
  }

  /** True once the first list has filled the cache. */
  hasSynced(): boolean {
    return this.#synced;
  }

  /** Resolves when the cache has synced (at once if it has); rejects with the signal's reason if aborted first. */
  waitForSync(signal?: AbortSignal): Promise<void> {
    if (this.#synced) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const onAbort = (): void => reject(signal?.reason ?? new Error('aborted'));
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#syncWaiters.push(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      });
    });
  }

  /**
   * Adds handlers. If the cache already holds objects, `onAdd` runs for each of them first (as client-go does), so a
   * late handler sees the same world as an early one. Returns a function that removes the handlers.
   */
  addEventHandler(handler: EventHandler<T>): () => void {
    this.#handlers.add(handler);
    for (const obj of this.#store.list()) this.#call(handler, 'onAdd', obj);
    return () => this.#handlers.delete(handler);
  }

  /** True while started. */
  get running(): boolean {
    return this.#loop !== undefined;
  }

  /** Starts listing and watching in the background (idempotent). */
  start(): void {
    if (this.#loop) return;
    const abort = new AbortController();
    this.#abort = abort;
    this.#loop = this.#run(abort.signal).finally(() => {
      if (this.#abort === abort) {
        this.#abort = undefined;
        this.#loop = undefined;
      }
    });
  }

  /** Stops the informer and waits for its loop to end (the cache keeps its contents). */
  async stop(): Promise<void> {
    const loop = this.#loop;
    this.#abort?.abort();
    await loop;
  }

  async #run(signal: AbortSignal): Promise<void> {
    let consecutiveGone = 0;
    while (!signal.aborted) {
      let phase: 'list' | 'watch' = 'list';
      try {
        if (this.#rv === undefined) {
          await this.#list(signal);
          if (signal.aborted) break;
        }
        phase = 'watch';
        const started = Date.now();
        const seen = await this.#watch(signal);
        consecutiveGone = 0;
        // A server that closes streams at once would otherwise spin; treat an empty, instant end as a failure.
        if (seen === 0 && Date.now() - started < 1000 && !signal.aborted) {
          await sleep(this.#backoff.next(), signal);
        }
      } catch (err) {
        if (signal.aborted) break;
        if (err instanceof GoneError && consecutiveGone === 0) {
          consecutiveGone++;
          this.#rv = undefined;
          this.#emit({ type: 'relist', reason: 'gone' });
          this.#log.info({ err: err.message }, 'resourceVersion expired; re-listing');
          continue;
        }
        if (err instanceof GoneError) this.#rv = undefined;
        let retryInMs: number;
        try {
          retryInMs = Math.max(this.#backoff.next(), retryAfterMs(err) ?? 0);
        } catch {
          retryInMs = 30_000; // a broken backoff option must not end the loop
        }
        this.#emit({ type: 'error', error: err, retryInMs, phase });
        this.#log.warn({ err, retryInMs, phase }, `${phase} failed; retrying`);
        await sleep(retryInMs, signal);
      }
    }
  }

  async #list(signal: AbortSignal): Promise<void> {
    const pageSize = this.#opts.pageSize ?? 500;
    const items: T[] = [];
    let rv = '';
    let token: string | undefined;
    for (;;) {
      let page;
      try {
        page = await this.#client.list<T>(this.resource, {
          namespace: this.#opts.namespace,
          labelSelector: this.#opts.labelSelector,
          fieldSelector: this.#opts.fieldSelector,
          limit: pageSize > 0 ? pageSize : undefined,
          continue: token,
          signal,
        });
      } catch (err) {
        if (err instanceof GoneError && token !== undefined) {
          // The continue token expired between pages: start the list over.
          items.length = 0;
          token = undefined;
          continue;
        }
        throw err;
      }
      if (token === undefined) rv = page.resourceVersion;
      for (const o of page.items) items.push(this.#transform(o));
      token = page.continue;
      if (!token) break;
    }
    this.#replace(items);
    this.#rv = rv;
    this.#emit({ type: 'listed', objects: items.length, resourceVersion: rv });
    if (!this.#synced) {
      this.#synced = true;
      for (const w of this.#syncWaiters.splice(0)) w();
    }
  }

  /** Swaps the cache for a fresh list, firing add/update/delete for the differences (kube-rs Init/InitDone semantics). */
  #replace(items: T[]): void {
    const fresh = new Set<string>();
    for (const obj of items) {
      const key = objectKey(obj.metadata);
      fresh.add(key);
      const old = this.#store.get(key);
      if (old && old.metadata.resourceVersion === obj.metadata.resourceVersion) continue;
      this.#store.upsert(obj);
      if (old) this.#dispatch('onUpdate', old, obj);
      else this.#dispatch('onAdd', obj);
    }
    for (const key of this.#store.keys()) {
      if (fresh.has(key)) continue;
      const gone = this.#store.delete(key)!;
      this.#dispatch('onDelete', gone);
    }
  }

  /** Runs one watch to its end; returns how many events it delivered. Throws on stream errors. */
  async #watch(signal: AbortSignal): Promise<number> {
    const base = this.#opts.watchTimeoutSeconds ?? 300;
    const timeoutSeconds = Math.floor(base * (1 + this.#random()));
    const inactivityMs = this.#opts.inactivityTimeoutMs ?? timeoutSeconds * 1000 + 30_000;
    const stream = this.#client.watch<T>(this.resource, {
      namespace: this.#opts.namespace,
      labelSelector: this.#opts.labelSelector,
      fieldSelector: this.#opts.fieldSelector,
      resourceVersion: this.#rv,
      allowWatchBookmarks: true,
      timeoutSeconds,
      signal,
    });
    this.#emit({ type: 'watch-started', resourceVersion: this.#rv ?? '', timeoutSeconds });
    let inactive = false;
    let watchdog: NodeJS.Timeout | undefined;
    const arm = (): void => {
      clearTimeout(watchdog);
      watchdog = setTimeout(() => {
        inactive = true;
        this.#log.warn({ inactivityMs }, 'watch silent for too long; replacing it');
        stream.close();
      }, inactivityMs);
    };
    let count = 0;
    arm();
    try {
      for await (const ev of stream) {
        arm();
        count++;
        this.#apply(ev);
      }
    } finally {
      clearTimeout(watchdog);
      stream.close();
    }
    this.#emit({ type: 'watch-ended', events: count, reason: inactive ? 'inactive' : 'closed' });
    return count;
  }

  #apply(ev: WatchEvent<T>): void {
    const rv = ev.object?.metadata?.resourceVersion;
    if (ev.type === 'BOOKMARK') {
      if (rv) this.#rv = rv;
      return;
    }
    const obj = this.#transform(ev.object);
    const key = objectKey(obj.metadata);
    if (ev.type === 'DELETED') {
      const old = this.#store.delete(key);
      if (old) this.#dispatch('onDelete', obj);
    } else {
      const old = this.#store.upsert(obj);
      if (old) this.#dispatch('onUpdate', old, obj);
      else this.#dispatch('onAdd', obj);
    }
    if (rv) this.#rv = rv;
  }

  #dispatch(kind: 'onAdd' | 'onDelete', obj: T): void;
  #dispatch(kind: 'onUpdate', old: T, obj: T): void;
  #dispatch(kind: keyof EventHandler<T>, a: T, b?: T): void {
    for (const h of this.#handlers) this.#call(h, kind, a, b);
  }

  #call(h: EventHandler<T>, kind: keyof EventHandler<T>, a: T, b?: T): void {
    try {
      if (kind === 'onUpdate') h.onUpdate?.(a, b!);
      else h[kind]?.(a);
    } catch (err) {
      this.#log.error({ err, handler: kind, key: objectKey(a.metadata) }, 'event handler threw; ignored');
    }
  }

  #emit(e: InformerEvent): void {
    try {
      this.#opts.onEvent?.(e);
    } catch {
      // An observer must never break the informer.
    }
  }
}
