// The controller under test as its own OS process: the built single-file bundle run by `node`, with only the identity
// (kubeconfig) it is given, its output appended to one log file across restarts, and its /readyz and /metrics on
// free loopback ports.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, readdirSync, statSync, writeSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, trackCleanupCommand, untrackCleanupCommand } from '@kube-vip-gw/controller-runtime/envtest';
import { WaitTimeoutError, sleep, waitFor } from '@kube-vip-gw/test-support';

/** Root of the repository. */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../..');
/** The controller bundle `npm run build` makes. */
export const CONTROLLER_BUNDLE = path.join(REPO_ROOT, 'apps/controller/dist/gateway-api-controller.js');
/** Name (and namespace) of the leader election Lease, as deploy/ runs it. */
export const LEADER_ELECTION = { namespace: 'kube-vip-gateway-api', name: 'kube-vip-gateway-api' } as const;

/** The bundle could not be found or built; the message says how to make it. */
export class ControllerBundleError extends Error {
  readonly _tag = 'ControllerBundleError';
  constructor(message: string) {
    super(message);
    this.name = 'ControllerBundleError';
  }
}

/** The controller process ended or never became ready; the message carries the end of its log. */
export class ControllerProcessError extends Error {
  readonly _tag = 'ControllerProcessError';
  constructor(message: string, logFile: string) {
    super(`${message}\n--- last lines of ${logFile} ---\n${logTail(logFile, 40)}`);
    this.name = 'ControllerProcessError';
  }
}

function newestSourceMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSourceMtime(full));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) newest = Math.max(newest, statSync(full).mtimeMs);
  }
  return newest;
}

/**
 * Returns the path of the controller bundle, building it first when it is missing or older than the sources it is
 * made from (so the e2e tests never run yesterday's controller). KVGW_E2E_CONTROLLER_BUNDLE names a prebuilt bundle
 * and skips both checks. The build is tsup alone (no type-check), so another package's unfinished types cannot block it.
 */
export function ensureControllerBundle(env: NodeJS.ProcessEnv = process.env): string {
  const given = env['KVGW_E2E_CONTROLLER_BUNDLE'];
  if (given) {
    if (!existsSync(given)) throw new ControllerBundleError(`KVGW_E2E_CONTROLLER_BUNDLE="${given}": no such file`);
    return given;
  }
  const sources = ['apps/controller/src', 'packages/controller/src', 'packages/kube-core/src', 'packages/ipam/src', 'packages/gateway-model/src', 'packages/service-mapper/src', 'packages/controller-runtime/src'];
  const newest = Math.max(...sources.map((s) => newestSourceMtime(path.join(REPO_ROOT, s))));
  if (existsSync(CONTROLLER_BUNDLE) && statSync(CONTROLLER_BUNDLE).mtimeMs >= newest) return CONTROLLER_BUNDLE;
  process.stderr.write(`[e2e] building the controller bundle (${existsSync(CONTROLLER_BUNDLE) ? 'older than its sources' : 'missing'})\n`);
  const build = spawnSync('npm', ['run', 'build', '--workspace', '@kube-vip-gw/controller-app'], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    timeout: 300_000,
  });
  if (build.status !== 0 || !existsSync(CONTROLLER_BUNDLE)) {
    const output = `${build.stdout ?? ''}${build.stderr ?? ''}`.trim().split('\n').slice(-30).join('\n');
    throw new ControllerBundleError(
      `could not build ${CONTROLLER_BUNDLE} (npm run build --workspace @kube-vip-gw/controller-app exited ${build.status ?? build.signal}); ` +
        `run \`npm run build\` at the repository root and look at its errors:\n${output}`,
    );
  }
  return CONTROLLER_BUNDLE;
}

/** The last `lines` lines of a log file ('' when it does not exist). */
export function logTail(file: string, lines: number): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/** How to run the controller. */
export interface ControllerProcessOptions {
  readonly bundle: string;
  /** kubeconfig of the identity the controller runs as. */
  readonly kubeconfig: string;
  /** stdout and stderr are appended here (one file across restarts). */
  readonly logFile: string;
  /** `--leader-elect` in the namespace of deploy/ (default true, as the Deployment runs it). */
  readonly leaderElect?: boolean;
  /** More flags, e.g. `--ipam-configmap other`. */
  readonly extraArgs?: readonly string[];
  /** How long to wait for /readyz and leadership (default 60 s: a new leader waits out a killed one's lease, 15 s). */
  readonly readyTimeoutMs?: number;
}

/** How the process ended. */
export interface ControllerExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;
function killOnExit(child: ChildProcess): void {
  live.add(child);
  // A worker killed by a signal runs no exit hook: envtest's reaper kills the controller then (a SIGTERM to a running
  // `npm run bench` left one behind, polling an API server that was gone).
  const reaped = `controller-${child.pid}`;
  if (child.pid !== undefined) trackCleanupCommand(reaped, ['kill', '-KILL', String(child.pid)]);
  child.once('exit', () => {
    live.delete(child);
    untrackCleanupCommand(reaped);
  });
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // A test worker that ends without afterAll (crash, process.exit) must not leave a controller behind.
  process.once('exit', () => {
    for (const c of live) c.kill('SIGKILL');
  });
}

async function httpGet(url: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { timeout: 5_000, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url}: no answer within 5 s`)));
    req.on('error', reject);
  });
}

/** A running gateway-api-controller process. */
export class ControllerProcess {
  private exitStatus: ControllerExit | undefined;
  private readonly exited: Promise<ControllerExit>;

  private constructor(
    readonly options: ControllerProcessOptions,
    private readonly child: ChildProcess,
    /** `http://127.0.0.1:<port>` of /metrics. */
    readonly metricsUrl: string,
    /** `http://127.0.0.1:<port>` of /healthz and /readyz. */
    readonly probeUrl: string,
  ) {
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exitStatus = { code, signal };
        resolve(this.exitStatus);
      });
    });
  }

  /** Spawns the controller and waits until /readyz answers 200 and (with leader election) it leads. */
  static async start(options: ControllerProcessOptions): Promise<ControllerProcess> {
    const [metricsPort, probePort] = [await freePort(), await freePort()];
    const args = [
      options.bundle,
      '--kubeconfig', options.kubeconfig,
      '--metrics-bind-address', `127.0.0.1:${metricsPort}`,
      '--health-probe-bind-address', `127.0.0.1:${probePort}`,
      ...(options.leaderElect === false ? [] : ['--leader-elect', '--leader-election-namespace', LEADER_ELECTION.namespace]),
      '--log-format', 'text',
      ...(options.extraArgs ?? []),
    ];
    const fd = openSync(options.logFile, 'a');
    writeSync(fd, `\n=== ${new Date().toISOString()} node ${args.join(' ')}\n`);
    const { KUBECONFIG: _ignored, ...env } = process.env;
    const child = spawn(process.execPath, args, { stdio: ['ignore', fd, fd], env, cwd: REPO_ROOT });
    closeSync(fd);
    killOnExit(child);
    const controller = new ControllerProcess(options, child, `http://127.0.0.1:${metricsPort}`, `http://127.0.0.1:${probePort}`);
    try {
      await controller.waitReady(options.readyTimeoutMs ?? 60_000);
    } catch (error) {
      await controller.kill('SIGKILL');
      throw error;
    }
    return controller;
  }

  /** The process id. */
  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** The log file (shared by every start with the same options). */
  get logFile(): string {
    return this.options.logFile;
  }

  /** True while the process runs. */
  get running(): boolean {
    return this.exitStatus === undefined;
  }

  private assertRunning(doing: string): void {
    if (this.exitStatus) {
      const how = this.exitStatus.signal ? `killed by ${this.exitStatus.signal}` : `exited with status ${this.exitStatus.code}`;
      throw new ControllerProcessError(`the controller ${how} while ${doing}`, this.logFile);
    }
  }

  private async waitReady(timeoutMs: number): Promise<void> {
    const what = `the controller (pid ${this.pid}) to answer /readyz 200${this.options.leaderElect === false ? '' : ' and lead'}`;
    try {
      await waitFor(what, async () => {
        this.assertRunning('starting');
        const ready = await httpGet(`${this.probeUrl}/readyz`);
        if (ready.status !== 200) return false;
        return this.options.leaderElect === false || (await this.leading());
      }, timeoutMs);
    } catch (error) {
      if (error instanceof WaitTimeoutError) throw new ControllerProcessError(error.message, this.logFile);
      throw error;
    }
  }

  /** True when its leader_election_master_status gauge says it leads. */
  async leading(): Promise<boolean> {
    const text = await this.metrics();
    return new RegExp(`^leader_election_master_status\\{name="${LEADER_ELECTION.name}"\\} 1$`, 'm').test(text);
  }

  /** The Prometheus text of /metrics. */
  async metrics(): Promise<string> {
    this.assertRunning('reading /metrics');
    const res = await httpGet(`${this.metricsUrl}/metrics`);
    if (res.status !== 200) throw new ControllerProcessError(`/metrics answered HTTP ${res.status}`, this.logFile);
    return res.text;
  }

  /** rest_client_requests_total summed per HTTP method (GET, POST, PUT, PATCH, DELETE). */
  async requestsByMethod(): Promise<Record<string, number>> {
    return requestsByMethod(await this.metrics());
  }

  /** Sends `signal` and waits for the process to end (SIGKILL after `timeoutMs` if it has not). */
  async kill(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 15_000): Promise<ControllerExit> {
    if (this.exitStatus) return this.exitStatus;
    this.child.kill(signal);
    const timer = sleep(timeoutMs).then(() => undefined);
    const ended = await Promise.race([this.exited, timer]);
    if (ended) return ended;
    this.child.kill('SIGKILL');
    return this.exited;
  }

  /** Starts a new process with the same options (the old one must have ended). */
  async restart(): Promise<ControllerProcess> {
    if (this.running) throw new Error(`restart: the controller (pid ${this.pid}) is still running; kill() it first`);
    return ControllerProcess.start(this.options);
  }
}

/** Sums `rest_client_requests_total` samples of a Prometheus text per `method` label. */
export function requestsByMethod(metricsText: string): Record<string, number> {
  const totals: Record<string, number> = {};
  for (const line of metricsText.split('\n')) {
    const m = /^rest_client_requests_total\{([^}]*)\} (\S+)$/.exec(line);
    if (!m) continue;
    const method = /method="([^"]*)"/.exec(m[1] ?? '')?.[1] ?? '';
    totals[method] = (totals[method] ?? 0) + Number(m[2]);
  }
  return totals;
}
