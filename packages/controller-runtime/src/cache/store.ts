// The informer cache: objects by key, plus secondary indexes (index name -> index value -> keys) kept up to date on
// every write, so reconcilers find "the routes that reference this Gateway" or "the Services owned by it" without scans.

import type { KubeObject } from '../object.js';
import { controllerOf, objectKey } from '../object.js';

/** Computes the index values of an object (an object may have several, or none). */
export type IndexFunc<T extends KubeObject> = (obj: T) => readonly string[];

/** A read-only view of a cache: what reconcilers and map functions get. */
export interface StoreReader<T extends KubeObject> {
  /** The object with this `namespace/name` key, or undefined. */
  get(key: string): T | undefined;
  /** Every cached object. */
  list(): T[];
  /** Every key. */
  keys(): string[];
  /** Objects in one namespace. */
  listNamespace(namespace: string): T[];
  /** Objects whose index `name` contains `value`. Throws when no such index is registered. */
  byIndex(name: string, value: string): T[];
  /** Keys of objects whose index `name` contains `value`. */
  indexKeys(name: string, value: string): string[];
  /** Number of cached objects. */
  readonly size: number;
}

/** Index function: the object's namespace (registered on every store as `namespace`). */
export const indexByNamespace: IndexFunc<KubeObject> = (obj) => (obj.metadata.namespace ? [obj.metadata.namespace] : []);

/** Index function: `Kind/namespace/name` of the controller owner (ownerReference with controller: true). */
export const indexByController: IndexFunc<KubeObject> = (obj) => {
  const owner = controllerOf(obj);
  return owner ? [`${owner.kind}/${objectKey({ namespace: obj.metadata.namespace, name: owner.name })}`] : [];
};

/** Index function factory: the value of one label (objects without it are not indexed). */
export function indexByLabel(label: string): IndexFunc<KubeObject> {
  return (obj) => {
    const v = obj.metadata.labels?.[label];
    return v === undefined ? [] : [v];
  };
}

/** Thrown by byIndex/indexKeys for an index name that was never registered (a programming error). */
export class UnknownIndexError extends Error {
  readonly _tag = 'UnknownIndexError' as const;

  constructor(name: string, known: readonly string[]) {
    super(`no index named "${name}" (registered: ${known.join(', ') || 'none'})`);
    this.name = 'UnknownIndexError';
  }
}

/** A keyed object cache with secondary indexes. Informers write it; everyone else reads it through StoreReader. */
export class Store<T extends KubeObject> implements StoreReader<T> {
  readonly #items = new Map<string, T>();
  readonly #indexers = new Map<string, IndexFunc<T>>();
  // Index name -> index value -> the keys with that value. Most values have one key (the Services owned by one
  // Gateway, the slices of one Service), so one key is held as the string itself and a Set is made at the second:
  // 50,159 single-key Sets took ~7 MiB of a 124 MiB heap at 10,000 routes (docs/benchmarks.md, the heap profile).
  readonly #indexes = new Map<string, Map<string, string | Set<string>>>();
  // Index name -> key -> its values, for removal; one value is held as the string, more as an array (same reason).
  readonly #valuesOf = new Map<string, Map<string, string | readonly string[]>>();

  readonly #onIndexError: (index: string, key: string, err: unknown) => void;

  /** `onIndexError` hears about index functions that throw (the object is then left out of that index). */
  constructor(indexers: Record<string, IndexFunc<T>> = {}, onIndexError?: (index: string, key: string, err: unknown) => void) {
    this.#onIndexError = onIndexError ?? (() => undefined);
    this.addIndexer('namespace', indexByNamespace as IndexFunc<T>);
    for (const [name, fn] of Object.entries(indexers)) this.addIndexer(name, fn);
  }

  /** Registers an index (replacing one of the same name) and indexes the objects already cached. */
  addIndexer(name: string, fn: IndexFunc<T>): void {
    this.#indexers.set(name, fn);
    this.#indexes.set(name, new Map());
    this.#valuesOf.set(name, new Map());
    for (const [key, obj] of this.#items) this.#indexOne(name, fn, key, obj);
  }

  /** Names of the registered indexes. */
  indexNames(): string[] {
    return [...this.#indexers.keys()];
  }

  get size(): number {
    return this.#items.size;
  }

  get(key: string): T | undefined {
    return this.#items.get(key);
  }

  list(): T[] {
    return [...this.#items.values()];
  }

  /** Every key. */
  keys(): string[] {
    return [...this.#items.keys()];
  }

  listNamespace(namespace: string): T[] {
    return this.byIndex('namespace', namespace);
  }

  byIndex(name: string, value: string): T[] {
    return this.indexKeys(name, value).map((k) => this.#items.get(k)!);
  }

  indexKeys(name: string, value: string): string[] {
    const index = this.#indexes.get(name);
    if (!index) throw new UnknownIndexError(name, this.indexNames());
    const keys = index.get(value);
    if (keys === undefined) return [];
    return typeof keys === 'string' ? [keys] : [...keys];
  }

  /** Inserts or replaces an object; returns the previous one. */
  upsert(obj: T): T | undefined {
    const key = objectKey(obj.metadata);
    const old = this.#items.get(key);
    this.#items.set(key, obj);
    for (const [name, fn] of this.#indexers) {
      this.#unindexOne(name, key);
      this.#indexOne(name, fn, key, obj);
    }
    return old;
  }

  /** Removes an object by key; returns it. */
  delete(key: string): T | undefined {
    const old = this.#items.get(key);
    if (old === undefined) return undefined;
    this.#items.delete(key);
    for (const name of this.#indexers.keys()) this.#unindexOne(name, key);
    return old;
  }

  #indexOne(name: string, fn: IndexFunc<T>, key: string, obj: T): void {
    let values: readonly string[];
    try {
      values = fn(obj);
      if (values.length > 1) values = [...new Set(values)];
    } catch (err) {
      this.#onIndexError(name, key, err);
      return;
    }
    if (values.length === 0) return;
    this.#valuesOf.get(name)!.set(key, values.length === 1 ? values[0]! : values);
    const index = this.#indexes.get(name)!;
    for (const v of values) {
      const keys = index.get(v);
      if (keys === undefined) index.set(v, key);
      else if (typeof keys !== 'string') keys.add(key);
      else if (keys !== key) index.set(v, new Set([keys, key]));
    }
  }

  #unindexOne(name: string, key: string): void {
    const valuesOf = this.#valuesOf.get(name)!;
    const values = valuesOf.get(key);
    if (values === undefined) return;
    valuesOf.delete(key);
    const index = this.#indexes.get(name)!;
    if (typeof values === 'string') removeKey(index, values, key);
    else for (const v of values) removeKey(index, v, key);
  }
}

/** Takes `key` off the entry of `value`; an entry left with one key goes back to the string, so churn leaves no one-key Sets. */
function removeKey(index: Map<string, string | Set<string>>, value: string, key: string): void {
  const keys = index.get(value);
  if (keys === key) index.delete(value);
  else if (keys !== undefined && typeof keys !== 'string') {
    keys.delete(key);
    if (keys.size === 1) index.set(value, keys.values().next().value!);
  }
}
