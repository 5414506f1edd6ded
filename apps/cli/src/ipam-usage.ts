// `kvgw ipam usage`: pool utilisation on a live cluster, computed by the controller's own AddressBook: the used set is
// every Gateway's status.addresses plus every Service's kube-vip.io/loadbalancerIPs, spec.loadBalancerIP and
// status.loadBalancer.ingress IPs. (Reserved addresses are not "used": the pool size already leaves them out.)
import { AddressBook, serviceAddresses } from '@kube-vip-gw/controller';
import {
  ConfigMap as ConfigMapResource,
  Gateway as GatewayResource,
  isNotFound,
  Service as ServiceResource,
  type Client,
} from '@kube-vip-gw/controller-runtime';
import type { ConfigMap, Gateway, Service } from '@kube-vip-gw/gateway-model';
import { parseAddress, type IPFamily } from '@kube-vip-gw/ipam';
import { closeClient, listIfServed, listRequired, parseConfigMapRef, type ClusterConnector } from './cluster.js';
import { ClusterAccessError } from './errors.js';
import { Printer, type CliIo } from './io.js';
import { formatData, type DataFormat } from './output.js';
import { formatTable } from './table.js';

/** Utilisation of one family of one pool key (exact counts as decimal strings). */
export interface PoolUsage {
  readonly key: string;
  readonly scope: string;
  readonly family: IPFamily;
  readonly size: string;
  readonly used: string;
  readonly free: string;
}

/** One address in use, the pool keys containing it, and who holds it (`Gateway ns/name`, `Service ns/name`). */
export interface AddressUsage {
  readonly address: string;
  readonly pools: readonly string[];
  readonly holders: readonly string[];
}

/** What `ipam usage` reports. */
export interface UsageReport {
  /** `namespace/name` of the IPAM ConfigMap. */
  readonly configMap: string;
  readonly pools: readonly PoolUsage[];
  readonly addresses: readonly AddressUsage[];
  /** Problems of the ConfigMap and entries that are not IP addresses (skipped, as the controller does). */
  readonly problems: readonly string[];
}

/**
 * Computes pool utilisation from the ConfigMap data and the cluster's Gateways and Services (no I/O): counts come from
 * the controller's AddressBook fed as the controller feeds it; holders are listed per address for the report.
 */
export function computeUsage(configMap: string, data: Readonly<Record<string, string>>, gateways: readonly Gateway[], services: readonly Service[]): UsageReport {
  const book = new AddressBook();
  book.setConfigMap({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: configMap }, data: { ...data } });
  for (const gw of gateways) book.observeGateway(gw);
  for (const svc of services) book.observeService(svc);
  const allocator = book.allocator;
  const config = allocator.ipamConfig;
  const problems = [...book.problems];
  const holders = new Map<string, { family: IPFamily; value: bigint; holders: Set<string> }>();
  const record = (text: string, holder: string): void => {
    const parsed = parseAddress(text);
    if (!parsed.ok) {
      problems.push(`${holder}: ${parsed.error.message}: not counted`);
      return;
    }
    if (parsed.value.value === 0n) return; // 0.0.0.0 / :: ask kube-vip for DHCP: not an address of a pool
    const entry = holders.get(parsed.value.text) ?? { family: parsed.value.family, value: parsed.value.value, holders: new Set<string>() };
    entry.holders.add(holder);
    holders.set(parsed.value.text, entry);
  };
  for (const gw of gateways) {
    for (const a of gw.status?.addresses ?? []) if ((a.type ?? 'IPAddress') === 'IPAddress') record(a.value, `Gateway ${gw.metadata.namespace}/${gw.metadata.name}`);
  }
  for (const svc of services) for (const a of serviceAddresses(svc)) record(a, `Service ${svc.metadata.namespace}/${svc.metadata.name}`);

  const pools: PoolUsage[] = [];
  const usable = [...config.pools.values()].filter((p) => p.problems.length === 0 && p.format !== 'dhcp').sort((a, b) => (a.key < b.key ? -1 : 1));
  for (const pool of usable) {
    const stats = allocator.statsForKey(pool.key);
    for (const family of ['IPv4', 'IPv6'] as const) {
      const f = stats?.[family];
      if (f === undefined) continue;
      pools.push({ key: pool.key, scope: pool.scope, family, size: f.size.toString(), used: f.used.toString(), free: f.free.toString() });
    }
  }
  const addresses = [...holders.entries()]
    .sort(([, a], [, b]) => (a.family !== b.family ? (a.family < b.family ? -1 : 1) : a.value < b.value ? -1 : a.value > b.value ? 1 : 0))
    .map(([address, h]) => ({
      address,
      pools: usable.filter((p) => p.ranges[h.family].some((r) => r.start <= h.value && h.value <= r.end)).map((p) => p.key),
      holders: [...h.holders].sort(),
    }));
  return { configMap, pools, addresses, problems };
}

/**
 * `used/size` as a percentage rounded to one decimal, in BigInt arithmetic so a /64 is exact; `<0.1%` when in use but
 * rounding to zero, `>99.9%` when not full but rounding to 100.
 */
export function percentUsed(used: string, size: string): string {
  const u = BigInt(used);
  const s = BigInt(size);
  if (s === 0n) return '-';
  const tenths = (u * 2000n + s) / (2n * s);
  if (tenths === 0n && u > 0n) return '<0.1%';
  if (tenths === 1000n && u < s) return '>99.9%';
  return `${tenths / 10n}.${tenths % 10n}%`;
}

/** Formats the usage report as text: pools, then the addresses in use and their holders. */
export function formatUsage(report: UsageReport, printer: Printer): string {
  const s = printer.out;
  const blocks: string[] = [];
  const poolRows = report.pools.map((p) => [p.key, p.scope, p.family, p.size, p.used, p.free, percentUsed(p.used, p.size)]);
  blocks.push(poolRows.length > 0 ? formatTable(['POOL', 'SCOPE', 'FAMILY', 'SIZE', 'USED', 'FREE', 'USE'], poolRows) : s.paint('yellow', `ConfigMap ${report.configMap} has no usable pool`));
  if (report.addresses.length > 0) {
    const rows = report.addresses.map((a) => [a.address, a.pools.join(',') || s.paint('dim', '(outside every pool)'), a.holders.join(', ')]);
    blocks.push(formatTable(['ADDRESS', 'POOL', 'HOLDERS'], rows));
  }
  return `${blocks.join('\n\n')}\n`;
}

/** Options of `kvgw ipam usage`. */
export interface UsageCommandOptions {
  readonly kubeconfig?: string | undefined;
  /** `name` or `namespace/name` (default kube-system/kubevip). */
  readonly ipamConfigMap?: string | undefined;
  readonly output?: 'table' | DataFormat | undefined;
}

/** Reads the IPAM ConfigMap, Gateways and Services from a cluster and computes the usage report. */
export async function collectUsage(client: Client, ipamConfigMap: string): Promise<UsageReport> {
  const ref = parseConfigMapRef(ipamConfigMap);
  let cm: ConfigMap;
  try {
    cm = await client.get<ConfigMap>(ConfigMapResource, ref);
  } catch (error) {
    const reason = isNotFound(error) ? 'not found (choose another with --ipam-configmap)' : (error as Error).message;
    throw new ClusterAccessError(`read ConfigMap ${ref.namespace}/${ref.name}`, reason);
  }
  const gateways = (await listIfServed<Gateway>(client, GatewayResource)) ?? [];
  const services = await listRequired<Service>(client, ServiceResource);
  return computeUsage(`${ref.namespace}/${ref.name}`, cm.data ?? {}, gateways, services);
}

/** Runs `kvgw ipam usage`. */
export async function ipamUsage(options: UsageCommandOptions, io: CliIo, connect: ClusterConnector): Promise<void> {
  const printer = new Printer(io);
  const ipamConfigMap = options.ipamConfigMap ?? 'kube-system/kubevip';
  parseConfigMapRef(ipamConfigMap); // a bad flag fails before connecting
  const client = await connect(options.kubeconfig);
  try {
    const report = await collectUsage(client, ipamConfigMap);
    const format = options.output ?? 'table';
    if (format === 'table') {
      printer.raw(formatUsage(report, printer));
      for (const p of report.problems) printer.warn(p);
    } else printer.raw(formatData(report, format));
  } finally {
    await closeClient(client);
  }
}
