// Offline rendering: the controller's reconcilers run against an in-memory cluster loaded with manifests until nothing
// changes, so `kvgw render` shows exactly what the controller would do, with no cluster at all.
import { StrategyRegistry, createStrategyRegistry } from '@kube-vip-gw/service-mapper';
import type { KubeObject, Service } from '@kube-vip-gw/gateway-model';
import {
  BUILTIN_RESOURCES,
  Service as ServiceResource,
  apiVersionOf,
  type Client,
  type ResourceDescriptor,
} from '@kube-vip-gw/controller-runtime';
import { MemoryCluster } from '@kube-vip-gw/controller-runtime/memory';
import { AddressBook } from './address-book.js';
import { CacheView } from './cache-view.js';
import { DEFAULT_CONTROLLER_NAME, DEFAULT_IPAM_CONFIGMAP, parseConfigMapRef } from './defaults.js';
import { type EventType } from './reconcile-gateway.js';
import { gatewayReconciler } from './reconciler-deps.js';
import { reconcileGatewayClass } from './reconcile-gatewayclass.js';
import { GATEWAY_API_BUNDLE_VERSION } from './version.js';
import { RENDER_RESOURCES, listViewStores } from './watched-resources.js';

export { RENDER_RESOURCES };

/** Options of an offline render (the controller's flags that matter without a cluster). */
export interface RenderOptions {
  controllerName?: string;
  /** `name` or `namespace/name`; default kube-system/kubevip. */
  ipamConfigMap?: string;
  serviceBehaviour?: string;
  loadBalancerClass?: string;
  /** The time written into conditions (default: now). */
  now?: Date;
  /** Strategy registry (default: the built-ins). */
  strategies?: StrategyRegistry;
  /** Reconcile rounds before giving up (default 20). */
  maxRounds?: number;
}

/** An Event the controller would have recorded. */
export interface RenderedEvent {
  object: string;
  type: EventType;
  reason: string;
  message: string;
}

/** What a render produced. */
export interface RenderResult {
  /** Every object of the in-memory cluster after the last round, status included. */
  objects: KubeObject[];
  /** Rounds run, the last of which changed nothing. */
  iterations: number;
  events: RenderedEvent[];
}

/** An input object that cannot be loaded; names the object. */
export class RenderInputError extends Error {
  readonly _tag = 'RenderInputError';
  constructor(readonly object: string, why: string) {
    super(`${object}: ${why}`);
    this.name = 'RenderInputError';
  }
}

/** The reconcilers kept changing objects: they never reached a fixed point. Names the objects that kept changing. */
export class RenderNotConvergedError extends Error {
  readonly _tag = 'RenderNotConvergedError';
  constructor(readonly rounds: number, readonly changing: string[]) {
    super(`no fixed point after ${rounds} rounds; still changing: ${changing.join(', ')}`);
    this.name = 'RenderNotConvergedError';
  }
}

function describe(obj: KubeObject): string {
  const ns = obj.metadata?.namespace;
  return `${obj.kind ?? '(no kind)'} ${ns ? `${ns}/` : ''}${obj.metadata?.name ?? '(no name)'}`;
}

function resourceFor(obj: KubeObject): ResourceDescriptor {
  const found = BUILTIN_RESOURCES.find((r) => apiVersionOf(r) === obj.apiVersion && r.kind === obj.kind);
  if (found && RENDER_RESOURCES.some((r) => r.group === found.group && r.kind === found.kind)) return found;
  throw new RenderInputError(describe(obj), `unsupported apiVersion/kind ${obj.apiVersion}/${obj.kind} (supported: ${RENDER_RESOURCES.map((r) => r.kind).join(', ')})`);
}

async function versions(client: Client): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const res of RENDER_RESOURCES) {
    for (const item of (await client.list<KubeObject>(res)).items) out.set(describe({ ...item, kind: res.kind }), item.metadata.resourceVersion ?? '');
  }
  return out;
}

/**
 * Runs the GatewayClass and Gateway reconcilers over `objects` in an in-memory cluster, round after round, until a
 * round writes nothing. Each round starts like a restarted controller (caches and IPAM state rebuilt from the cluster),
 * so the output also shows that a restart moves nothing.
 */
export async function renderOffline(objects: readonly KubeObject[], options: RenderOptions = {}): Promise<RenderResult> {
  const now = options.now ?? new Date();
  let uidSeq = 0;
  // The in-memory API server stamps creationTimestamp from this clock, as a real one does from its own. Precedence goes
  // by age (ListenerSets, listeners, routes on one listener, two Gateways asking for one address), so the input's
  // timestamps are kept, and objects without one are stamped in document order, one second apart (the field's
  // resolution) and before the render's time, so the first document is the oldest: as if applied in that order.
  let clock = now;
  const cluster = new MemoryCluster({ now: () => clock, uid: () => `00000000-0000-4000-8000-${String(++uidSeq).padStart(12, '0')}` });
  for (const [index, input] of objects.entries()) {
    if (!input || typeof input !== 'object' || !input.metadata?.name) throw new RenderInputError(describe(input ?? ({} as KubeObject)), 'metadata.name is required');
    const obj = structuredClone(input); // the caller's objects stay as they were
    const res = resourceFor(obj);
    if (res.namespaced && !obj.metadata.namespace) obj.metadata.namespace = 'default';
    clock = creationTimeOf(obj, new Date(now.getTime() - (objects.length - index) * 1000));
    try {
      await cluster.create(res, obj);
      // Status given in the manifests (e.g. a Service that kube-vip already announced) is kept, as on a real cluster.
      if (res.statusSubresource && (obj as { status?: unknown }).status !== undefined) {
        const created = await cluster.get(res, { namespace: obj.metadata.namespace, name: obj.metadata.name });
        await cluster.updateStatus(res, { ...created, status: (obj as { status?: unknown }).status });
      }
    } catch (e) {
      throw new RenderInputError(describe(obj), e instanceof Error ? e.message : String(e));
    }
  }

  clock = now;

  const ipam = parseConfigMapRef(options.ipamConfigMap ?? DEFAULT_IPAM_CONFIGMAP);
  const strategies = options.strategies ?? createStrategyRegistry();
  const controllerName = options.controllerName ?? DEFAULT_CONTROLLER_NAME;
  const events: RenderedEvent[] = [];
  const maxRounds = options.maxRounds ?? 20;
  let before = await versions(cluster);
  for (let round = 1; round <= maxRounds; round++) {
    const view = new CacheView(await listViewStores(cluster));
    const addresses = new AddressBook();
    addresses.setConfigMap(view.configMap(ipam.namespace, ipam.name), `${ipam.namespace}/${ipam.name}`);
    for (const gw of view.gateways()) addresses.observeGateway(gw);
    for (const svc of (await cluster.list<Service>(ServiceResource)).items) addresses.observeService(svc);
    const roundEvents: RenderedEvent[] = [];
    const sink = { event: (o: KubeObject, type: EventType, reason: string, message: string) => roundEvents.push({ object: describe({ ...o, kind: o.kind ?? 'Gateway' }), type, reason, message }) };
    const clock = () => now;
    for (const cls of view.gatewayClasses().sort(byName)) {
      await reconcileGatewayClass({ controllerName, client: cluster, view, bundleVersion: async () => GATEWAY_API_BUNDLE_VERSION, now: clock }, cls.metadata.name);
    }
    // Oldest first, as a running controller meets them when they are applied in order: the first to ask for an
    // address gets it.
    for (const gw of view.gateways().sort(byAge)) {
      await gatewayReconciler({
        controllerName,
        client: cluster,
        view,
        addresses,
        strategies,
        defaults: { serviceBehaviour: options.serviceBehaviour ?? 'auto', ...(options.loadBalancerClass ? { loadBalancerClass: options.loadBalancerClass } : {}) },
        events: sink,
        now: clock,
      })(
        {},
        gw.metadata.namespace ?? '',
        gw.metadata.name,
      ).catch((e: unknown) => roundEvents.push({ object: describe({ ...gw, kind: 'Gateway' }), type: 'Warning', reason: 'ReconcileError', message: e instanceof Error ? e.message : String(e) }));
    }
    const after = await versions(cluster);
    const changed = [...after].filter(([k, v]) => before.get(k) !== v).map(([k]) => k);
    for (const k of before.keys()) if (!after.has(k)) changed.push(k);
    events.push(...roundEvents.filter((e) => !events.some((x) => x.object === e.object && x.reason === e.reason && x.message === e.message)));
    if (changed.length === 0) return { objects: await listAllObjects(cluster), iterations: round, events };
    if (round === maxRounds) throw new RenderNotConvergedError(round, changed.sort());
    before = after;
  }
  throw new RenderNotConvergedError(maxRounds, []);
}

/** The object's own creationTimestamp when it has a valid one, else `fallback`. */
function creationTimeOf(obj: KubeObject, fallback: Date): Date {
  const given = obj.metadata.creationTimestamp;
  const t = typeof given === 'string' ? Date.parse(given) : Number.NaN;
  return Number.isNaN(t) ? fallback : new Date(t);
}

function byAge(a: KubeObject, b: KubeObject): number {
  const ta = creationTimeOf(a, new Date(8.64e15)).getTime();
  const tb = creationTimeOf(b, new Date(8.64e15)).getTime();
  return ta !== tb ? ta - tb : byName(a, b);
}

function byName(a: KubeObject, b: KubeObject): number {
  return `${a.metadata.namespace ?? ''}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace ?? ''}/${b.metadata.name}`);
}

async function listAllObjects(client: Client): Promise<KubeObject[]> {
  const out: KubeObject[] = [];
  for (const res of RENDER_RESOURCES) {
    const items = (await client.list<KubeObject>(res)).items.sort(byName);
    for (const item of items) out.push({ ...item, apiVersion: apiVersionOf(res), kind: res.kind });
  }
  return out;
}
