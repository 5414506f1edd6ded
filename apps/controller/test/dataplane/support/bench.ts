// Measuring helpers of the data-plane benchmarks (`npm run bench:dataplane`): what kube-vip costs (its process, its
// leases, the ARP/NDP it sends) and the pieces of a route's time to traffic (kube-proxy's syncs from its log). All of it
// reads inside the namespaces the data plane made, or the local API server on 127.0.0.1; nothing leaves them.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';

/** Runs a command inside a network namespace the data plane made; returns stdout. */
export function inNetns(netns: string, command: string, args: readonly string[]): string {
  return execFileSync('ip', ['netns', 'exec', netns, command, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** The pid of the process named `comm` in `netns` (`ip netns pids`), or undefined. */
export function pidIn(netns: string, comm: string): number | undefined {
  const pids = execFileSync('ip', ['netns', 'pids', netns], { encoding: 'utf8' }).split(/\s+/).filter(Boolean).map(Number);
  return pids.find((pid) => {
    try {
      return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === comm;
    } catch {
      return false;
    }
  });
}

/** CPU seconds (user + system), resident and peak resident memory (MiB) of a process, from /proc. */
export interface ProcessSample {
  readonly cpuSeconds: number;
  readonly rssMiB: number;
  readonly peakRssMiB: number;
}

const CLOCK_TICKS = 100; // USER_HZ on Linux x86-64

export function sampleProcess(pid: number): ProcessSample {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the parenthesised command name: utime and stime are fields 14 and 15 (1-based).
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const cpuSeconds = (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { cpuSeconds, rssMiB: kib('VmRSS') / 1024, peakRssMiB: kib('VmHWM') / 1024 };
}

/** Addresses on a namespace's interface (one `ip -o addr` call for all of them). */
export function addressesOn(netns: string, dev: string): Set<string> {
  const out = new Set<string>();
  for (const line of inNetns(netns, 'ip', ['-o', 'addr', 'show', 'dev', dev]).split('\n')) {
    const m = /\sinet6?\s+([0-9a-f.:]+)\//.exec(line);
    if (m) out.add(m[1]!);
  }
  return out;
}

const COUNTER_TABLES = `table arp kvgwbench_arp {
  chain input { type filter hook input priority 0; counter; }
}
table ip6 kvgwbench_nd {
  chain input { type filter hook input priority 0; icmpv6 type nd-neighbor-advert counter; }
}
`;

/**
 * Counts what arrives at the client: ARP packets and IPv6 Neighbour Advertisements (kube-vip's gratuitous
 * announcements, and the answers to the client's own resolutions). nftables counters in the client's namespace.
 */
export class AnnouncementCounter {
  constructor(private readonly netns: string) {
    execFileSync('ip', ['netns', 'exec', netns, 'nft', '-f', '-'], { input: COUNTER_TABLES });
  }

  read(): { arp: number; neighbourAdverts: number } {
    const packets = (table: string) => {
      const text = inNetns(this.netns, 'nft', ['list', 'table', ...table.split(' ')]);
      return Number(/counter packets (\d+)/.exec(text)?.[1] ?? NaN);
    };
    return { arp: packets('arp kvgwbench_arp'), neighbourAdverts: packets('ip6 kvgwbench_nd') };
  }

  remove(): void {
    inNetns(this.netns, 'nft', ['delete', 'table', 'arp', 'kvgwbench_arp']);
    inNetns(this.netns, 'nft', ['delete', 'table', 'ip6', 'kvgwbench_nd']);
  }
}

/** GETs a non-resource path (/metrics) of the local API server as the admin of a kubeconfig (127.0.0.1 only). */
export function apiServerGet(kubeconfigYaml: string, apiPath: string): Promise<string> {
  const kc = parseYaml(kubeconfigYaml) as {
    clusters: { cluster: { server: string; 'certificate-authority-data': string } }[];
    users: { user: { 'client-certificate-data': string; 'client-key-data': string } }[];
  };
  const b64 = (v: string) => Buffer.from(v, 'base64').toString('utf8');
  const cluster = kc.clusters[0]!.cluster;
  const user = kc.users[0]!.user;
  const url = new URL(apiPath, cluster.server);
  if (url.hostname !== '127.0.0.1') throw new Error(`apiServerGet: ${url.hostname} is not the local API server`);
  return new Promise((resolve, reject) => {
    https
      .get(url, { ca: b64(cluster['certificate-authority-data']), cert: b64(user['client-certificate-data']), key: b64(user['client-key-data']) }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => (res.statusCode === 200 ? resolve(text) : reject(new Error(`GET ${apiPath}: ${res.statusCode} ${text.slice(0, 200)}`))));
      })
      .on('error', reject);
  });
}

/** The API server's write requests by resource (apiserver_request_total, verbs POST/PUT/PATCH/DELETE/APPLY). */
export function writesByResource(metrics: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of metrics.split('\n')) {
    if (!line.startsWith('apiserver_request_total{')) continue;
    const verb = /verb="([A-Z]+)"/.exec(line)?.[1] ?? '';
    if (!['POST', 'PUT', 'PATCH', 'DELETE', 'APPLY'].includes(verb)) continue;
    const resource = /resource="([^"]*)"/.exec(line)?.[1] ?? '';
    const sub = /subresource="([^"]*)"/.exec(line)?.[1] ?? '';
    const key = sub ? `${resource}/${sub}` : resource;
    out[key] = (out[key] ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return out;
}

export function diffCounts(after: Record<string, number>, before: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(after)) if (v - (before[k] ?? 0) > 0) out[k] = v - (before[k] ?? 0);
  return out;
}

/**
 * When kube-proxy last finished a rule sync (ms since the epoch): its `kubeproxy_sync_proxy_rules_last_timestamp_seconds`
 * gauge, read from its metrics port on the node namespace's loopback (its "SyncProxyRules complete" line is V(2), not
 * logged at the default verbosity).
 */
export function kubeProxyLastSync(netns: string, family: 'IPv4' | 'IPv6' = 'IPv4'): number {
  const text = inNetns(netns, 'curl', ['-s', '--max-time', '2', 'http://127.0.0.1:10249/metrics']);
  // One gauge per IP family: each family has its own proxier and syncs on its own.
  const m = new RegExp(`^kubeproxy_sync_proxy_rules_last_timestamp_seconds\\{ip_family="${family}"\\}\\s+(\\S+)$`, 'm').exec(text);
  if (!m) throw new Error(`kube-proxy metrics have no kubeproxy_sync_proxy_rules_last_timestamp_seconds for ${family}`);
  return Number(m[1]) * 1000;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/**
 * Where the benchmarks write their JSON (docs/benchmarks/ by default: the bench suite renders the tables from it):
 * `key`'s entry of `<name>.json` is replaced, the others kept, so the parts of a file can be run one at a time (-t).
 */
export function writeBenchResult(name: string, key: string, result: unknown): string {
  const dir = process.env['KVGW_BENCH_OUT_DIR'] ?? path.resolve(import.meta.dirname, '..', '..', '..', '..', '..', 'docs', 'benchmarks');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.json`);
  let all: Record<string, unknown>;
  try {
    all = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch {
    all = {};
  }
  all[key] = result;
  writeFileSync(file, `${JSON.stringify(all, null, 1)}\n`);
  return file;
}

/** Runs `fn` over `items` with at most `limit` at once. */
export async function pool<T>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
