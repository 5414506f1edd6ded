// `kvgw local-cluster` in library form: start a control plane with the Gateway API CRDs, say where the kubeconfig
// is, run until told to stop (or until a component dies), then clean up. The CLI only parses flags and wires signals.
import { LocalControlPlane, type LocalControlPlaneOptions } from './control-plane.js';
import { ControlPlaneCrashedError } from './errors.js';

/** Options of {@link runLocalCluster}. */
export interface LocalClusterOptions extends LocalControlPlaneOptions {
  /** Stops the cluster when aborted (the CLI aborts on SIGINT/SIGTERM). */
  readonly signal: AbortSignal;
  /** Receives the human-readable lines (ready, kubeconfig path, how to use it). Default: stderr. */
  readonly log?: (line: string) => void;
  /** Called once the cluster is usable, e.g. to start a controller against it (the demo does). */
  readonly onReady?: (plane: LocalControlPlane) => void | Promise<void>;
}

/**
 * Runs a local control plane until `signal` aborts: Gateway API CRDs default to the standard channel, and the admin
 * kubeconfig goes to `kubeconfigPath` when given. Rejects if the start fails, or with {@link ControlPlaneCrashedError}
 * (logs kept) if a component dies on its own.
 */
export async function runLocalCluster(options: LocalClusterOptions): Promise<void> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  if (options.signal.aborted) return;
  const plane = await LocalControlPlane.start({
    ...options,
    gatewayApiCrds: options.gatewayApiCrds ?? 'standard',
    onProgress: options.onProgress ?? log,
  });
  let crash: ((error: Error) => void) | undefined;
  const crashed = new Promise<never>((_, reject) => (crash = reject));
  crashed.catch(() => undefined);
  const unsubscribe = plane.onUnexpectedExit((component, status) => {
    const how = status.signal ? `was killed by ${status.signal}` : `exited with status ${status.code}`;
    const logFile = component === 'etcd' ? plane.logFiles.etcd : plane.logFiles.apiServer;
    crash?.(new ControlPlaneCrashedError(component, how, logFile));
  });
  // Created before onReady runs: onReady may abort the signal itself (the demo does when it is done), and an
  // 'abort' listener added after that would never fire.
  const aborted = new Promise<void>((resolve) => {
    if (options.signal.aborted) resolve();
    else options.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  // An AbortSignal alone does not keep Node's event loop alive; this timer does, until the end.
  const keepAlive = setInterval(() => undefined, 60_000);
  try {
    const kubeconfig = options.kubeconfigPath ?? plane.kubeconfigPath;
    log(`kube-apiserver ready at ${plane.server} (start ${(plane.timings.startMs / 1000).toFixed(1)} s)`);
    log(`kubeconfig: ${kubeconfig}`);
    log(`  export KUBECONFIG=${kubeconfig}`);
    log(`logs: ${plane.logDir}`);
    if (!options.signal.aborted) await Promise.race([options.onReady?.(plane), crashed]);
    await Promise.race([aborted, crashed]);
    log('stopping the local control plane');
    await plane.stop();
  } catch (error) {
    const { keptLogDir } = await plane.stop({ keepLogs: true });
    if (keptLogDir) log(`logs kept in ${keptLogDir}`);
    throw error;
  } finally {
    clearInterval(keepAlive);
    unsubscribe();
  }
}
