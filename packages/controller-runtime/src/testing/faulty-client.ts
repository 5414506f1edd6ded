// A Client wrapper that injects failures: queued errors per verb, dropped or failed watches. It works over any Client
// (MemoryCluster, KubeClient), so informer and controller tests can show recovery from what a real network does.

import type {
  Client,
  DeleteOptions,
  ListOptions,
  ObjectList,
  PatchOptions,
  ServedResource,
  WatchEvent,
  WatchOptions,
  WatchStream,
  WriteOptions,
} from '../client/client.js';
import { PushStream } from '../internal/push-stream.js';
import type { KubeObject, ObjectRef } from '../object.js';
import type { Patch } from '../client/patch.js';
import type { ResourceDescriptor } from '../resources.js';

/** The verbs FaultyClient can fail. */
export type Verb = 'get' | 'list' | 'create' | 'update' | 'updateStatus' | 'patch' | 'patchStatus' | 'delete' | 'watch';

/** One recorded call: the verb, the resource kind and the options or object it got. */
export interface RecordedCall {
  verb: Verb;
  kind: string;
  args: unknown;
}

/** A Client that forwards to another one but fails on demand (see the module comment). */
export class FaultyClient implements Client {
  readonly inner: Client;
  /** Every call made, in order. */
  readonly calls: RecordedCall[] = [];
  readonly #faults = new Map<Verb, unknown[]>();
  readonly #watches = new Set<PushStream<WatchEvent<KubeObject>>>();

  constructor(inner: Client) {
    this.inner = inner;
  }

  /** Makes the next `times` calls of `verb` fail with `error` (errors queue up in order). */
  failNext(verb: Verb, error: unknown, times = 1): this {
    const q = this.#faults.get(verb) ?? [];
    for (let i = 0; i < times; i++) q.push(error);
    this.#faults.set(verb, q);
    return this;
  }

  /** Ends every open watch: cleanly, or with `error` (e.g. a ConnectionError or GoneError). */
  dropWatches(error?: unknown): void {
    for (const s of [...this.#watches]) {
      if (error === undefined) s.end();
      else s.fail(error);
    }
  }

  /** Number of open watches. */
  get openWatches(): number {
    return this.#watches.size;
  }

  /** Calls recorded for one verb. */
  callsOf(verb: Verb): RecordedCall[] {
    return this.calls.filter((c) => c.verb === verb);
  }

  #enter(verb: Verb, res: ResourceDescriptor, args: unknown): void {
    this.calls.push({ verb, kind: res.kind, args });
    const q = this.#faults.get(verb);
    if (q && q.length > 0) throw q.shift();
  }

  async get<T extends KubeObject = KubeObject>(res: ResourceDescriptor, ref: ObjectRef, opts?: { signal?: AbortSignal }): Promise<T> {
    this.#enter('get', res, ref);
    return this.inner.get<T>(res, ref, opts);
  }

  async list<T extends KubeObject = KubeObject>(res: ResourceDescriptor, opts?: ListOptions): Promise<ObjectList<T>> {
    this.#enter('list', res, { ...opts, signal: undefined });
    return this.inner.list<T>(res, opts);
  }

  async create<T extends KubeObject>(res: ResourceDescriptor, obj: T, opts?: WriteOptions): Promise<T> {
    this.#enter('create', res, obj);
    return this.inner.create(res, obj, opts);
  }

  async update<T extends KubeObject>(res: ResourceDescriptor, obj: T, opts?: WriteOptions): Promise<T> {
    this.#enter('update', res, obj);
    return this.inner.update(res, obj, opts);
  }

  async updateStatus<T extends KubeObject>(res: ResourceDescriptor, obj: T, opts?: WriteOptions): Promise<T> {
    this.#enter('updateStatus', res, obj);
    return this.inner.updateStatus(res, obj, opts);
  }

  async patch<T extends KubeObject = KubeObject>(res: ResourceDescriptor, ref: ObjectRef, patch: Patch, opts?: PatchOptions): Promise<T> {
    this.#enter('patch', res, { ref, patch });
    return this.inner.patch<T>(res, ref, patch, opts);
  }

  async patchStatus<T extends KubeObject = KubeObject>(res: ResourceDescriptor, ref: ObjectRef, patch: Patch, opts?: PatchOptions): Promise<T> {
    this.#enter('patchStatus', res, { ref, patch });
    return this.inner.patchStatus<T>(res, ref, patch, opts);
  }

  async delete<T extends KubeObject = KubeObject>(res: ResourceDescriptor, ref: ObjectRef, opts?: DeleteOptions): Promise<T | undefined> {
    this.#enter('delete', res, ref);
    return this.inner.delete<T>(res, ref, opts);
  }

  watch<T extends KubeObject = KubeObject>(res: ResourceDescriptor, opts: WatchOptions = {}): WatchStream<T> {
    const outer = new PushStream<WatchEvent<KubeObject>>(() => {
      this.#watches.delete(outer);
      inner?.close();
    });
    // eslint-disable-next-line prefer-const -- assigned below, but read by the close callback above, which may run first
    let inner: WatchStream<KubeObject> | undefined;
    try {
      this.#enter('watch', res, { ...opts, signal: undefined });
    } catch (err) {
      outer.fail(err);
      return outer as unknown as WatchStream<T>;
    }
    this.#watches.add(outer);
    inner = this.inner.watch<KubeObject>(res, opts);
    const source = inner;
    void (async () => {
      try {
        for await (const ev of source) outer.push(ev);
        outer.end();
      } catch (err) {
        outer.fail(err);
      }
    })();
    return outer as unknown as WatchStream<T>;
  }

  servedVersions(group: string): Promise<string[]> {
    return this.inner.servedVersions(group);
  }

  servedResources(group: string, version: string): Promise<ServedResource[]> {
    return this.inner.servedResources(group, version);
  }
}
