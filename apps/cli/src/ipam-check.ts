// `kvgw ipam check`: validates IPAM ConfigMaps and shows what each key means: every pool's format, ranges and exact
// size per family, reserved lists, sharing, search order and skip-end settings, and every problem. Errors are what
// this controller refuses or reads differently from what was written; warnings are what kube-vip-cloud-provider, which
// reads the same ConfigMap, would do differently (so the two could disagree or hand out one address twice).
import {
  AddressAllocator,
  formatAddress,
  parseIpamConfig,
  type AddressRange,
  type FamilyRanges,
  type IPFamily,
  type IpamConfig,
  type PoolSpec,
} from '@kube-vip-gw/ipam';
import { CheckFailedError, InputFileError } from './errors.js';
import { Printer, type CliIo } from './io.js';
import { describeObjectName, loadManifests } from './manifests.js';
import { formatData, type DataFormat } from './output.js';
import { formatTable } from './table.js';

const FAMILIES: readonly IPFamily[] = ['IPv4', 'IPv6'];

/** Exact counts of one family of a pool, as decimal strings (BigInt does not fit JSON). */
export interface FamilyReport {
  /** Canonical ranges, `start-end` (or one address). */
  readonly ranges: readonly string[];
  /** Addresses in the ranges (after skip-end-ips-in-cidr). */
  readonly addresses: string;
  /** Addresses that can be handed out: less IPv4 .0/.255 and reserved addresses. */
  readonly allocatable: string;
  /** Addresses of the pool a reserved list keeps back. */
  readonly reserved: string;
}

/** One pool key, explained. */
export interface PoolReport {
  readonly key: string;
  readonly scope: string;
  readonly format: PoolSpec['format'];
  readonly entries: readonly string[];
  /** False when the key has errors and is refused. */
  readonly usable: boolean;
  readonly IPv4?: FamilyReport;
  readonly IPv6?: FamilyReport;
}

/** One problem: an error (refused or misread input) or a warning (a difference with kube-vip-cloud-provider). */
export interface Problem {
  readonly severity: 'error' | 'warning';
  /** The ConfigMap key concerned, when there is one. */
  readonly key?: string;
  readonly message: string;
}

/** Everything `ipam check` found about one ConfigMap. */
export interface ConfigMapReport {
  /** `namespace/name`. */
  readonly configMap: string;
  /** `file document N`. */
  readonly source: string;
  readonly searchOrder: IpamConfig['searchOrder'];
  readonly skipEndIpsInCidr: boolean;
  readonly pools: readonly PoolReport[];
  readonly reserved: readonly { key: string; scope: string; entries: readonly string[]; IPv4: string; IPv6: string }[];
  readonly allowShare: readonly { key: string; value: boolean }[];
  readonly interfaces: readonly { key: string; value: string }[];
  readonly problems: readonly Problem[];
}

function count(ranges: readonly AddressRange[]): bigint {
  return ranges.reduce((n, r) => n + (r.end - r.start + 1n), 0n);
}

function formatRange(family: IPFamily, r: AddressRange): string {
  return r.start === r.end ? formatAddress(family, r.start) : `${formatAddress(family, r.start)}-${formatAddress(family, r.end)}`;
}

/** The overlap of two sorted, disjoint range lists. */
export function intersectRanges(a: readonly AddressRange[], b: readonly AddressRange[]): AddressRange[] {
  const out: AddressRange[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a[i]!;
    const y = b[j]!;
    const start = x.start > y.start ? x.start : y.start;
    const end = x.end < y.end ? x.end : y.end;
    if (start <= end) out.push({ start, end });
    if (x.end < y.end) i++;
    else j++;
  }
  return out;
}

function overlapText(a: FamilyRanges, b: FamilyRanges): string | undefined {
  const parts: string[] = [];
  for (const family of FAMILIES) {
    const common = intersectRanges(a[family], b[family]);
    if (common.length > 0) parts.push(`${common.slice(0, 3).map((r) => formatRange(family, r)).join(', ')}${common.length > 3 ? ', ...' : ''}`);
  }
  return parts.length > 0 ? parts.join(', ') : undefined;
}

// Differences with kube-vip-cloud-provider that matter on a cluster where both read this ConfigMap.
function compatibilityWarnings(data: Readonly<Record<string, unknown>>, config: IpamConfig): Problem[] {
  const out: Problem[] = [];
  for (const [key, raw] of Object.entries(data)) {
    if (typeof raw !== 'string' || !/^(cidr|range|reserved)-./.test(key)) continue;
    const parts = raw.split(',');
    if (parts.some((p) => p !== p.trim() || p === '')) {
      out.push({
        severity: 'warning',
        key,
        message: `${key}: spaces around or empty entries between commas; kvgw ignores them, but kube-vip-cloud-provider cannot parse the value (write "${parts.map((p) => p.trim()).filter(Boolean).join(',')}")`,
      });
    }
  }
  if (config.pools.has('cidr-global')) {
    for (const pool of config.pools.values()) {
      if (pool.key.startsWith('range-') && pool.scope !== 'global' && pool.problems.length === 0 && !config.pools.has(`cidr-${pool.scope}`)) {
        out.push({
          severity: 'warning',
          key: pool.key,
          message: `${pool.key}: kube-vip-cloud-provider checks cidr-global before range-${pool.scope}, so its Services in namespace "${pool.scope}" get cidr-global addresses while Gateways get ${pool.key} ones`,
        });
      }
    }
  }
  for (const spec of config.reserved.values()) {
    out.push({
      severity: 'warning',
      key: spec.key,
      message: `${spec.key}: kube-vip-cloud-provider does not read reserved-* keys and may give these addresses to LoadBalancer Services`,
    });
  }
  const pools = [...config.pools.values()].filter((p) => p.problems.length === 0 && p.format !== 'dhcp').sort((a, b) => (a.key < b.key ? -1 : 1));
  for (let i = 0; i < pools.length; i++) {
    for (let j = i + 1; j < pools.length; j++) {
      const a = pools[i]!;
      const b = pools[j]!;
      if (a.scope === 'global' && b.scope === 'global') continue;
      const overlap = overlapText(a.ranges, b.ranges);
      if (overlap === undefined) continue;
      out.push({
        severity: 'warning',
        key: a.key,
        message: `${a.key} and ${b.key} overlap (${overlap}); kube-vip-cloud-provider counts a namespace pool's used addresses in that namespace only, so it can hand one of these out twice`,
      });
    }
  }
  return out;
}

/** Builds the report of one ConfigMap's data (pure). */
export function checkIpamData(data: Readonly<Record<string, unknown>>, configMap: string, source: string): ConfigMapReport {
  const config = parseIpamConfig(data);
  const allocator = new AddressAllocator(config);
  const problems: Problem[] = config.problems.map((p) => ({ severity: 'error' as const, key: p.key, message: p.message }));
  const pools: PoolReport[] = [];
  for (const pool of [...config.pools.values()].sort((a, b) => (a.key < b.key ? -1 : 1))) {
    const usable = pool.problems.length === 0;
    const stats = usable ? allocator.statsForKey(pool.key) : undefined;
    const report: { -readonly [K in keyof PoolReport]: PoolReport[K] } = { key: pool.key, scope: pool.scope, format: pool.format, entries: pool.entries, usable };
    if (pool.format !== 'dhcp') {
      for (const family of FAMILIES) {
        const ranges = pool.ranges[family];
        if (ranges.length === 0) continue;
        const fs = stats?.[family];
        report[family] = {
          ranges: ranges.map((r) => formatRange(family, r)),
          addresses: count(ranges).toString(),
          allocatable: (fs?.size ?? 0n).toString(),
          reserved: (fs?.reserved ?? 0n).toString(),
        };
      }
      if (usable && stats !== undefined && (stats.IPv4?.size ?? 0n) + (stats.IPv6?.size ?? 0n) === 0n) {
        problems.push({ severity: 'warning', key: pool.key, message: `${pool.key}: the pool has no address that can be handed out (all are .0/.255, skipped ends or reserved)` });
      }
    }
    pools.push(report);
  }
  if (config.pools.size === 0) {
    problems.push({ severity: 'warning', message: 'no pool keys (cidr-*/range-*): Gateways get no address (Programmed=False, AddressNotAssigned)' });
  }
  for (const key of config.ignoredKeys) problems.push({ severity: 'warning', key, message: `${key}: not a key kvgw or kube-vip-cloud-provider reads; ignored` });
  problems.push(...compatibilityWarnings(data, config));
  return {
    configMap,
    source,
    searchOrder: config.searchOrder,
    skipEndIpsInCidr: config.skipEndIpsInCidr,
    pools,
    reserved: [...config.reserved.values()].map((r) => ({
      key: r.key,
      scope: r.scope,
      entries: r.entries,
      IPv4: count(r.ranges.IPv4).toString(),
      IPv6: count(r.ranges.IPv6).toString(),
    })),
    allowShare: [...config.allowShare].map(([key, value]) => ({ key, value })),
    interfaces: [...config.interfaces].map(([key, value]) => ({ key, value })),
    problems,
  };
}

/** Formats a report as text (the default output of `ipam check`). */
export function formatCheckReport(report: ConfigMapReport, printer: Printer): string {
  const s = printer.out;
  const lines: string[] = [s.paint('bold', `ConfigMap ${report.configMap}`) + s.paint('dim', ` (${report.source})`)];
  lines.push(
    formatTable(
      ['SETTING', 'VALUE'],
      [
        ['search-order', report.searchOrder],
        ['skip-end-ips-in-cidr', String(report.skipEndIpsInCidr)],
        ...report.allowShare.map((a) => [a.key, String(a.value)]),
        ...report.interfaces.map((a) => [a.key, a.value]),
      ],
      '  ',
    ),
  );
  if (report.pools.length > 0) {
    const rows: string[][] = [];
    for (const p of report.pools) {
      const head = [p.key, p.scope, p.format];
      if (!p.usable) rows.push([...head, '-', s.paint('red', 'refused'), '-', '-', p.entries.join(',')]);
      else if (p.format === 'dhcp') rows.push([...head, '-', 'DHCP', '-', '-', '0.0.0.0/32']);
      else {
        let first = true;
        for (const family of FAMILIES) {
          const f = p[family];
          if (f === undefined) continue;
          rows.push([...(first ? head : ['', '', '']), family, f.addresses, f.allocatable, f.reserved, f.ranges.join(',')]);
          first = false;
        }
      }
    }
    lines.push('', formatTable(['POOL', 'SCOPE', 'FORMAT', 'FAMILY', 'ADDRESSES', 'ALLOCATABLE', 'RESERVED', 'RANGES'], rows, '  '));
  }
  if (report.reserved.length > 0) {
    const rows = report.reserved.map((r) => [r.key, r.scope, r.IPv4, r.IPv6, r.entries.join(',')]);
    lines.push('', formatTable(['RESERVED', 'SCOPE', 'IPV4', 'IPV6', 'ENTRIES'], rows, '  '));
  }
  lines.push('');
  if (report.problems.length === 0) lines.push(`  ${s.paint('green', 'ok:')} no problems`);
  for (const p of report.problems) {
    const label = p.severity === 'error' ? s.paint('red', 'error:  ') : s.paint('yellow', 'warning:');
    lines.push(`  ${label} ${p.message}`);
  }
  return lines.join('\n');
}

/** Options of `kvgw ipam check`. */
export interface CheckCommandOptions {
  readonly files: readonly string[];
  readonly output?: 'text' | DataFormat | undefined;
  /** Warnings fail the check too. */
  readonly strict?: boolean | undefined;
}

/** Runs `ipam check` on every ConfigMap in the files; throws CheckFailedError (exit 1) after printing when errors (or, strict, warnings) were found. */
export async function ipamCheck(options: CheckCommandOptions, io: CliIo): Promise<void> {
  const printer = new Printer(io);
  const loaded = await loadManifests(options.files, { cwd: io.cwd, ignoreUnknownKinds: true, readStdin: io.readStdin, allowDuplicates: true });
  const configMaps = loaded.filter((m) => m.object.kind === 'ConfigMap');
  if (configMaps.length === 0) throw new InputFileError(options.files.join(', '), 'no ConfigMap found');
  const reports = configMaps.map((m) => {
    const data = (m.object as { data?: unknown }).data;
    const ok = data === undefined || (typeof data === 'object' && data !== null && !Array.isArray(data));
    const report = checkIpamData(ok ? ((data ?? {}) as Record<string, unknown>) : {}, describeObjectName(m.object).replace(/^ConfigMap /, ''), `${m.source.file} document ${m.source.document}`);
    if (ok) return report;
    return { ...report, problems: [{ severity: 'error' as const, message: 'data must be a mapping of strings' }, ...report.problems] };
  });
  const format = options.output ?? 'text';
  if (format === 'text') printer.raw(`${reports.map((r) => formatCheckReport(r, printer)).join('\n\n')}\n`);
  else printer.raw(formatData({ configMaps: reports }, format));
  const errors = reports.reduce((n, r) => n + r.problems.filter((p) => p.severity === 'error').length, 0);
  const warnings = reports.reduce((n, r) => n + r.problems.filter((p) => p.severity === 'warning').length, 0);
  if (errors > 0 || (options.strict && warnings > 0)) throw new CheckFailedError(errors, warnings);
}
