// `kvgw demo` (`npm run demo`): the whole system on one machine. A local control plane, the controller bundle as a
// child process, every file of examples/ applied, then a bounded wait until every Gateway is Programmed; prints the
// status view and the Services the controller made, and stops everything (or keeps running with --keep).
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
} from '@kube-vip-gw/controller-runtime';
import { runLocalCluster, type LocalControlPlane } from '@kube-vip-gw/controller-runtime/envtest';
import { GATEWAY_NAME_LABEL, GatewayConditionType, type Gateway, type Service } from '@kube-vip-gw/gateway-model';
import { listRequired } from './cluster.js';
import { DemoFailedError } from './errors.js';
import { Printer, type CliIo } from './io.js';
import { DUAL_STACK_SERVICE_RANGES, stopAfterReady, type LocalClusterRunner } from './local-cluster.js';
import { loadManifests, type LoadedManifest } from './manifests.js';
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
}

/** What the demo needs from outside, injectable for tests. */
export interface DemoDeps {
  readonly runLocalCluster?: LocalClusterRunner | undefined;
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
  return gateways
    .map((gw) => {
      const c = gw.status?.conditions?.find((x) => x.type === GatewayConditionType.Programmed);
      if (c?.status === 'True') return undefined;
      const why = c === undefined ? 'no Programmed condition yet' : `${c.status} (${c.reason}): ${c.message}`;
      return `${gw.metadata.namespace}/${gw.metadata.name}: ${why}`;
    })
    .filter((x): x is string => x !== undefined);
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

/**
 * Runs the demo. Exit status is 0 only when every Gateway of the examples became Programmed in time; on failure the
 * message lists the Gateways that did not and the controller's log tail, and the logs directory is kept.
 */
export async function demo(options: DemoOptions, io: CliIo, deps: DemoDeps = {}): Promise<void> {
  const printer = new Printer(io);
  const step = (text: string): void => printer.progress(`[demo] ${text}`);
  const bundle = options.controller !== undefined ? path.resolve(io.cwd, options.controller) : defaultControllerBundle();
  if (bundle === undefined || !existsSync(bundle)) {
    throw new DemoFailedError('find the controller', `${bundle ?? 'apps/controller/dist/gateway-api-controller.js'} does not exist; run "npm run build" first`);
  }
  const examples = options.examples !== undefined ? path.resolve(io.cwd, options.examples) : defaultExamplesDir(io.cwd);
  const manifests = await loadManifests([examples], { cwd: io.cwd });
  step(`loaded ${manifests.length} objects from ${displayPath(io.cwd, examples)}`);
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
    // Dual-stack Services, so the dual-stack example's Gateway can be programmed.
    serviceClusterIpRange: DUAL_STACK_SERVICE_RANGES,
    env: { ...process.env, ...io.env },
    onProgress: (line) => printer.progress(line.startsWith('[') ? line : `[demo] ${line}`),
    log: (line) => printer.progress(`[demo] ${line.trim()}`),
    onReady: async (plane: LocalControlPlane) => {
      stop.ready();
      let controller: RunningController | undefined;
      const client = await KubeClient.create({ source: { kind: 'string', yaml: plane.kubeconfig }, userAgent: 'kvgw-demo' });
      try {
        step(`starting the controller ${displayPath(io.cwd, bundle)}`);
        controller = startController(bundle, plane.kubeconfigPath, plane.logDir, { ...process.env, ...io.env });
        step(`applying ${manifests.length} objects`);
        await applyManifests(client, manifests);
        step(`waiting up to ${timeoutMs / 1000} s for every Gateway to be Programmed`);
        const deadline = Date.now() + timeoutMs;
        let pending: string[] = ['(not listed yet)'];
        while (!done.signal.aborted) {
          const gateways = await listRequired<Gateway>(client, GatewayResource);
          pending = notProgrammed(gateways);
          if (pending.length === 0) break;
          if (controller.exited !== undefined) {
            throw new DemoFailedError('run the controller', `it exited (${controller.exited.signal ?? `code ${controller.exited.code}`}); log ${controller.logFile}:\n${await logTail(controller.logFile)}`);
          }
          if (Date.now() > deadline) {
            throw new DemoFailedError(
              'wait for Gateways',
              `not Programmed after ${timeoutMs / 1000} s:\n${pending.map((p) => `    ${p}`).join('\n')}\n  controller log ${controller.logFile}:\n${await logTail(controller.logFile)}`,
            );
          }
          await sleep(500, done.signal);
        }
        if (done.signal.aborted) return;
        step('every Gateway is Programmed');
        completed = true;
        printer.raw(formatStatus(await collectStatus(client, undefined), printer.out));
        printer.line();
        printer.line(printer.out.paint('bold', 'Services made by the controller'));
        const services = await listRequired<Service>(client, ServiceResource, { labelSelector: GATEWAY_NAME_LABEL });
        printer.raw(formatServices(services));
        if (options.keep) {
          printer.line();
          printer.line(`The demo keeps running: ${printer.out.paint('bold', `export KUBECONFIG=${plane.kubeconfigPath}`)}; press Ctrl-C to stop.`);
          if (!done.signal.aborted) await new Promise<void>((resolve) => done.signal.addEventListener('abort', () => resolve(), { once: true }));
        }
      } finally {
        if (controller !== undefined) await stopController(controller);
        await client.close();
        stop.stop();
      }
    },
  });
  step('stopped');
  if (!completed) throw new DemoFailedError('run', 'interrupted before every Gateway was Programmed');
}
