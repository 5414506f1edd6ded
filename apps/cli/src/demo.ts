// `kvgw demo` (`npm run demo`): the whole system on one machine. A local control plane, the controller bundle as a
// child process, a bounded wait until every Gateway is Programmed, the status view and the Services the controller
// made, then everything stopped (or kept running with --keep).
// Where the machine allows it (root, network namespaces, nftables, kube-vip and kube-proxy built or buildable), a real
// data plane too (@kube-vip-gw/dataplane): kube-vip and kube-proxy in a node namespace, an echo backend, and a client
// namespace that sends a TCP and a UDP exchange through each Gateway's address once kube-vip announced it; the demo
// then applies its own set (demo-dataplane.ts). Otherwise it says why and applies examples/ without one.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import {
  apply,
  Gateway as GatewayResource,
  KubeClient,
  ResourceRegistry,
  Service as ServiceResource,
  type Client,
  type ResourceDescriptor,
} from '@kube-vip-gw/controller-runtime';
import { runLocalCluster, type LocalControlPlane } from '@kube-vip-gw/controller-runtime/envtest';
import { DEFAULT_CONTROLLER_NAME } from '@kube-vip-gw/controller';
import { DataPlane, KUBE_PROXY_IDENTITY, KUBE_VIP_IDENTITY, kubeVipRbac, nodeName, nodeObject, nodeStatus } from '@kube-vip-gw/dataplane';
import { GATEWAY_NAME_LABEL, GatewayConditionType, type Gateway, type KubeObject, type Service } from '@kube-vip-gw/gateway-model';
import { listRequired } from './cluster.js';
import {
  conditionNotTrue,
  DATA_PLANE_DEMO_BACKEND_PORTS,
  dataPlaneDemoManifests,
  dataPlanePaths,
  decideDataPlane,
  describeExchange,
  exchangeThroughGateways,
  formatExchanges,
  notAnnounced,
  realDataPlaneProbes,
  type DataPlaneDecision,
  type DataPlaneMode,
  type DataPlaneProbes,
} from './demo-dataplane.js';
import { DemoFailedError } from './errors.js';
import { Printer, type CliIo } from './io.js';
import { DUAL_STACK_SERVICE_RANGES, stopAfterReady, type LocalClusterRunner } from './local-cluster.js';
import { loadManifests, type LoadedManifest } from './manifests.js';
import { formatData } from './output.js';
import { collectStatus, formatStatus } from './status.js';
import { formatTable } from './table.js';

/** Field manager of everything the demo applies. */
export const DEMO_FIELD_MANAGER = 'kvgw-demo';

/** Options of `kvgw demo`. */
export interface DemoOptions {
  /** Manifests to apply (default: ./examples when it exists, else the repository's examples/). */
  readonly examples?: string | undefined;
  /** The controller bundle to run (default: the built apps/controller/dist/gateway-api-controller.js). */
  readonly controller?: string | undefined;
  /** How long Gateways may take to become Programmed (default 120 s). */
  readonly timeoutSeconds?: number | undefined;
  /** Keep the cluster and controller running after the report, until Ctrl-C. */
  readonly keep?: boolean | undefined;
  /** Run a real data plane: `auto` (default) when the machine allows it, `on` (fail when it does not), `off`. */
  readonly dataPlane?: DataPlaneMode | undefined;
  /** Print the data-plane demo's manifests (YAML) and exit. */
  readonly printManifests?: boolean | undefined;
}

/** What the demo needs from outside, injectable for tests. */
export interface DemoDeps {
  readonly runLocalCluster?: LocalClusterRunner | undefined;
  /** What decides whether a data plane can run (default: this machine and tools/dataplane/build.sh). */
  readonly dataPlaneProbes?: DataPlaneProbes | undefined;
}

const require = createRequire(import.meta.url);

function packageDir(name: string): string | undefined {
  try {
    return path.dirname(require.resolve(`${name}/package.json`));
  } catch {
    return undefined;
  }
}

/** The controller binary's bundle next to this CLI in the workspace (apps/controller/dist/gateway-api-controller.js, package @kube-vip-gw/controller-app). */
export function defaultControllerBundle(): string | undefined {
  const dir = packageDir('@kube-vip-gw/controller-app');
  return dir === undefined ? undefined : path.join(dir, 'dist', 'gateway-api-controller.js');
}

/** ./examples when it exists, else the workspace's examples/ directory. */
export function defaultExamplesDir(cwd: string): string {
  const local = path.join(cwd, 'examples');
  if (existsSync(local)) return local;
  const cli = packageDir('@kube-vip-gw/cli');
  return cli === undefined ? local : path.resolve(cli, '..', '..', 'examples');
}

/** A path relative to cwd when it is below it, else absolute (for progress lines). */
function displayPath(cwd: string, file: string): string {
  const rel = path.relative(cwd, file);
  return rel === '' ? '.' : rel.startsWith('..') ? file : rel;
}

/** Applies manifests with server-side apply, Namespaces first (so the objects in them can be created). */
export async function applyManifests(client: Client, manifests: readonly LoadedManifest[]): Promise<void> {
  const registry = new ResourceRegistry();
  const ordered = [...manifests].sort((a, b) => Number(b.object.kind === 'Namespace') - Number(a.object.kind === 'Namespace'));
  for (const { object, source } of ordered) {
    try {
      await apply(client, registry.forObject(object), object, { fieldManager: DEMO_FIELD_MANAGER, force: true });
    } catch (error) {
      throw new DemoFailedError('apply', `${source.file} document ${source.document}: ${(error as Error).message}`);
    }
  }
}

/** Gateways whose Programmed condition is not True, with why (`ns/name: False (Reason): message`). */
export function notProgrammed(gateways: readonly Gateway[]): string[] {
  return conditionNotTrue(gateways, GatewayConditionType.Programmed);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** The Services the controller made or adopted (labelled with a Gateway's name), as a table. */
export function formatServices(services: readonly Service[]): string {
  const rows = [...services]
    .sort((a, b) => `${a.metadata.namespace}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace}/${b.metadata.name}`))
    .map((s) => [
      s.metadata.namespace ?? '',
      s.metadata.name,
      s.spec?.type ?? 'ClusterIP',
      s.metadata.annotations?.['kube-vip.io/loadbalancerIPs'] ?? '-',
      (s.spec?.ports ?? []).map((p) => `${p.protocol ?? 'TCP'}/${p.port}->${p.targetPort ?? p.port}`).join(','),
      s.spec?.selector ? Object.entries(s.spec.selector).map(([k, v]) => `${k}=${v}`).join(',') : '<none>',
    ]);
  return `${formatTable(['NAMESPACE', 'SERVICE', 'TYPE', 'LOADBALANCER IPS', 'PORTS', 'SELECTOR'], rows)}\n`;
}

interface RunningController {
  readonly child: ChildProcess;
  readonly logFile: string;
  exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
}

function startController(bundle: string, kubeconfig: string, logDir: string, env: NodeJS.ProcessEnv): RunningController {
  const logFile = path.join(logDir, 'controller.log');
  const log = createWriteStream(logFile);
  const child = spawn(
    process.execPath,
    [bundle, '--kubeconfig', kubeconfig, '--metrics-bind-address', '0', '--health-probe-bind-address', '0', '--log-format', 'text'],
    { env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout?.pipe(log, { end: false });
  child.stderr?.pipe(log, { end: false });
  const running: RunningController = { child, logFile, exited: undefined };
  child.on('exit', (code, signal) => {
    running.exited = { code, signal };
    log.end();
  });
  return running;
}

async function stopController(running: RunningController): Promise<void> {
  if (running.exited !== undefined) return;
  const exited = new Promise<void>((resolve) => running.child.once('exit', () => resolve()));
  running.child.kill('SIGTERM');
  const timer = setTimeout(() => running.child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

async function logTail(file: string, lines = 20): Promise<string> {
  try {
    const text = await readFile(file, 'utf8');
    return text
      .trimEnd()
      .split('\n')
      .slice(-lines)
      .map((l) => `    ${l.length > 240 ? `${l.slice(0, 240)}...` : l}`)
      .join('\n');
  } catch {
    return '    (no log)';
  }
}

// Kinds the data plane needs that the registry of built-in kinds does not carry.
const NODE: ResourceDescriptor = { group: '', version: 'v1', kind: 'Node', plural: 'nodes', namespaced: false, statusSubresource: true };
const RBAC_KINDS: readonly ResourceDescriptor[] = [
  { group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'ClusterRole', plural: 'clusterroles', namespaced: false },
  { group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'ClusterRoleBinding', plural: 'clusterrolebindings', namespaced: false },
];

/** The data-plane demo set as loaded manifests (source: `data-plane demo set`, document = position). */
export function dataPlaneDemoSet(controllerName: string): LoadedManifest[] {
  return dataPlaneDemoManifests(controllerName).map((object, i) => ({ object, source: { file: 'data-plane demo set', document: i + 1 } }));
}

/**
 * Starts the data plane against the local control plane: kube-vip's RBAC, the Node object of node1 (with the
 * addresses a kubelet would report), a client certificate per component, then DataPlane.start.
 * KVGW_DATAPLANE_NO_KUBE_PROXY=1 leaves kube-proxy out, to see the exchanges fail (docs/cli.md).
 */
async function startDataPlane(
  plane: LocalControlPlane,
  client: Client,
  binaries: { readonly kubeVip: string; readonly kubeProxy: string },
  env: Readonly<Record<string, string | undefined>>,
  cwd: string,
  progress: (line: string) => void,
): Promise<DataPlane> {
  const registry = new ResourceRegistry().add(NODE);
  for (const kind of RBAC_KINDS) registry.add(kind);
  for (const object of kubeVipRbac()) await apply(client, registry.forObject(object), object as unknown as KubeObject, { fieldManager: DEMO_FIELD_MANAGER, force: true });
  await apply(client, NODE, nodeObject(1) as unknown as KubeObject, { fieldManager: DEMO_FIELD_MANAGER, force: true });
  await client.patchStatus(NODE, { name: nodeName(1) }, { type: 'merge', patch: nodeStatus(1) });
  const withoutKubeProxy = env['KVGW_DATAPLANE_NO_KUBE_PROXY'] === '1';
  if (withoutKubeProxy) progress('KVGW_DATAPLANE_NO_KUBE_PROXY=1: kube-proxy is not started, so nothing forwards the announced addresses');
  const { agentsDir } = dataPlanePaths(cwd);
  return DataPlane.start({
    binaries,
    apiServerPort: Number(new URL(plane.server).port),
    kubeVipKubeconfig: await plane.kubeconfigFileFor(KUBE_VIP_IDENTITY.user, [...KUBE_VIP_IDENTITY.groups]),
    kubeProxyKubeconfig: await plane.kubeconfigFileFor(KUBE_PROXY_IDENTITY.user, [...KUBE_PROXY_IDENTITY.groups]),
    backendPorts: DATA_PLANE_DEMO_BACKEND_PORTS,
    startKubeProxy: !withoutKubeProxy,
    logDir: path.join(plane.logDir, 'dataplane'),
    ...(agentsDir !== undefined ? { agentsDir } : {}),
    onProgress: progress,
  });
}

/**
 * Runs the demo. Exit status is 0 only when every Gateway became Programmed in time and, with a data plane, was
 * announced and answered every exchange; on failure the message lists the Gateways (or exchanges) that did not and
 * the controller's log tail, and the logs directory is kept.
 */
export async function demo(options: DemoOptions, io: CliIo, deps: DemoDeps = {}): Promise<void> {
  const printer = new Printer(io);
  const step = (text: string): void => printer.progress(`[demo] ${text}`);
  if (options.printManifests) {
    printer.raw(formatData({ apiVersion: 'v1', kind: 'List', items: dataPlaneDemoManifests(DEFAULT_CONTROLLER_NAME) }, 'yaml'));
    return;
  }
  const bundle = options.controller !== undefined ? path.resolve(io.cwd, options.controller) : defaultControllerBundle();
  if (bundle === undefined || !existsSync(bundle)) {
    throw new DemoFailedError('find the controller', `${bundle ?? 'apps/controller/dist/gateway-api-controller.js'} does not exist; run "npm run build" first`);
  }
  const env = { ...process.env, ...io.env };
  const mode = options.dataPlane ?? 'auto';
  const ownExamples = options.examples !== undefined;
  if (mode !== 'off' && !ownExamples) step('checking whether a data plane can run here (root, network namespaces, nftables, kube-vip and kube-proxy built or buildable; a first build takes minutes)');
  const decision: DataPlaneDecision = await decideDataPlane(mode, ownExamples, deps.dataPlaneProbes ?? realDataPlaneProbes(env, io.cwd, (line) => printer.progress(line)));
  if (!decision.run && mode === 'on') throw new DemoFailedError('start the data plane', decision.reason);
  let manifests: LoadedManifest[];
  if (decision.run) {
    step(`data plane: kube-vip ${decision.binaries.kubeVip} and kube-proxy ${decision.binaries.kubeProxy} in network namespaces`);
    manifests = dataPlaneDemoSet(DEFAULT_CONTROLLER_NAME);
    step(`the data-plane demo set: ${manifests.length} objects (kvgw demo --print-manifests shows them)`);
  } else {
    step(`no data plane: ${decision.reason}; the controller programs the Gateways, but nothing announces them (ANNOUNCED stays False) and no traffic is sent`);
    const examples = options.examples !== undefined ? path.resolve(io.cwd, options.examples) : defaultExamplesDir(io.cwd);
    manifests = await loadManifests([examples], { cwd: io.cwd });
    step(`loaded ${manifests.length} objects from ${displayPath(io.cwd, examples)}`);
  }
  const timeoutMs = (options.timeoutSeconds ?? 120) * 1000;

  // `done` ends the demo's own steps (Ctrl-C); `stop` then ends the cluster, after the report or on Ctrl-C.
  if (io.signal?.aborted) return;
  const done = new AbortController();
  io.signal?.addEventListener('abort', () => done.abort(), { once: true });
  const stop = stopAfterReady(undefined);
  let completed = false;
  const run = deps.runLocalCluster ?? runLocalCluster;
  step('starting the local control plane (the first run builds kube-apiserver and etcd, which takes minutes)');
  await run({
    signal: stop.signal,
    gatewayApiCrds: 'standard',
    // Dual-stack Services, so the dual-stack Gateways can be programmed.
    serviceClusterIpRange: DUAL_STACK_SERVICE_RANGES,
    env,
    onProgress: (line) => printer.progress(line.startsWith('[') ? line : `[demo] ${line}`),
    log: (line) => printer.progress(`[demo] ${line.trim()}`),
    onReady: async (plane: LocalControlPlane) => {
      stop.ready();
      let controller: RunningController | undefined;
      let dataPlane: DataPlane | undefined;
      const client = await KubeClient.create({ source: { kind: 'string', yaml: plane.kubeconfig }, userAgent: 'kvgw-demo' });
      // Polls the Gateways until `pending` says nothing is left, the controller dies, or the deadline passes.
      const waitForGateways = async (what: string, pending: (gateways: Gateway[]) => string[]): Promise<Gateway[] | undefined> => {
        step(`waiting up to ${timeoutMs / 1000} s for every Gateway to be ${what}`);
        const deadline = Date.now() + timeoutMs;
        while (!done.signal.aborted) {
          const gateways = await listRequired<Gateway>(client, GatewayResource);
          const left = pending(gateways);
          if (left.length === 0) return gateways;
          if (controller?.exited !== undefined) {
            throw new DemoFailedError('run the controller', `it exited (${controller.exited.signal ?? `code ${controller.exited.code}`}); log ${controller.logFile}:\n${await logTail(controller.logFile)}`);
          }
          dataPlane?.assertRunning();
          if (Date.now() > deadline) {
            throw new DemoFailedError(
              'wait for Gateways',
              `not ${what} after ${timeoutMs / 1000} s:\n${left.map((p) => `    ${p}`).join('\n')}\n  controller log ${controller?.logFile}:\n${await logTail(controller?.logFile ?? '')}`,
            );
          }
          await sleep(500, done.signal);
        }
        return undefined;
      };
      try {
        if (decision.run) {
          step('starting the data plane: node1 (kube-vip, kube-proxy), an echo backend and a client, each in its own network namespace');
          dataPlane = await startDataPlane(plane, client, decision.binaries, env, io.cwd, (line) => step(`data plane: ${line}`));
        }
        step(`starting the controller ${displayPath(io.cwd, bundle)}`);
        controller = startController(bundle, plane.kubeconfigPath, plane.logDir, env);
        step(`applying ${manifests.length} objects`);
        await applyManifests(client, manifests);
        if ((await waitForGateways('Programmed', notProgrammed)) === undefined) return;
        step('every Gateway is Programmed');
        let gateways: Gateway[] | undefined;
        if (dataPlane !== undefined) {
          gateways = await waitForGateways('announced by kube-vip (kube-vip.io/Announced True)', notAnnounced);
          if (gateways === undefined) return;
          step('every Gateway is announced');
        }
        printer.raw(formatStatus(await collectStatus(client, undefined), printer.out));
        printer.line();
        printer.line(printer.out.paint('bold', 'Services made by the controller'));
        const services = await listRequired<Service>(client, ServiceResource, { labelSelector: GATEWAY_NAME_LABEL });
        printer.raw(formatServices(services));
        if (dataPlane !== undefined && gateways !== undefined) {
          step(`sending a TCP and a UDP exchange through each Gateway's address from the client namespace ${dataPlane.clientNetns}`);
          const exchanges = await exchangeThroughGateways(dataPlane, gateways, { signal: done.signal });
          if (done.signal.aborted) return;
          printer.line();
          printer.line(printer.out.paint('bold', 'Traffic through the Gateways (client namespace -> address announced by kube-vip on node1 -> kube-proxy -> echo backend)'));
          printer.raw(formatExchanges(exchanges, printer.out));
          const failed = exchanges.filter((e) => !e.ok);
          if (failed.length > 0) {
            throw new DemoFailedError(
              'send traffic',
              `${failed.length} of ${exchanges.length} exchanges failed:\n${failed.map((e) => `    ${e.gateway} ${e.address} ${e.listener.protocol}/${e.listener.port}: ${describeExchange(e)}`).join('\n')}\n  data-plane logs: ${dataPlane.logDir}`,
            );
          }
          step(`${exchanges.length} of ${exchanges.length} exchanges answered by the echo backend`);
        }
        completed = true;
        if (options.keep) {
          printer.line();
          printer.line(`The demo keeps running: ${printer.out.paint('bold', `export KUBECONFIG=${plane.kubeconfigPath}`)}; press Ctrl-C to stop.`);
          if (!done.signal.aborted) await new Promise<void>((resolve) => done.signal.addEventListener('abort', () => resolve(), { once: true }));
        }
      } finally {
        if (controller !== undefined) await stopController(controller);
        if (dataPlane !== undefined) {
          step('stopping the data plane and removing its network namespaces');
          await dataPlane.stop();
        }
        await client.close();
        stop.stop();
      }
    },
  });
  step('stopped');
  if (!completed) throw new DemoFailedError('run', 'interrupted before every Gateway was Programmed');
}
