// What `kvgw render` says about the Gateways after the objects: per Gateway its class, addresses, listeners (its own
// and those ListenerSets add), attached routes, the Services that realise it, and its problems: every condition that
// is not in its good state, on the Gateway, its listeners, the ListenerSets naming it and the routes' status.parents
// entries for it. A summary (stderr, when stdout is a file or pipe, so the YAML stays parseable) or a table (stdout,
// on a terminal or with -o table). Built from the rendered objects alone: the same view works on any kind: List.
import {
  GATEWAY_API_GROUP,
  GatewayConditionType,
  Kind,
  listenerSetRefersTo,
  type Condition,
  type Gateway,
  type GatewayClass,
  type KubeObject,
  type L4Route,
  type ListenerSet,
  type Service,
} from '@kube-vip-gw/gateway-model';
import type { Styler } from './io.js';
import { summariseGateways } from './status.js';
import { formatTable } from './table.js';

/**
 * Condition types whose good state is False (the Gateway API's "negative polarity" conditions); every other type is
 * good when True.
 */
const GOOD_WHEN_FALSE: ReadonlySet<string> = new Set(['Conflicted', 'OverlappingTLSConfig']);

/**
 * Left out of the problems: kube-vip.io/Announced is False on every rendered Gateway, because render runs no kube-vip
 * (it reports what kube-vip did, and offline nothing did).
 */
const NOT_DECIDED_OFFLINE: ReadonlySet<string> = new Set([GatewayConditionType.Announced]);

/** A listener of a rendered Gateway. */
export interface RenderedListener {
  readonly name: string;
  readonly protocol: string;
  readonly port: number;
  /** status.listeners[].attachedRoutes (0 when the controller wrote none). */
  readonly attachedRoutes: number;
  /** `ListenerSet ns/name` for a listener a ListenerSet adds; undefined for the Gateway's own. */
  readonly listenerSet?: string | undefined;
}

/** One Gateway as render's summary and table show it. */
export interface RenderedGateway {
  readonly namespace: string;
  readonly name: string;
  readonly className: string;
  readonly addresses: readonly string[];
  readonly listeners: readonly RenderedListener[];
  /** Routes with an Accepted=True status.parents entry for this Gateway (or a ListenerSet of it): `TCPRoute ns/name`. */
  readonly routes: readonly string[];
  /** Names of the Services in the Gateway's namespace labelled with its name. */
  readonly services: readonly string[];
  /** `where: Type Status (Reason): message` for each condition not in its good state. */
  readonly problems: readonly string[];
}

function isProblem(c: Condition): boolean {
  if (NOT_DECIDED_OFFLINE.has(c.type)) return false;
  return GOOD_WHEN_FALSE.has(c.type) ? c.status !== 'False' : c.status !== 'True';
}

// Conditions of one object that fail for one cause (Accepted and Programmed both False, NotAllowed, same message)
// are one problem: `where: Accepted, Programmed False (NotAllowed): message`.
function problemsOf(where: string, conditions: readonly Condition[] | undefined): string[] {
  const byCause = new Map<string, string[]>();
  for (const c of (conditions ?? []).filter(isProblem)) {
    const cause = `${c.status}${c.reason ? ` (${c.reason})` : ''}${c.message ? `: ${c.message}` : ''}`;
    byCause.set(cause, [...(byCause.get(cause) ?? []), c.type]);
  }
  return [...byCause.entries()].map(([cause, types]) => `${where}: ${types.join(', ')} ${cause}`);
}

const key = (o: KubeObject): string => `${o.metadata.namespace ?? ''}/${o.metadata.name}`;

/** Whether a route's parentRef names `gateway` directly, or one of `sets` (ListenerSets attached to it). */
function refersTo(route: L4Route, ref: { group?: string; kind?: string; namespace?: string; name: string }, gateway: Gateway, sets: readonly ListenerSet[]): boolean {
  if ((ref.group ?? GATEWAY_API_GROUP) !== GATEWAY_API_GROUP) return false;
  const namespace = ref.namespace || route.metadata.namespace || '';
  const kind = ref.kind ?? Kind.Gateway;
  if (kind === Kind.Gateway) return namespace === gateway.metadata.namespace && ref.name === gateway.metadata.name;
  if (kind === 'ListenerSet') return sets.some((s) => s.metadata.namespace === namespace && s.metadata.name === ref.name);
  return false;
}

/** The Gateways among rendered objects, sorted by namespace and name, with everything the summary shows. */
export function summariseRender(objects: readonly KubeObject[]): RenderedGateway[] {
  const of = <T extends KubeObject>(kind: string): T[] => objects.filter((o) => o.kind === kind) as T[];
  const gateways = of<Gateway>('Gateway');
  const listenerSets = of<ListenerSet>('ListenerSet');
  const routes = [...of<L4Route>('TCPRoute'), ...of<L4Route>('UDPRoute')];
  const classes = new Map(of<GatewayClass>('GatewayClass').map((c) => [c.metadata.name, c]));
  const views = summariseGateways(gateways, of<Service>('Service'), listenerSets);
  return views.map((view) => {
    const gw = gateways.find((g) => g.metadata.namespace === view.namespace && g.metadata.name === view.name)!;
    const sets = listenerSets.filter((s) => listenerSetRefersTo(s, gw)).sort((a, b) => key(a).localeCompare(key(b)));
    const problems = [
      ...problemsOf(`GatewayClass ${view.className}`, classes.get(view.className)?.status?.conditions),
      ...problemsOf('Gateway', gw.status?.conditions),
      ...(gw.status?.listeners ?? []).flatMap((l) => problemsOf(`listener ${l.name}`, l.conditions)),
      ...sets.flatMap((s) => [
        ...problemsOf(`ListenerSet ${key(s)}`, s.status?.conditions),
        ...(s.status?.listeners ?? []).flatMap((l) => problemsOf(`ListenerSet ${key(s)} listener ${l.name}`, l.conditions)),
      ]),
    ];
    const attached: string[] = [];
    for (const route of [...routes].sort((a, b) => `${a.kind} ${key(a)}`.localeCompare(`${b.kind} ${key(b)}`))) {
      const entries = (route.status?.parents ?? []).filter((p) => refersTo(route, p.parentRef, gw, sets));
      const name = `${route.kind} ${key(route)}`;
      if (entries.some((p) => p.conditions.some((c) => c.type === 'Accepted' && c.status === 'True'))) attached.push(name);
      for (const p of entries) problems.push(...problemsOf(`${name}${p.parentRef.sectionName ? ` (${p.parentRef.sectionName})` : ''}`, p.conditions));
    }
    return {
      namespace: view.namespace,
      name: view.name,
      className: view.className,
      addresses: view.addresses,
      listeners: [
        ...view.listeners.map((l) => ({ name: l.name, protocol: l.protocol, port: l.port, attachedRoutes: l.attachedRoutes ?? 0 })),
        ...(view.listenerSets ?? [])
          .filter((s) => s.conditions['Accepted']?.status === 'True')
          .flatMap((s) => s.listeners.map((l) => ({ name: l.name, protocol: l.protocol, port: l.port, attachedRoutes: l.attachedRoutes ?? 0, listenerSet: `ListenerSet ${s.namespace}/${s.name}` }))),
      ],
      routes: [...new Set(attached)],
      services: view.services.map((s) => s.name),
      problems: [...new Set(problems)],
    };
  });
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
const portOf = (l: RenderedListener): string => `${l.protocol}/${l.port}`;

/**
 * The short summary for stderr: a count line, then one line per Gateway and its problems indented below it.
 * `objects` and `passes` are the rendered object count and the reconcile passes it took.
 */
export function formatRenderSummary(gateways: readonly RenderedGateway[], counts: { readonly objects: number; readonly manifests: number; readonly passes: number }): string {
  const problems = gateways.reduce((n, g) => n + g.problems.length, 0);
  const lines = [
    `kvgw render: ${plural(gateways.length, 'Gateway')}, ${plural(problems, 'problem')} (${plural(counts.objects, 'object')} from ${plural(counts.manifests, 'manifest')}, ${counts.passes} reconcile ${counts.passes === 1 ? 'pass' : 'passes'})`,
  ];
  for (const g of gateways) {
    const fromSets = g.listeners.filter((l) => l.listenerSet !== undefined).length;
    const parts = [
      `class ${g.className}`,
      g.addresses.join(',') || 'no address',
      `listeners ${g.listeners.map(portOf).join(' ') || 'none'}${fromSets > 0 ? ` (${fromSets} from ListenerSets)` : ''}`,
      plural(g.routes.length, 'route'),
      g.services.length === 0 ? 'no Services' : `${g.services.length === 1 ? 'Service' : 'Services'} ${g.services.join(' ')}`,
    ];
    if (g.problems.length > 0) parts.push(plural(g.problems.length, 'problem'));
    lines.push(`  ${g.namespace}/${g.name}: ${parts.join(', ')}`);
    for (const p of g.problems) lines.push(`    ${p}`);
  }
  return `${lines.join('\n')}\n`;
}

/** The table (a terminal's stdout, or -o table): one row per Gateway, then the problems under a heading. */
export function formatRenderTable(gateways: readonly RenderedGateway[], style: Styler): string {
  if (gateways.length === 0) return 'No Gateways in the rendered objects.\n';
  const rows = gateways.map((g) => [
    g.namespace,
    g.name,
    g.className,
    g.addresses.join(',') || style.paint('dim', '<none>'),
    g.listeners.map((l) => `${portOf(l)}${l.listenerSet !== undefined ? '*' : ''}`).join(',') || '-',
    String(g.routes.length),
    g.services.join(',') || style.paint('dim', '<none>'),
    g.problems.length === 0 ? style.paint('green', 'none') : style.paint('red', String(g.problems.length)),
  ]);
  const blocks = [formatTable(['NAMESPACE', 'GATEWAY', 'CLASS', 'ADDRESSES', 'LISTENERS', 'ROUTES', 'SERVICES', 'PROBLEMS'], rows)];
  if (gateways.some((g) => g.listeners.some((l) => l.listenerSet !== undefined))) blocks.push('* added by a ListenerSet');
  const withProblems = gateways.filter((g) => g.problems.length > 0);
  if (withProblems.length > 0) {
    blocks.push(
      [
        style.paint('bold', 'Problems (conditions not in their good state; kube-vip.io/Announced is left out: render runs no kube-vip)'),
        ...withProblems.flatMap((g) => [`  Gateway ${g.namespace}/${g.name}`, ...g.problems.map((p) => `    ${p}`)]),
      ].join('\n'),
    );
  }
  return `${blocks.join('\n')}\n`;
}
