// The controller under test as a child process, started the way the image starts it (the bundle, with the node flags
// of the Dockerfile's ENTRYPOINT, NODE_ENV=production), with its metrics and probe endpoints on loopback ports.
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { freePort } from '@kube-vip-gw/controller-runtime/envtest';
import { parseMetrics, type Sample } from './prom.js';
import { sampleProcess, type ProcSample } from './procstat.js';

/** How to start the controller. */
export interface ControllerProcessOptions {
  /** The bundle (apps/controller/dist/gateway-api-controller.js, or a copy built for the benchmark). */
  readonly bundle: string;
  readonly kubeconfig: string;
  /** stdout and stderr go here (appended). */
  readonly logFile: string;
  /** Extra controller flags (e.g. --concurrency=8). */
  readonly args?: readonly string[];
  /** Node flags before the bundle (default: the image's, see imageNodeArgs). */
  readonly nodeArgs?: readonly string[];
}

/** The controller image's Dockerfile, whose ENTRYPOINT is the one place the node flags are decided. */
export const CONTROLLER_DOCKERFILE = fileURLToPath(new URL('../../../apps/controller/Dockerfile', import.meta.url));

/**
 * The node flags of an exec-form `ENTRYPOINT ["node", <flags...>, <script>]`, so the benchmark measures the process
 * the image runs rather than a copy of its flags that can drift.
 */
export function imageNodeArgs(dockerfile: string = readFileSync(CONTROLLER_DOCKERFILE, 'utf8')): string[] {
  const line = dockerfile.split('\n').find((l) => /^\s*ENTRYPOINT\s/i.test(l));
  if (line === undefined) throw new Error(`${CONTROLLER_DOCKERFILE}: no ENTRYPOINT`);
  let argv: unknown;
  try {
    argv = JSON.parse(line.replace(/^\s*ENTRYPOINT\s+/i, ''));
  } catch {
    throw new Error(`${CONTROLLER_DOCKERFILE}: ENTRYPOINT is not in exec form (a JSON array): ${line.trim()}`);
  }
  if (!Array.isArray(argv) || argv.length < 2 || argv[0] !== 'node' || !argv.every((a) => typeof a === 'string'))
    throw new Error(`${CONTROLLER_DOCKERFILE}: ENTRYPOINT must be ["node", <flags>..., <script>]: ${line.trim()}`);
  return argv.slice(1, -1) as string[];
}

/** Thrown when the controller does not start, answer or stop as expected; names the process and its log. */
export class ControllerProcessError extends Error {
  readonly _tag = 'ControllerProcessError';
  constructor(what: string, logFile: string) {
    super(`ControllerProcessError: ${what} (log: ${logFile})`);
    this.name = 'ControllerProcessError';
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A running controller process (see the module comment). */
export class ControllerProcess {
  readonly startedAt: number;
  readonly #child: ChildProcess;
  readonly #exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  #exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;

  private constructor(
    child: ChildProcess,
    readonly metricsUrl: string,
    readonly readyzUrl: string,
    readonly logFile: string,
  ) {
    this.startedAt = performance.now();
    this.#child = child;
    this.#exited = new Promise((resolve) => {
      child.on('exit', (code, signal) => {
        this.#exit = { code, signal };
        resolve({ code, signal });
      });
    });
    // The benchmark must never leave a controller behind, whatever way it ends.
    const killOnExit = (): void => {
      if (!this.#exit) child.kill('SIGKILL');
    };
    process.once('exit', killOnExit);
    void this.#exited.then(() => process.off('exit', killOnExit));
  }

  /** Spawns the controller; it is not ready yet (see waitReady). */
  static async start(opts: ControllerProcessOptions): Promise<ControllerProcess> {
    const [metricsPort, probePort] = [await freePort(), await freePort()];
    const fd = openSync(opts.logFile, 'a');
    try {
      const child = spawn(
        process.execPath,
        [
          ...(opts.nodeArgs ?? imageNodeArgs()),
          opts.bundle,
          `--kubeconfig=${opts.kubeconfig}`,
          `--metrics-bind-address=127.0.0.1:${metricsPort}`,
          `--health-probe-bind-address=127.0.0.1:${probePort}`,
          '--ipam-configmap=kube-system/kubevip',
          '--log-format=json',
          ...(opts.args ?? []),
        ],
        { stdio: ['ignore', fd, fd], env: { ...process.env, NODE_ENV: 'production' } },
      );
      return new ControllerProcess(child, `http://127.0.0.1:${metricsPort}/metrics`, `http://127.0.0.1:${probePort}/readyz`, opts.logFile);
    } finally {
      closeSync(fd);
    }
  }

  /** The process id (the node process itself: no shell in between). */
  get pid(): number {
    return this.#child.pid ?? -1;
  }

  /** CPU and memory now (undefined once exited). */
  sample(): ProcSample | undefined {
    return this.#exit ? undefined : sampleProcess(this.pid);
  }

  /** Polls /readyz every 50 ms until it answers 200; returns milliseconds since the spawn. */
  async waitReady(timeoutMs: number): Promise<number> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      if (this.#exit) throw new ControllerProcessError(`controller exited (code ${this.#exit.code}, signal ${this.#exit.signal}) before it was ready`, this.logFile);
      try {
        const res = await fetch(this.readyzUrl, { signal: AbortSignal.timeout(2000) });
        await res.arrayBuffer();
        if (res.status === 200) return performance.now() - this.startedAt;
      } catch {
        // not listening yet
      }
      if (performance.now() > deadline) throw new ControllerProcessError(`not ready within ${timeoutMs} ms`, this.logFile);
      await sleep(50);
    }
  }

  /** Scrapes /metrics. */
  async scrape(): Promise<Sample[]> {
    const res = await fetch(this.metricsUrl, { signal: AbortSignal.timeout(10_000) });
    const text = await res.text();
    if (res.status !== 200) throw new ControllerProcessError(`/metrics answered HTTP ${res.status}`, this.logFile);
    return parseMetrics(text);
  }

  /** Sends SIGTERM and waits for the exit; returns how long the shutdown took and how the process ended. */
  async stop(timeoutMs = 30_000): Promise<{ ms: number; code: number | null; signal: NodeJS.Signals | null }> {
    const t0 = performance.now();
    if (!this.#exit) this.#child.kill('SIGTERM');
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), timeoutMs);
    const exit = await this.#exited;
    clearTimeout(timer);
    return { ms: performance.now() - t0, ...exit };
  }
}
