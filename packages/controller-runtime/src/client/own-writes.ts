// A controller's own writes that its informer cache has not shown yet (the "expectations" of client-go and Go's
// controller-runtime, reduced to what a writer of status needs). A reconcile woken by some other event while the cache
// still holds the version it last wrote on top of computes from old data and writes with a stale resourceVersion: a
// certain 409 Conflict. Asking isBehind() first lets it wait a moment instead.
//
// resourceVersions are opaque (the API server only promises equality), so nothing here orders them: an object is
// behind while the cache shows exactly a version we wrote on top of, and caught up as soon as it shows any other.

import { withDefaults } from '../internal/options.js';
import { objectKey, type KubeObject, type ObjectRef } from '../object.js';
import type { ResourceDescriptor } from '../resources.js';

/** Options of OwnWrites. */
export interface OwnWritesOptions {
  /** How long a write is waited for at most, so that a lost watch event cannot hold reconciles back for good (10 s). */
  timeoutMs?: number;
  now?: () => number;
}

interface Entry {
  /** The resourceVersions our writes were made on top of (several when writes followed each other). */
  stale: Set<string>;
  expiresAt: number;
}

/** Remembers, per object, the resourceVersions our writes replaced until the cache shows the object moved past them. */
export class OwnWrites {
  readonly #timeoutMs: number;
  readonly #now: () => number;
  // Every entry lives for the same timeout and a new write re-inserts its entry, so the Map's insertion order is
  // expiry order and expired entries are all at the front.
  readonly #entries = new Map<string, Entry>();

  constructor(opts: OwnWritesOptions = {}) {
    const o = withDefaults({ timeoutMs: 10_000, now: Date.now }, opts);
    this.#timeoutMs = o.timeoutMs;
    this.#now = o.now;
  }

  /** Records a successful write: `sent` is the object as written (its resourceVersion the one written on top of), `result` what the server returned. */
  record(res: ResourceDescriptor, sent: KubeObject, result: KubeObject): void {
    const base = sent.metadata.resourceVersion;
    const written = result.metadata.resourceVersion;
    // A write that changed nothing keeps the resourceVersion and sends no watch event: there is nothing to wait for.
    if (!base || !written || base === written) return;
    this.#sweep();
    const key = keyOf(res, result.metadata);
    const stale = this.#entries.get(key)?.stale ?? new Set<string>();
    stale.add(base);
    stale.delete(written);
    this.#entries.delete(key);
    this.#entries.set(key, { stale, expiresAt: this.#now() + this.#timeoutMs });
  }

  /** True while `cached` (the cache's copy) still carries a resourceVersion one of our writes was made on top of. */
  isBehind(res: ResourceDescriptor, cached: KubeObject): boolean {
    this.#sweep();
    const key = keyOf(res, cached.metadata);
    const entry = this.#entries.get(key);
    if (entry === undefined) return false;
    const rv = cached.metadata.resourceVersion;
    if (rv !== undefined && entry.stale.has(rv) && entry.expiresAt > this.#now()) return true;
    // The cache shows our write or a later one (or we gave up waiting).
    this.#entries.delete(key);
    return false;
  }

  /** Tells it what the cache now holds (an informer's add/update handler): drops the entry once the object moved on. */
  observe(res: ResourceDescriptor, cached: KubeObject): void {
    this.isBehind(res, cached);
  }

  /** Drops the entry of a deleted object (an informer's delete handler). */
  forget(res: ResourceDescriptor, ref: ObjectRef): void {
    this.#entries.delete(keyOf(res, ref));
  }

  /** Objects with a write not yet seen (expired entries included until something looks). */
  get size(): number {
    return this.#entries.size;
  }

  #sweep(): void {
    const now = this.#now();
    for (const [key, entry] of this.#entries) {
      if (entry.expiresAt > now) break;
      this.#entries.delete(key);
    }
  }
}

// Versions of one kind share storage and resourceVersions, so the version is not part of the key.
function keyOf(res: ResourceDescriptor, ref: ObjectRef): string {
  return `${res.group}/${res.plural}/${objectKey(ref)}`;
}
