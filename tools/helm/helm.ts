// The helm binary for tests: built on demand by tools/helm/build.sh (cached by version; KVGW_HELM names another), and
// small helpers over `helm template` output and the chart's Grafana dashboard.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

const HERE = path.dirname(fileURLToPath(import.meta.url));
/** The chart directory. */
export const CHART_DIR = path.resolve(HERE, '../../charts/kube-vip-gateway-api');

/** build.sh failed, or a helm command exited non-zero; the message carries its output. */
export class HelmError extends Error {
  readonly _tag = 'HelmError';
  constructor(message: string) {
    super(message);
    this.name = 'HelmError';
  }
}

let cached: string | undefined;
/** Path of the helm executable; the first call may build it (once per version: 1,446 s on this 2-core machine at load 25). */
export function ensureHelm(env: NodeJS.ProcessEnv = process.env): string {
  if (cached) return cached;
  const build = spawnSync('bash', [path.join(HERE, 'build.sh')], { encoding: 'utf8', env, timeout: 1_800_000, stdio: ['ignore', 'pipe', 'inherit'] });
  const last = (build.stdout ?? '').trim().split('\n').pop() ?? '';
  if (build.status !== 0 || !last) throw new HelmError(`tools/helm/build.sh exited ${build.status ?? build.signal}: see its [helm] lines above`);
  cached = last;
  return cached;
}

/** Runs helm with `args`; returns stdout, throws HelmError with stderr when it exits non-zero. */
export function runHelm(args: readonly string[], options: { readonly env?: NodeJS.ProcessEnv; readonly cwd?: string } = {}): string {
  const helm = ensureHelm();
  const result = spawnSync(helm, args, { encoding: 'utf8', timeout: 180_000, ...(options.cwd ? { cwd: options.cwd } : {}), env: { ...process.env, ...options.env } });
  if (result.status !== 0) {
    throw new HelmError(`helm ${args.join(' ')} exited ${result.status ?? result.signal}:\n${result.stderr}${result.stdout}`);
  }
  return result.stdout;
}

/** A rendered Kubernetes object. */
export interface RenderedObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  readonly [key: string]: unknown;
}

/** Parses a multi-document YAML text (helm template output, a deploy/ file) into its non-empty objects. */
export function parseManifests(text: string): RenderedObject[] {
  return parseAllDocuments(text)
    .map((d) => d.toJS() as RenderedObject | null)
    .filter((o): o is RenderedObject => o !== null && typeof o === 'object');
}

/** RBAC objects reduced to what grants rights: kind, name, namespace, rules, roleRef, subjects (labels dropped). */
export function rbacEssentials(objects: readonly RenderedObject[]): unknown[] {
  const kinds = new Set(['ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding']);
  return objects
    .filter((o) => kinds.has(o.kind))
    .map((o) => ({
      kind: o.kind,
      name: o.metadata.name,
      namespace: o.metadata.namespace,
      ...(o['rules'] ? { rules: o['rules'] } : {}),
      ...(o['roleRef'] ? { roleRef: o['roleRef'] } : {}),
      ...(o['subjects'] ? { subjects: o['subjects'] } : {}),
    }))
    .sort((a, b) => `${a.kind}/${a.name}`.localeCompare(`${b.kind}/${b.name}`));
}

const PROMQL_WORDS = new Set([
  'sum', 'max', 'min', 'avg', 'count', 'by', 'without', 'rate', 'irate', 'increase', 'histogram_quantile', 'vector', 'or', 'and',
  'unless', 'on', 'ignoring', 'group_left', 'group_right', 'label_values', 'topk', 'bottomk', 'offset', 'bool', 'abs', 'clamp_min',
]);

/**
 * Metric names a PromQL expression selects: identifiers followed by `{`, `[` or standing alone, minus functions,
 * keywords, label names inside braces and grouping lists. Good enough for the dashboard's own expressions, which a
 * test pins (an unknown word fails that test, it does not pass silently).
 */
export function promqlMetricNames(expr: string): string[] {
  const withoutStrings = expr.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  const withoutSelectors = withoutStrings.replace(/\{[^}]*\}/g, '{}').replace(/\[[^\]]*\]/g, '[]');
  const withoutGrouping = withoutSelectors.replace(/\b(by|without|on|ignoring)\s*\([^)]*\)/g, '');
  const names = new Set<string>();
  for (const m of withoutGrouping.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const word = m[0];
    if (PROMQL_WORDS.has(word)) continue;
    const next = withoutGrouping.slice((m.index ?? 0) + word.length).trimStart()[0];
    if (next === '(') continue; // a function call
    names.add(word);
  }
  return [...names].sort();
}

/** Every metric name the chart's Grafana dashboard queries (panels' targets and template variables). */
export function dashboardMetricNames(dashboardJson: string = readFileSync(path.join(CHART_DIR, 'files/grafana-dashboard.json'), 'utf8')): string[] {
  const dashboard = JSON.parse(dashboardJson) as {
    panels: { targets?: { expr: string }[] }[];
    templating: { list: { query?: string | { query?: string } }[] };
  };
  const exprs = [
    ...dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr)),
    ...dashboard.templating.list
      .map((v) => (typeof v.query === 'object' ? v.query?.query : undefined))
      // label_values(<selector>, <label>): only the selector names a metric.
      .map((q) => (q ? /^label_values\((.*),\s*\w+\)$/.exec(q)?.[1] : undefined))
      .filter((q): q is string => !!q),
  ];
  return [...new Set(exprs.flatMap((e) => promqlMetricNames(e.replace(/\$__rate_interval|\$\w+/g, '5m'))))].sort();
}

/** Metric families a Prometheus text exposition declares (`# TYPE name kind`), with their kinds. */
export function exposedMetricFamilies(metricsText: string): Map<string, string> {
  const families = new Map<string, string>();
  for (const m of metricsText.matchAll(/^# TYPE (\S+) (\S+)$/gm)) families.set(m[1]!, m[2]!);
  return families;
}

/** True when `name` is a series the exposition has: a family, or a histogram's/summary's _bucket, _sum or _count. */
export function isExposed(name: string, families: ReadonlyMap<string, string>): boolean {
  if (families.has(name)) return true;
  const m = /^(.*)_(bucket|sum|count)$/.exec(name);
  if (!m) return false;
  const kind = families.get(m[1]!);
  return kind === 'histogram' || (kind === 'summary' && m[2] !== 'bucket');
}
