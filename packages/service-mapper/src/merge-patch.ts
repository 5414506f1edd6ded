// JSON merge patch (RFC 7386), the `application/merge-patch+json` patch type of the Kubernetes API. Written here
// because it is a few lines and no JSON-patch library is among the project's dependencies.
import { jsonEqual } from './internal/json-equal.js';

/** A JSON value. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** A JSON object (the shape of a merge patch). */
export type JsonObject = { [key: string]: JsonValue };

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The merge patch that turns `from` into `to`: changed and added keys with their new values, removed keys as null,
 * arrays whole (merge patches cannot address array elements). Empty when nothing differs. Undefined values count
 * as absent.
 */
export function createMergePatch(from: Readonly<Record<string, unknown>>, to: Readonly<Record<string, unknown>>): JsonObject {
  const patch: JsonObject = {};
  for (const [key, value] of Object.entries(to)) {
    if (value === undefined) continue;
    const old = from[key];
    if (isObject(value) && isObject(old)) {
      const sub = createMergePatch(old, value);
      if (Object.keys(sub).length > 0) patch[key] = sub;
    } else if (!jsonEqual(old, value)) {
      patch[key] = stripUndefined(value) as JsonValue;
    }
  }
  for (const [key, value] of Object.entries(from)) if (value !== undefined && to[key] === undefined) patch[key] = null;
  return patch;
}

/** `target` with `patch` applied (RFC 7386); `target` is not modified. Existing keys keep their position. */
export function applyMergePatch<T>(target: T, patch: Readonly<Record<string, unknown>>): T {
  const result: Record<string, unknown> = isObject(target) ? structuredClone(target as Record<string, unknown>) : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else if (isObject(value)) result[key] = applyMergePatch(result[key], value);
    else result[key] = structuredClone(value);
  }
  return result as T;
}

/** True when a merge patch changes nothing. */
export function isEmptyPatch(patch: Readonly<Record<string, unknown>>): boolean {
  return Object.keys(patch).length === 0;
}

function stripUndefined(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stripUndefined);
  if (isObject(v)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = stripUndefined(x);
    return out;
  }
  return v;
}
