// gateway-api-controller: flags -> client -> manager -> controllers; runs until SIGTERM/SIGINT.
import { CommanderError } from 'commander';
import { Registry } from 'prom-client';
import { createStrategyRegistry } from '@kube-vip-gw/service-mapper';
import { KubeClient, Manager, createLogger, setupSignalHandler, type Client } from '@kube-vip-gw/controller-runtime';
import { StallGuard, fenceWrites, setupGatewayControllers } from '@kube-vip-gw/controller';
import { parseControllerOptions, type ControllerOptions } from './options.js';
import { loadStrategyModules } from './strategy-modules.js';

async function run(options: ControllerOptions): Promise<void> {
  const logger = createLogger({ level: options.logLevel, format: options.logFormat, name: 'gateway-api-controller' });
  const source = options.kubeconfig ? { kind: 'file' as const, path: options.kubeconfig } : { kind: 'default' as const };
  const registry = new Registry();
  let client: Client = await KubeClient.create({ source, userAgent: 'kube-vip-gateway-api', metricsRegistry: registry });
  if (options.leaderElect) {
    // A replica frozen past its lease must not wake up and write beside the new leader (stall-guard.ts).
    const guard = new StallGuard({
      onStall: (frozenMs) => {
        logger.error({ frozenMs: Math.round(frozenMs) }, 'the process was frozen long enough to lose its leader lease; exiting so that a fresh process rejoins as a follower');
        process.exit(1);
      },
    });
    guard.start();
    client = fenceWrites(client, guard);
  }
  const manager = new Manager({
    client,
    registry,
    logger,
    defaultMetrics: true,
    metricsBindAddress: options.metricsBindAddress,
    healthProbeBindAddress: options.healthProbeBindAddress,
    ...(options.leaderElect ? { leaderElection: { namespace: options.leaderElectionNamespace, name: options.leaderElectionId } } : {}),
    events: { reportingController: 'kube-vip.io/gateway-api-controller' },
  });
  const strategies = createStrategyRegistry();
  const custom = await loadStrategyModules(options.strategyModules, strategies);
  if (custom.length > 0) logger.info({ strategies: custom }, 'custom Service strategies registered');
  const wired = await setupGatewayControllers(manager, {
    controllerName: options.controllerName,
    ipamConfigMap: options.ipamConfigMap,
    serviceBehaviour: options.serviceBehaviour,
    concurrency: options.concurrency,
    loadBalancerClass: options.loadBalancerClass,
    leases: { mode: options.kubeVipLeaseMode, global: options.kubeVipServicesLease },
    ipamMode: options.ipamMode,
    strategies,
  });
  if (wired.missing.length > 0) logger.warn({ missing: wired.missing }, 'route CRDs not served: routes of these kinds are ignored until the CRDs are installed and the controller restarted');
  logger.info(
    { controllerName: options.controllerName, ipamConfigMap: `${options.ipamConfigMap.namespace}/${options.ipamConfigMap.name}`, routes: wired.routeResources, leaderElect: options.leaderElect },
    'starting',
  );
  await manager.start(setupSignalHandler(process, logger));
}

try {
  await run(parseControllerOptions(process.argv.slice(2)));
} catch (e) {
  if (e instanceof CommanderError) process.exit(e.exitCode);
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(1);
}
