// What the controller's informer caches hold, per kind and per part of an object, measured on the objects of a real
// run: every object of the kinds the controller caches is listed from an API server, each parsed from its own JSON
// text (as a watch event is) and passed through the informer's default transform, and the V8 heap they retain is
// measured after a full GC; then again with one part of every object left out, and with repeated strings shared.
//
//   tsx --expose-gc --conditions=@kube-vip-gw/source tools/bench/controller-scale/cache-footprint.ts --kubeconfig <admin>
//
// Printed as JSON lines (kind, count, MiB held, MiB per part). A part's figure is what leaving it out would save: an
// upper bound for a per-kind transform, before checking that no reconciler reads it.
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import {
  EndpointSlice,
  Gateway,
  KubeClient,
  Namespace,
  Service,
  TCPRoute,
  UDPRoute,
  stripBulkyMetadata,
  type KubeObject,
  type ResourceDescriptor,
} from '@kube-vip-gw/controller-runtime';

const { values } = parseArgs({ options: { kubeconfig: { type: 'string' } } });
if (!values.kubeconfig) throw new Error('--kubeconfig <admin kubeconfig of the API server to read> is required');
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc (tsx --expose-gc ...)');

const client = await KubeClient.create({ source: { kind: 'string', yaml: await readFile(values.kubeconfig, 'utf8') }, userAgent: 'kvgw-cache-footprint' });

async function texts(res: ResourceDescriptor): Promise<string[]> {
  const out: string[] = [];
  let token: string | undefined;
  do {
    const page = await client.list<KubeObject>(res, { limit: 500, ...(token ? { continue: token } : {}) });
    for (const o of page.items) out.push(JSON.stringify(o));
    token = page.continue || undefined;
  } while (token);
  return out;
}

function heapUsed(): number {
  gc!();
  gc!();
  return process.memoryUsage().heapUsed;
}

/** Heap retained by the objects `make` builds from the texts (the texts themselves are held outside the count). */
function retained(items: readonly string[], make: (text: string) => unknown): number {
  const before = heapUsed();
  const kept = items.map(make);
  const after = heapUsed();
  if (kept.length !== items.length) throw new Error('unreachable');
  return Math.max(0, after - before);
}

// A copy without one part, built afresh: \`delete\` would turn the objects into slower, larger dictionaries and
// measure that instead.
const omit = (o: Record<string, unknown>, key: string): Record<string, unknown> => {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(o)) if (k !== key) out[k] = o[k];
  return out;
};
const without = (path: string[]) => (o: KubeObject): KubeObject => {
  const root = o as unknown as Record<string, unknown>;
  if (path.length === 1) return omit(root, path[0]!) as unknown as KubeObject;
  const inner = root[path[0]!] as Record<string, unknown> | undefined;
  if (!inner) return o;
  return { ...root, [path[0]!]: omit(inner, path[1]!) } as unknown as KubeObject;
};

/** Shares equal strings between objects (one copy per distinct value), as a cache-wide string table would. */
function interner() {
  const table = new Map<string, string>();
  const visit = (v: unknown): unknown => {
    if (typeof v === 'string') {
      const hit = table.get(v);
      if (hit !== undefined) return hit;
      table.set(v, v);
      return v;
    }
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) v[i] = visit(v[i]);
      return v;
    }
    if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      for (const k of Object.keys(o)) o[k] = visit(o[k]);
    }
    return v;
  };
  return { visit, table };
}

/** The candidate for the informers: only values under keys that repeat across objects, and label/annotation values. */
function keyedInterner(keys: ReadonlySet<string>) {
  const table = new Map<string, string>();
  const share = (v: string) => {
    const hit = table.get(v);
    if (hit !== undefined) return hit;
    table.set(v, v);
    return v;
  };
  const visit = (v: unknown, shareAll: boolean): unknown => {
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) v[i] = typeof v[i] === 'string' ? (shareAll ? share(v[i] as string) : v[i]) : visit(v[i], false);
      return v;
    }
    if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      for (const k of Object.keys(o)) {
        const x = o[k];
        if (typeof x === 'string') {
          if (shareAll || keys.has(k)) o[k] = share(x);
        } else if (x && typeof x === 'object') o[k] = visit(x, k === 'labels' || k === 'annotations');
      }
    }
    return v;
  };
  return { visit: (o: unknown) => visit(o, false), table };
}

const SHARED_KEYS = new Set(['apiVersion', 'kind', 'type', 'status', 'reason', 'message', 'lastTransitionTime', 'creationTimestamp', 'controllerName', 'group', 'namespace', 'protocol', 'addressType', 'nodeName', 'zone', 'sectionName', 'gatewayClassName', 'appProtocol', 'ipFamilyPolicy', 'sessionAffinity', 'internalTrafficPolicy', 'externalTrafficPolicy']);

const MiB = (b: number) => Math.round((b / 2 ** 20) * 100) / 100;
const kinds: [string, ResourceDescriptor][] = [
  ['Gateway', Gateway],
  ['TCPRoute', TCPRoute],
  ['UDPRoute', UDPRoute],
  ['Service', Service],
  ['EndpointSlice', EndpointSlice],
  ['Namespace', Namespace],
];
const parts: string[][] = [
  ['metadata', 'uid'],
  ['metadata', 'creationTimestamp'],
  ['metadata', 'resourceVersion'],
  ['metadata', 'generation'],
  ['metadata', 'labels'],
  ['metadata', 'annotations'],
  ['metadata', 'ownerReferences'],
  ['metadata', 'finalizers'],
  ['apiVersion'],
  ['kind'],
  ['spec'],
  ['status'],
  ['endpoints'],
  ['ports'],
];
let total = 0;
let totalInterned = 0;
let totalKeyed = 0;
const shared = interner();
const keyed = keyedInterner(SHARED_KEYS);
for (const [kind, res] of kinds) {
  const items = await texts(res);
  if (items.length === 0) continue;
  const parse = (t: string) => stripBulkyMetadata(JSON.parse(t) as KubeObject);
  const held = retained(items, parse);
  total += held;
  const byPart: Record<string, number> = {};
  const bases: Record<string, number> = {};
  const sample = items.slice(0, 50).map((t) => JSON.parse(t) as unknown);
  for (const p of parts) {
    if (!sample.some((o) => p.reduce<unknown>((at, k) => (at as Record<string, unknown> | undefined)?.[k], o) !== undefined)) continue;
    // Against a copy built the same way with nothing left out, so only the part differs.
    const baseKey = p.length === 1 ? '' : p[0]!;
    const base = (bases[baseKey] ??= retained(items, (t) => without(p.length === 1 ? ['\u0000'] : [p[0]!, '\u0000'])(parse(t))));
    byPart[p.join('.')] = MiB(base - retained(items, (t) => without(p)(parse(t))));
  }
  // Interning across kinds, like one table for the whole cache: the table's own entries are counted too.
  const interned = retained(items, (t) => shared.visit(parse(t)));
  totalInterned += interned;
  const keyedHeld = retained(items, (t) => keyed.visit(parse(t)));
  totalKeyed += keyedHeld;
  process.stdout.write(`${JSON.stringify({ kind, count: items.length, heldMiB: MiB(held), bytesPerObject: Math.round(held / items.length), savedByLeavingOut: byPart, withSharedStringsMiB: MiB(interned), withSharedKeyedStringsMiB: MiB(keyedHeld) })}\n`);
}
process.stdout.write(`${JSON.stringify({ totalMiB: MiB(total), withSharedStringsMiB: MiB(totalInterned), distinctStrings: shared.table.size, withSharedKeyedStringsMiB: MiB(totalKeyed), distinctKeyedStrings: keyed.table.size })}\n`);
await client.close();
