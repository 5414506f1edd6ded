// JSON Patch (RFC 6902), the `application/json-patch+json` patch type of the Kubernetes API. Written here rather than
// taken from fast-json-patch: that package's last release (3.1.1) is from 2022, it is CommonJS with its own error
// type, and what the API server needs is ~100 lines that the RFC's examples (json-patch.test.ts) cover.

import { JsonPatchError } from './errors.js';
import { isPlainObject, jsonEqual } from './json.js';

/** One JSON Patch operation (RFC 6902 §4). */
export type JsonPatchOperation =
  | { op: 'add'; path: string; value: unknown }
  | { op: 'replace'; path: string; value: unknown }
  | { op: 'test'; path: string; value: unknown }
  | { op: 'remove'; path: string }
  | { op: 'move'; from: string; path: string }
  | { op: 'copy'; from: string; path: string };

function fail(where: string, why: string): JsonPatchError {
  return new JsonPatchError(where, why);
}

/** Splits a JSON Pointer (RFC 6901) into unescaped tokens. */
export function parseJsonPointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw fail(JSON.stringify(pointer), 'a path must start with "/"');
  return pointer
    .slice(1)
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function arrayIndex(arr: unknown[], token: string, forAdd: boolean, path: string): number {
  if (forAdd && token === '-') return arr.length;
  if (!/^(0|[1-9]\d*)$/.test(token)) throw fail(JSON.stringify(path), `"${token}" is not an array index`);
  const idx = Number(token);
  if (idx > arr.length || (!forAdd && idx === arr.length)) {
    throw fail(JSON.stringify(path), `index ${idx} is out of bounds (length ${arr.length})`);
  }
  return idx;
}

function getAt(doc: unknown, path: string): unknown {
  let cur = doc;
  for (const t of parseJsonPointer(path)) {
    if (Array.isArray(cur)) cur = cur[arrayIndex(cur, t, false, path)];
    else if (isPlainObject(cur) && Object.prototype.hasOwnProperty.call(cur, t)) cur = cur[t];
    else throw fail(JSON.stringify(path), 'path does not exist');
  }
  return cur;
}

function parentOf(doc: unknown, path: string): { parent: unknown; token: string } {
  const tokens = parseJsonPointer(path);
  const token = tokens.pop();
  if (token === undefined) throw fail(JSON.stringify(path), 'cannot address the document root here');
  const parentPath = tokens.length === 0 ? '' : `/${tokens.map((t) => t.replace(/~/g, '~0').replace(/\//g, '~1')).join('/')}`;
  return { parent: getAt(doc, parentPath), token };
}

function addAt(doc: unknown, path: string, value: unknown): unknown {
  if (path === '') return value;
  const { parent, token } = parentOf(doc, path);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, token, true, path), 0, value);
  else if (isPlainObject(parent)) parent[token] = value;
  else throw fail(JSON.stringify(path), 'parent is not an object or array');
  return doc;
}

function removeAt(doc: unknown, path: string): unknown {
  const { parent, token } = parentOf(doc, path);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, token, false, path), 1);
  else if (isPlainObject(parent) && Object.prototype.hasOwnProperty.call(parent, token)) delete parent[token];
  else throw fail(JSON.stringify(path), 'path does not exist');
  return doc;
}

/**
 * Applies a JSON Patch and returns the result; the input is not modified. Throws JsonPatchError naming the failing
 * operation for a bad path or a failed `test` (the API server answers those with 422).
 */
export function applyJsonPatch(target: unknown, ops: readonly JsonPatchOperation[]): unknown {
  if (!Array.isArray(ops)) throw fail('', 'the patch must be an array of operations');
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
        if (op.path.startsWith(`${op.from}/`)) throw fail(JSON.stringify(op), 'cannot move a value into itself');
        const value = getAt(doc, op.from);
        doc = addAt(removeAt(doc, op.from), op.path, value);
        break;
      }
      case 'copy':
        doc = addAt(doc, op.path, structuredClone(getAt(doc, op.from)));
        break;
      case 'test':
        if (!jsonEqual(getAt(doc, op.path), op.value)) {
          throw fail(JSON.stringify(op), `test failed: value at "${op.path}" differs`);
        }
        break;
      default:
        throw fail(JSON.stringify(op), `unknown op "${String((op as { op: unknown }).op)}"`);
    }
  }
  return doc;
}
