// Event predicates: which cache changes are worth a reconcile. A controller enqueues an event only if every predicate
// of the watch passes. Names follow controller-runtime (GenerationChangedPredicate, LabelChangedPredicate, ...) and
// kube-rs (predicates::generation).

import type { KubeObject } from '../object.js';
import { jsonEqual } from '@kube-vip-gw/kube-core';

/** Filters cache events; a missing method lets that kind of event through. */
export interface Predicate<T extends KubeObject = KubeObject> {
  create?(obj: T): boolean;
  update?(oldObj: T, newObj: T): boolean;
  delete?(obj: T): boolean;
}

/**
 * Updates pass only when metadata.generation changed (spec changes; status-only writes are filtered out). Use it only
 * for kinds that have a generation (CRDs such as Gateway API kinds, EndpointSlice): for the others both sides are
 * undefined and updates never pass, as in controller-runtime.
 */
export const generationChanged: Predicate = {
  update: (a, b) => a.metadata.generation !== b.metadata.generation,
};

/** Updates pass only when the resourceVersion changed (drops resync-style duplicates). */
export const resourceVersionChanged: Predicate = {
  update: (a, b) => a.metadata.resourceVersion !== b.metadata.resourceVersion,
};

/** Updates pass only when labels changed. */
export const labelsChanged: Predicate = {
  update: (a, b) => !jsonEqual(a.metadata.labels ?? {}, b.metadata.labels ?? {}),
};

/** Updates pass only when annotations changed. */
export const annotationsChanged: Predicate = {
  update: (a, b) => !jsonEqual(a.metadata.annotations ?? {}, b.metadata.annotations ?? {}),
};

/** Updates pass only when finalizers changed. */
export const finalizersChanged: Predicate = {
  update: (a, b) => !jsonEqual(a.metadata.finalizers ?? [], b.metadata.finalizers ?? []),
};

/** Updates pass only when the deletionTimestamp appeared or changed (the object started being deleted). */
export const deletionStarted: Predicate = {
  update: (a, b) => a.metadata.deletionTimestamp !== b.metadata.deletionTimestamp,
};

/** Passes when any of the predicates passes (e.g. `or(generationChanged, labelsChanged)`). */
export function or<T extends KubeObject>(...ps: Predicate<T>[]): Predicate<T> {
  return {
    create: (o) => ps.some((p) => p.create?.(o) ?? true),
    update: (a, b) => ps.some((p) => p.update?.(a, b) ?? true),
    delete: (o) => ps.some((p) => p.delete?.(o) ?? true),
  };
}

/** Passes when all of the predicates pass. */
export function and<T extends KubeObject>(...ps: Predicate<T>[]): Predicate<T> {
  return {
    create: (o) => ps.every((p) => p.create?.(o) ?? true),
    update: (a, b) => ps.every((p) => p.update?.(a, b) ?? true),
    delete: (o) => ps.every((p) => p.delete?.(o) ?? true),
  };
}

/** Passes for objects (old or new, on updates) that the function accepts; e.g. only objects of one GatewayClass. */
export function matching<T extends KubeObject>(accept: (obj: T) => boolean): Predicate<T> {
  return { create: accept, update: (a, b) => accept(a) || accept(b), delete: accept };
}
