// Object metadata: structural types any Kubernetes object fits (only metadata is typed; the rest passes through
// untouched, so a read-modify-write never drops a field a newer API version added), and helpers on that metadata.

/** A reference from a dependent to the object that owns it (garbage collection follows these). */
export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

/** metav1.ObjectMeta; server-set fields are optional because callers create objects without them. */
export interface ObjectMeta {
  name: string;
  namespace?: string;
  generateName?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  ownerReferences?: OwnerReference[];
  managedFields?: unknown[];
  /** Fields not named here (selfLink, ...) pass through untouched. */
  [extra: string]: unknown;
}

/** Any Kubernetes object: apiVersion/kind (absent on some list items from servers) plus metadata. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  /** spec, status, data and whatever else a kind has. */
  [extra: string]: unknown;
}

/** metav1.Condition. */
export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  observedGeneration?: number;
  lastTransitionTime: string;
}

/** Names one object of a known resource type: its namespace (for namespaced kinds) and name. */
export interface ObjectRef {
  namespace?: string | undefined;
  name: string;
}

/** Identifies an object in a cache or work queue: `namespace/name`, or `name` for cluster-scoped objects. */
export function objectKey(meta: { namespace?: string | undefined; name: string }): string {
  return meta.namespace ? `${meta.namespace}/${meta.name}` : meta.name;
}

/** Splits a key made by objectKey back into a reference. */
export function parseObjectKey(key: string): ObjectRef {
  const slash = key.indexOf('/');
  return slash < 0 ? { name: key } : { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

/** The reference (namespace + name) of an object. */
export function refOf(obj: KubeObject): ObjectRef {
  return obj.metadata.namespace ? { namespace: obj.metadata.namespace, name: obj.metadata.name } : { name: obj.metadata.name };
}

/** Human-readable name of an object for messages: `Kind ns/name`. */
export function describeObject(kind: string, ref: ObjectRef): string {
  return `${kind} ${objectKey(ref)}`;
}

/** True when the object is being deleted (it has a deletionTimestamp and waits for finalizers). */
export function isBeingDeleted(obj: KubeObject): boolean {
  return obj.metadata.deletionTimestamp !== undefined && obj.metadata.deletionTimestamp !== null;
}

/** True when the object carries the finalizer. */
export function hasFinalizer(obj: KubeObject, finalizer: string): boolean {
  return obj.metadata.finalizers?.includes(finalizer) ?? false;
}

/** The finalizer list with `finalizer` appended (unchanged when already there); the object is not modified. */
export function withFinalizer(obj: KubeObject, finalizer: string): string[] {
  const current = obj.metadata.finalizers ?? [];
  return current.includes(finalizer) ? [...current] : [...current, finalizer];
}

/** The finalizer list without `finalizer`; the object is not modified. */
export function withoutFinalizer(obj: KubeObject, finalizer: string): string[] {
  return (obj.metadata.finalizers ?? []).filter((f) => f !== finalizer);
}

/** The ownerReference marked `controller: true`, if any (the one owner that manages this object). */
export function controllerOf(obj: KubeObject): OwnerReference | undefined {
  return obj.metadata.ownerReferences?.find((o) => o.controller === true);
}
