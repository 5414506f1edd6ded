// A seeded churn workload: what users do to a cluster all day (Gateways, TCPRoutes/UDPRoutes and their backend
// Services created, changed and deleted, backends edited by hand) in a sequence fast-check draws from one seed, so a
// failing run is replayed by its seed. Operations are chosen against the workload's own model of what exists; an
// operation the API server refuses (a Gateway name still terminating, a route whose Gateway just went) is counted,
// not fatal, because users do such things too.
import fc from 'fast-check';
import type { Gateway, L4Route, Service } from '@kube-vip-gw/gateway-model';
import { KubeRestError, R, type KubeRest } from '../../e2e/support/kube-rest.js';
import { endpointSlice } from '../../e2e/support/objects.js';

/** The listeners a churned Gateway chooses from (name, protocol, port). */
export const CHURN_LISTENERS = [
  { name: 'tcp-a', protocol: 'TCP', port: 80 },
  { name: 'tcp-b', protocol: 'TCP', port: 8443 },
  { name: 'udp-a', protocol: 'UDP', port: 53 },
  { name: 'udp-b', protocol: 'UDP', port: 5353 },
] as const;

/** Service strategies the workload's routes ask for (annotation kube-vip.io/service-behaviour). */
export const CHURN_STRATEGIES = ['duplicate', 'endpoints', 'update', 'create'] as const;
/** One of CHURN_STRATEGIES. */
export type ChurnStrategy = (typeof CHURN_STRATEGIES)[number];

/** Label on every backend Service the workload creates. */
export const BACKEND_LABEL = 'reliability.kube-vip.io/backend';
const STRATEGY_ANNOTATION = 'kube-vip.io/service-behaviour';
const SELECTOR_ANNOTATION = 'kube-vip.io/route-selector';
const BACKEND_PORT = 7000;

type OpType = 'createGateway' | 'deleteGateway' | 'changeGateway' | 'createRoute' | 'deleteRoute' | 'changeRoute' | 'editBackend';
interface Op {
  type: OpType;
  a: number;
  b: number;
  c: number;
}

const opArbitrary: fc.Arbitrary<Op> = fc.record({
  type: fc.oneof(
    { arbitrary: fc.constant<OpType>('createGateway'), weight: 6 },
    { arbitrary: fc.constant<OpType>('deleteGateway'), weight: 2 },
    { arbitrary: fc.constant<OpType>('changeGateway'), weight: 2 },
    { arbitrary: fc.constant<OpType>('createRoute'), weight: 6 },
    { arbitrary: fc.constant<OpType>('deleteRoute'), weight: 2 },
    { arbitrary: fc.constant<OpType>('changeRoute'), weight: 3 },
    { arbitrary: fc.constant<OpType>('editBackend'), weight: 2 },
  ),
  a: fc.nat(),
  b: fc.nat(),
  c: fc.nat(),
});

/** What a user set on a backend Service, which must be what it looks like whenever no Gateway has adopted it. */
export interface BackendModel {
  readonly namespace: string;
  readonly name: string;
  readonly protocol: 'TCP' | 'UDP';
  labels: Record<string, string>;
  annotations: Record<string, string>;
  selector: Record<string, string>;
  /** A write whose answer was lost (API server restarting): its effect is unknown. */
  uncertain: boolean;
  /** Its creation's answer was lost: it may not exist (resync() finds out). */
  mayNotExist?: boolean;
}

interface GatewayModel {
  namespace: string;
  name: string;
  listeners: string[];
}

interface RouteModel {
  kind: 'TCPRoute' | 'UDPRoute';
  namespace: string;
  name: string;
  gateway: string;
  section: string | undefined;
  strategy: ChurnStrategy;
  backend: string;
}

/** Options of a churn workload. */
export interface ChurnOptions {
  readonly seed: number;
  /** Namespaces to work in (must exist). */
  readonly namespaces: readonly string[];
  /** Gateway names per namespace (`gw-0` ...); names are reused after deletion. */
  readonly gatewaysPerNamespace: number;
  readonly gatewayClassName: string;
  /** Ops drawn from the seed (default 5000, more than any test uses). */
  readonly length?: number;
}

/** Counts of what the workload did. */
export interface ChurnStats {
  ops: Record<string, number>;
  /** Refused by the API server (4xx): the cluster said no, as it would to a user. */
  refused: number;
  /** No answer (connection failed): the outcome is unknown. */
  unanswered: number;
}

const key = (ns: string, name: string) => `${ns}/${name}`;

function isRefusal(error: unknown): boolean {
  return error instanceof KubeRestError && error.code >= 400 && error.code < 500;
}

/** The churn workload (see the module comment). */
export class Churn {
  readonly stats: ChurnStats = { ops: {}, refused: 0, unanswered: 0 };
  readonly backends = new Map<string, BackendModel>();
  readonly #gateways = new Map<string, GatewayModel>();
  readonly #routes = new Map<string, RouteModel>();
  readonly #ops: Op[];
  #next = 0;
  #routeCounter = 0;

  constructor(
    private readonly admin: KubeRest,
    private readonly options: ChurnOptions,
  ) {
    this.#ops = fc.sample(opArbitrary, { seed: options.seed, numRuns: options.length ?? 5000 });
  }

  /** Runs operations one after another, `pauseMs` apart, until the signal aborts. */
  async run(signal: AbortSignal, pauseMs: () => number): Promise<void> {
    while (!signal.aborted) {
      await this.step();
      await new Promise((resolve) => setTimeout(resolve, pauseMs()));
    }
  }

  /** Runs the next operation of the sequence. */
  async step(): Promise<void> {
    const op = this.#ops[this.#next++ % this.#ops.length]!;
    let did: string | undefined;
    try {
      did = await this.#apply(op);
    } catch (error) {
      if (isRefusal(error)) this.stats.refused++;
      else {
        this.stats.unanswered++;
        if (op.type === 'editBackend') this.#pick(this.backends, op.a)!.uncertain = true;
      }
      return;
    }
    if (did) this.stats.ops[did] = (this.stats.ops[did] ?? 0) + 1;
  }

  /**
   * Re-reads Gateways and routes from the API server (a write whose answer was lost may have happened or not) so the
   * model's choices match the cluster again.
   */
  async resync(): Promise<void> {
    for (const [k, b] of this.backends) {
      if (!b.mayNotExist) continue;
      if ((await this.admin.find(R.Service, b)) === undefined) this.backends.delete(k);
      else b.mayNotExist = false;
    }
    this.#gateways.clear();
    this.#routes.clear();
    for (const ns of this.options.namespaces) {
      for (const gw of await this.admin.list<Gateway>(R.Gateway, ns)) {
        if (gw.metadata.deletionTimestamp) continue;
        this.#gateways.set(key(ns, gw.metadata.name), { namespace: ns, name: gw.metadata.name, listeners: gw.spec.listeners.map((l) => l.name) });
      }
      for (const kind of ['TCPRoute', 'UDPRoute'] as const) {
        for (const r of await this.admin.list<L4Route>(R[kind], ns)) {
          const parent = r.spec.parentRefs?.[0];
          const backend = r.spec.rules[0]?.backendRefs?.[0]?.name;
          if (!parent || !backend) continue;
          const strategy = (r.metadata.annotations?.[STRATEGY_ANNOTATION] ?? 'duplicate') as ChurnStrategy;
          this.#routes.set(key(ns, r.metadata.name), { kind, namespace: ns, name: r.metadata.name, gateway: parent.name, section: parent.sectionName, strategy, backend });
        }
      }
    }
  }

  #pick<T>(map: Map<string, T>, n: number): T | undefined {
    if (map.size === 0) return undefined;
    return [...map.values()][n % map.size];
  }

  async #apply(op: Op): Promise<string | undefined> {
    switch (op.type) {
      case 'createGateway': {
        const ns = this.options.namespaces[op.a % this.options.namespaces.length]!;
        const name = `gw-${op.b % this.options.gatewaysPerNamespace}`;
        if (this.#gateways.has(key(ns, name))) return this.#changeGateway(this.#gateways.get(key(ns, name))!, op.c);
        const chosen = CHURN_LISTENERS.filter((_, i) => (op.c >> i) & 1);
        const listeners = (chosen.length > 0 ? chosen : [CHURN_LISTENERS[op.c % CHURN_LISTENERS.length]!]).map((l) => ({ ...l }));
        await this.admin.create(R.Gateway, { metadata: { namespace: ns, name }, spec: { gatewayClassName: this.options.gatewayClassName, listeners } } as Gateway);
        this.#gateways.set(key(ns, name), { namespace: ns, name, listeners: listeners.map((l) => l.name) });
        return 'createGateway';
      }
      case 'deleteGateway': {
        const gw = this.#pick(this.#gateways, op.a);
        if (!gw) return undefined;
        this.#gateways.delete(key(gw.namespace, gw.name));
        await this.admin.delete(R.Gateway, gw);
        return 'deleteGateway';
      }
      case 'changeGateway': {
        const gw = this.#pick(this.#gateways, op.a);
        return gw ? this.#changeGateway(gw, op.b) : undefined;
      }
      case 'createRoute': {
        const gw = this.#pick(this.#gateways, op.a);
        if (!gw) return undefined;
        const listener = CHURN_LISTENERS.find((l) => l.name === gw.listeners[op.b % gw.listeners.length])!;
        const strategy = CHURN_STRATEGIES[op.c % CHURN_STRATEGIES.length]!;
        // One route in eight names only the Gateway, so it attaches to every listener of its protocol.
        const section = op.c % 8 === 7 ? undefined : listener.name;
        const kind = listener.protocol === 'TCP' ? 'TCPRoute' : 'UDPRoute';
        const n = ++this.#routeCounter;
        const backend = await this.#createBackend(gw.namespace, `be-${n}`, listener.protocol);
        const route: RouteModel = { kind, namespace: gw.namespace, name: `rt-${n}`, gateway: gw.name, section, strategy, backend: backend.name };
        await this.admin.create(R[kind], this.#routeObject(route));
        this.#routes.set(key(route.namespace, route.name), route);
        return `createRoute(${strategy})`;
      }
      case 'deleteRoute': {
        const route = this.#pick(this.#routes, op.a);
        if (!route) return undefined;
        this.#routes.delete(key(route.namespace, route.name));
        await this.admin.delete(R[route.kind], route);
        return 'deleteRoute';
      }
      case 'changeRoute': {
        const route = this.#pick(this.#routes, op.a);
        if (!route) return undefined;
        if (op.b % 2 === 0) {
          route.strategy = CHURN_STRATEGIES[op.c % CHURN_STRATEGIES.length]!;
        } else {
          // Move it to a listener of its protocol on some Gateway of its namespace (possibly none left).
          const protocol = route.kind === 'TCPRoute' ? 'TCP' : 'UDP';
          const candidates = [...this.#gateways.values()].flatMap((g) =>
            g.namespace === route.namespace ? g.listeners.filter((l) => CHURN_LISTENERS.find((x) => x.name === l)!.protocol === protocol).map((l) => ({ g, l })) : [],
          );
          const target = candidates[op.c % Math.max(1, candidates.length)];
          if (!target) return undefined;
          route.gateway = target.g.name;
          route.section = target.l;
        }
        await this.admin.patch(R[route.kind], route, this.#routeObject(route), 'merge');
        return op.b % 2 === 0 ? 'changeRoute(strategy)' : 'changeRoute(parent)';
      }
      case 'editBackend': {
        const backend = this.#pick(this.backends, op.a);
        if (!backend) return undefined;
        // A user edits their own Service: a label, an annotation, sometimes the selector; adopted or not.
        const edit = String(op.b % 1000);
        const patch: { metadata: Record<string, unknown>; spec?: Record<string, unknown> } = {
          metadata: { labels: { 'user-edit': edit }, annotations: { 'example.com/edited': `edit ${edit} ✓` } },
        };
        if (op.c % 3 === 0) patch.spec = { selector: { ...backend.selector, tier: `t${edit}` } };
        backend.uncertain = true;
        await this.admin.patch(R.Service, backend, patch, 'merge');
        backend.labels['user-edit'] = edit;
        backend.annotations['example.com/edited'] = `edit ${edit} ✓`;
        if (patch.spec) backend.selector = { ...backend.selector, tier: `t${edit}` };
        backend.uncertain = false;
        return 'editBackend';
      }
    }
  }

  async #changeGateway(gw: GatewayModel, n: number): Promise<string> {
    const toggled = CHURN_LISTENERS[n % CHURN_LISTENERS.length]!;
    const has = gw.listeners.includes(toggled.name);
    if (has && gw.listeners.length === 1) return 'changeGateway(kept)';
    const names = has ? gw.listeners.filter((l) => l !== toggled.name) : [...gw.listeners, toggled.name];
    const listeners = CHURN_LISTENERS.filter((l) => names.includes(l.name)).map((l) => ({ ...l }));
    await this.admin.patch(R.Gateway, gw, { spec: { listeners } }, 'merge');
    gw.listeners = listeners.map((l) => l.name);
    return has ? 'changeGateway(remove listener)' : 'changeGateway(add listener)';
  }

  async #createBackend(namespace: string, name: string, protocol: 'TCP' | 'UDP'): Promise<BackendModel> {
    const model: BackendModel = {
      namespace,
      name,
      protocol,
      labels: { [BACKEND_LABEL]: 'true' },
      annotations: { 'example.com/owner': 'team-ü' },
      selector: { app: name },
      uncertain: false,
    };
    try {
      await this.admin.create(R.Service, {
        metadata: { namespace, name, labels: { ...model.labels }, annotations: { ...model.annotations } },
        spec: { selector: { ...model.selector }, ports: [{ name: 'main', protocol, port: BACKEND_PORT, targetPort: BACKEND_PORT + 100 }] },
      } as Service);
    } catch (error) {
      if (!isRefusal(error)) this.backends.set(key(namespace, name), { ...model, mayNotExist: true });
      throw error;
    }
    this.backends.set(key(namespace, name), model);
    const slice = endpointSlice(namespace, name, [`10.244.${(name.length * 7) % 250}.${(this.#routeCounter % 250) + 1}`], { name: 'main', port: BACKEND_PORT + 100, protocol });
    await this.admin.create(R.EndpointSlice, slice);
    return model;
  }

  #routeObject(r: RouteModel): L4Route {
    return {
      metadata: {
        namespace: r.namespace,
        name: r.name,
        annotations: { [STRATEGY_ANNOTATION]: r.strategy, [SELECTOR_ANNOTATION]: `app=${r.backend}` },
      },
      spec: {
        parentRefs: [{ name: r.gateway, ...(r.section ? { sectionName: r.section } : {}) }],
        rules: [{ backendRefs: [{ name: r.backend, port: BACKEND_PORT }] }],
      },
    };
  }
}
