// The kvgw command tree (commander) and the one function that runs it: parse, dispatch, map every outcome to an exit
// code (0 ok, 1 failure or invalid input, 2 usage) and print errors as `kvgw: <message>`. Commands get a CliIo and
// injected dependencies, so tests run the real command line in-process.
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { DEFAULT_CONTROLLER_NAME, renderOffline as controllerRenderOffline } from '@kube-vip-gw/controller';
import type { KubeObject as ModelObject } from '@kube-vip-gw/gateway-model';
import type { IPFamily, IPFamilyPolicy, SearchOrder } from '@kube-vip-gw/ipam';
import packageJson from '../package.json' with { type: 'json' };
import { connectKubeClient, type ClusterConnector } from './cluster.js';
import { demo } from './demo.js';
import { DATA_PLANE_MODES, type DataPlaneMode, type DataPlaneProbes } from './demo-dataplane.js';
import { ExitCode, isCliError } from './errors.js';
import { Printer, type CliIo } from './io.js';
import { ipamAllocate } from './ipam-allocate.js';
import { ipamCheck } from './ipam-check.js';
import { ipamUsage } from './ipam-usage.js';
import { DUAL_STACK_SERVICE_RANGES, localCluster, type CrdChannel, type LocalClusterRunner } from './local-cluster.js';
import { loadManifests } from './manifests.js';
import type { DataFormat } from './output.js';
import { renderManifests, type RenderOffline } from './render.js';
import { formatRenderSummary, formatRenderTable, summariseRender } from './render-summary.js';
import { status } from './status.js';

/** The controller's own offline reconciler: `kvgw render` runs exactly the code the controller binary runs. */
export const defaultRenderOffline: RenderOffline = (objects, options) => controllerRenderOffline(objects as ModelObject[], options);

/** Dependencies of the commands, replaceable in tests (defaults: the real controller, cluster and control plane). */
export interface CliDeps {
  /** The controller's offline reconciler used by `render`. */
  readonly renderOffline?: RenderOffline | undefined;
  /** Opens a client for `status` and `ipam usage`. */
  readonly connect?: ClusterConnector | undefined;
  /** Runs the local control plane for `local-cluster` and `demo`. */
  readonly runLocalCluster?: LocalClusterRunner | undefined;
  /** Decides whether `demo` can run a data plane (default: this machine and tools/dataplane/build.sh). */
  readonly dataPlaneProbes?: DataPlaneProbes | undefined;
}

/** The process's terminal: stdout/stderr, environment, working directory; `signal` is wired by main. */
export function processIo(signal?: AbortSignal): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
    signal,
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    },
  };
}

function positiveInteger(flag: string, max: number) {
  return (value: string): number => {
    if (!/^[0-9]+$/.test(value) || Number(value) < 1 || Number(value) > max) {
      throw new InvalidArgumentError(`${flag} must be an integer from 1 to ${max}.`);
    }
    return Number(value);
  };
}

function ipFamilies(value: string): IPFamily[] {
  const out: IPFamily[] = [];
  for (const part of value.split(',').map((p) => p.trim()).filter(Boolean)) {
    const family = part.toLowerCase() === 'ipv4' ? 'IPv4' : part.toLowerCase() === 'ipv6' ? 'IPv6' : undefined;
    if (family === undefined) throw new InvalidArgumentError(`"${part}" is not IPv4 or IPv6.`);
    if (out.includes(family)) throw new InvalidArgumentError(`${family} is listed twice.`);
    out.push(family);
  }
  if (out.length === 0) throw new InvalidArgumentError('expected IPv4, IPv6, IPv4,IPv6 or IPv6,IPv4.');
  return out;
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

function rfc3339(value: string): Date {
  const ms = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(value) || Number.isNaN(ms)) throw new InvalidArgumentError('expected an RFC 3339 time such as 2024-01-01T00:00:00Z.');
  return new Date(ms);
}

function examples(lines: readonly string[]): string {
  return `\nExamples:\n${lines.map((l) => (l.startsWith('#') ? `  ${l}` : `  $ ${l}`)).join('\n')}\n`;
}

const EXIT_CODES = `
Exit codes:
  0  success
  1  failure or invalid input (bad manifest, exhausted pool, check errors, cluster unreachable)
  2  usage error (unknown command or flag, bad flag value)
`;

/** The end of every command's help: examples, then the exit codes. */
function helpFooter(lines: readonly string[]): string {
  return examples(lines) + EXIT_CODES;
}

/** Builds the kvgw command tree; actions write through `io` and use `deps` (defaults: the real implementations). */
export function buildProgram(io: CliIo = processIo(), deps: CliDeps = {}): Command {
  const printer = new Printer(io);
  const connect = deps.connect ?? connectKubeClient;
  const program = new Command('kvgw')
    .description(`kube-vip Gateway API tools: render offline, IPAM, live status, local cluster (controller ${DEFAULT_CONTROLLER_NAME})`)
    .version(packageJson.version, '-V, --version')
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      outputError: (text, write) => write(printer.err.paint('red', text)),
    })
    .exitOverride()
    .showHelpAfterError('(add --help for usage)')
    .allowExcessArguments(false)
    .addHelpText('after', helpFooter(['kvgw render -f examples/', 'kvgw ipam allocate --pool 10.0.0.0/29 -n 3', 'kvgw status -A', 'kvgw local-cluster']));

  program
    .command('render')
    .description('run the controller offline on manifests and print every resulting object (status included) as a kind: List')
    .requiredOption('-f, --filename <path...>', 'manifest file, directory (read recursively: *.yaml, *.yml, *.json) or - for stdin; repeatable')
    .addOption(new Option('-o, --output <format>', 'yaml or json (the objects, then a summary or table of the Gateways), or table (the table only)').choices(['yaml', 'json', 'table']).default('yaml'))
    .option('--no-summary', 'print only the objects (no Gateway summary on stderr, no table on a terminal)')
    .option('--controller-name <name>', 'GatewayClass controllerName to serve (default kube-vip.io/controller)')
    .option('--ipam-configmap <[namespace/]name>', 'IPAM ConfigMap among the manifests (default kube-system/kubevip)')
    .option('--service-behaviour <strategy>', 'default Service strategy: auto, duplicate, create, update, endpoints')
    .option('--now <time>', 'clock of the offline cluster, RFC 3339 (default 1970-01-01T00:00:00Z, so output is reproducible)', rfc3339)
    .option('--ignore-unknown-kinds', 'skip objects of kinds render does not read (with a warning) instead of failing')
    .addHelpText(
      'after',
      `
Reads Namespace, Service, EndpointSlice, ConfigMap, GatewayClass, Gateway, TCPRoute, UDPRoute and ReferenceGrant
objects; kind: List documents are expanded; namespaced objects without a namespace go to "default". Output is
deterministic: sorted by kind, namespace and name; uids derived from names; no resourceVersion, creationTimestamp or
managedFields; condition times set to --now.
After the objects: on a terminal, a table of the Gateways (class, addresses, listeners, routes, Services, problems);
otherwise a short summary of the same on stderr, so stdout stays parseable. -o table prints the table alone.
${helpFooter(['kvgw render -f examples/', 'kvgw render -f examples/ -o table', 'kvgw render -f gateway.yaml -f routes/ -o json', 'kubectl get gateways,tcproutes,services -A -o yaml | kvgw render -f - --ignore-unknown-kinds'])}`,
    )
    .action(async (o: { filename: string[]; output: DataFormat | 'table'; summary: boolean; controllerName?: string; ipamConfigmap?: string; serviceBehaviour?: string; now?: Date; ignoreUnknownKinds?: boolean }) => {
      const manifests = await loadManifests(o.filename, {
        cwd: io.cwd,
        readStdin: io.readStdin,
        ignoreUnknownKinds: o.ignoreUnknownKinds,
        onWarning: (m) => printer.warn(m),
      });
      const out = await renderManifests(
        manifests,
        { format: o.output === 'table' ? 'yaml' : o.output, controllerName: o.controllerName, ipamConfigMap: o.ipamConfigmap, serviceBehaviour: o.serviceBehaviour, now: o.now },
        deps.renderOffline ?? defaultRenderOffline,
      );
      const gateways = summariseRender(out.list.items);
      if (o.output === 'table') printer.raw(formatRenderTable(gateways, printer.out));
      else {
        printer.raw(out.text);
        if (o.summary && io.stdout.isTTY) {
          printer.line();
          printer.raw(formatRenderTable(gateways, printer.out));
        }
      }
      for (const w of out.warnings) printer.warn(w);
      if (o.summary && o.output !== 'table' && !io.stdout.isTTY) {
        io.stderr.write(formatRenderSummary(gateways, { objects: out.list.items.length, manifests: manifests.length, passes: out.iterations }));
      }
    });

  const ipam = program
    .command('ipam')
    .description('IPAM tools for the kube-vip-cloud-provider ConfigMap format')
    .addHelpText('after', helpFooter(['kvgw ipam allocate --pool 10.0.0.0/29 -n 3', 'kvgw ipam check -f deploy/04-ipam-configmap.yaml', 'kvgw ipam usage']));

  ipam
    .command('allocate')
    .description('allocate addresses as the controller would, one allocation per line (dual-stack comma-joined)')
    .option('--pool <value>', 'pool in ConfigMap value syntax: CIDRs if it contains "/", else start-end ranges; comma-separated')
    .option('--configmap <file>', 'read the pools from this IPAM ConfigMap manifest instead')
    .option('--namespace <ns>', 'namespace whose pool is used (cidr-<ns>, range-<ns>, then the global keys)', 'default')
    .option('--used <ip,...>', 'addresses already in use; repeatable', collect)
    .option('--used-file <file>', 'file of used addresses: one per line or comma lists, # comments; repeatable', collect)
    .addOption(new Option('--search-order <order>', 'allocate from the lowest (asc) or highest (desc) address').choices(['asc', 'desc']))
    .option('--skip-end-ips-in-cidr', 'never hand out the first and last address of each IPv4 CIDR')
    .addOption(new Option('--ip-family-policy <policy>', 'as Service spec.ipFamilyPolicy').choices(['SingleStack', 'PreferDualStack', 'RequireDualStack']))
    .option('--ip-families <list>', 'family order, primary first: IPv4, IPv6, IPv4,IPv6 or IPv6,IPv4', ipFamilies)
    .option('-n, --count <n>', 'number of allocations', positiveInteger('--count', 10_000_000), 1)
    .addHelpText(
      'after',
      `
Each allocation marks its addresses used, so -n 3 prints three different addresses. If the pool runs out, the
allocations made so far are printed, then the error, and the exit code is 1.
${helpFooter([
  'kvgw ipam allocate --pool 192.168.1.220-192.168.1.239',
  'kvgw ipam allocate --pool 10.0.0.0/29 --used 10.0.0.1,10.0.0.2 -n 3 --search-order desc',
  'kvgw ipam allocate --pool 10.0.0.8-10.0.0.15,fd00::1-fd00::10 --ip-family-policy RequireDualStack --ip-families IPv6,IPv4',
  'kvgw ipam allocate --configmap examples/01-ipam-configmap.yaml --namespace dual-stack --used-file used.txt',
])}`,
    )
    .action(async (o: { pool?: string; configmap?: string; namespace: string; used?: string[]; usedFile?: string[]; searchOrder?: SearchOrder; skipEndIpsInCidr?: boolean; ipFamilyPolicy?: IPFamilyPolicy; ipFamilies?: IPFamily[]; count: number }) => {
      await ipamAllocate(o, io);
    });

  ipam
    .command('check')
    .description("validate IPAM ConfigMaps: each key's pool, exact size per family, reserved and sharing settings, every problem")
    .requiredOption('-f, --filename <file...>', 'manifest file(s) or directories holding the ConfigMap(s), or - for stdin')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'yaml', 'json']).default('text'))
    .option('--strict', 'warnings fail the check too (exit 1)')
    .addHelpText(
      'after',
      `
Errors (exit 1): entries or settings that are refused or not understood. Warnings: what kube-vip-cloud-provider, which
reads the same ConfigMap, does differently (spaces after commas, cidr-global hiding range-<ns>, reserved-* keys,
overlapping namespace pools), pools without allocatable addresses, unknown keys.
${helpFooter(['kvgw ipam check -f deploy/04-ipam-configmap.yaml', 'kubectl get cm -n kube-system kubevip -o yaml | kvgw ipam check -f - -o json'])}`,
    )
    .action(async (o: { filename: string[]; output: 'text' | DataFormat; strict?: boolean }) => {
      await ipamCheck({ files: o.filename, output: o.output, strict: o.strict }, io);
    });

  ipam
    .command('usage')
    .description("pool utilisation on a live cluster: used = Gateways' status.addresses + Services' kube-vip addresses")
    .option('--kubeconfig <path>', 'kubeconfig file (default: $KUBECONFIG, ~/.kube/config)')
    .option('--ipam-configmap <[namespace/]name>', 'the IPAM ConfigMap', 'kube-system/kubevip')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['table', 'yaml', 'json']).default('table'))
    .addHelpText('after', helpFooter(['kvgw ipam usage', 'kvgw ipam usage --ipam-configmap kube-system/kubevip -o yaml']))
    .action(async (o: { kubeconfig?: string; ipamConfigmap: string; output: 'table' | DataFormat }) => {
      await ipamUsage({ kubeconfig: o.kubeconfig, ipamConfigMap: o.ipamConfigmap, output: o.output }, io, connect);
    });

  program
    .command('status')
    .description('live view of Gateways: class, addresses, Accepted/Programmed/Announced, listeners, routes and Services')
    .option('--kubeconfig <path>', 'kubeconfig file (default: $KUBECONFIG, ~/.kube/config)')
    .option('-n, --namespace <ns>', 'only this namespace (default: all namespaces)')
    .option('-A, --all-namespaces', 'every namespace (the default)')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['table', 'yaml', 'json']).default('table'))
    .addHelpText('after', helpFooter(['kvgw status', 'kvgw status -n shop', 'kvgw status -A -o json']))
    .action(async (o: { kubeconfig?: string; namespace?: string; allNamespaces?: boolean; output: 'table' | DataFormat }) => {
      await status(o, io, connect);
    });

  program
    .command('local-cluster')
    .description('run etcd + kube-apiserver on 127.0.0.1 with the Gateway API CRDs until Ctrl-C')
    .option('--kubeconfig <path>', 'also write the admin kubeconfig here (removed on stop)')
    .addOption(new Option('--channel <channel>', 'Gateway API CRD channel').choices(['standard', 'experimental']).default('standard'))
    .option('--service-cluster-ip-range <cidrs>', 'Service ClusterIP range(s) of kube-apiserver; IPv4,IPv6 for dual-stack Services', DUAL_STACK_SERVICE_RANGES)
    .addHelpText(
      'after',
      `
The first run builds kube-apiserver and etcd from the Go module proxy (needs Go; minutes), cached afterwards; set
KUBEBUILDER_ASSETS to use existing binaries. No nodes or kube-controller-manager: Pods never run.
${helpFooter(['kvgw local-cluster --kubeconfig /tmp/kvgw.kubeconfig', '# in another terminal:', 'KUBECONFIG=/tmp/kvgw.kubeconfig kvgw status'])}`,
    )
    .action(async (o: { kubeconfig?: string; channel: CrdChannel; serviceClusterIpRange: string }) => {
      await localCluster(o, io, deps.runLocalCluster);
    });

  program
    .command('demo')
    .description('local cluster + controller (+ kube-vip and kube-proxy in network namespaces when possible): Gateways Programmed, announced, carrying TCP and UDP')
    .option('--examples <dir>', 'manifests to apply without a data plane (default: ./examples, else the repository examples/; the data-plane demo applies its own set)')
    .option('--controller <file>', 'controller bundle to run (default: apps/controller/dist/gateway-api-controller.js)')
    .option('--timeout <seconds>', 'how long Gateways may take to become Programmed, and then announced', positiveInteger('--timeout', 3600), 120)
    .option('--keep', 'keep the cluster and controller running after the report, until Ctrl-C')
    .addOption(new Option('--data-plane <mode>', 'real kube-vip + kube-proxy: auto (when root, network namespaces, nftables and the binaries allow it), on (fail otherwise), off').choices([...DATA_PLANE_MODES]).default('auto'))
    .option('--print-manifests', "print the data-plane demo's manifests as YAML and exit")
    .addHelpText(
      'after',
      `
With a data plane (root; kube-vip and kube-proxy are built by tools/dataplane/build.sh on first use), the demo applies
its own set (pool on the data plane's client segment, echo backends), waits until kube-vip announced every Gateway,
and sends a TCP and a UDP exchange through each address from a client network namespace. Without one it says why,
applies examples/, and nothing announces the addresses. Ctrl-C stops and removes everything.
${helpFooter(['npm run build && kvgw demo', 'kvgw demo --keep', 'kvgw demo --data-plane off', 'kvgw demo --print-manifests | kvgw render -f -'])}`,
    )
    .action(async (o: { examples?: string; controller?: string; timeout: number; keep?: boolean; dataPlane: DataPlaneMode; printManifests?: boolean }) => {
      await demo(
        { examples: o.examples, controller: o.controller, timeoutSeconds: o.timeout, keep: o.keep, dataPlane: o.dataPlane, printManifests: o.printManifests },
        io,
        { runLocalCluster: deps.runLocalCluster, dataPlaneProbes: deps.dataPlaneProbes },
      );
    });

  return program;
}

/** True for the tagged errors of this project's packages (a string `_tag`): expected failures, not bugs. */
function isTaggedError(error: unknown): error is Error & { _tag: string } {
  return error instanceof Error && typeof (error as { _tag?: unknown })._tag === 'string';
}

/** Commander outcomes that are not failures: help asked for, version shown. */
const COMMANDER_SUCCESS: ReadonlySet<string> = new Set(['commander.helpDisplayed', 'commander.version']);

/** Runs kvgw with `argv` (without node and script) and returns the exit code; never throws. */
export async function runCli(argv: readonly string[], io: CliIo, deps: CliDeps = {}): Promise<ExitCode> {
  const printer = new Printer(io);
  try {
    await buildProgram(io, deps).parseAsync([...argv], { from: 'user' });
    return ExitCode.Ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // commander has printed its message (or the help) already
      if (COMMANDER_SUCCESS.has(error.code) || (error.code === 'commander.help' && error.exitCode === 0)) return ExitCode.Ok;
      return ExitCode.Usage;
    }
    if (isCliError(error)) {
      printer.error(error.message);
      return error._tag === 'CliUsageError' ? ExitCode.Usage : ExitCode.Failure;
    }
    if (isTaggedError(error)) {
      // Another package's expected failure (control plane did not start, API refused a request...): its message
      // names the input, so it is shown as is.
      printer.error(io.env['KVGW_DEBUG'] ? (error.stack ?? error.message) : error.message);
      return ExitCode.Failure;
    }
    const detail = error instanceof Error ? (io.env['KVGW_DEBUG'] ? (error.stack ?? error.message) : error.message) : String(error);
    printer.error(`unexpected error: ${detail}${io.env['KVGW_DEBUG'] ? '' : ' (set KVGW_DEBUG=1 for the stack trace)'}`);
    return ExitCode.Failure;
  }
}
