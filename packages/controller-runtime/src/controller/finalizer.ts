// A finalizer in the spirit of kube-rs's `kube::runtime::finalizer()`: the reconciler is told which of two things to
// do, and the helper keeps the finalizer in step. `apply` runs while the object lives (after the finalizer is on it,
// so a delete cannot slip past the cleanup); `cleanup` runs once the object is being deleted, and the finalizer comes
// off only after cleanup succeeded. Errors from either propagate unchanged, so the controller retries with backoff
// (or not, for a TerminalError) and the finalizer stays until a cleanup succeeds.
//
// Two deliberate differences from kube-rs:
// - The finalizer list is written with a merge patch carrying the object's resourceVersion (a ConflictError when
//   someone wrote in between) instead of a JSON patch with `test` operations: the API server does not deduplicate
//   finalizers, and a stale resourceVersion catches every concurrent change, including another writer's finalizer.
// - After adding the finalizer, `apply` runs at once on the patched object instead of waiting for the next event:
//   adding a finalizer does not bump `metadata.generation`, so with the common generationChanged predicate no new
//   event would come and `apply` would never run.

import { hasFinalizer, isBeingDeleted, isQualifiedName, withFinalizer, withoutFinalizer, type KubeObject } from '@kube-vip-gw/kube-core';
import type { Writer } from '../client/client.js';
import { UsageError, isNotFound } from '../errors.js';
import type { ResourceDescriptor } from '../resources.js';

/** What the reconciler is asked to do. */
export type FinalizerEvent<T extends KubeObject> =
  /** The object lives (and carries the finalizer): make the world match it. Must be idempotent. */
  | { readonly type: 'apply'; readonly object: T }
  /** The object is being deleted: release what `apply` made. Must be idempotent; the finalizer goes when it resolves. */
  | { readonly type: 'cleanup'; readonly object: T };

/** Options of finalizer(). */
export interface FinalizerOptions {
  /** fieldManager for the finalizer writes. */
  fieldManager?: string | undefined;
  signal?: AbortSignal | undefined;
}

/**
 * Runs `reconcile` for `object` under the finalizer `name` (a qualified name such as `example.com/cleanup`):
 * - alive without the finalizer: adds it, then `apply` on the updated object;
 * - alive with it: `apply`;
 * - being deleted with it: `cleanup`, then removes it (the server then deletes the object if no finalizer remains);
 * - being deleted without it: nothing (someone else's finalizer holds the object; our cleanup is done).
 * Resolves with what `reconcile` returned, or undefined when it was not called.
 */
export async function finalizer<T extends KubeObject, R>(
  client: Pick<Writer, 'patch'>,
  res: ResourceDescriptor,
  name: string,
  object: T,
  reconcile: (event: FinalizerEvent<T>) => Promise<R>,
  opts: FinalizerOptions = {},
): Promise<R | undefined> {
  if (!isQualifiedName(name)) throw new UsageError(`finalizer "${name}" is not a qualified name (e.g. example.com/cleanup)`);
  const ref = { namespace: object.metadata.namespace, name: object.metadata.name };
  const writeOpts = { fieldManager: opts.fieldManager, signal: opts.signal };
  const writeFinalizers = (finalizers: string[]) => {
    // null, not []: a merge patch with [] would leave an empty list where the server keeps none.
    const metadata: Record<string, unknown> = { finalizers: finalizers.length > 0 ? finalizers : null };
    const rv = object.metadata.resourceVersion;
    if (rv !== undefined && rv !== '') metadata['resourceVersion'] = rv;
    return client.patch<T>(res, ref, { type: 'merge', patch: { metadata } }, writeOpts);
  };

  if (isBeingDeleted(object)) {
    if (!hasFinalizer(object, name)) return undefined;
    const result = await reconcile({ type: 'cleanup', object });
    try {
      await writeFinalizers(withoutFinalizer(object, name));
    } catch (e) {
      // Gone already: the finalizer is off with it.
      if (!isNotFound(e)) throw e;
    }
    return result;
  }
  const current = hasFinalizer(object, name) ? object : await writeFinalizers(withFinalizer(object, name));
  return reconcile({ type: 'apply', object: current });
}
