// The one client interface of the project. Two implementations hold to it: KubeClient (a real API server) and
// MemoryCluster (in-process, for tests and offline rendering). The shared contract test suite in ./testing runs against
// both, so anything written against `Client` behaves the same on either.

import type { KubeObject, ObjectRef } from '../object.js';
import type { Patch } from './patch.js';
import type { ResourceDescriptor } from '../resources.js';
import type { FieldSelectorInput, LabelSelectorInput } from '@kube-vip-gw/kube-core';

/** Options of a list call. */
export interface ListOptions {
  /** Namespace to list in; omit for all namespaces (and for cluster-scoped kinds). */
  namespace?: string | undefined;
  labelSelector?: LabelSelectorInput | undefined;
  /** `metadata.name` and `metadata.namespace` work for every kind. */
  fieldSelector?: FieldSelectorInput | undefined;
  /** Page size; the result then carries `continue` when more items remain. */
  limit?: number | undefined;
  /** The `continue` token of the previous page. */
  continue?: string | undefined;
  signal?: AbortSignal | undefined;
}

/** One page of a list: items (always with apiVersion and kind filled in) and the list's resourceVersion. */
export interface ObjectList<T extends KubeObject> {
  items: T[];
  /** The resourceVersion to start a watch from so no change after this list is missed. */
  resourceVersion: string;
  /** Token for the next page, when `limit` cut the list short. */
  continue?: string | undefined;
}

/** Options of create/update/patch calls. */
export interface WriteOptions {
  /** Name of the writer for managedFields (required for server-side apply). */
  fieldManager?: string | undefined;
  /** Validate only; nothing is persisted. */
  dryRun?: boolean | undefined;
  signal?: AbortSignal | undefined;
}

/** Options of patch calls. */
export interface PatchOptions extends WriteOptions {
  /** Server-side apply only: take ownership of fields other managers own instead of failing with a conflict. */
  force?: boolean | undefined;
}

/** Options of a delete call. */
export interface DeleteOptions {
  /** Delete only if the object still has this uid / resourceVersion (409 ConflictError otherwise). */
  preconditions?: { uid?: string | undefined; resourceVersion?: string | undefined } | undefined;
  /** What happens to dependents (objects whose ownerReferences point here). */
  propagationPolicy?: 'Background' | 'Foreground' | 'Orphan' | undefined;
  gracePeriodSeconds?: number | undefined;
  dryRun?: boolean | undefined;
  signal?: AbortSignal | undefined;
}

/** Options of a watch call. */
export interface WatchOptions {
  namespace?: string | undefined;
  labelSelector?: LabelSelectorInput | undefined;
  fieldSelector?: FieldSelectorInput | undefined;
  /**
   * Start after this resourceVersion (from a list or a previous event). Omitted or `''`: the current objects arrive
   * first as ADDED events, then changes. Too old: the stream fails with GoneError.
   */
  resourceVersion?: string | undefined;
  /** Ask for BOOKMARK events, which advance the resourceVersion without an object change. */
  allowWatchBookmarks?: boolean | undefined;
  /** The server ends the stream after about this many seconds (clean end, not an error). */
  timeoutSeconds?: number | undefined;
  /** Aborting ends the stream. */
  signal?: AbortSignal | undefined;
}

/** The types of watch events. */
export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK';

/**
 * One watch event. For BOOKMARK only `object.metadata.resourceVersion` is meaningful. Server ERROR events never
 * appear: the stream throws the matching ClientError instead (GoneError for 410).
 */
export interface WatchEvent<T extends KubeObject> {
  type: WatchEventType;
  object: T;
}

/** A watch: an async stream of events that ends cleanly when the server closes it, and throws on errors. */
export interface WatchStream<T extends KubeObject> extends AsyncIterable<WatchEvent<T>> {
  /** Ends the stream (idempotent); a pending iteration then finishes without error. */
  close(): void;
}

/** One resource type a server serves, as discovery reports it. */
export interface ServedResource {
  kind: string;
  /** Plural name (`gateways`); subresources such as `gateways/status` are not listed. */
  name: string;
  namespaced: boolean;
  verbs: string[];
}

/** Counts of requests by HTTP method (GET, POST, PUT, PATCH, DELETE, WATCH), for benchmarks and write-budget tests. */
export type RequestCounts = Record<string, number>;

// The Client is split by what a caller does, as in Go's controller-runtime (client.Reader, client.Writer,
// client.StatusWriter): code that only reads takes a Reader, a status writer a StatusWriter, so a test double or a
// cache-backed reader implements only what is used, and a signature says what a function may touch.

/** Reads objects: one by name, or a list. */
export interface Reader {
  /** Reads one object. Rejects with NotFoundError when it does not exist. */
  get<T extends KubeObject = KubeObject>(res: ResourceDescriptor, ref: ObjectRef, opts?: { signal?: AbortSignal }): Promise<T>;
  /** Lists objects (one page when `limit` is set). */
  list<T extends KubeObject = KubeObject>(res: ResourceDescriptor, opts?: ListOptions): Promise<ObjectList<T>>;
}

/** Streams changes of a resource type. */
export interface Watcher {
  /** Starts a watch. Errors establishing it surface from the first iteration. */
  watch<T extends KubeObject = KubeObject>(res: ResourceDescriptor, opts?: WatchOptions): WatchStream<T>;
}

/** Writes objects except their status: create, replace, patch, delete. */
export interface Writer {
  /** Creates an object (namespace from `metadata.namespace`). Status is ignored for kinds with a status subresource. */
  create<T extends KubeObject>(res: ResourceDescriptor, obj: T, opts?: WriteOptions): Promise<T>;
  /**
   * Replaces an object. With `metadata.resourceVersion` set, fails with ConflictError if it is stale (optimistic
   * concurrency); status is ignored for kinds with a status subresource.
   */
  update<T extends KubeObject>(res: ResourceDescriptor, obj: T, opts?: WriteOptions): Promise<T>;
  /** Patches an object: merge patch, JSON patch, or server-side apply (`fieldManager` required; creates if absent). */
  patch<T extends KubeObject = KubeObject>(res: ResourceDescriptor, ref: ObjectRef, patch: Patch, opts?: PatchOptions): Promise<T>;
  /**
   * Deletes an object. Resolves with the object when it still exists afterwards (finalizers pending: it now has a
   * deletionTimestamp), or undefined when it is gone.
   */
  delete<T extends KubeObject = KubeObject>(res: ResourceDescriptor, ref: ObjectRef, opts?: DeleteOptions): Promise<T | undefined>;
}

/** Writes only the status subresource. */
export interface StatusWriter {
  /** Replaces only `status` through the status subresource (everything else in `obj` is ignored). */
  updateStatus<T extends KubeObject>(res: ResourceDescriptor, obj: T, opts?: WriteOptions): Promise<T>;
  /** Patches only the status subresource. */
  patchStatus<T extends KubeObject = KubeObject>(res: ResourceDescriptor, ref: ObjectRef, patch: Patch, opts?: PatchOptions): Promise<T>;
}

/** Asks the server what it serves. */
export interface Discovery {
  /** The versions the server serves for an API group, preferred first (`[]` when the group is unknown). */
  servedVersions(group: string): Promise<string[]>;
  /** The resources served in a group/version (`[]` when the group/version is not served). */
  servedResources(group: string, version: string): Promise<ServedResource[]>;
}

/** What an informer needs: list, then watch from the list's resourceVersion (client-go's ListerWatcher). */
export type ListerWatcher = Pick<Reader, 'list'> & Watcher;

/** Reads and writes Kubernetes objects of any kind described by a ResourceDescriptor: all of the above. */
export interface Client extends Reader, Watcher, Writer, StatusWriter, Discovery {}

/** True when the server serves the descriptor's group/version/plural (e.g. to choose TCPRoute v1 or v1alpha2). */
export async function isServed(client: Discovery, res: ResourceDescriptor): Promise<boolean> {
  const served = await client.servedResources(res.group, res.version);
  return served.some((r) => r.name === res.plural);
}

/** The first descriptor of the candidates that the server serves, or undefined (e.g. `[TCPRoute, TCPRouteV1alpha2]`). */
export async function firstServed(client: Discovery, candidates: readonly ResourceDescriptor[]): Promise<ResourceDescriptor | undefined> {
  for (const c of candidates) if (await isServed(client, c)) return c;
  return undefined;
}

/** Server-side applies an object (must carry apiVersion, kind, metadata.name and, if namespaced, namespace). */
export function apply<T extends KubeObject>(
  client: Pick<Writer, 'patch'>,
  res: ResourceDescriptor,
  obj: T,
  opts: PatchOptions & { fieldManager: string },
): Promise<T> {
  const ref = { namespace: obj.metadata.namespace, name: obj.metadata.name };
  return client.patch<T>(res, ref, { type: 'apply', patch: obj as unknown as Record<string, unknown> }, opts);
}

/** Server-side applies the status of an object through the status subresource. */
export function applyStatus<T extends KubeObject>(
  client: Pick<StatusWriter, 'patchStatus'>,
  res: ResourceDescriptor,
  obj: T,
  opts: PatchOptions & { fieldManager: string },
): Promise<T> {
  const ref = { namespace: obj.metadata.namespace, name: obj.metadata.name };
  return client.patchStatus<T>(res, ref, { type: 'apply', patch: obj as unknown as Record<string, unknown> }, opts);
}

/** Lists every page of a list call and concatenates the items (resourceVersion of the first page). */
export async function listAll<T extends KubeObject>(client: Pick<Reader, 'list'>, res: ResourceDescriptor, opts: ListOptions = {}): Promise<ObjectList<T>> {
  const first = await client.list<T>(res, opts);
  const items = first.items;
  let token = first.continue;
  while (token) {
    const page = await client.list<T>(res, { ...opts, continue: token });
    items.push(...page.items);
    token = page.continue;
  }
  return { items, resourceVersion: first.resourceVersion };
}
