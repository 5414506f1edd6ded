// The approximation of server-side apply that MemoryCluster uses. Real SSA tracks ownership of every field per
// manager with structural merge rules (associative lists merged by key). Here:
// - maps merge recursively; lists and scalars are replaced whole (lists are atomic);
// - each manager's applied leaf paths are remembered, so a field a manager applied before and omits now is removed
//   unless another manager also applied it (this is the part reconcilers depend on for pruning);
// - conflicts between managers are never reported (as if `force` were always set); update/patch writers own nothing.

/** A path to a leaf of an applied configuration, as its keys (`['metadata', 'labels', 'app']`). */
export type LeafPath = readonly string[];

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Encodes a path as one string (keys may contain dots or slashes, so JSON keeps them unambiguous). */
export function encodePath(path: LeafPath): string {
  return JSON.stringify(path);
}

/** Decodes a path made by encodePath. */
export function decodePath(encoded: string): string[] {
  return JSON.parse(encoded) as string[];
}

/** The leaf paths of a configuration: scalars, lists, and empty maps are leaves; non-empty maps recurse. */
export function leafPaths(value: unknown, prefix: string[] = [], out: string[] = []): string[] {
  if (isPlainObject(value) && Object.keys(value).length > 0) {
    for (const [k, v] of Object.entries(value)) {
      if (v === undefined) continue;
      leafPaths(v, [...prefix, k], out);
    }
  } else if (prefix.length > 0) {
    out.push(encodePath(prefix));
  }
  return out;
}

/** Merges an applied configuration into an object: maps recursively, everything else replaced. Returns a new value. */
export function mergeApplied(target: unknown, applied: unknown): unknown {
  if (!isPlainObject(applied)) return structuredClone(applied);
  const out: Record<string, unknown> = isPlainObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(applied)) {
    if (v === undefined) continue;
    out[k] = mergeApplied(out[k], v);
  }
  return out;
}

/** Removes the value at a path (no-op when absent), in place. Parent maps left empty are removed too. */
export function removePath(target: Record<string, unknown>, path: LeafPath): void {
  const stack: Record<string, unknown>[] = [target];
  let cur: unknown = target;
  for (let i = 0; i < path.length - 1; i++) {
    if (!isPlainObject(cur)) return;
    cur = cur[path[i]!];
    if (!isPlainObject(cur)) return;
    stack.push(cur);
  }
  const last = path[path.length - 1];
  if (last === undefined || !isPlainObject(cur)) return;
  delete cur[last];
  // Prune parents that became empty (but never the top-level sections, which keep their shape).
  for (let i = stack.length - 1; i >= 2; i--) {
    if (Object.keys(stack[i]!).length === 0) delete stack[i - 1]![path[i - 1]!];
    else break;
  }
}
