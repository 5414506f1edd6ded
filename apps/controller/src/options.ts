import { Command, Option } from 'commander';
import { DEFAULT_CONTROLLER_NAME, DEFAULT_IPAM_CONFIGMAP, InvalidFlagError, parseConfigMapRef } from '@kube-vip-gw/controller';

export { DEFAULT_IPAM_CONFIGMAP, InvalidFlagError, parseConfigMapRef };

/** Log output formats. */
export type LogFormat = 'json' | 'text';

/** Everything the controller binary can be told on its command line or through KVGW_* environment variables. */
export interface ControllerOptions {
  kubeconfig?: string;
  metricsBindAddress: string;
  healthProbeBindAddress: string;
  leaderElect: boolean;
  leaderElectionNamespace: string;
  leaderElectionId: string;
  controllerName: string;
  ipamConfigMap: { namespace: string; name: string };
  serviceBehaviour: string;
  strategyModules: string[];
  loadBalancerClass?: string;
  concurrency: number;
  /** Which kube-vip lease stands for a Service (`auto`, `service`, `global`) and where the global one is. */
  kubeVipLeaseMode: 'auto' | 'service' | 'global';
  /** Default IPAM mode of Gateways whose parameters do not set ipamMode. */
  ipamMode: 'controller' | 'delegated';
  kubeVipServicesLease: { namespace: string; name: string };
  logLevel: string;
  logFormat: LogFormat;
}

/**
 * Rewrites Go-style single-dash long flags (`-kubeconfig x`, `-leader-elect=true`) as double-dash ones, so the
 * original controller's command lines keep working. Single-letter flags (`-h`) and values are left alone.
 */
export function normaliseGoStyleFlags(argv: readonly string[]): string[] {
  const out: string[] = [];
  let valuesOnly = false;
  for (const arg of argv) {
    if (valuesOnly || arg === '--') {
      valuesOnly = true;
      out.push(arg);
    } else if (/^-[a-zA-Z][a-zA-Z0-9-]+(=.*)?$/.test(arg)) {
      out.push(`-${arg}`);
    } else {
      out.push(arg);
    }
  }
  return out;
}

function parseBool(flag: string) {
  return (value: string): boolean => {
    if (/^(true|1|t|yes)$/i.test(value)) return true;
    if (/^(false|0|f|no)$/i.test(value)) return false;
    throw new InvalidFlagError(flag, value, 'expected true or false');
  };
}

function parsePositiveInt(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1 || n > 1024) throw new InvalidFlagError(flag, value, 'expected an integer from 1 to 1024');
    return n;
  };
}

/** The commander definition of the controller's flags (also used to print --help). */
export function controllerCommand(): Command {
  const env = (name: string) => `KVGW_${name}`;
  return new Command('gateway-api-controller')
    .description('kube-vip Gateway API controller: addresses, status and LoadBalancer Services for TCPRoute/UDPRoute')
    .addOption(new Option('--kubeconfig <path>', 'kubeconfig file; default: $KUBECONFIG, ~/.kube/config, then in-cluster').env(env('KUBECONFIG')))
    .addOption(new Option('--metrics-bind-address <addr>', 'address of /metrics; "0" disables it').default(':8080').env(env('METRICS_BIND_ADDRESS')))
    .addOption(new Option('--health-probe-bind-address <addr>', 'address of /healthz and /readyz; "0" disables it').default(':8081').env(env('HEALTH_PROBE_BIND_ADDRESS')))
    .addOption(new Option('--leader-elect [bool]', 'elect a leader through a Lease, for running several replicas').default(false).argParser(parseBool('--leader-elect')).env(env('LEADER_ELECT')))
    .addOption(new Option('--leader-election-namespace <ns>', 'namespace of the leader election Lease; default: the pod namespace, else kube-system').env(env('LEADER_ELECTION_NAMESPACE')))
    .addOption(new Option('--leader-election-id <name>', 'name of the leader election Lease').default('kube-vip-gateway-api').env(env('LEADER_ELECTION_ID')))
    .addOption(new Option('--controller-name <name>', 'GatewayClass spec.controllerName this controller serves').default(DEFAULT_CONTROLLER_NAME).env(env('CONTROLLER_NAME')))
    .addOption(new Option('--gateway-class-name <name>', 'alias of --controller-name, from the original controller').hideHelp(false))
    .addOption(new Option('--ipam-configmap <[namespace/]name>', 'IPAM ConfigMap (kube-vip-cloud-provider format); a bare name is in kube-system').default(DEFAULT_IPAM_CONFIGMAP).env(env('IPAM_CONFIGMAP')))
    .addOption(new Option('--service-behaviour <strategy>', 'default Service strategy: duplicate, create, update, endpoints, a custom one, or "auto" (duplicate for one same-namespace backend, else endpoints)').default('auto').env(env('SERVICE_BEHAVIOUR')))
    .addOption(new Option('--strategy-module <path...>', 'ES module(s) that register custom Service strategies').env(env('STRATEGY_MODULES')))
    .addOption(new Option('--load-balancer-class <class>', 'spec.loadBalancerClass of created Services (e.g. kube-vip.io/kube-vip-class); unset by default').env(env('LOAD_BALANCER_CLASS')))
    .addOption(
      new Option('--kube-vip-lease-mode <mode>', "which kube-vip lease tells that an address is announced: service (kube-vip's svc_election=true: kubevip-<service> in its namespace), global (svc_election=false: the services lease), auto (the one that exists and is current)")
        .choices(['auto', 'service', 'global'])
        .default('auto')
        .env(env('KUBE_VIP_LEASE_MODE')),
    )
    .addOption(new Option('--kube-vip-services-lease <[namespace/]name>', "kube-vip's services lease with svc_election=false (its default: kube-system/plndr-svcs-lock); a bare name is in kube-system").default('kube-system/plndr-svcs-lock').env(env('KUBE_VIP_SERVICES_LEASE')))
    .addOption(
      new Option('--ipam-mode <mode>', "who assigns Gateway addresses unless a Gateway's parameters say (ipamMode): controller (this controller, from the IPAM ConfigMap) or delegated (kube-vip-cloud-provider, on the Gateway's Service; run it with --concurrent-service-syncs=1)")
        .choices(['controller', 'delegated'])
        .default('controller')
        .env(env('IPAM_MODE')),
    )
    .addOption(new Option('--concurrency <n>', 'Gateways reconciled in parallel').default(4).argParser(parsePositiveInt('--concurrency')).env(env('CONCURRENCY')))
    .addOption(new Option('--log-level <level>', 'log level').choices(['trace', 'debug', 'info', 'warn', 'error']).default('info').env(env('LOG_LEVEL')))
    .addOption(new Option('--log-format <format>', 'log format').choices(['json', 'text']).default('json').env(env('LOG_FORMAT')))
    .allowExcessArguments(false);
}

/** Parses the controller's argv (without node and script) into options; throws InvalidFlagError or exits on --help. */
export function parseControllerOptions(argv: readonly string[], command: Command = controllerCommand()): ControllerOptions {
  command.exitOverride().parse(normaliseGoStyleFlags(argv), { from: 'user' });
  const o = command.opts();
  const controllerName = (o.gatewayClassName as string | undefined) ?? (o.controllerName as string);
  if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?\/[A-Za-z0-9/\-._~%!$&'()*+,;=:]+$/.test(controllerName)) {
    throw new InvalidFlagError('--controller-name', controllerName, 'expected "domain/path", as GatewayClass spec.controllerName');
  }
  const strategyModules = o.strategyModule as string[] | string | undefined;
  return {
    kubeconfig: o.kubeconfig as string | undefined,
    metricsBindAddress: o.metricsBindAddress as string,
    healthProbeBindAddress: o.healthProbeBindAddress as string,
    leaderElect: o.leaderElect === true,
    leaderElectionNamespace: (o.leaderElectionNamespace as string | undefined) ?? process.env.POD_NAMESPACE ?? 'kube-system',
    leaderElectionId: o.leaderElectionId as string,
    controllerName,
    ipamConfigMap: parseConfigMapRef(o.ipamConfigmap as string),
    serviceBehaviour: o.serviceBehaviour as string,
    strategyModules: typeof strategyModules === 'string' ? strategyModules.split(',').filter(Boolean) : (strategyModules ?? []),
    loadBalancerClass: o.loadBalancerClass as string | undefined,
    concurrency: o.concurrency as number,
    kubeVipLeaseMode: o.kubeVipLeaseMode as ControllerOptions['kubeVipLeaseMode'],
    ipamMode: o.ipamMode as ControllerOptions['ipamMode'],
    kubeVipServicesLease: parseConfigMapRef(o.kubeVipServicesLease as string, '--kube-vip-services-lease'),
    logLevel: o.logLevel as string,
    logFormat: o.logFormat as LogFormat,
  };
}

/** Parses a bind address (":8080", "127.0.0.1:8080", "0" = disabled) into host and port. */
export function parseBindAddress(value: string, flag: string): { host: string; port: number } | undefined {
  if (value === '0' || value === '') return undefined;
  const m = /^(.*):(\d{1,5})$/.exec(value);
  const port = m ? Number(m[2]) : NaN;
  if (!m || port > 65535) throw new InvalidFlagError(flag, value, 'expected [host]:port or 0');
  const host = (m[1] ?? '').replace(/^\[(.*)\]$/, '$1');
  return { host: host === '' ? '0.0.0.0' : host, port };
}
