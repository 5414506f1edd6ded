// Patch documents: JSON Merge Patch (RFC 7386) and JSON Patch (RFC 6902), applied by MemoryCluster and computed by
// reconcilers that want minimal writes. Hand-written because none of the allowed dependencies implements them (client-node
// only forwards patch bodies to the server); both RFCs are short and the tests cover their examples.

import { InvalidError } from './errors.js';

/** Any JSON value. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** One JSON Patch operation (RFC 6902). */
export type JsonPatchOperation =
  | { op: 'add'; path: string; value: unknown }
  | { op: 'replace'; path: string; value: unknown }
  | { op: 'test'; path: string; value: unknown }
  | { op: 'remove'; path: string }
  | { op: 'move'; from: string; path: string }
  | { op: 'copy'; from: string; path: string };

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

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Applies a JSON Merge Patch (RFC 7386) to a value and returns the result, which shares nothing with the inputs. */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  return mergeInto(structuredClone(target), patch);
}

function mergeInto(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return structuredClone(patch);
  const result: Record<string, unknown> = isPlainObject(target) ? target : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete result[k];
    else result[k] = mergeInto(result[k], v);
  }
  return result;
}

/**
 * Computes a JSON Merge Patch that turns `from` into `to` (unchanged keys omitted, removed keys set to null,
 * arrays replaced whole). Returns undefined when the two are equal, so callers can skip the write.
 */
export function createMergePatch(from: unknown, to: unknown): unknown {
  if (deepEqual(from, to)) return undefined;
  if (!isPlainObject(from) || !isPlainObject(to)) return to === undefined ? null : structuredClone(to);
  const patch: Record<string, unknown> = {};
  for (const k of Object.keys(from)) {
    if (!(k in to) || to[k] === undefined) {
      if (from[k] !== undefined) patch[k] = null;
    }
  }
  for (const [k, v] of Object.entries(to)) {
    if (v === undefined) continue;
    const sub = createMergePatch(from[k], v);
    if (sub !== undefined) patch[k] = sub;
  }
  return patch;
}

/** Structural equality of JSON-like values (key order ignored; undefined members count as absent). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  let count = 0;
  for (const k of Object.keys(ao)) {
    if (ao[k] === undefined) continue;
    count++;
    if (!deepEqual(ao[k], bo[k])) return false;
  }
  for (const k of Object.keys(bo)) if (bo[k] !== undefined) count--;
  return count === 0;
}

function patchError(doc: string, why: string): InvalidError {
  return new InvalidError(`JSON patch ${doc}: ${why}`, { code: 422, reason: 'Invalid' });
}

function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw patchError(JSON.stringify(pointer), 'a path must start with "/"');
  return pointer
    .slice(1)
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function arrayIndex(arr: unknown[], token: string, forAdd: boolean, path: string): number {
  if (forAdd && token === '-') return arr.length;
  if (!/^(0|[1-9]\d*)$/.test(token)) throw patchError(JSON.stringify(path), `"${token}" is not an array index`);
  const idx = Number(token);
  if (idx > arr.length || (!forAdd && idx === arr.length)) {
    throw patchError(JSON.stringify(path), `index ${idx} is out of bounds (length ${arr.length})`);
  }
  return idx;
}

function getAt(doc: unknown, path: string): unknown {
  let cur = doc;
  for (const t of parsePointer(path)) {
    if (Array.isArray(cur)) cur = cur[arrayIndex(cur, t, false, path)];
    else if (isPlainObject(cur) && Object.prototype.hasOwnProperty.call(cur, t)) cur = cur[t];
    else throw patchError(JSON.stringify(path), 'path does not exist');
  }
  return cur;
}

function parentOf(doc: unknown, path: string): { parent: unknown; token: string } {
  const tokens = parsePointer(path);
  const token = tokens.pop();
  if (token === undefined) throw patchError(JSON.stringify(path), 'cannot address the document root here');
  const parentPath = tokens.length === 0 ? '' : `/${tokens.map((t) => t.replace(/~/g, '~0').replace(/\//g, '~1')).join('/')}`;
  return { parent: getAt(doc, parentPath), token };
}

function addAt(doc: unknown, path: string, value: unknown): unknown {
  if (path === '') return value;
  const { parent, token } = parentOf(doc, path);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, token, true, path), 0, value);
  else if (isPlainObject(parent)) parent[token] = value;
  else throw patchError(JSON.stringify(path), 'parent is not an object or array');
  return doc;
}

function removeAt(doc: unknown, path: string): unknown {
  const { parent, token } = parentOf(doc, path);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, token, false, path), 1);
  else if (isPlainObject(parent) && Object.prototype.hasOwnProperty.call(parent, token)) delete parent[token];
  else throw patchError(JSON.stringify(path), 'path does not exist');
  return doc;
}

/**
 * Applies a JSON Patch (RFC 6902) and returns the result; the input is not modified. Throws InvalidError naming the
 * failing operation (as the API server rejects it with 422) for a bad path or a failed `test`.
 */
export function applyJsonPatch(target: unknown, ops: readonly JsonPatchOperation[]): unknown {
  if (!Array.isArray(ops)) throw patchError('', 'the patch must be an array of operations');
  let doc = structuredClone(target);
  for (const op of ops) {
    switch (op.op) {
      case 'add':
        doc = addAt(doc, op.path, structuredClone(op.value));
        break;
      case 'remove':
        doc = removeAt(doc, op.path);
        break;
      case 'replace':
        getAt(doc, op.path);
        doc = op.path === '' ? structuredClone(op.value) : addAt(removeAt(doc, op.path), op.path, structuredClone(op.value));
        break;
      case 'move': {
        if (op.path.startsWith(`${op.from}/`)) throw patchError(JSON.stringify(op), 'cannot move a value into itself');
        const value = getAt(doc, op.from);
        doc = addAt(removeAt(doc, op.from), op.path, value);
        break;
      }
      case 'copy':
        doc = addAt(doc, op.path, structuredClone(getAt(doc, op.from)));
        break;
      case 'test':
        if (!deepEqual(getAt(doc, op.path), op.value)) {
          throw patchError(JSON.stringify(op), `test failed: value at "${op.path}" differs`);
        }
        break;
      default:
        throw patchError(JSON.stringify(op), `unknown op "${String((op as { op: unknown }).op)}"`);
    }
  }
  return doc;
}
