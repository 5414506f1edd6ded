// `kvgw local-cluster`: a real etcd + kube-apiserver on loopback with the Gateway API CRDs, until Ctrl-C. The work
// is the envtest package's runLocalCluster; this module words the terminal output and maps signals to a clean stop.
import { runLocalCluster, type LocalClusterOptions } from '@kube-vip-gw/controller-runtime/envtest';
import path from 'node:path';
import { Printer, type CliIo } from './io.js';

/** Runs a local cluster until the signal aborts (the library function, injectable for tests). */
export type LocalClusterRunner = (options: LocalClusterOptions) => Promise<void>;

/**
 * Service ClusterIP ranges of the local cluster: IPv4 and IPv6, so dual-stack Services (and so dual-stack Gateways)
 * can be created. kube-apiserver accepts an IPv6 range of /108 or smaller.
 */
export const DUAL_STACK_SERVICE_RANGES = '10.96.0.0/12,fd00:10:96::/112';

/** Gateway API CRD channels the local cluster can install. */
export type CrdChannel = 'standard' | 'experimental';

/** Options of `kvgw local-cluster`. */
export interface LocalClusterCommandOptions {
  /** Where to write the admin kubeconfig (removed again on stop); default: inside the cluster's work directory. */
  readonly kubeconfig?: string | undefined;
  /** Gateway API channel (default standard: it has TCPRoute and UDPRoute since v1.5). */
  readonly channel?: CrdChannel | undefined;
  /** `--service-cluster-ip-range` of kube-apiserver (default DUAL_STACK_SERVICE_RANGES). */
  readonly serviceClusterIpRange?: string | undefined;
}

/** The stop signal handed to runLocalCluster, and the two moments that may fire it. */
export interface StopAfterReady {
  readonly signal: AbortSignal;
  /** Call when the cluster is ready (from onReady): a stop asked for earlier fires now. */
  ready(): void;
  /** Stops the cluster (after ready). */
  stop(): void;
}

/**
 * A stop signal for runLocalCluster that follows `outer` (Ctrl-C) but fires only once the cluster is ready, and a
 * timer tick later. runLocalCluster starts listening for the abort only after onReady has returned and never looks at
 * `signal.aborted` then, so an abort during the start or during onReady would otherwise be missed and the command hang.
 */
export function stopAfterReady(outer: AbortSignal | undefined): StopAfterReady {
  const inner = new AbortController();
  let ready = false;
  const fire = (): void => {
    setTimeout(() => inner.abort(), 0);
  };
  outer?.addEventListener('abort', () => ready && fire(), { once: true });
  return {
    signal: inner.signal,
    ready: () => {
      ready = true;
      if (outer?.aborted) fire();
    },
    stop: () => {
      if (ready) fire();
    },
  };
}

/**
 * Runs `kvgw local-cluster`: progress (the first run builds the binaries from the Go module proxy) on stderr, the
 * ready lines with the `export KUBECONFIG=...` line on stdout, then waits for SIGINT/SIGTERM (io.signal) and stops
 * etcd and kube-apiserver. Rejects if the start fails or a component dies.
 */
export async function localCluster(options: LocalClusterCommandOptions, io: CliIo, run: LocalClusterRunner = runLocalCluster): Promise<void> {
  const printer = new Printer(io);
  if (io.signal?.aborted) return;
  const stop = stopAfterReady(io.signal);
  printer.progress('[local-cluster] starting etcd and kube-apiserver (the first run builds them from the Go module proxy, which takes minutes)');
  const kubeconfigPath = options.kubeconfig !== undefined ? path.resolve(io.cwd, options.kubeconfig) : undefined;
  await run({
    signal: stop.signal,
    gatewayApiCrds: options.channel ?? 'standard',
    serviceClusterIpRange: options.serviceClusterIpRange ?? DUAL_STACK_SERVICE_RANGES,
    ...(kubeconfigPath !== undefined ? { kubeconfigPath } : {}),
    env: { ...process.env, ...io.env },
    onProgress: (line) => printer.progress(line.startsWith('[') ? line : `[local-cluster] ${line}`),
    log: (line) => printer.line(line.startsWith('  export ') ? printer.out.paint('bold', line) : line),
    onReady: () => {
      printer.line(printer.out.paint('green', 'ready: press Ctrl-C to stop'));
      stop.ready();
    },
  });
  printer.progress('[local-cluster] stopped');
}
