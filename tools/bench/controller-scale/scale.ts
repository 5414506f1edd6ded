// One controller-scale scenario on a fresh local control plane (etcd + kube-apiserver), printed as one JSON document:
//
//   tsx --conditions=@kube-vip-gw/source tools/bench/controller-scale/scale.ts --bundle <controller bundle> \
//       [--gateways 1000] [--routes 5000] [--mode live|backlog] [--idle-seconds 60] [--no-restart] ...
//
// live:    the controller runs (as the ServiceAccount of deploy/01-rbac.yaml) while N Gateways, their backend
//          Services and M routes are created as fast as the API server takes them (bounded concurrency); measured
//          until every Gateway is Programmed with the expected attachedRoutes and every expected Service exists.
// backlog: the same objects are created with no controller running (the API server's own create rate for them),
//          then the controller starts and works the whole backlog off (its throughput alone).
// Then, in both modes: an idle window (the controller must write nothing), and a SIGTERM + restart (time to ready,
// writes, moved addresses). Figures come from the controller's /metrics, /proc and the API server's answers.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import https from 'node:https';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import {
  ConfigMap,
  EndpointSlice,
  Gateway,
  Informer,
  KubeClient,
  Namespace,
  ResourceRegistry,
  Service,
  TCPRoute,
  UDPRoute,
  type KubeObject,
  type ResourceDescriptor,
} from '@kube-vip-gw/controller-runtime';
import { LocalControlPlane } from '@kube-vip-gw/controller-runtime/envtest';
import { parseAuditLog } from '@kube-vip-gw/test-support';
import { ControllerProcess, imageNodeArgs } from './controller-process.js';
import { bucketDiff, buckets, diff, histogramQuantile, parseMetrics, sum, sumBy, type Sample } from './prom.js';
import { sampleProcess, type ProcSample } from './procstat.js';
import { buildWorkload, ipamConfigMap, type GatewayBatch, type Workload } from './workload.js';
import { captureControllerWork, replayGatewayWork, type ControllerWork, type Writer } from './ceiling.js';

const here = path.dirname(new URL(import.meta.url).pathname);
const root = path.resolve(here, '..', '..', '..');

const { values: flags } = parseArgs({
  options: {
    bundle: { type: 'string' },
    gateways: { type: 'string', default: '1000' },
    routes: { type: 'string', default: '5000' },
    namespaces: { type: 'string', default: '10' },
    mode: { type: 'string', default: 'live' },
    'in-flight': { type: 'string', default: '32' },
    'idle-seconds': { type: 'string', default: '60' },
    'no-restart': { type: 'boolean', default: false },
    'timeout-seconds': { type: 'string', default: '900' },
    'controller-arg': { type: 'string', multiple: true, default: [] },
    'node-arg': { type: 'string', multiple: true },
    'keep-logs': { type: 'boolean', default: false },
    // Diagnostic: an API server audit log of the controller's writes, summarised by resource and phase.
    audit: { type: 'boolean', default: false },
    // Diagnostic: a CPU profile of kube-apiserver over the first N seconds of convergence (go tool pprof reads it).
    'apiserver-profile-seconds': { type: 'string', default: '0' },
    // The API server's ceiling beside the live run: afterwards, a fresh control plane takes the same users' objects and
    // the controller's writes of this run (captured from the API server) with no controller (ceiling.ts).
    ceiling: { type: 'boolean', default: false },
  },
});

function intFlag(name: keyof typeof flags): number {
  const v = Number(flags[name]);
  if (!Number.isSafeInteger(v) || v < 0) throw new Error(`--${name} "${String(flags[name])}": expected a non-negative integer`);
  return v;
}

const mode = flags.mode;
if (mode !== 'live' && mode !== 'backlog') throw new Error(`--mode "${mode}": expected live or backlog`);
if (!flags.bundle) throw new Error('--bundle <path of gateway-api-controller.js> is required');
const bundle = path.resolve(flags.bundle);
const inFlight = Math.max(1, intFlag('in-flight'));
const idleSeconds = intFlag('idle-seconds');
const timeoutMs = intFlag('timeout-seconds') * 1000;
// The controller's last --service-behaviour decides what it makes: auto (the default) or gateway gives one Service per
// Gateway, any other strategy one per route.
const strategy =
  [...(flags['controller-arg'] ?? [])].reverse().find((a: string) => a.startsWith('--service-behaviour='))?.slice('--service-behaviour='.length) ?? 'auto';
const workload = buildWorkload(
  { gateways: intFlag('gateways'), routes: intFlag('routes'), namespaces: Math.max(1, intFlag('namespaces')) },
  { perRouteServices: strategy !== 'auto' && strategy !== 'gateway' },
);
const log = (msg: string): void => {
  process.stderr.write(`[scale ${workload.size.gateways}gw/${workload.size.routes}r ${mode}] ${msg}\n`);
};
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const round = (x: number, digits = 1): number => Math.round(x * 10 ** digits) / 10 ** digits;

// ------------------------------------------------------------------------------------------------ cluster set-up

const CONTROLLER_NAMESPACE = 'kube-vip-gateway-api';
const CONTROLLER_SA = 'kube-vip-gateway-api';
const rbac = (kind: string, plural: string, namespaced: boolean): ResourceDescriptor => ({ group: 'rbac.authorization.k8s.io', version: 'v1', kind, plural, namespaced });
const registry = new ResourceRegistry()
  .add({ group: '', version: 'v1', kind: 'ServiceAccount', plural: 'serviceaccounts', namespaced: true })
  .add(rbac('ClusterRole', 'clusterroles', false))
  .add(rbac('ClusterRoleBinding', 'clusterrolebindings', false))
  .add(rbac('Role', 'roles', true))
  .add(rbac('RoleBinding', 'rolebindings', true));

/** Objects of deploy/ the benchmark applies: namespace, RBAC and GatewayClass (no Deployment: nothing runs pods here). */
async function deployObjects(): Promise<KubeObject[]> {
  const out: KubeObject[] = [];
  for (const file of ['00-namespace.yaml', '01-rbac.yaml', '03-gatewayclass.yaml']) {
    const text = await readFile(path.join(root, 'deploy', file), 'utf8');
    for (const doc of parseAllDocuments(text)) {
      const obj = doc.toJS() as KubeObject | null;
      if (obj?.kind) out.push(obj);
    }
  }
  return out;
}

type ErrorTag = { _tag?: string };
// The loader's requests may wait long on an overloaded API server (seen: a 2,000-Gateway run on a 2-core machine at
// load average 30 failed on a 30-s timeout): it measures the API server, so it waits rather than fails.
const LOADER_TIMEOUT_MS = 120_000;
const RETRYABLE = new Set(['TooManyRequestsError', 'ServerError', 'TimeoutError', 'ConnectionError']);

/** Creates an object, retrying what a loaded API server may answer (429, 5xx, timeouts, resets). */
async function create(client: KubeClient, res: ResourceDescriptor, obj: KubeObject, counters: { retries: number }): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await client.create(res, obj);
      return;
    } catch (e) {
      const tag = (e as ErrorTag)._tag ?? '';
      if (tag === 'AlreadyExistsError' && attempt > 0) return; // an earlier attempt went through
      if (!RETRYABLE.has(tag) || attempt >= 8) throw e;
      counters.retries++;
      await sleep(Math.min(5000, 100 * 2 ** attempt));
    }
  }
}

/** A counting semaphore: at most `permits` holders at once. */
class Semaphore {
  #free: number;
  readonly #waiting: Array<() => void> = [];
  constructor(permits: number) {
    this.#free = permits;
  }
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#free > 0) this.#free--;
    else await new Promise<void>((resolve) => this.#waiting.push(resolve));
    try {
      return await fn();
    } finally {
      const next = this.#waiting.shift();
      if (next) next();
      else this.#free++;
    }
  }
}

/**
 * Creates every batch as a user applying one Gateway's manifests in order would: its backend Services, then the
 * Gateway, then its routes (each step's objects in parallel). Many batches proceed at once; `inFlight` bounds the
 * requests in flight overall. `onCreated` hears of each object; `onBatch` of each finished batch.
 */
async function createBatches(
  client: KubeClient,
  w: Workload,
  inFlight: number,
  counters: { retries: number },
  onCreated: () => void,
  onBatch: (index: number) => void,
): Promise<void> {
  const requests = new Semaphore(inFlight);
  const one = (res: ResourceDescriptor, obj: KubeObject) =>
    requests.run(async () => {
      await create(client, res, obj, counters);
      onCreated();
    });
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < w.batches.length) {
      const i = next++;
      const b = w.batches[i]!;
      await Promise.all(b.backends.map((s) => one(Service, s)));
      // The backends' EndpointSlices, which kube-controller-manager (not running here) would write from their Pods.
      await Promise.all(b.endpointSlices.map((s) => one(EndpointSlice, s)));
      await one(Gateway, b.gateway);
      await Promise.all(b.routes.map((r) => one(r.kind === 'TCPRoute' ? TCPRoute : UDPRoute, r.object)));
      onBatch(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, w.batches.length) }, worker));
}

/** Objects a run creates (backends, Gateways, routes). */
function objectCount(w: Workload): number {
  return w.batches.reduce((n, b) => n + b.backends.length + b.endpointSlices.length + 1 + b.routes.length, 0);
}

// ------------------------------------------------------------------------------------------------ convergence

interface SlimGateway extends KubeObject {
  ready: boolean;
  addresses: string;
}

function slimGateway(batchByKey: Map<string, GatewayBatch>) {
  return (o: KubeObject): KubeObject => {
    const key = `${o.metadata.namespace}/${o.metadata.name}`;
    const status = (o.status ?? {}) as {
      addresses?: { value: string }[];
      conditions?: { type: string; status: string; observedGeneration?: number }[];
      listeners?: { name: string; attachedRoutes: number }[];
    };
    const programmed = status.conditions?.find((c) => c.type === 'Programmed');
    const expected = batchByKey.get(key)?.attached ?? {};
    const listeners = new Map((status.listeners ?? []).map((l) => [l.name, l.attachedRoutes]));
    const ready =
      programmed?.status === 'True' &&
      programmed.observedGeneration === o.metadata.generation &&
      Object.entries(expected).every(([name, n]) => listeners.get(name) === n);
    const slim: SlimGateway = {
      metadata: { name: o.metadata.name, namespace: o.metadata.namespace ?? '', resourceVersion: o.metadata.resourceVersion ?? '' },
      ready,
      addresses: (status.addresses ?? []).map((a) => a.value).join(','),
    };
    return slim;
  };
}

function slimService(o: KubeObject): KubeObject {
  return {
    metadata: {
      name: o.metadata.name,
      namespace: o.metadata.namespace ?? '',
      resourceVersion: o.metadata.resourceVersion ?? '',
      annotations: { 'kube-vip.io/loadbalancerIPs': o.metadata.annotations?.['kube-vip.io/loadbalancerIPs'] ?? '' },
    },
  };
}

/** Follows Gateways and the controller's Services through watches and says when the whole workload has converged. */
class ConvergenceWatch {
  readonly gateways: Informer<KubeObject>;
  readonly services: Informer<KubeObject>;
  readonly readyAt = new Map<string, number>();
  readonly #ready = new Set<string>();
  #waiters: Array<() => void> = [];

  constructor(client: KubeClient, private readonly w: Workload) {
    const byKey = new Map(w.batches.map((b) => [`${b.gateway.metadata.namespace}/${b.gateway.metadata.name}`, b]));
    this.gateways = new Informer<KubeObject>(client, Gateway, { transform: slimGateway(byKey), watchTimeoutSeconds: 1800 });
    this.services = new Informer<KubeObject>(client, Service, {
      transform: slimService,
      labelSelector: 'app.kubernetes.io/managed-by=kube-vip-gateway-api',
      watchTimeoutSeconds: 1800,
    });
    const onGateway = (g: KubeObject): void => {
      const key = `${g.metadata.namespace}/${g.metadata.name}`;
      if ((g as SlimGateway).ready) {
        if (!this.#ready.has(key)) {
          this.#ready.add(key);
          if (!this.readyAt.has(key)) this.readyAt.set(key, performance.now());
        }
      } else this.#ready.delete(key);
      this.#check();
    };
    this.gateways.addEventHandler({ onAdd: onGateway, onUpdate: (_, g) => onGateway(g), onDelete: (g) => this.#ready.delete(`${g.metadata.namespace}/${g.metadata.name}`) });
    this.services.addEventHandler({ onAdd: () => this.#check(), onDelete: () => this.#check() });
  }

  async start(): Promise<void> {
    this.gateways.start();
    this.services.start();
    await Promise.all([this.gateways.waitForSync(), this.services.waitForSync()]);
  }

  async stop(): Promise<void> {
    await Promise.all([this.gateways.stop(), this.services.stop()]);
  }

  get readyGateways(): number {
    return this.#ready.size;
  }

  get serviceCount(): number {
    return this.services.store.size;
  }

  get converged(): boolean {
    return this.#ready.size === this.w.size.gateways && this.services.store.size >= this.w.expectedServices;
  }

  /** Resolves when converged (at once if it is); rejects after `ms`. */
  until(ms: number): Promise<void> {
    if (this.converged) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`not converged within ${ms / 1000} s: ${this.describe()}`)), ms);
      this.#waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  describe(): string {
    return `${this.#ready.size}/${this.w.size.gateways} Gateways ready, ${this.services.store.size}/${this.w.expectedServices} Services`;
  }

  /** Gateway addresses and Service loadbalancerIPs annotations, to find moved addresses across a restart. */
  addresses(): Map<string, string> {
    const out = new Map<string, string>();
    for (const g of this.gateways.store.list()) out.set(`Gateway ${g.metadata.namespace}/${g.metadata.name}`, (g as SlimGateway).addresses);
    for (const s of this.services.store.list()) out.set(`Service ${s.metadata.namespace}/${s.metadata.name}`, s.metadata.annotations?.['kube-vip.io/loadbalancerIPs'] ?? '');
    return out;
  }

  #check(): void {
    if (!this.converged) return;
    for (const w of this.#waiters.splice(0)) w();
  }
}

// ------------------------------------------------------------------------------------------------ metrics

const WRITE_METHODS = ['POST', 'PUT', 'PATCH', 'DELETE'];

/** What one scrape says about the controller's work so far. */
function metricsSnapshot(samples: Sample[]) {
  return {
    requestsByMethod: sumBy(samples, 'rest_client_requests_total', 'method'),
    requestsByCode: sumBy(samples, 'rest_client_requests_total', 'code'),
    reconciles: sumBy(samples, 'controller_runtime_reconcile_total', 'controller'),
    reconcileResults: sumBy(samples, 'controller_runtime_reconcile_total', 'result', { controller: 'gateway' }),
    reconcileErrors: sumBy(samples, 'controller_runtime_reconcile_errors_total', 'controller'),
    gatewayLatency: buckets(samples, 'controller_runtime_reconcile_time_seconds', { controller: 'gateway' }),
    classLatency: buckets(samples, 'controller_runtime_reconcile_time_seconds', { controller: 'gatewayclass' }),
    queueDepth: sum(samples, 'workqueue_depth', { name: 'gateway' }) + sum(samples, 'workqueue_depth', { name: 'gatewayclass' }),
    activeWorkers: sum(samples, 'controller_runtime_active_workers'),
    residentMiB: sum(samples, 'process_resident_memory_bytes') / 2 ** 20,
    heapUsedMiB: sum(samples, 'nodejs_heap_size_used_bytes') / 2 ** 20,
    heapTotalMiB: sum(samples, 'nodejs_heap_size_total_bytes') / 2 ** 20,
    externalMiB: sum(samples, 'nodejs_external_memory_bytes') / 2 ** 20,
    heapSpacesMiB: Object.fromEntries(Object.entries(sumBy(samples, 'nodejs_heap_space_size_total_bytes', 'space')).map(([k, v]) => [k, round(v / 2 ** 20)])),
  };
}
type Snapshot = ReturnType<typeof metricsSnapshot>;

function writes(byMethod: Record<string, number>): number {
  return WRITE_METHODS.reduce((n, m) => n + (byMethod[m] ?? 0), 0);
}

function quantiles(cumulative: Map<number, number>) {
  const q = (x: number) => {
    const v = histogramQuantile(x, cumulative);
    return v === undefined ? undefined : round(v * 1000, 2);
  };
  return { count: cumulative.get(Infinity) ?? 0, p50Ms: q(0.5), p90Ms: q(0.9), p99Ms: q(0.99) };
}

/** The controller's work between two scrapes. */
function work(after: Snapshot, before: Snapshot | undefined) {
  const b = before ?? metricsSnapshot([]);
  const requests = diff(after.requestsByMethod, b.requestsByMethod);
  return {
    requestsByMethod: requests,
    requestsByCode: diff(after.requestsByCode, b.requestsByCode),
    writes: writes(requests),
    reconciles: diff(after.reconciles, b.reconciles),
    reconcileResults: diff(after.reconcileResults, b.reconcileResults),
    reconcileErrors: diff(after.reconcileErrors, b.reconcileErrors),
    gatewayReconcile: quantiles(bucketDiff(after.gatewayLatency, b.gatewayLatency)),
    classReconcile: quantiles(bucketDiff(after.classLatency, b.classLatency)),
  };
}

function cpuDelta(after: ProcSample | undefined, before: ProcSample | undefined): number | undefined {
  return after && before ? round(after.cpuSeconds - before.cpuSeconds, 2) : undefined;
}

function percentile(sorted: readonly number[], q: number): number | undefined {
  if (sorted.length === 0) return undefined;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/** Waits until the controller has been idle (empty queue, no worker busy, no reconcile) for `quietMs`; returns ms waited. */
async function waitQuiet(ctl: ControllerProcess, quietMs: number, maxMs: number, minGatewayReconciles = 0): Promise<number> {
  const t0 = performance.now();
  let last = '';
  let since = performance.now();
  for (;;) {
    const s = metricsSnapshot(await ctl.scrape());
    const sig = JSON.stringify(s.reconciles);
    const busy = s.queueDepth > 0 || s.activeWorkers > 0 || (s.reconciles.gateway ?? 0) < minGatewayReconciles;
    if (busy || sig !== last) {
      last = sig;
      since = performance.now();
    }
    if (!busy && performance.now() - since >= quietMs) return performance.now() - t0;
    if (performance.now() - t0 > maxMs) return NaN;
    await sleep(250);
  }
}

// ------------------------------------------------------------------------------------------------ API server metrics

/** GETs a non-resource path (e.g. /metrics) of the API server as the admin of the kubeconfig YAML. */
function adminGet(kubeconfigYaml: string, apiPath: string): Promise<string>;
function adminGet(kubeconfigYaml: string, apiPath: string, binary: true): Promise<Buffer>;
function adminGet(kubeconfigYaml: string, apiPath: string, binary = false): Promise<string | Buffer> {
  const kc = parseYaml(kubeconfigYaml) as {
    clusters: { cluster: { server: string; 'certificate-authority-data': string } }[];
    users: { user: { 'client-certificate-data': string; 'client-key-data': string } }[];
  };
  const b64 = (v: string) => Buffer.from(v, 'base64').toString('utf8');
  const cluster = kc.clusters[0]!.cluster;
  const user = kc.users[0]!.user;
  return new Promise((resolve, reject) => {
    const req = https.get(
      new URL(apiPath, cluster.server),
      { ca: b64(cluster['certificate-authority-data']), cert: b64(user['client-certificate-data']), key: b64(user['client-key-data']) },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const body = Buffer.concat(chunks);
          if (res.statusCode !== 200) reject(new Error(`GET ${apiPath}: HTTP ${res.statusCode}`));
          else resolve(binary ? body : body.toString('utf8'));
        });
      },
    );
    req.on('error', reject);
  });
}

/** Mean server-side latency (ms) and count of requests by verb and resource, and APF queue waits, between two scrapes. */
function apiServerLatency(after: Sample[], before: Sample[]) {
  const group = (samples: Sample[], name: string, labels: string[]) => {
    const out = new Map<string, number>();
    for (const x of samples) {
      if (x.name !== name) continue;
      const k = labels.map((l) => x.labels[l] ?? '').filter(Boolean).join(' ');
      out.set(k, (out.get(k) ?? 0) + x.value);
    }
    return out;
  };
  const table = (name: string, labels: string[], minCount: number) => {
    const sA = group(after, `${name}_sum`, labels);
    const sB = group(before, `${name}_sum`, labels);
    const cA = group(after, `${name}_count`, labels);
    const cB = group(before, `${name}_count`, labels);
    const out: Record<string, { count: number; meanMs: number }> = {};
    for (const [k, c] of cA) {
      const count = c - (cB.get(k) ?? 0);
      if (count < minCount) continue;
      out[k] = { count, meanMs: round((((sA.get(k) ?? 0) - (sB.get(k) ?? 0)) / count) * 1000, 2) };
    }
    return out;
  };
  return {
    requests: table('apiserver_request_duration_seconds', ['verb', 'resource', 'subresource'], 50),
    flowControlWait: table('apiserver_flowcontrol_request_wait_duration_seconds', ['priority_level', 'execute'], 1),
  };
}

// ------------------------------------------------------------------------------------------------ audit

const CONTROLLER_USER = `system:serviceaccount:${CONTROLLER_NAMESPACE}:${CONTROLLER_SA}`;

/** An audit policy that records only the controller's writes: patches with their bodies, the rest at Metadata level. */
const AUDIT_POLICY = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
  - level: Request
    users: ["${CONTROLLER_USER}"]
    verbs: [patch]
  - level: Metadata
    users: ["${CONTROLLER_USER}"]
    verbs: [create, update, patch, delete]
  - level: None
`;

/**
 * Counts the controller's writes in an audit log by phase (named wall-clock intervals) and verb + resource; keeps the
 * first patch bodies of each kind (they say which fields the controller thought had changed).
 */
function summariseAudit(text: string, phases: readonly { name: string; until: number }[]): { counts: Record<string, Record<string, number>>; patches: Record<string, string[]> } {
  const out: Record<string, Record<string, number>> = {};
  const patches: Record<string, string[]> = {};
  for (const e of parseAuditLog(text, { user: CONTROLLER_USER })) {
    const at = e.received;
    const phase = phases.find((p) => at <= p.until)?.name ?? 'after';
    const what = `${e.verb} ${e.resource || '?'}${e.subresource ? `/${e.subresource}` : ''}${e.code && e.code >= 300 ? ` (${e.code})` : ''}`;
    const bucket = (out[phase] ??= {});
    bucket[what] = (bucket[what] ?? 0) + 1;
    if (e.verb === 'patch' && e.requestObject !== undefined) {
      const examples = (patches[`${phase}: ${what}`] ??= []);
      if (examples.length < 3) examples.push(`${e.namespace ?? ''}/${e.name ?? ''} ${JSON.stringify(e.requestObject).slice(0, 600)}`);
    }
  }
  return { counts: out, patches };
}

// ------------------------------------------------------------------------------------------------ the run

let captured: ControllerWork | undefined;

async function main() {
  const started = Date.now();
  const loadAtStart = os.loadavg();
  log('starting a control plane');
  const workDir = await mkdtemp(path.join(os.tmpdir(), 'kvgw-scale-'));
  const auditLog = path.join(workDir, 'audit.log');
  if (flags.audit) await writeFile(path.join(workDir, 'audit-policy.yaml'), AUDIT_POLICY);
  const plane = await LocalControlPlane.start({
    gatewayApiCrds: 'standard',
    // The default --service-node-port-range (2,768 ports) on purpose: the controller's Services take no node ports, so
    // 5,000 routes fit where a node port per Service would not.
    apiServerArgs: [
      ...(flags.audit ? [`--audit-policy-file=${path.join(workDir, 'audit-policy.yaml')}`, `--audit-log-path=${auditLog}`, '--audit-log-format=json', '--audit-log-mode=batch'] : []),
    ],
  });
  const phases: { name: string; until: number }[] = [];
  const controllerLog = path.join(workDir, 'controller.log');
  let ctl: ControllerProcess | undefined;
  let watch: ConvergenceWatch | undefined;
  let failed = false;
  try {
    const admin = await KubeClient.create({ source: { kind: 'string', yaml: plane.kubeconfig }, userAgent: 'kvgw-bench', requestTimeoutMs: LOADER_TIMEOUT_MS });
    const retries = { retries: 0 };
    for (const obj of await deployObjects()) await create(admin, registry.forObject(obj), obj, retries);
    await create(admin, ConfigMap, ipamConfigMap(workload.size.gateways), retries);
    for (const ns of workload.namespaces) await create(admin, Namespace, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }, retries);
    const kubeconfig = await plane.kubeconfigFileFor(CONTROLLER_USER, [
      'system:serviceaccounts',
      `system:serviceaccounts:${CONTROLLER_NAMESPACE}`,
    ]);
    const startController = () =>
      ControllerProcess.start({
        bundle,
        kubeconfig,
        logFile: controllerLog,
        args: flags['controller-arg'] ?? [],
        ...(flags['node-arg'] ? { nodeArgs: flags['node-arg'] } : {}),
      });

    watch = new ConvergenceWatch(admin, workload);
    await watch.start();
    const pids = plane.pids;
    const sys = () => ({ apiServer: sampleProcess(pids.apiServer), etcd: sampleProcess(pids.etcd), loaderCpu: process.cpuUsage() });

    const objects = objectCount(workload);
    const batchDone = new Array<number>(workload.batches.length).fill(0);
    let created = 0;
    const createAll = () =>
      createBatches(admin, workload, inFlight, retries, () => created++, (i) => (batchDone[i] = performance.now()));

    // Progress, once a second: objects created, Gateways ready, Services made, controller memory.
    const timeline: { t: number; created: number; ready: number; services: number; rssMiB?: number; cpu?: number }[] = [];
    let t0 = performance.now();
    let sampler: NodeJS.Timeout | undefined;
    const startSampler = () => (sampler = setInterval(() => {
      const p = ctl?.sample();
      timeline.push({
        t: round((performance.now() - t0) / 1000, 1),
        created,
        ready: watch!.readyGateways,
        services: watch!.serviceCount,
        ...(p ? { rssMiB: round(p.rssMiB), cpu: round(p.cpuSeconds, 2) } : {}),
      });
    }, 1000).unref());

    let apiServerCreate: { ms: number; objects: number; perSecond: number; apiServerCpu?: number | undefined; etcdCpu?: number | undefined } | undefined;
    let controllerReadyMs: number;
    let before: Snapshot | undefined;
    let convergeMs: number;
    let lastCreateMs: number;
    const apiMetrics = async () => parseMetrics(await adminGet(plane.kubeconfig, '/metrics'));
    let apiBefore = await apiMetrics();
    let sysBefore = sys();
    const profileSeconds = intFlag('apiserver-profile-seconds');
    let profiling: Promise<void> | undefined;
    const startProfile = () => {
      if (profileSeconds <= 0) return;
      const file = path.join(workDir, 'kube-apiserver.cpu.pprof');
      profiling = adminGet(plane.kubeconfig, `/debug/pprof/profile?seconds=${profileSeconds}`, true)
        .then((buf) => writeFile(file, buf))
        .then(() => log(`kube-apiserver CPU profile: ${file}`));
    };
    let sysAfterCreate: ReturnType<typeof sys>;
    let ctlBefore: ProcSample | undefined;
    if (mode === 'live') {
      ctl = await startController();
      controllerReadyMs = await ctl.waitReady(120_000);
      await waitQuiet(ctl, 1000, 30_000); // the GatewayClass is accepted before the clock starts
      before = metricsSnapshot(await ctl.scrape());
      ctlBefore = ctl.sample();
      log(`controller ready in ${round(controllerReadyMs)} ms; creating ${objects} objects, ${inFlight} in flight`);
      apiBefore = await apiMetrics();
      sysBefore = sys();
      t0 = performance.now();
      startSampler();
      startProfile();
      const converged = watch.until(timeoutMs);
      converged.catch(() => undefined);
      await createAll();
      lastCreateMs = performance.now() - t0;
      sysAfterCreate = sys();
      log(`created in ${round(lastCreateMs / 1000, 2)} s (${watch.describe()})`);
      await converged;
      convergeMs = performance.now() - t0;
    } else {
      log(`creating ${objects} objects with no controller running, ${inFlight} in flight`);
      sysBefore = sys();
      t0 = performance.now();
      startSampler();
      await createAll();
      lastCreateMs = performance.now() - t0;
      sysAfterCreate = sys();
      apiServerCreate = {
        ms: round(lastCreateMs),
        objects,
        perSecond: round(objects / (lastCreateMs / 1000)),
        apiServerCpu: cpuDelta(sysAfterCreate.apiServer, sysBefore.apiServer),
        etcdCpu: cpuDelta(sysAfterCreate.etcd, sysBefore.etcd),
      };
      log(`API server took ${objects} objects in ${round(lastCreateMs / 1000, 2)} s (${apiServerCreate.perSecond}/s); starting the controller`);
      apiBefore = await apiMetrics();
      sysBefore = sys();
      clearInterval(sampler);
      timeline.length = 0; // the timeline follows the controller's work, from its start
      t0 = performance.now();
      startSampler();
      startProfile();
      ctl = await startController();
      controllerReadyMs = await ctl.waitReady(300_000);
      ctlBefore = undefined; // a fresh process: everything it does counts
      await watch.until(timeoutMs);
      convergeMs = performance.now() - t0;
    }
    phases.push({ name: 'converge', until: Date.now() });
    await profiling;
    const sysAfter = sys();
    const ctlAfter = ctl.sample();
    const after = metricsSnapshot(await ctl.scrape());
    const apiLatency = apiServerLatency(await apiMetrics(), apiBefore);
    log(`converged in ${round(convergeMs / 1000, 2)} s (${watch.describe()}); peak RSS ${round(ctlAfter?.peakRssMiB ?? 0)} MiB`);
    clearInterval(sampler);
    sampler = undefined;

    const perGateway = workload.batches
      .map((b, i) => (watch!.readyAt.get(`${b.gateway.metadata.namespace}/${b.gateway.metadata.name}`) ?? NaN) - (mode === 'live' ? batchDone[i]! : t0))
      .filter((x) => Number.isFinite(x))
      .sort((a, b) => a - b);
    const converge = {
      ms: round(convergeMs),
      routesPerSecond: round(workload.size.routes / (convergeMs / 1000)),
      lastCreateMs: round(lastCreateMs),
      createPerSecond: mode === 'live' ? round(objects / (lastCreateMs / 1000)) : undefined,
      controllerReadyMs: round(controllerReadyMs),
      // live: from the moment a Gateway's last object was created; backlog: from the controller's start.
      gatewayReadyMs: { p50: round(percentile(perGateway, 0.5) ?? NaN), p90: round(percentile(perGateway, 0.9) ?? NaN), p99: round(percentile(perGateway, 0.99) ?? NaN), max: round(perGateway.at(-1) ?? NaN) },
      controller: { ...work(after, before), cpuSeconds: cpuDelta(ctlAfter, ctlBefore) ?? round(ctlAfter?.cpuSeconds ?? NaN, 2), peakRssMiB: round(ctlAfter?.peakRssMiB ?? NaN), rssMiB: round(ctlAfter?.rssMiB ?? NaN), heapUsedMiB: round(after.heapUsedMiB), heapTotalMiB: round(after.heapTotalMiB), externalMiB: round(after.externalMiB), heapSpacesMiB: after.heapSpacesMiB },
      apiServer: { cpuSeconds: cpuDelta(sysAfter.apiServer, sysBefore.apiServer), rssMiB: round(sysAfter.apiServer?.rssMiB ?? NaN) },
      etcd: { cpuSeconds: cpuDelta(sysAfter.etcd, sysBefore.etcd), rssMiB: round(sysAfter.etcd?.rssMiB ?? NaN) },
      loaderCpuSeconds: round((process.cpuUsage(sysBefore.loaderCpu).user + process.cpuUsage(sysBefore.loaderCpu).system) / 1e6, 2),
      createApiServerCpuSeconds: cpuDelta(sysAfterCreate.apiServer, sysBefore.apiServer),
      loaderRetries: retries.retries,
      apiServerLatency: apiLatency,
    };

    // Trailing work after convergence, then the idle window.
    const settleMs = await waitQuiet(ctl, 2000, 60_000);
    const settled = metricsSnapshot(await ctl.scrape());
    phases.push({ name: 'settle', until: Date.now() });
    const trailing = work(settled, after);
    let idle: Record<string, unknown> | undefined;
    if (idleSeconds > 0) {
      log(`idle for ${idleSeconds} s`);
      const cpu0 = ctl.sample();
      const s0 = metricsSnapshot(await ctl.scrape());
      await sleep(idleSeconds * 1000);
      const s1 = metricsSnapshot(await ctl.scrape());
      const cpu1 = ctl.sample();
      const w = work(s1, s0);
      phases.push({ name: 'idle', until: Date.now() });
      idle = { seconds: idleSeconds, writes: w.writes, requestsByMethod: w.requestsByMethod, reconciles: w.reconciles, cpuSeconds: cpuDelta(cpu1, cpu0), rssMiB: round(cpu1?.rssMiB ?? NaN) };
      log(`idle: ${w.writes} writes, requests ${JSON.stringify(w.requestsByMethod)}`);
    }

    let restart: Record<string, unknown> | undefined;
    if (!flags['no-restart']) {
      const addressesBefore = watch.addresses();
      phases.push({ name: 'before restart', until: Date.now() });
      const stopped = await ctl.stop();
      log(`controller stopped in ${round(stopped.ms)} ms (code ${stopped.code}, signal ${stopped.signal}); restarting`);
      ctl = await startController();
      // Memory and CPU of the new process every 250 ms: where a start's peak comes from (listing, or the first reconciles).
      const restartTimeline: { t: number; rssMiB: number; cpu: number }[] = [];
      const restarted = ctl;
      const restartSampler = setInterval(() => {
        const p = restarted.sample();
        if (p) restartTimeline.push({ t: round((performance.now() - restarted.startedAt) / 1000, 2), rssMiB: round(p.rssMiB), cpu: round(p.cpuSeconds, 2) });
      }, 250);
      restartSampler.unref();
      const readyMs = await ctl.waitReady(300_000);
      const settleAfterReady = await waitQuiet(ctl, 2000, 300_000, workload.size.gateways);
      const settledMs = performance.now() - ctl.startedAt;
      clearInterval(restartSampler);
      await sleep(3000); // late events (our own informers' echoes) would show up here
      const s = metricsSnapshot(await ctl.scrape());
      const w = work(s, undefined);
      const addressesAfter = watch.addresses();
      let moved = 0;
      const movedExamples: string[] = [];
      for (const [k, v] of addressesBefore) {
        if (addressesAfter.get(k) === v) continue;
        moved++;
        if (movedExamples.length < 5) movedExamples.push(`${k}: ${v} -> ${addressesAfter.get(k) ?? '(gone)'}`);
      }
      phases.push({ name: 'restart', until: Date.now() });
      const p = ctl.sample();
      restart = {
        shutdownMs: round(stopped.ms),
        exitCode: stopped.code,
        readyMs: round(readyMs),
        settledMs: round(Number.isNaN(settleAfterReady) ? NaN : settledMs),
        writes: w.writes,
        requestsByMethod: w.requestsByMethod,
        reconciles: w.reconciles,
        gatewayReconcile: w.gatewayReconcile,
        addressesChecked: addressesBefore.size,
        moved,
        movedExamples,
        convergedAfter: watch.converged,
        cpuSeconds: round(p?.cpuSeconds ?? NaN, 2),
        peakRssMiB: round(p?.peakRssMiB ?? NaN),
        timeline: restartTimeline,
      };
      log(`restart: ready ${round(readyMs)} ms, settled ${round(settledMs)} ms, ${w.writes} writes, ${moved} moved of ${addressesBefore.size}`);
    }

    const logText = await readFile(controllerLog, 'utf8').catch(() => '');
    const levels: Record<string, number> = {};
    const firstProblems: string[] = [];
    for (const line of logText.split('\n')) {
      const m = /"level":(\d+)/.exec(line);
      if (!m) continue;
      const level = Number(m[1]) >= 50 ? 'error' : Number(m[1]) >= 40 ? 'warn' : 'info';
      levels[level] = (levels[level] ?? 0) + 1;
      if (level !== 'info' && firstProblems.length < 5) firstProblems.push(line.slice(0, 400));
    }

    let audit: ReturnType<typeof summariseAudit> | undefined;
    if (flags.audit) {
      await sleep(2000); // batch mode flushes about once a second
      audit = summariseAudit(await readFile(auditLog, 'utf8').catch(() => ''), phases);
    }
    if (flags.ceiling && mode === 'live') {
      log('capturing the controller\'s writes for the ceiling replay');
      captured = await captureControllerWork(admin, workload);
    }
    const result = {
      audit,
      size: workload.size,
      listenersPerGateway: workload.listenersPerGateway,
      expectedServices: workload.expectedServices,
      mode,
      inFlight,
      controllerArgs: flags['controller-arg'] ?? [],
      nodeArgs: flags['node-arg'] ?? imageNodeArgs(),
      loadAtStart: loadAtStart.map((l) => round(l, 2)),
      loadAtEnd: os.loadavg().map((l) => round(l, 2)),
      controlPlaneStartMs: round(plane.timings.startMs),
      apiServerCreate,
      converge,
      settle: { ms: round(settleMs), ...trailing },
      idle,
      restart,
      controllerLog: levels,
      controllerProblems: firstProblems,
      timeline,
      wallSeconds: round((Date.now() - started) / 1000),
    };
    return result;
  } catch (e) {
    failed = true;
    if (watch) log(`state: ${watch.describe()}`);
    log(`controller log: ${controllerLog}`);
    throw e;
  } finally {
    await watch?.stop();
    await ctl?.stop(10_000);
    await plane.stop({ keepLogs: failed || flags['keep-logs'] });
    if (failed || flags['keep-logs']) log(`kept: ${workDir}, control-plane logs ${plane.logDir}`);
    else await rm(workDir, { recursive: true, force: true });
  }
}

/**
 * The ceiling: a fresh control plane (the live run's is stopped) takes the users' objects (timed: *users*), then the
 * controller's captured writes (timed: *controller part*), both with the live run's bounded concurrency and no
 * controller. Its sum is the least time the API server needs for the whole live run.
 */
async function runCeiling(work: ControllerWork) {
  const loadAtStart = os.loadavg().map((l) => round(l, 2));
  log('ceiling: starting a fresh control plane (no controller)');
  const plane = await LocalControlPlane.start({ gatewayApiCrds: 'standard' });
  try {
    const admin = await KubeClient.create({ source: { kind: 'string', yaml: plane.kubeconfig }, userAgent: 'kvgw-bench-ceiling', requestTimeoutMs: LOADER_TIMEOUT_MS });
    const retries = { retries: 0 };
    for (const obj of await deployObjects()) await create(admin, registry.forObject(obj), obj, retries);
    for (const ns of workload.namespaces) await create(admin, Namespace, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }, retries);
    const pids = plane.pids;
    const sys = () => ({ apiServer: sampleProcess(pids.apiServer), etcd: sampleProcess(pids.etcd) });
    const s0 = sys();
    let t0 = performance.now();
    await createBatches(admin, workload, inFlight, retries, () => undefined, () => undefined);
    const usersMs = performance.now() - t0;
    const s1 = sys();
    log(`ceiling: users' objects in ${round(usersMs / 1000, 2)} s`);
    const uids = new Map<string, string>();
    let token: string | undefined;
    do {
      const page = await admin.list<KubeObject>(Gateway, { limit: 500, ...(token ? { continue: token } : {}) });
      for (const g of page.items) uids.set(`${g.metadata.namespace}/${g.metadata.name}`, g.metadata.uid ?? '');
      token = page.continue || undefined;
    } while (token);
    const requests = new Semaphore(inFlight);
    const retried = async <T>(fn: () => Promise<T>): Promise<T> => {
      for (let attempt = 0; ; attempt++) {
        try {
          return await requests.run(fn);
        } catch (e) {
          if (!RETRYABLE.has((e as ErrorTag)._tag ?? '') || attempt >= 8) throw e;
          retries.retries++;
          await sleep(Math.min(5000, 100 * 2 ** attempt));
        }
      }
    };
    const writer: Writer = {
      create: (res, obj) => retried(() => admin.create(res, obj)),
      patch: async (res, namespace, name, patch) => void (await retried(() => admin.patch(res, { namespace, name }, { type: 'merge', patch }))),
      patchStatus: async (res, namespace, name, status) => void (await retried(() => admin.patchStatus(res, { namespace, name }, { type: 'merge', patch: { status } }))),
    };
    t0 = performance.now();
    let writes = 0;
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < work.gateways.length) {
        const g = work.gateways[next++]!;
        const n = await replayGatewayWork(writer, g, uids.get(`${g.namespace}/${g.name}`) ?? '');
        writes += n;
      }
    };
    await Promise.all(Array.from({ length: Math.min(inFlight, work.gateways.length) }, worker));
    const controllerMs = performance.now() - t0;
    const s2 = sys();
    log(`ceiling: the controller's ${writes} writes in ${round(controllerMs / 1000, 2)} s`);
    const totalMs = usersMs + controllerMs;
    return {
      loadAtStart,
      loadAtEnd: os.loadavg().map((l) => round(l, 2)),
      usersMs: round(usersMs),
      usersObjects: objectCount(workload),
      controllerMs: round(controllerMs),
      controllerWrites: writes,
      writesByKind: work.writes,
      totalMs: round(totalMs),
      routesPerSecond: round(workload.size.routes / (totalMs / 1000)),
      apiServerCpuSeconds: { users: cpuDelta(s1.apiServer, s0.apiServer), controller: cpuDelta(s2.apiServer, s1.apiServer) },
      etcdCpuSeconds: { users: cpuDelta(s1.etcd, s0.etcd), controller: cpuDelta(s2.etcd, s1.etcd) },
      retries: retries.retries,
    };
  } finally {
    await plane.stop();
  }
}

const result: Record<string, unknown> = await main();
if (captured) {
  // A failed replay must not lose the live run's figures: it is reported in their place.
  result['ceiling'] = await runCeiling(captured).catch((e: unknown) => {
    log(`ceiling failed: ${String(e)}`);
    return { error: String(e).slice(0, 2000) };
  });
}
process.stdout.write(`${JSON.stringify(result)}\n`);
