// `kvgw render`: manifests in, the controller's reconcilers run offline to a fixed point, a `kind: List` out. The
// reconcile itself belongs to the controller app (its `renderOffline`); this module prepares the input and makes the
// output deterministic, so the same input always prints byte-for-byte the same list (fit for snapshots and diffs).
import { createHash } from 'node:crypto';
import type { KubeObject, OwnerReference } from '@kube-vip-gw/controller-runtime';
import { RENDER_RESOURCES } from '@kube-vip-gw/controller';
import { RenderFailedError } from './errors.js';
import { describeObjectName, SUPPORTED_KINDS, type LoadedManifest } from './manifests.js';
import { formatData, type DataFormat } from './output.js';

/** Options the controller's offline renderer takes (same meaning as the controller's flags). */
export interface RenderOfflineOptions {
  controllerName?: string;
  /** `name` or `namespace/name` of the IPAM ConfigMap. */
  ipamConfigMap?: string;
  /** Default Service strategy. */
  serviceBehaviour?: string;
  /** The clock of the in-memory cluster (condition times, creation timestamps). */
  now?: Date;
}

/** What the offline renderer returns: every object after reconciling, how many passes it took, the Events it recorded. */
export interface RenderOfflineResult {
  objects: KubeObject[];
  iterations: number;
  /** Events the controller would have recorded; Warnings are shown on stderr. */
  events?: readonly { object: string; type: string; reason: string; message: string }[];
}

/** The controller's offline renderer (from `@kube-vip-gw/controller`), injected so tests can use a stand-in. */
export type RenderOffline = (objects: KubeObject[], options: RenderOfflineOptions) => Promise<RenderOfflineResult>;

/** The time `render` gives the in-memory cluster unless `--now` says otherwise: fixed, so output is reproducible. */
export const DEFAULT_RENDER_TIME = new Date('1970-01-01T00:00:00Z');

/** Output order of kinds: configuration first, then the Gateway API objects, then what the controller made. */
export const KIND_ORDER: readonly string[] = RENDER_RESOURCES.map((r) => r.kind);

/** Kinds the renderer may produce that are run-time bookkeeping, not results: left out of the output. */
export const OMITTED_KINDS: ReadonlySet<string> = new Set(['Event', 'Lease']);

/** Metadata fields a server sets that differ on every run; dropped from the output (uid is replaced instead). */
const VOLATILE_METADATA = ['resourceVersion', 'creationTimestamp', 'managedFields', 'selfLink', 'uid'] as const;

function groupOf(apiVersion: string | undefined): string {
  const v = apiVersion ?? '';
  const slash = v.indexOf('/');
  return slash < 0 ? '' : v.slice(0, slash);
}

/** A uid derived from an object's identity (UUID-shaped), so owner references stay consistent across runs. */
export function deterministicUid(group: string, kind: string, namespace: string | undefined, name: string): string {
  const h = createHash('sha256').update(`${group}\n${kind}\n${namespace ?? ''}\n${name}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Formats a time as the API server does (RFC 3339, seconds). */
function kubeTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

const UID_PATTERN = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

// Rewrites a value deeply: every lastTransitionTime under status becomes `time` (Gateway, listener and route parent
// conditions alike), and every known uid inside any string (e.g. a uid recorded in a JSON annotation) is replaced.
function rewrite(value: unknown, time: string | undefined, uids: ReadonlyMap<string, string>): unknown {
  if (typeof value === 'string') return uids.size === 0 ? value : value.replace(UID_PATTERN, (u) => uids.get(u) ?? u);
  if (Array.isArray(value)) return value.map((v) => rewrite(v, time, uids));
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = time !== undefined && k === 'lastTransitionTime' && typeof v === 'string' ? time : rewrite(v, time, uids);
  return out;
}

/** The uid an object gets in the output: derived from its API group, kind, namespace and name. */
export function outputUid(object: KubeObject): string {
  return deterministicUid(groupOf(object.apiVersion), object.kind ?? '', object.metadata.namespace, object.metadata.name);
}

/**
 * Makes one rendered object deterministic: server-set volatile metadata dropped, uid derived from its identity,
 * uids of other objects (owner references, uids recorded in annotations) mapped through `uids` (original -> output
 * uid; owners not in the map get the uid derived from the reference), condition times set to `time`; fields ordered
 * apiVersion, kind, metadata, ..., status.
 */
export function normaliseObject(object: KubeObject, time: Date, uids: ReadonlyMap<string, string> = new Map()): KubeObject {
  const { apiVersion, kind, metadata, ...rest } = structuredClone(object) as KubeObject & Record<string, unknown>;
  const { name, namespace, ...meta } = metadata as KubeObject['metadata'] & Record<string, unknown>;
  for (const field of VOLATILE_METADATA) delete meta[field];
  const ownerReferences = (meta['ownerReferences'] as OwnerReference[] | undefined)?.map((ref) => {
    const ownerNamespaced = SUPPORTED_KINDS[ref.kind]?.namespaced ?? true;
    const uid = uids.get(ref.uid) ?? deterministicUid(groupOf(ref.apiVersion), ref.kind, ownerNamespaced ? namespace : undefined, ref.name);
    return { ...ref, uid };
  });
  if (ownerReferences !== undefined) meta['ownerReferences'] = ownerReferences;
  const { status, ...spec } = rest;
  const out: Record<string, unknown> = {
    apiVersion,
    kind,
    metadata: rewrite({ name, ...(namespace !== undefined ? { namespace } : {}), uid: outputUid(object), ...meta }, undefined, uids),
    ...(rewrite(spec, undefined, uids) as Record<string, unknown>),
  };
  if (status !== undefined) out['status'] = rewrite(status, kubeTime(time), uids);
  return out as unknown as KubeObject;
}

function kindRank(kind: string | undefined): number {
  const i = KIND_ORDER.indexOf(kind ?? '');
  return i < 0 ? KIND_ORDER.length : i;
}

/** Orders objects by kind (KIND_ORDER, unknown kinds after, by name), then namespace, then name. */
export function compareObjects(a: KubeObject, b: KubeObject): number {
  const rank = kindRank(a.kind) - kindRank(b.kind);
  if (rank !== 0) return rank;
  const keys = (o: KubeObject): string[] => [o.kind ?? '', o.metadata.namespace ?? '', o.metadata.name];
  const ka = keys(a);
  const kb = keys(b);
  for (let i = 0; i < ka.length; i++) {
    if (ka[i]! < kb[i]!) return -1;
    if (ka[i]! > kb[i]!) return 1;
  }
  return 0;
}

/** A `kind: List` (apiVersion v1) of objects, as kubectl prints one. */
export interface ObjectListDocument {
  apiVersion: 'v1';
  kind: 'List';
  items: KubeObject[];
}

/** Builds the output list: bookkeeping kinds omitted, objects normalised (uids consistently replaced) and sorted. */
export function toListDocument(objects: readonly KubeObject[], time: Date): ObjectListDocument {
  const kept = objects.filter((o) => !OMITTED_KINDS.has(o.kind ?? ''));
  const uids = new Map<string, string>();
  for (const o of kept) if (o.metadata.uid) uids.set(o.metadata.uid, outputUid(o));
  const items = kept.map((o) => normaliseObject(o, time, uids)).sort(compareObjects);
  return { apiVersion: 'v1', kind: 'List', items };
}

/** Options of renderManifests. */
export interface RenderOptions {
  readonly format: DataFormat;
  readonly controllerName?: string | undefined;
  readonly ipamConfigMap?: string | undefined;
  readonly serviceBehaviour?: string | undefined;
  /** Clock of the in-memory cluster; default DEFAULT_RENDER_TIME. */
  readonly now?: Date | undefined;
}

/** What renderManifests produced: the printed text, the list, the renderer's pass count and its Warning events. */
export interface RenderOutput {
  readonly text: string;
  readonly list: ObjectListDocument;
  readonly iterations: number;
  /** `Kind ns/name: Reason: message` of every Warning event, sorted. */
  readonly warnings: readonly string[];
}

/**
 * Runs the offline renderer on loaded manifests and formats the result. A renderer failure (e.g. an object that keeps
 * changing) becomes a RenderFailedError carrying the renderer's message, which names the object.
 */
export async function renderManifests(
  manifests: readonly LoadedManifest[],
  options: RenderOptions,
  renderOffline: RenderOffline,
): Promise<RenderOutput> {
  const now = options.now ?? DEFAULT_RENDER_TIME;
  const offline: RenderOfflineOptions = { now };
  if (options.controllerName !== undefined) offline.controllerName = options.controllerName;
  if (options.ipamConfigMap !== undefined) offline.ipamConfigMap = options.ipamConfigMap;
  if (options.serviceBehaviour !== undefined) offline.serviceBehaviour = options.serviceBehaviour;
  let result: RenderOfflineResult;
  try {
    result = await renderOffline(manifests.map((m) => structuredClone(m.object)), offline);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new RenderFailedError(annotateWithSource(message, manifests));
  }
  const list = toListDocument(result.objects, now);
  const warnings = (result.events ?? [])
    .filter((e) => e.type === 'Warning')
    .map((e) => `${e.object}: ${e.reason}: ${e.message}`)
    .sort();
  return { text: formatData(list, options.format), list, iterations: result.iterations, warnings };
}

// When the renderer's message names an input object (`Gateway ns/name`), say which file it came from too.
function annotateWithSource(message: string, manifests: readonly LoadedManifest[]): string {
  const named = manifests.find((m) => message.includes(describeObjectName(m.object)));
  return named === undefined ? message : `${message} (from ${named.source.file} document ${named.source.document})`;
}
