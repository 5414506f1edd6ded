// JSON Merge Patch (RFC 7386), the `application/merge-patch+json` patch type of the Kubernetes API: applied by the
// in-memory cluster, computed by reconcilers that want minimal writes. A few lines, so no dependency.

import { isPlainObject, jsonEqual, type JsonObject, type JsonValue } from './json.js';

/**
 * `target` with `patch` applied (RFC 7386 §2); neither input is modified and the result shares nothing with them.
 * A patch that is not an object replaces the target whole; existing keys keep their position.
 */
export function applyMergePatch<T>(target: T, patch: unknown): T {
  if (!isPlainObject(patch)) return structuredClone(patch) as T;
  const result: Record<string, unknown> = isPlainObject(target) ? structuredClone(target) : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = applyMergePatch(result[key], value);
  }
  return result as T;
}

/**
 * The merge patch that turns `from` into `to`: changed and added keys with their new values, removed keys as null,
 * arrays whole (merge patches cannot address array elements). Empty when nothing differs (see isEmptyPatch), so
 * callers can skip the write. Undefined values count as absent.
 */
export function createMergePatch(from: Readonly<Record<string, unknown>>, to: Readonly<Record<string, unknown>>): JsonObject {
  const patch: JsonObject = {};
  for (const [key, value] of Object.entries(to)) {
    if (value === undefined) continue;
    const old = from[key];
    if (isPlainObject(value) && isPlainObject(old)) {
      const sub = createMergePatch(old, value);
      if (Object.keys(sub).length > 0) patch[key] = sub;
    } else if (!jsonEqual(old, value)) {
      patch[key] = stripUndefined(value) as JsonValue;
    }
  }
  for (const [key, value] of Object.entries(from)) if (value !== undefined && to[key] === undefined) patch[key] = null;
  return patch;
}

/** True when a merge patch changes nothing. */
export function isEmptyPatch(patch: Readonly<Record<string, unknown>>): boolean {
  return Object.keys(patch).length === 0;
}

function stripUndefined(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stripUndefined);
  if (isPlainObject(v)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = stripUndefined(x);
    return out;
  }
  return v;
}
