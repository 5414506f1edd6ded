// `kvgw status`: a live view of Gateways: class, addresses, the Accepted/Programmed/Announced conditions, listeners
// with their attached routes, and the LoadBalancer Services that realise them (found by the gateway-name label).
import { Gateway as GatewayResource, ListenerSet as ListenerSetResource, Service as ServiceResource, type Client } from '@kube-vip-gw/controller-runtime';
import {
  boundedLabelValue,
  GATEWAY_NAME_LABEL,
  GatewayConditionType,
  listenerSetRefersTo,
  type Condition,
  type Gateway,
  type ListenerSet,
  type Service,
} from '@kube-vip-gw/gateway-model';
import { closeClient, listIfServed, listRequired, type ClusterConnector } from './cluster.js';
import { ClusterAccessError, CliUsageError } from './errors.js';
import { Printer, type CliIo, type Styler } from './io.js';
import { formatData, type DataFormat } from './output.js';
import { formatTable } from './table.js';

/** Annotation kube-vip-cloud-provider and this controller put the addresses to announce in. */
export const LOADBALANCER_IPS_ANNOTATION = 'kube-vip.io/loadbalancerIPs';
/** Annotation kube-vip writes with the node that announces a Service's address. */
export const VIP_HOST_ANNOTATION = 'kube-vip.io/vipHost';

/** A condition, reduced to what the status view shows. */
export interface ConditionSummary {
  readonly status: string;
  readonly reason: string;
  readonly message: string;
}

/** One listener of a Gateway with its status. */
export interface ListenerSummary {
  readonly name: string;
  readonly protocol: string;
  readonly port: number;
  /** From status.listeners; undefined when the controller has not written it. */
  readonly attachedRoutes: number | undefined;
  readonly conditions: Readonly<Record<string, ConditionSummary>>;
}

/** One Service behind a Gateway. */
export interface ServiceSummary {
  readonly name: string;
  readonly type: string;
  /** kube-vip.io/loadbalancerIPs, else spec.loadBalancerIP. */
  readonly addresses: readonly string[];
  /** status.loadBalancer.ingress IPs (set once kube-vip announced). */
  readonly ingress: readonly string[];
  /** `PROTOCOL/port->targetPort`. */
  readonly ports: readonly string[];
  /** The node announcing it (kube-vip.io/vipHost), when known. */
  readonly vipHost: string | undefined;
}

/** A ListenerSet attached to (or refused by) a Gateway, with its listeners. */
export interface ListenerSetSummary {
  readonly namespace: string;
  readonly name: string;
  readonly conditions: Readonly<Record<string, ConditionSummary>>;
  readonly listeners: readonly ListenerSummary[];
}

/** A Gateway as `kvgw status` shows it. */
export interface GatewaySummary {
  readonly namespace: string;
  readonly name: string;
  readonly className: string;
  readonly addresses: readonly string[];
  /** Conditions by type (Accepted, Programmed, kube-vip.io/Announced, ...). */
  readonly conditions: Readonly<Record<string, ConditionSummary>>;
  readonly listeners: readonly ListenerSummary[];
  /** ListenerSets whose parentRef names the Gateway (present only when there are some). */
  readonly listenerSets?: readonly ListenerSetSummary[];
  readonly services: readonly ServiceSummary[];
}

function conditionMap(conditions: readonly Condition[] | undefined): Record<string, ConditionSummary> {
  const out: Record<string, ConditionSummary> = {};
  for (const c of conditions ?? []) out[c.type] = { status: c.status, reason: c.reason, message: c.message };
  return out;
}

function summariseService(service: Service): ServiceSummary {
  const annotations = service.metadata.annotations ?? {};
  const fromAnnotation = (annotations[LOADBALANCER_IPS_ANNOTATION] ?? '').split(',').map((a) => a.trim()).filter(Boolean);
  const addresses = fromAnnotation.length > 0 ? fromAnnotation : service.spec?.loadBalancerIP ? [service.spec.loadBalancerIP] : [];
  return {
    name: service.metadata.name,
    type: service.spec?.type ?? 'ClusterIP',
    addresses,
    ingress: (service.status?.loadBalancer?.ingress ?? []).map((i) => i.ip ?? i.hostname ?? '').filter(Boolean),
    ports: (service.spec?.ports ?? []).map((p) => `${p.protocol ?? 'TCP'}/${p.port}${p.targetPort !== undefined && String(p.targetPort) !== String(p.port) ? `->${p.targetPort}` : ''}`),
    vipHost: annotations[VIP_HOST_ANNOTATION],
  };
}

/** Builds the status view from Gateways and Services (pure): Services match a Gateway by namespace and gateway-name label. */
function summariseListeners(spec: readonly { name: string; protocol: string; port: number }[] | undefined, status: readonly { name: string; attachedRoutes: number; conditions: Condition[] }[] | undefined): ListenerSummary[] {
  const byName = new Map((status ?? []).map((l) => [l.name, l]));
  return (spec ?? []).map((l) => {
    const st = byName.get(l.name);
    return { name: l.name, protocol: l.protocol, port: l.port, attachedRoutes: st?.attachedRoutes, conditions: conditionMap(st?.conditions) };
  });
}

export function summariseGateways(gateways: readonly Gateway[], services: readonly Service[], listenerSets: readonly ListenerSet[] = []): GatewaySummary[] {
  const byGateway = new Map<string, Service[]>();
  for (const s of services) {
    const label = s.metadata.labels?.[GATEWAY_NAME_LABEL];
    if (label === undefined) continue;
    const key = `${s.metadata.namespace ?? ''}/${label}`;
    byGateway.set(key, [...(byGateway.get(key) ?? []), s]);
  }
  return [...gateways]
    .sort((a, b) => `${a.metadata.namespace}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace}/${b.metadata.name}`))
    .map((gw) => {
      const ns = gw.metadata.namespace ?? '';
      const matched = byGateway.get(`${ns}/${boundedLabelValue(gw.metadata.name)}`) ?? [];
      const sets = listenerSets
        .filter((s) => listenerSetRefersTo(s, gw))
        .sort((a, b) => `${a.metadata.namespace}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace}/${b.metadata.name}`))
        .map((s) => ({
          namespace: s.metadata.namespace ?? '',
          name: s.metadata.name,
          conditions: conditionMap(s.status?.conditions),
          listeners: summariseListeners(s.spec?.listeners, s.status?.listeners),
        }));
      return {
        namespace: ns,
        name: gw.metadata.name,
        className: gw.spec?.gatewayClassName ?? '',
        addresses: (gw.status?.addresses ?? []).map((a) => a.value),
        conditions: conditionMap(gw.status?.conditions),
        listeners: summariseListeners(gw.spec?.listeners, gw.status?.listeners),
        ...(sets.length > 0 ? { listenerSets: sets } : {}),
        services: matched.sort((a, b) => a.metadata.name.localeCompare(b.metadata.name)).map(summariseService),
      };
    });
}

/** `True`, `False (Reason)`, `Unknown (Reason)` or `-`, coloured by status. */
export function formatCondition(c: ConditionSummary | undefined, style: Styler): string {
  if (c === undefined) return style.paint('dim', '-');
  if (c.status === 'True') return style.paint('green', 'True');
  const text = `${c.status}${c.reason ? ` (${c.reason})` : ''}`;
  return style.paint(c.status === 'False' ? 'red' : 'yellow', text);
}

/** Formats the status view as text: a Gateway table, then each Gateway's listeners and Services. */
export function formatStatus(summaries: readonly GatewaySummary[], style: Styler): string {
  const rows = summaries.map((g) => [
    g.namespace,
    g.name,
    g.className,
    g.addresses.join(',') || style.paint('dim', '<none>'),
    formatCondition(g.conditions[GatewayConditionType.Accepted], style),
    formatCondition(g.conditions[GatewayConditionType.Programmed], style),
    formatCondition(g.conditions[GatewayConditionType.Announced], style),
  ]);
  const blocks = [formatTable(['NAMESPACE', 'NAME', 'CLASS', 'ADDRESSES', 'ACCEPTED', 'PROGRAMMED', 'ANNOUNCED'], rows)];
  for (const g of summaries) {
    const lines = [style.paint('bold', `Gateway ${g.namespace}/${g.name}`)];
    const listenerRows = g.listeners.map((l) => [
      l.name,
      l.protocol,
      String(l.port),
      l.attachedRoutes === undefined ? '-' : String(l.attachedRoutes),
      formatCondition(l.conditions['Accepted'], style),
      formatCondition(l.conditions['Programmed'], style),
    ]);
    lines.push(formatTable(['LISTENER', 'PROTOCOL', 'PORT', 'ROUTES', 'ACCEPTED', 'PROGRAMMED'], listenerRows, '  '));
    if (g.listenerSets !== undefined) {
      // One row for the ListenerSet itself (its Accepted/Programmed), then one per listener.
      const setRows = g.listenerSets.flatMap((s) => [
        [`${s.namespace}/${s.name}`, '', '', '', '', formatCondition(s.conditions['Accepted'], style), formatCondition(s.conditions['Programmed'], style)],
        ...s.listeners.map((l) => [
          '',
          l.name,
          l.protocol,
          String(l.port),
          l.attachedRoutes === undefined ? '-' : String(l.attachedRoutes),
          formatCondition(l.conditions['Accepted'], style),
          formatCondition(l.conditions['Programmed'], style),
        ]),
      ]);
      lines.push(formatTable(['LISTENERSET', 'LISTENER', 'PROTOCOL', 'PORT', 'ROUTES', 'ACCEPTED', 'PROGRAMMED'], setRows, '  '));
    }
    if (g.services.length === 0) lines.push(`  ${style.paint('dim', 'no Services')}`);
    else {
      const serviceRows = g.services.map((s) => [
        s.name,
        s.type,
        s.addresses.join(',') || '-',
        s.ingress.join(',') || style.paint('yellow', '<pending>'),
        s.vipHost ?? '-',
        s.ports.join(','),
      ]);
      lines.push(formatTable(['SERVICE', 'TYPE', 'ADDRESSES', 'INGRESS', 'VIP HOST', 'PORTS'], serviceRows, '  '));
    }
    blocks.push(lines.join('\n'));
  }
  return `${blocks.join('\n\n')}\n`;
}

/** Options of `kvgw status`. */
export interface StatusCommandOptions {
  readonly kubeconfig?: string | undefined;
  /** Only this namespace (default: all). */
  readonly namespace?: string | undefined;
  readonly allNamespaces?: boolean | undefined;
  readonly output?: 'table' | DataFormat | undefined;
}

/** Reads Gateways and their Services from a cluster. */
export async function collectStatus(client: Client, namespace: string | undefined): Promise<GatewaySummary[]> {
  const gateways = await listIfServed<Gateway>(client, GatewayResource, { namespace });
  if (gateways === undefined) throw new ClusterAccessError('list Gateways', 'the Gateway API CRDs are not installed on this cluster');
  const services = await listRequired<Service>(client, ServiceResource, { namespace, labelSelector: GATEWAY_NAME_LABEL });
  // ListenerSets may live in other namespaces than their Gateway: all of them unless a namespace is asked for. A cluster
  // without the ListenerSet CRD has none.
  const listenerSets = (await listIfServed<ListenerSet>(client, ListenerSetResource, { namespace })) ?? [];
  return summariseGateways(gateways, services, listenerSets);
}

/** Runs `kvgw status`. */
export async function status(options: StatusCommandOptions, io: CliIo, connect: ClusterConnector): Promise<void> {
  if (options.namespace !== undefined && options.allNamespaces) throw new CliUsageError('-n/-A', 'give either --namespace or --all-namespaces');
  const printer = new Printer(io);
  const client = await connect(options.kubeconfig);
  try {
    const summaries = await collectStatus(client, options.allNamespaces ? undefined : options.namespace);
    const format = options.output ?? 'table';
    if (format !== 'table') printer.raw(formatData({ gateways: summaries }, format));
    else if (summaries.length === 0) printer.note(`No Gateways found${options.namespace ? ` in namespace ${options.namespace}` : ''}.`);
    else printer.raw(formatStatus(summaries, printer.out));
  } finally {
    await closeClient(client);
  }
}
