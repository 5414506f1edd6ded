// The patch request bodies the Client sends and the Content-Type of each. Applying and computing patches is pure and
// lives in @kube-vip-gw/kube-core (applyMergePatch, createMergePatch, applyJsonPatch).

import type { JsonPatchOperation } from '@kube-vip-gw/kube-core';

/** The patch types the Client supports, with the Content-Type each is sent as. */
export const PATCH_CONTENT_TYPES = {
  merge: 'application/merge-patch+json',
  json: 'application/json-patch+json',
  apply: 'application/apply-patch+yaml',
} as const;

/** A patch request body: merge patch, JSON patch, or a server-side apply configuration. */
export type Patch =
  | { type: 'merge'; patch: Record<string, unknown> }
  | { type: 'json'; patch: JsonPatchOperation[] }
  | { type: 'apply'; patch: Record<string, unknown> };
