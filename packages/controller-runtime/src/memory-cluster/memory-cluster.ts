// MemoryCluster: an in-process Client with the API-server semantics reconcilers depend on. It serves unit tests,
// in-memory integration tests and the CLI's offline rendering. Deliberate simplifications are listed in the README
// ("MemoryCluster vs a real API server"); everything else aims to match kube-apiserver, and the shared contract
// suite (./testing) checks the two against each other.

import { randomUUID } from 'node:crypto';
import type {
  Client,
  DeleteOptions,
  ListOptions,
  ObjectList,
  PatchOptions,
  RequestCounts,
  ServedResource,
  WatchEvent,
  WatchOptions,
  WatchStream,
  WriteOptions,
} from '../client/client.js';
import {
  AlreadyExistsError,
  BadRequestError,
  ConflictError,
  ForbiddenError,
  GoneError,
  InvalidError,
  NotFoundError,
  UsageError,
  asApiError,
  withApiErrors,
} from '../errors.js';
import { decodePath, leafPaths, mergeApplied, removePath } from './apply.js';
import { PushStream } from '../internal/push-stream.js';
import { labelValueProblem, nameProblem, nameRuleOf, qualifiedNameProblem } from './validation.js';
import type { KubeObject, ObjectRef } from '../object.js';
import { objectKey } from '../object.js';
import type { Patch } from '../client/patch.js';
import {
  apiVersionOf,
  BUILTIN_RESOURCES,
  checkRef,
  groupResource,
  parseApiVersion,
  ResourceRegistry,
  type ResourceDescriptor,
} from '../resources.js';
import {
  applyJsonPatch,
  applyMergePatch,
  type FieldRequirement,
  jsonEqual,
  matchesFields,
  matchesLabels,
  type ParsedLabelSelector,
  parseFieldSelector,
  toLabelRequirements,
} from '@kube-vip-gw/kube-core';
import { formatTime } from '../time.js';

// Malformed selectors are a 400, as from the API server.
const labelRequirements = withApiErrors(toLabelRequirements);
const fieldRequirements = withApiErrors(parseFieldSelector);

/** A hook run on every create and update before the object is stored: may mutate `object` (defaulting) or throw (validation). */
export type AdmissionHook = (req: {
  operation: 'create' | 'update';
  resource: ResourceDescriptor;
  object: KubeObject;
  old?: KubeObject | undefined;
}) => void;

/** Options of a MemoryCluster. */
export interface MemoryClusterOptions {
  /** Resource types served (default: BUILTIN_RESOURCES). Requests for others fail with NotFoundError, as for a missing CRD. */
  resources?: Iterable<ResourceDescriptor>;
  /** Clock for creationTimestamp and deletionTimestamp (default: the system clock). */
  now?: () => Date;
  /** How many past changes watches can resume from (default 10000); older resourceVersions get GoneError. */
  historyLimit?: number;
  /** Interval of BOOKMARK events on watches that allow them (default 60000 ms, as the API server roughly does). */
  bookmarkIntervalMs?: number;
  /** Defaulting/validation hooks run on create and update (e.g. to default Service fields like a real server). */
  admission?: AdmissionHook[];
  /** Generates uids (default: crypto.randomUUID). */
  uid?: () => string;
}

interface Change {
  rv: number;
  gr: string;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: KubeObject;
  old: KubeObject | undefined;
}

interface Watcher {
  gr: string;
  res: ResourceDescriptor;
  namespace: string | undefined;
  labels: ParsedLabelSelector;
  fields: FieldRequirement[];
  stream: PushStream<WatchEvent<KubeObject>>;
}

interface ContinueState {
  items: KubeObject[];
  rv: string;
  expires: number;
}

type Section = 'main' | 'status';

const CONTINUE_TTL_MS = 5 * 60_000;
const SERVER_FIELDS = ['uid', 'resourceVersion', 'generation', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'managedFields', 'selfLink'] as const;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The parts of an object that count as "spec" for generation: everything but apiVersion, kind, metadata and status. */
function specOf(obj: KubeObject): Record<string, unknown> {
  const { apiVersion: _a, kind: _k, metadata: _m, status: _s, ...rest } = obj as KubeObject & { status?: unknown };
  return rest;
}

/** An in-process cluster implementing Client with API-server semantics (see the module comment and README). */
export class MemoryCluster implements Client {
  readonly #served = new Map<string, ResourceDescriptor>(); // by apiVersion|plural
  readonly #store = new Map<string, Map<string, KubeObject>>(); // groupResource -> key -> object (never mutated in place)
  readonly #byUid = new Map<string, { gr: string; key: string }>();
  readonly #dependents = new Map<string, Set<string>>(); // owner uid -> dependent uids
  readonly #applied = new Map<string, Map<string, string[]>>(); // uid -> `${manager}|${section}` -> leaf paths
  readonly #watchers = new Set<Watcher>();
  readonly #continues = new Map<string, ContinueState>();
  readonly #counts: RequestCounts = {};
  readonly #history: Change[] = [];
  readonly #historyLimit: number;
  readonly #bookmarkIntervalMs: number;
  readonly #admission: AdmissionHook[];
  readonly #now: () => Date;
  readonly #uid: () => string;
  #rv = 0;
  /** Lowest resourceVersion a watch may start after (everything after it is still in #history). */
  #oldestResumable = 0;

  constructor(opts: MemoryClusterOptions = {}) {
    for (const r of opts.resources ?? BUILTIN_RESOURCES) this.serve(r);
    this.#now = opts.now ?? (() => new Date());
    this.#historyLimit = opts.historyLimit ?? 10_000;
    this.#bookmarkIntervalMs = opts.bookmarkIntervalMs ?? 60_000;
    this.#admission = opts.admission ?? [];
    this.#uid = opts.uid ?? randomUUID;
  }

  // ---------------------------------------------------------------------------------------------- administration

  /** Starts serving a resource type (as if its CRD were installed). */
  serve(res: ResourceDescriptor): this {
    this.#served.set(`${apiVersionOf(res)}|${res.plural}`, res);
    return this;
  }

  /** Stops serving a resource type (as if its CRD version were removed); stored objects stay for other versions. */
  unserve(res: ResourceDescriptor): this {
    this.#served.delete(`${apiVersionOf(res)}|${res.plural}`);
    return this;
  }

  /** The served descriptor for a group, version and plural (what an HTTP front-end routes by), or undefined. */
  resourceFor(group: string, version: string, plural: string): ResourceDescriptor | undefined {
    return this.#served.get(`${apiVersionOf({ group, version })}|${plural}`);
  }

  /** Every served descriptor. */
  servedDescriptors(): ResourceDescriptor[] {
    return [...this.#served.values()];
  }

  /** Requests served so far, by verb (get, list, watch, create, update, patch, delete). */
  requestCounts(): RequestCounts {
    return { ...this.#counts };
  }

  /** The current (latest) resourceVersion. */
  get resourceVersion(): string {
    return String(this.#rv);
  }

  /** Forgets all change history, as etcd compaction does: watches from any older resourceVersion now get GoneError. */
  compact(): void {
    this.#history.length = 0;
    this.#oldestResumable = this.#rv;
  }

  /** Ends every open watch cleanly (as when the API server restarts or a load balancer drops connections). */
  closeAllWatches(): void {
    for (const w of [...this.#watchers]) w.stream.end();
  }

  /** Number of open watches (to check that informers do not leak them). */
  get openWatches(): number {
    return this.#watchers.size;
  }

  /**
   * Loads manifests (e.g. parsed from YAML files): server-populated metadata is stripped, each object is created,
   * and its status is written too (through the status subresource when the kind has one). Namespaces go first.
   * Kinds are looked up in `registry` (default: the served resources).
   */
  async load(objects: readonly KubeObject[], registry?: ResourceRegistry): Promise<KubeObject[]> {
    const reg = registry ?? new ResourceRegistry(this.#served.values());
    const ordered = [...objects].sort((a, b) => Number(b.kind === 'Namespace') - Number(a.kind === 'Namespace'));
    const out: KubeObject[] = [];
    for (const input of ordered) {
      const res = reg.forObject(input);
      const obj = structuredClone(input) as KubeObject & { status?: unknown };
      if (!isPlainObject(obj.metadata)) throw new UsageError(`${input.kind ?? 'object'}: metadata is missing`);
      for (const f of SERVER_FIELDS) delete (obj.metadata as unknown as Record<string, unknown>)[f];
      const status = obj.status;
      let created = await this.create(res, obj);
      if (status !== undefined && res.statusSubresource) {
        created = await this.updateStatus(res, { ...created, status } as KubeObject);
      }
      out.push(created);
    }
    return out;
  }

  /** Every stored object (of served or unserved types), sorted by group/resource then key; for rendering and debugging. */
  objects(): KubeObject[] {
    const out: KubeObject[] = [];
    for (const gr of [...this.#store.keys()].sort()) {
      const m = this.#store.get(gr)!;
      for (const key of [...m.keys()].sort()) out.push(structuredClone(m.get(key)!));
    }
    return out;
  }

  // ---------------------------------------------------------------------------------------------- Client: reads

  async get<T extends KubeObject = KubeObject>(res: ResourceDescriptor, ref: ObjectRef): Promise<T> {
    this.#count('get');
    this.#checkServed(res);
    const r = checkRef(res, ref);
    const found = this.#bucket(res).get(objectKey(r));
    if (!found) throw this.#notFound(res, r);
    return this.#out(res, found) as T;
  }

  async list<T extends KubeObject = KubeObject>(res: ResourceDescriptor, opts: ListOptions = {}): Promise<ObjectList<T>> {
    this.#count('list');
    this.#checkServed(res);
    if (opts.continue) {
      const state = this.#continues.get(opts.continue);
      this.#continues.delete(opts.continue);
      if (!state || state.expires < Date.now()) {
        throw new GoneError(`list ${groupResource(res)}: the provided continue parameter is too old or unknown`, {
          code: 410,
          reason: 'Expired',
        });
      }
      return this.#page(res, state.items, state.rv, opts.limit) as ObjectList<T>;
    }
    const labels = labelRequirements(opts.labelSelector);
    const fields = this.#fieldRequirements(res, opts.fieldSelector);
    const ns = res.namespaced ? opts.namespace : undefined;
    const items: KubeObject[] = [];
    const bucket = this.#bucket(res);
    for (const key of [...bucket.keys()].sort()) {
      const obj = bucket.get(key)!;
      if (ns !== undefined && ns !== '' && obj.metadata.namespace !== ns) continue;
      if (!matchesLabels(labels, obj.metadata.labels) || !matchesFields(fields, obj)) continue;
      items.push(obj);
    }
    return this.#page(res, items, String(this.#rv), opts.limit) as ObjectList<T>;
  }

  #page(res: ResourceDescriptor, items: KubeObject[], rv: string, limit: number | undefined): ObjectList<KubeObject> {
    if (limit !== undefined && limit > 0 && items.length > limit) {
      const token = randomUUID();
      this.#continues.set(token, { items: items.slice(limit), rv, expires: Date.now() + CONTINUE_TTL_MS });
      return { items: items.slice(0, limit).map((o) => this.#out(res, o)), resourceVersion: rv, continue: token };
    }
    return { items: items.map((o) => this.#out(res, o)), resourceVersion: rv };
  }

  // ---------------------------------------------------------------------------------------------- Client: writes

  async create<T extends KubeObject>(res: ResourceDescriptor, obj: T, opts: WriteOptions = {}): Promise<T> {
    this.#count('create');
    return this.#create(res, obj, opts) as T;
  }

  #create(res: ResourceDescriptor, input: KubeObject, opts: WriteOptions): KubeObject {
    this.#checkServed(res);
    if (!isPlainObject(input) || !isPlainObject((input as { metadata?: unknown }).metadata)) {
      throw new BadRequestError(`create ${res.kind}: the body must be an object with metadata`, { code: 400, reason: 'BadRequest' });
    }
    this.#checkBodyKind(res, input);
    const obj = structuredClone(input) as KubeObject & { status?: unknown };
    const meta = obj.metadata;
    if (!meta.name && meta.generateName) meta.name = `${meta.generateName}${randomSuffix()}`;
    const ref = checkRef(res, { namespace: meta.namespace, name: meta.name });
    if (meta.resourceVersion) {
      throw new BadRequestError(`create ${res.kind} ${objectKey(ref)}: resourceVersion should not be set on objects to be created`, {
        code: 400,
        reason: 'BadRequest',
      });
    }
    if (res.namespaced) this.#checkNamespaceOpen(res, ref);
    const key = objectKey(ref);
    if (this.#bucket(res).has(key)) {
      throw new AlreadyExistsError(`${groupResource(res)} "${ref.name}" already exists`, { code: 409, reason: 'AlreadyExists' });
    }
    const now = this.#now();
    obj.apiVersion = apiVersionOf(res);
    obj.kind = res.kind;
    if (!res.namespaced) delete meta.namespace;
    for (const f of SERVER_FIELDS) delete (meta as unknown as Record<string, unknown>)[f];
    meta.uid = this.#uid();
    meta.creationTimestamp = formatTime(now);
    if (res.generation) meta.generation = 1;
    if (res.statusSubresource) delete obj.status;
    if (res.kind === 'Namespace' && res.group === '') obj.status = { phase: 'Active' };
    for (const hook of this.#admission) hook({ operation: 'create', resource: res, object: obj });
    this.#validate(res, obj, undefined);
    if (opts.dryRun) return this.#out(res, obj);
    meta.resourceVersion = String(++this.#rv);
    this.#put(res, key, obj, undefined);
    return this.#out(res, obj);
  }

  async update<T extends KubeObject>(res: ResourceDescriptor, obj: T, opts: WriteOptions = {}): Promise<T> {
    this.#count('update');
    this.#checkServed(res);
    this.#checkBodyKind(res, obj);
    const ref = checkRef(res, { namespace: obj.metadata?.namespace, name: obj.metadata?.name });
    return this.#write(res, ref, 'main', structuredClone(obj), opts) as T;
  }

  async updateStatus<T extends KubeObject>(res: ResourceDescriptor, obj: T, opts: WriteOptions = {}): Promise<T> {
    this.#count('update');
    this.#checkServed(res);
    this.#checkStatusServed(res);
    this.#checkBodyKind(res, obj);
    const ref = checkRef(res, { namespace: obj.metadata?.namespace, name: obj.metadata?.name });
    return this.#write(res, ref, 'status', structuredClone(obj), opts) as T;
  }

  async patch<T extends KubeObject = KubeObject>(res: ResourceDescriptor, ref: ObjectRef, patch: Patch, opts: PatchOptions = {}): Promise<T> {
    this.#count('patch');
    return this.#patch(res, ref, patch, opts, 'main') as T;
  }

  async patchStatus<T extends KubeObject = KubeObject>(
    res: ResourceDescriptor,
    ref: ObjectRef,
    patch: Patch,
    opts: PatchOptions = {},
  ): Promise<T> {
    this.#count('patch');
    this.#checkServed(res);
    this.#checkStatusServed(res);
    return this.#patch(res, ref, patch, opts, 'status') as T;
  }

  #patch(res: ResourceDescriptor, ref0: ObjectRef, patch: Patch, opts: PatchOptions, section: Section): KubeObject {
    this.#checkServed(res);
    const ref = checkRef(res, ref0);
    const key = objectKey(ref);
    const current = this.#bucket(res).get(key);
    if (patch.type === 'apply') return this.#apply(res, ref, current, patch.patch, opts, section);
    if (!current) throw this.#notFound(res, ref);
    let patched: unknown;
    if (patch.type === 'merge') {
      if (!isPlainObject(patch.patch)) {
        throw new BadRequestError(`patch ${res.kind} ${key}: a merge patch must be a JSON object`, { code: 400, reason: 'BadRequest' });
      }
      patched = applyMergePatch(current, patch.patch);
    } else if (patch.type === 'json') {
      try {
        patched = applyJsonPatch(current, patch.patch);
      } catch (e) {
        throw asApiError(e, `patch ${res.kind} ${key}`);
      }
    } else {
      throw new BadRequestError(`patch ${res.kind} ${key}: unsupported patch type "${String((patch as { type: unknown }).type)}"`, {
        code: 415,
        reason: 'UnsupportedMediaType',
      });
    }
    if (!isPlainObject(patched) || !isPlainObject(patched.metadata)) {
      throw new InvalidError(`patch ${res.kind} ${key}: the patched object has no metadata`, { code: 422, reason: 'Invalid' });
    }
    const p = patched as unknown as KubeObject;
    if (p.metadata.name !== ref.name || (res.namespaced && p.metadata.namespace !== ref.namespace)) {
      throw new BadRequestError(`patch ${res.kind} ${key}: the patch may not change the name or namespace`, { code: 400, reason: 'BadRequest' });
    }
    return this.#write(res, ref, section, p, opts);
  }

  #apply(
    res: ResourceDescriptor,
    ref: ObjectRef,
    current: KubeObject | undefined,
    config: Record<string, unknown>,
    opts: PatchOptions,
    section: Section,
  ): KubeObject {
    const key = objectKey(ref);
    const what = `apply ${res.kind} ${key}`;
    if (!opts.fieldManager) {
      // The real server answers 422 here (a validation of the request options), not 400.
      throw new InvalidError(`${what}: PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch`, {
        code: 422,
        reason: 'Invalid',
      });
    }
    if (!isPlainObject(config) || !isPlainObject(config.metadata)) {
      throw new BadRequestError(`${what}: the configuration must be an object with metadata`, { code: 400, reason: 'BadRequest' });
    }
    if (config.apiVersion !== apiVersionOf(res) || config.kind !== res.kind) {
      throw new BadRequestError(
        `${what}: apiVersion and kind must be "${apiVersionOf(res)}" and "${res.kind}" (got "${String(config.apiVersion)}", "${String(config.kind)}")`,
        { code: 400, reason: 'BadRequest' },
      );
    }
    const meta = config.metadata as Record<string, unknown>;
    if (meta.name !== ref.name || (res.namespaced && meta.namespace !== undefined && meta.namespace !== ref.namespace)) {
      throw new BadRequestError(`${what}: metadata.name/namespace of the configuration must match the request`, {
        code: 400,
        reason: 'BadRequest',
      });
    }
    const ownedKeys = section === 'status' ? ['status'] : Object.keys(config).filter((k) => !(res.statusSubresource && k === 'status'));
    const scoped: Record<string, unknown> = {};
    for (const k of ownedKeys) if (config[k] !== undefined) scoped[k] = config[k];
    const paths = leafPaths(scoped).filter((p) => !isIdentityPath(p));
    const slot = `${opts.fieldManager}|${section}`;
    if (!current) {
      if (section === 'status') throw this.#notFound(res, ref);
      const body = structuredClone(scoped) as unknown as KubeObject;
      body.metadata = { ...(body.metadata ?? {}), name: ref.name, ...(res.namespaced ? { namespace: ref.namespace } : {}) };
      const created = this.#create(res, body, opts);
      if (!opts.dryRun) this.#recordApplied(created.metadata.uid!, slot, paths);
      return created;
    }
    if (typeof meta.resourceVersion === 'string' && meta.resourceVersion !== current.metadata.resourceVersion) {
      throw this.#conflict(res, ref);
    }
    const merged = mergeApplied(structuredClone(current), scoped) as KubeObject & Record<string, unknown>;
    const uid = current.metadata.uid!;
    const previous = this.#applied.get(uid)?.get(slot) ?? [];
    const keep = new Set(paths);
    for (const [otherSlot, otherPaths] of this.#applied.get(uid) ?? []) {
      if (otherSlot !== slot) for (const p of otherPaths) keep.add(p);
    }
    for (const p of previous) if (!keep.has(p)) removePath(merged, decodePath(p));
    merged.metadata.resourceVersion = current.metadata.resourceVersion;
    const written = this.#write(res, ref, section, merged, opts);
    if (!opts.dryRun) this.#recordApplied(uid, slot, paths);
    return written;
  }

  #recordApplied(uid: string, slot: string, paths: string[]): void {
    let m = this.#applied.get(uid);
    if (!m) this.#applied.set(uid, (m = new Map()));
    m.set(slot, paths);
  }

  /** Update semantics shared by update, updateStatus, patch and apply: conflicts, status split, generation, no-op detection. */
  #write(res: ResourceDescriptor, ref: ObjectRef, section: Section, incoming: KubeObject, opts: WriteOptions): KubeObject {
    const key = objectKey(ref);
    const current = this.#bucket(res).get(key);
    if (!current) throw this.#notFound(res, ref);
    if (!isPlainObject(incoming.metadata)) {
      throw new BadRequestError(`update ${res.kind} ${key}: metadata is required`, { code: 400, reason: 'BadRequest' });
    }
    const rv = incoming.metadata.resourceVersion;
    if (rv !== undefined && rv !== '' && rv !== current.metadata.resourceVersion) throw this.#conflict(res, ref);
    let next: KubeObject & { status?: unknown };
    if (section === 'status') {
      next = structuredClone(current) as KubeObject & { status?: unknown };
      const status = (incoming as { status?: unknown }).status;
      if (status === undefined) delete next.status;
      else next.status = structuredClone(status);
    } else {
      next = incoming as KubeObject & { status?: unknown };
      if (res.statusSubresource) {
        const status = (current as { status?: unknown }).status;
        if (status === undefined) delete next.status;
        else next.status = structuredClone(status);
      }
      const m = next.metadata;
      const c = current.metadata;
      m.name = c.name;
      if (res.namespaced) m.namespace = c.namespace;
      else delete m.namespace;
      m.uid = c.uid;
      m.creationTimestamp = c.creationTimestamp;
      for (const f of ['deletionTimestamp', 'deletionGracePeriodSeconds', 'generation'] as const) {
        if (c[f] === undefined) delete m[f];
        else (m as unknown as Record<string, unknown>)[f] = c[f];
      }
      delete m.managedFields;
      if (m.finalizers && m.finalizers.length === 0) delete m.finalizers;
      if (c.deletionTimestamp !== undefined) {
        const added = (m.finalizers ?? []).filter((f) => !(c.finalizers ?? []).includes(f));
        if (added.length > 0) {
          throw new InvalidError(
            `update ${res.kind} ${key}: metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers ${JSON.stringify(added)}`,
            { code: 422, reason: 'Invalid' },
          );
        }
      }
      for (const hook of this.#admission) hook({ operation: 'update', resource: res, object: next, old: current });
    }
    // All versions of a kind share one storage (Gateway API CRDs convert with strategy None), so keep the stored version.
    next.apiVersion = current.apiVersion;
    next.kind = res.kind;
    next.metadata.resourceVersion = current.metadata.resourceVersion;
    if (res.generation && section === 'main' && !jsonEqual(specOf(next), specOf(current))) {
      next.metadata.generation = (current.metadata.generation ?? 0) + 1;
    }
    this.#validate(res, next, current);
    if (jsonEqual(next, current)) return this.#out(res, current); // no-op: no new resourceVersion, no event
    if (opts.dryRun) return this.#out(res, next);
    next.metadata.resourceVersion = String(++this.#rv);
    this.#put(res, key, next, current);
    if (next.metadata.deletionTimestamp !== undefined && (next.metadata.finalizers ?? []).length === 0) {
      this.#remove(res, key);
    }
    return this.#out(res, next);
  }

  async delete<T extends KubeObject = KubeObject>(res: ResourceDescriptor, ref0: ObjectRef, opts: DeleteOptions = {}): Promise<T | undefined> {
    this.#count('delete');
    this.#checkServed(res);
    const ref = checkRef(res, ref0);
    const key = objectKey(ref);
    const current = this.#bucket(res).get(key);
    if (!current) throw this.#notFound(res, ref);
    const pre = opts.preconditions;
    if (pre?.uid !== undefined && pre.uid !== current.metadata.uid) {
      throw new ConflictError(
        `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${current.metadata.uid ?? ''} (${res.kind} ${key})`,
        { code: 409, reason: 'Conflict' },
      );
    }
    if (pre?.resourceVersion !== undefined && pre.resourceVersion !== current.metadata.resourceVersion) {
      throw new ConflictError(
        `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${current.metadata.resourceVersion ?? ''} (${res.kind} ${key})`,
        { code: 409, reason: 'Conflict' },
      );
    }
    if (opts.dryRun) return this.#out(res, current) as T;
    const result = this.#delete(res, key, opts.propagationPolicy ?? 'Background');
    return result ? (this.#out(res, result) as T) : undefined;
  }

  /** Deletes or marks for deletion; returns the object if it still exists afterwards. */
  #delete(res: ResourceDescriptor, key: string, policy: 'Background' | 'Foreground' | 'Orphan'): KubeObject | undefined {
    const gr = groupResource(res);
    const current = this.#store.get(gr)?.get(key);
    if (!current) return undefined;
    const uid = current.metadata.uid!;
    if (policy === 'Orphan') this.#orphanDependents(uid);
    const isNamespace = res.kind === 'Namespace' && res.group === '';
    const foreground = policy === 'Foreground' && (this.#dependents.get(uid)?.size ?? 0) > 0;
    const finalizers = [...(current.metadata.finalizers ?? [])];
    if (foreground && !finalizers.includes('foregroundDeletion')) finalizers.push('foregroundDeletion');
    if (finalizers.length === 0 && !isNamespace) {
      this.#remove(res, key);
      return undefined;
    }
    let marked = current;
    if (current.metadata.deletionTimestamp === undefined || finalizers.length !== (current.metadata.finalizers ?? []).length) {
      const next = structuredClone(current) as KubeObject & { status?: Record<string, unknown> };
      next.metadata.deletionTimestamp ??= formatTime(this.#now());
      next.metadata.deletionGracePeriodSeconds ??= 0;
      if (finalizers.length > 0) next.metadata.finalizers = finalizers;
      if (isNamespace) next.status = { ...(next.status ?? {}), phase: 'Terminating' };
      next.metadata.resourceVersion = String(++this.#rv);
      this.#put(res, key, next, current);
      marked = next;
    }
    if (foreground) {
      for (const dep of [...(this.#dependents.get(uid) ?? [])]) this.#deleteByUid(dep, 'Background');
    }
    if (isNamespace) {
      this.#drainNamespace(current.metadata.name);
    }
    const after = this.#store.get(gr)?.get(key);
    return after === marked ? marked : after;
  }

  #deleteByUid(uid: string, policy: 'Background' | 'Foreground' | 'Orphan'): void {
    const loc = this.#byUid.get(uid);
    if (!loc) return;
    const res = this.#anyDescriptor(loc.gr);
    if (res) this.#delete(res, loc.key, policy);
  }

  #orphanDependents(ownerUid: string): void {
    for (const depUid of [...(this.#dependents.get(ownerUid) ?? [])]) {
      const loc = this.#byUid.get(depUid);
      if (!loc) continue;
      const res = this.#anyDescriptor(loc.gr)!;
      const dep = this.#store.get(loc.gr)!.get(loc.key)!;
      const next = structuredClone(dep);
      next.metadata.ownerReferences = (next.metadata.ownerReferences ?? []).filter((o) => o.uid !== ownerUid);
      if (next.metadata.ownerReferences.length === 0) delete next.metadata.ownerReferences;
      next.metadata.resourceVersion = String(++this.#rv);
      this.#put(res, loc.key, next, dep);
    }
  }

  /** Deletes everything in a terminating namespace; removes the namespace once it is empty. */
  #drainNamespace(namespace: string): void {
    for (const [gr, bucket] of this.#store) {
      const res = this.#anyDescriptor(gr);
      if (!res?.namespaced) continue;
      for (const [key, obj] of [...bucket]) {
        if (obj.metadata.namespace === namespace && obj.metadata.deletionTimestamp === undefined) this.#delete(res, key, 'Background');
      }
    }
    this.#finishNamespaceIfEmpty(namespace);
  }

  #finishNamespaceIfEmpty(namespace: string): void {
    const nsBucket = this.#store.get('namespaces');
    const ns = nsBucket?.get(namespace);
    if (!ns || ns.metadata.deletionTimestamp === undefined) return;
    for (const [gr, bucket] of this.#store) {
      if (!this.#anyDescriptor(gr)?.namespaced) continue;
      for (const obj of bucket.values()) if (obj.metadata.namespace === namespace) return;
    }
    const finalizers = (ns.metadata.finalizers ?? []).filter((f) => f !== 'kubernetes');
    if (finalizers.length === 0) this.#remove(this.#anyDescriptor('namespaces')!, namespace);
  }

  /** Removes an object for good: DELETED event, then garbage collection of its dependents. */
  #remove(res: ResourceDescriptor, key: string): void {
    const gr = groupResource(res);
    const bucket = this.#store.get(gr);
    const current = bucket?.get(key);
    if (!bucket || !current) return;
    const gone = structuredClone(current);
    gone.metadata.resourceVersion = String(++this.#rv);
    bucket.delete(key);
    const uid = current.metadata.uid!;
    this.#byUid.delete(uid);
    this.#applied.delete(uid);
    for (const o of current.metadata.ownerReferences ?? []) this.#dependents.get(o.uid)?.delete(uid);
    this.#record({ rv: this.#rv, gr, type: 'DELETED', object: gone, old: current });
    // Background garbage collection: dependents whose owners are now all gone are deleted too.
    for (const depUid of [...(this.#dependents.get(uid) ?? [])]) {
      const loc = this.#byUid.get(depUid);
      if (!loc) continue;
      const dep = this.#store.get(loc.gr)?.get(loc.key);
      const owners = dep?.metadata.ownerReferences ?? [];
      if (dep && owners.every((o) => !this.#byUid.has(o.uid))) this.#deleteByUid(depUid, 'Background');
    }
    this.#dependents.delete(uid);
    // A foreground-deleting owner waits for its dependents; release it when the last one goes.
    for (const o of current.metadata.ownerReferences ?? []) this.#releaseForegroundOwner(o.uid);
    if (res.namespaced && current.metadata.namespace) this.#finishNamespaceIfEmpty(current.metadata.namespace);
  }

  #releaseForegroundOwner(ownerUid: string): void {
    const loc = this.#byUid.get(ownerUid);
    if (!loc) return;
    const owner = this.#store.get(loc.gr)?.get(loc.key);
    if (!owner?.metadata.finalizers?.includes('foregroundDeletion') || (this.#dependents.get(ownerUid)?.size ?? 0) > 0) return;
    const res = this.#anyDescriptor(loc.gr)!;
    const next = structuredClone(owner);
    next.metadata.finalizers = owner.metadata.finalizers.filter((f) => f !== 'foregroundDeletion');
    if (next.metadata.finalizers.length === 0) delete next.metadata.finalizers;
    next.metadata.resourceVersion = String(++this.#rv);
    this.#put(res, loc.key, next, owner);
    if (!next.metadata.finalizers) this.#remove(res, loc.key);
  }

  // ---------------------------------------------------------------------------------------------- Client: watch

  watch<T extends KubeObject = KubeObject>(res: ResourceDescriptor, opts: WatchOptions = {}): WatchStream<T> {
    this.#count('watch');
    const timers: NodeJS.Timeout[] = [];
    let watcher: Watcher | undefined;
    const onAbort = (): void => stream.close();
    const stream = new PushStream<WatchEvent<KubeObject>>(() => {
      for (const t of timers) clearTimeout(t); // clearTimeout also clears intervals
      if (watcher) this.#watchers.delete(watcher);
      opts.signal?.removeEventListener('abort', onAbort);
    });
    try {
      this.#checkServed(res);
      const gr = groupResource(res);
      const w: Watcher = {
        gr,
        res,
        namespace: res.namespaced && opts.namespace ? opts.namespace : undefined,
        labels: labelRequirements(opts.labelSelector),
        fields: this.#fieldRequirements(res, opts.fieldSelector),
        stream,
      };
      const from = opts.resourceVersion;
      if (from === undefined || from === '' || from === '0') {
        const bucket = this.#bucket(res);
        for (const key of [...bucket.keys()].sort()) {
          const obj = bucket.get(key)!;
          if (this.#matches(w, obj)) stream.push({ type: 'ADDED', object: this.#out(res, obj) });
        }
      } else {
        if (!/^\d+$/.test(from)) {
          throw new BadRequestError(`watch ${gr}: invalid resourceVersion "${from}"`, { code: 400, reason: 'BadRequest' });
        }
        const n = Number(from);
        if (n < this.#oldestResumable) {
          throw new GoneError(`watch ${gr}: too old resource version: ${from} (${this.#oldestResumable})`, { code: 410, reason: 'Expired' });
        }
        for (const c of this.#history) if (c.rv > n && c.gr === gr) this.#deliver(w, c);
      }
      if (opts.signal?.aborted) {
        stream.close();
        return stream as unknown as WatchStream<T>;
      }
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      watcher = w;
      this.#watchers.add(w);
      if (opts.timeoutSeconds !== undefined && opts.timeoutSeconds > 0) {
        timers.push(setTimeout(() => stream.end(), opts.timeoutSeconds * 1000).unref());
      }
      if (opts.allowWatchBookmarks) {
        const bookmarks = setInterval(() => stream.push({ type: 'BOOKMARK', object: this.#bookmark(res) }), this.#bookmarkIntervalMs);
        timers.push(bookmarks.unref());
      }
    } catch (err) {
      stream.fail(err);
    }
    return stream as unknown as WatchStream<T>;
  }

  #bookmark(res: ResourceDescriptor): KubeObject {
    return { apiVersion: apiVersionOf(res), kind: res.kind, metadata: { name: '', resourceVersion: String(this.#rv) } };
  }

  #matches(w: Watcher, obj: KubeObject): boolean {
    if (w.namespace !== undefined && obj.metadata.namespace !== w.namespace) return false;
    return matchesLabels(w.labels, obj.metadata.labels) && matchesFields(w.fields, obj);
  }

  /** Sends a change to a watcher, translating selector transitions as the API server does (leaving = DELETED, entering = ADDED). */
  #deliver(w: Watcher, c: Change): void {
    const now = this.#matches(w, c.object);
    const before = c.old !== undefined && this.#matches(w, c.old);
    let type: WatchEvent<KubeObject>['type'] | undefined;
    if (c.type === 'ADDED') type = now ? 'ADDED' : undefined;
    else if (c.type === 'DELETED') type = before ? 'DELETED' : undefined;
    else if (now && before) type = 'MODIFIED';
    else if (now) type = 'ADDED';
    else if (before) type = 'DELETED';
    if (type) w.stream.push({ type, object: this.#out(w.res, c.object) });
  }

  // ---------------------------------------------------------------------------------------------- Client: discovery

  async servedVersions(group: string): Promise<string[]> {
    const versions = new Set<string>();
    for (const r of this.#served.values()) if (r.group === group) versions.add(r.version);
    return [...versions].sort(compareKubeVersions);
  }

  async servedResources(group: string, version: string): Promise<ServedResource[]> {
    const out: ServedResource[] = [];
    for (const r of this.#served.values()) {
      if (r.group !== group || r.version !== version) continue;
      out.push({
        kind: r.kind,
        name: r.plural,
        namespaced: r.namespaced,
        verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
      });
    }
    return out.sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  // ---------------------------------------------------------------------------------------------- internals

  #count(verb: string): void {
    this.#counts[verb] = (this.#counts[verb] ?? 0) + 1;
  }

  #checkServed(res: ResourceDescriptor): void {
    if (!this.#served.has(`${apiVersionOf(res)}|${res.plural}`)) {
      throw new NotFoundError(`the server could not find the requested resource (${groupResource(res)} ${res.version})`, {
        code: 404,
        reason: 'NotFound',
      });
    }
  }

  #checkStatusServed(res: ResourceDescriptor): void {
    if (!res.statusSubresource) {
      throw new NotFoundError(`the server could not find the requested resource (${groupResource(res)}/status: ${res.kind} has no status subresource)`, {
        code: 404,
        reason: 'NotFound',
      });
    }
  }

  #checkBodyKind(res: ResourceDescriptor, obj: KubeObject): void {
    if ((obj.kind !== undefined && obj.kind !== res.kind) || (obj.apiVersion !== undefined && parseApiVersion(obj.apiVersion).group !== res.group)) {
      throw new BadRequestError(
        `${res.kind} "${obj.metadata?.name ?? ''}": the body's apiVersion/kind "${obj.apiVersion ?? ''}"/"${obj.kind ?? ''}" does not match the resource ${apiVersionOf(res)} ${res.kind}`,
        { code: 400, reason: 'BadRequest' },
      );
    }
  }

  #checkNamespaceOpen(res: ResourceDescriptor, ref: ObjectRef): void {
    const ns = this.#store.get('namespaces')?.get(ref.namespace!);
    if (ns?.metadata.deletionTimestamp !== undefined && ns !== undefined) {
      throw new ForbiddenError(
        `${groupResource(res)} "${ref.name}" is forbidden: unable to create new content in namespace ${ref.namespace} because it is being terminated`,
        { code: 403, reason: 'Forbidden' },
      );
    }
  }

  #fieldRequirements(res: ResourceDescriptor, selector: ListOptions['fieldSelector']): FieldRequirement[] {
    const reqs = fieldRequirements(selector);
    for (const r of reqs) {
      if (r.field !== 'metadata.name' && r.field !== 'metadata.namespace') {
        throw new BadRequestError(`field label not supported: ${r.field} (${res.kind}; MemoryCluster supports metadata.name and metadata.namespace)`, {
          code: 400,
          reason: 'BadRequest',
        });
      }
    }
    return reqs;
  }

  #validate(res: ResourceDescriptor, obj: KubeObject, old: KubeObject | undefined): void {
    const meta = obj.metadata;
    const what = `${res.kind} "${meta.name}"`;
    const problems: string[] = [];
    if (!old) {
      const p = nameProblem(meta.name, nameRuleOf(res.kind));
      if (p) problems.push(`metadata.name: Invalid value: "${meta.name}": ${p}`);
      if (res.namespaced) {
        const np = nameProblem(meta.namespace ?? '', 'dns1123-label');
        if (np) problems.push(`metadata.namespace: Invalid value: "${meta.namespace ?? ''}": ${np}`);
      }
    }
    for (const [k, v] of Object.entries(meta.labels ?? {})) {
      const kp = qualifiedNameProblem(k);
      if (kp) problems.push(`metadata.labels: Invalid value: "${k}": ${kp}`);
      const vp = labelValueProblem(v);
      if (vp) problems.push(`metadata.labels: Invalid value: "${String(v)}": ${vp}`);
    }
    for (const [k, v] of Object.entries(meta.annotations ?? {})) {
      const kp = qualifiedNameProblem(k);
      if (kp) problems.push(`metadata.annotations: Invalid value: "${k}": ${kp}`);
      if (typeof v !== 'string') problems.push(`metadata.annotations.${k}: must be a string`);
    }
    for (const [i, o] of (meta.ownerReferences ?? []).entries()) {
      for (const f of ['apiVersion', 'kind', 'name', 'uid'] as const) {
        if (typeof o[f] !== 'string' || o[f] === '') problems.push(`metadata.ownerReferences[${i}].${f}: Required value`);
      }
    }
    if ((meta.ownerReferences ?? []).filter((o) => o.controller === true).length > 1) {
      problems.push('metadata.ownerReferences: Invalid value: only one reference can have Controller set to true');
    }
    if (problems.length > 0) {
      throw new InvalidError(`${groupResource(res)} ${what} is invalid: ${problems.join(', ')}`, { code: 422, reason: 'Invalid' });
    }
  }

  #put(res: ResourceDescriptor, key: string, obj: KubeObject, old: KubeObject | undefined): void {
    const gr = groupResource(res);
    this.#bucket(res).set(key, obj);
    const uid = obj.metadata.uid!;
    this.#byUid.set(uid, { gr, key });
    for (const o of old?.metadata.ownerReferences ?? []) this.#dependents.get(o.uid)?.delete(uid);
    for (const o of obj.metadata.ownerReferences ?? []) {
      let s = this.#dependents.get(o.uid);
      if (!s) this.#dependents.set(o.uid, (s = new Set()));
      s.add(uid);
    }
    this.#record({ rv: this.#rv, gr, type: old ? 'MODIFIED' : 'ADDED', object: obj, old });
  }

  #record(c: Change): void {
    this.#history.push(c);
    if (this.#history.length > this.#historyLimit * 2) {
      const dropped = this.#history.splice(0, this.#history.length - this.#historyLimit);
      this.#oldestResumable = dropped[dropped.length - 1]!.rv;
    }
    for (const w of this.#watchers) if (w.gr === c.gr) this.#deliver(w, c);
  }

  #bucket(res: ResourceDescriptor): Map<string, KubeObject> {
    const gr = groupResource(res);
    let b = this.#store.get(gr);
    if (!b) this.#store.set(gr, (b = new Map()));
    return b;
  }

  #anyDescriptor(gr: string): ResourceDescriptor | undefined {
    for (const r of this.#served.values()) if (groupResource(r) === gr) return r;
    for (const r of BUILTIN_RESOURCES) if (groupResource(r) === gr) return r;
    return undefined;
  }

  /** A copy for the caller, with apiVersion set to the version asked for (all versions share one storage). */
  #out(res: ResourceDescriptor, obj: KubeObject): KubeObject {
    const copy = structuredClone(obj);
    copy.apiVersion = apiVersionOf(res);
    copy.kind = res.kind;
    return copy;
  }

  #notFound(res: ResourceDescriptor, ref: ObjectRef): NotFoundError {
    return new NotFoundError(`${groupResource(res)} "${ref.name}" not found${ref.namespace ? ` in namespace "${ref.namespace}"` : ''}`, {
      code: 404,
      reason: 'NotFound',
    });
  }

  #conflict(res: ResourceDescriptor, ref: ObjectRef): ConflictError {
    return new ConflictError(
      `Operation cannot be fulfilled on ${groupResource(res)} "${objectKey(ref)}": the object has been modified; please apply your changes to the latest version and try again`,
      { code: 409, reason: 'Conflict' },
    );
  }
}

/** Paths that identify the object rather than configure it; never owned, never pruned. */
function isIdentityPath(encoded: string): boolean {
  return (
    encoded === '["apiVersion"]' ||
    encoded === '["kind"]' ||
    encoded === '["metadata","name"]' ||
    encoded === '["metadata","namespace"]' ||
    encoded === '["metadata","resourceVersion"]'
  );
}

function randomSuffix(): string {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  let s = '';
  for (let i = 0; i < 5; i++) s += alphabet[Math.floor(Math.random() * alphabet.length)];
  return s;
}

/** Orders Kubernetes versions as discovery does: GA > beta > alpha, higher numbers first. */
export function compareKubeVersions(a: string, b: string): number {
  const parse = (v: string): [number, number, number] => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    if (!m) return [-1, 0, 0];
    const stage = m[2] === undefined ? 3 : m[2] === 'beta' ? 2 : 1;
    return [stage, Number(m[1]), Number(m[3] ?? 0)];
  };
  const [sa, ma, na] = parse(a);
  const [sb, mb, nb] = parse(b);
  if (sa !== sb) return sb - sa;
  if (ma !== mb) return mb - ma;
  if (na !== nb) return nb - na;
  return a < b ? -1 : a > b ? 1 : 0;
}
