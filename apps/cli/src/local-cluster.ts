// `kvgw local-cluster`: a real etcd + kube-apiserver on loopback with the Gateway API CRDs, until Ctrl-C. The work
// is the envtest package's runLocalCluster; this module words the terminal output and maps signals to a clean stop.
import { runLocalCluster, type LocalClusterOptions } from '@kube-vip-gw/controller-runtime/envtest';
import path from 'node:path';
import { Printer, type CliIo } from './io.js';

/** Runs a local cluster until the signal aborts (the library function, injectable for tests). */
export type LocalClusterRunner = (options: LocalClusterOptions) => Promise<void>;

/** Gateway API CRD channels the local cluster can install. */
export type CrdChannel = 'standard' | 'experimental';

/** Options of `kvgw local-cluster`. */
export interface LocalClusterCommandOptions {
  /** Where to write the admin kubeconfig (removed again on stop); default: inside the cluster's work directory. */
  readonly kubeconfig?: string | undefined;
  /** Gateway API channel (default standard: it has TCPRoute and UDPRoute since v1.5). */
  readonly channel?: CrdChannel | undefined;
}

/** A signal that never fires, for callers without one (the command then runs until the process is killed). */
function neverAborted(): AbortSignal {
  return new AbortController().signal;
}

/**
 * Runs `kvgw local-cluster`: progress (the first run builds the binaries from the Go module proxy) on stderr, the
 * ready lines with the `export KUBECONFIG=...` line on stdout, then waits for SIGINT/SIGTERM (io.signal) and stops
 * etcd and kube-apiserver. Rejects if the start fails or a component dies.
 */
export async function localCluster(options: LocalClusterCommandOptions, io: CliIo, run: LocalClusterRunner = runLocalCluster): Promise<void> {
  const printer = new Printer(io);
  const signal = io.signal ?? neverAborted();
  printer.progress('[local-cluster] starting etcd and kube-apiserver (the first run builds them from the Go module proxy, which takes minutes)');
  const kubeconfigPath = options.kubeconfig !== undefined ? path.resolve(io.cwd, options.kubeconfig) : undefined;
  await run({
    signal,
    gatewayApiCrds: options.channel ?? 'standard',
    ...(kubeconfigPath !== undefined ? { kubeconfigPath } : {}),
    env: { ...process.env, ...io.env },
    onProgress: (line) => printer.progress(line.startsWith('[') ? line : `[local-cluster] ${line}`),
    log: (line) => printer.line(line.startsWith('  export ') ? printer.out.paint('bold', line) : line),
    onReady: () => printer.line(printer.out.paint('green', 'ready: press Ctrl-C to stop')),
  });
  printer.progress('[local-cluster] stopped');
}
