// The data-plane half of `kvgw demo`: whether this machine can run kube-vip and kube-proxy in network namespaces (and
// exactly why not), the manifests the demo applies when it can, and the TCP and UDP exchanges through every Gateway's
// address from the client namespace.
//
// Why a set of its own instead of examples/: the examples' pools (192.168.1.x, fd00:10::) are not on the data plane's
// client segment, so nothing there could reach them, and their backends select Pods that never run (no kubelet). This
// set takes its pool from the data plane's segment and points selector-less backend Services, through EndpointSlices
// on node1, at the echo backend @kube-vip-gw/dataplane starts, one port per backend, so each answer says which backend
// the traffic reached. Every Gateway has a TCP and a UDP listener.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { GatewayConditionType, type Condition, type Gateway, type KubeObject } from '@kube-vip-gw/gateway-model';
import {
  BACKEND_V4,
  BACKEND_V6,
  LAN_V4_PREFIX,
  LAN_V6_PREFIX,
  dataPlaneUnsupportedReason,
  ensureDataPlaneBinaries,
  nodeName,
  type DataPlane,
  type ProbeResult,
  type Protocol,
} from '@kube-vip-gw/dataplane';
import { formatTable } from './table.js';
import type { Styler } from './io.js';

/** `--data-plane`: auto (when the machine allows it), on (fail when it does not), off (control plane only). */
export type DataPlaneMode = 'auto' | 'on' | 'off';
export const DATA_PLANE_MODES: readonly DataPlaneMode[] = ['auto', 'on', 'off'];

/** What the "can this machine run the data plane" decision looks at, injectable for tests. */
export interface DataPlaneProbes {
  /** Why network namespaces cannot be made here (not Linux, not root, no `ip`, `ip netns add` refused), else undefined. */
  readonly unsupportedReason: () => string | undefined;
  /** Whether `nft` runs: kube-proxy runs in nftables mode. */
  readonly nftInstalled: () => boolean;
  /** Finds or builds kube-vip and kube-proxy (tools/dataplane/build.sh); rejects with the build's one-line reason. */
  readonly binaries: () => Promise<{ readonly kubeVip: string; readonly kubeProxy: string }>;
}

/** The decision: run with a data plane (and these binaries), or without one, for `reason`. */
export type DataPlaneDecision =
  | { readonly run: true; readonly binaries: { readonly kubeVip: string; readonly kubeProxy: string } }
  | { readonly run: false; readonly reason: string };

/**
 * Decides whether the demo runs a data plane. The checks go from cheap to expensive and the first that fails is the
 * reason: the mode, the user's own manifests (their pools and backends cannot carry traffic here), namespaces (root),
 * nftables, then the binaries, built on first use (minutes) when Go is there.
 */
export async function decideDataPlane(mode: DataPlaneMode, ownExamples: boolean, probes: DataPlaneProbes): Promise<DataPlaneDecision> {
  if (mode === 'off') return { run: false, reason: '--data-plane off' };
  if (ownExamples) return { run: false, reason: '--examples given: the data-plane demo applies its own manifests (a pool on the client segment, echo backends), so yours run without one' };
  const unsupported = probes.unsupportedReason();
  if (unsupported !== undefined) return { run: false, reason: unsupported };
  if (!probes.nftInstalled()) return { run: false, reason: '`nft` (nftables) is not installed, and kube-proxy runs in nftables mode (apt-get install nftables)' };
  try {
    return { run: true, binaries: await probes.binaries() };
  } catch (error) {
    return { run: false, reason: `kube-vip and kube-proxy are not built and cannot be built here: ${(error as Error).message.replace(/^\[dataplane\] FAILED: /, '')}` };
  }
}

const require = createRequire(import.meta.url);

/**
 * Where @kube-vip-gw/dataplane's agent scripts and tools/dataplane/build.sh are. Needed because the kvgw binary is one
 * bundle in apps/cli/dist, where the package's own `import.meta.url`-relative paths would point nowhere.
 */
export function dataPlanePaths(cwd: string): { readonly agentsDir: string | undefined; readonly buildScript: string | undefined } {
  let packageDir: string | undefined;
  try {
    packageDir = path.dirname(require.resolve('@kube-vip-gw/dataplane/package.json'));
  } catch {
    packageDir = undefined;
  }
  const agentsDir = packageDir === undefined ? undefined : path.join(packageDir, 'src', 'agents');
  let buildScript: string | undefined;
  for (const start of [packageDir, cwd].filter((d): d is string => d !== undefined)) {
    for (let dir = start; ; dir = path.dirname(dir)) {
      const candidate = path.join(dir, 'tools', 'dataplane', 'build.sh');
      if (existsSync(candidate)) {
        buildScript = candidate;
        break;
      }
      if (path.dirname(dir) === dir) break;
    }
    if (buildScript !== undefined) break;
  }
  return { agentsDir: agentsDir !== undefined && existsSync(agentsDir) ? agentsDir : undefined, buildScript };
}

/** The real probes: this machine, tools/dataplane/build.sh (progress lines to `onProgress`). */
export function realDataPlaneProbes(env: NodeJS.ProcessEnv, cwd: string, onProgress: (line: string) => void): DataPlaneProbes {
  return {
    unsupportedReason: dataPlaneUnsupportedReason,
    nftInstalled: () => {
      const nft = spawnSync('nft', ['--version'], { encoding: 'utf8' });
      return !nft.error && nft.status === 0;
    },
    binaries: async () => {
      const { buildScript } = dataPlanePaths(cwd);
      if (buildScript === undefined) throw new Error('tools/dataplane/build.sh not found (kvgw runs outside a checkout of the repository)');
      const found = await ensureDataPlaneBinaries(['kube-vip', 'kube-proxy'], { env, onProgress, buildScript });
      return { kubeVip: found['kube-vip']!, kubeProxy: found['kube-proxy']! };
    },
  };
}

/** One listener of the demo set and the echo-backend port its traffic must reach. */
export interface DemoListener {
  /** `Gateway` or `ListenerSet <namespace>/<name>`: where the listener is declared. */
  readonly declaredIn: string;
  readonly name: string;
  readonly protocol: 'TCP' | 'UDP';
  readonly port: number;
  /** The echo backend's port behind it (its answer carries the port it was received on). */
  readonly backendPort: number;
}

/** A Gateway of the demo set with every listener that carries traffic through its address. */
export interface DemoGateway {
  readonly namespace: string;
  readonly name: string;
  readonly listeners: readonly DemoListener[];
}

/** The Gateways of the data-plane demo set and what each listener must reach. */
export const DATA_PLANE_DEMO_GATEWAYS: readonly DemoGateway[] = [
  {
    namespace: 'demo-echo',
    name: 'echo',
    listeners: [
      { declaredIn: 'Gateway', name: 'tcp', protocol: 'TCP', port: 7, backendPort: 9000 },
      { declaredIn: 'Gateway', name: 'udp', protocol: 'UDP', port: 7, backendPort: 9001 },
    ],
  },
  {
    namespace: 'demo-dual',
    name: 'web',
    listeners: [
      { declaredIn: 'Gateway', name: 'https', protocol: 'TCP', port: 443, backendPort: 9002 },
      { declaredIn: 'Gateway', name: 'quic', protocol: 'UDP', port: 443, backendPort: 9002 },
    ],
  },
  {
    namespace: 'demo-platform',
    name: 'shared',
    listeners: [
      { declaredIn: 'Gateway', name: 'ssh', protocol: 'TCP', port: 22, backendPort: 9003 },
      { declaredIn: 'ListenerSet demo-team/logging', name: 'syslog', protocol: 'UDP', port: 514, backendPort: 9004 },
    ],
  },
];

/** The echo backend's ports the demo set uses (the data plane serves each on TCP and UDP). */
export const DATA_PLANE_DEMO_BACKEND_PORTS: readonly number[] = [...new Set(DATA_PLANE_DEMO_GATEWAYS.flatMap((g) => g.listeners.map((l) => l.backendPort)))].sort((a, b) => a - b);

/** The pools of the demo set: on the client's segment, inside the data plane's namespaces only. */
export const DATA_PLANE_DEMO_POOLS = {
  global: `${LAN_V4_PREFIX}.100-${LAN_V4_PREFIX}.199`,
  dual: `${LAN_V4_PREFIX}.200-${LAN_V4_PREFIX}.209,${LAN_V6_PREFIX}100-${LAN_V6_PREFIX}10f`,
} as const;

type Obj = KubeObject & Record<string, unknown>;

function namespace(name: string, labels?: Record<string, string>): Obj {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, ...(labels ? { labels } : {}) } };
}

/** A selector-less backend Service on `port` (TCP and/or UDP) and its EndpointSlices: the echo backend on node1. */
function backend(ns: string, name: string, port: number, targetPort: number, protocols: readonly ('TCP' | 'UDP')[], dualStack = false): Obj[] {
  const ports = protocols.map((p) => ({ name: p.toLowerCase(), protocol: p, port, targetPort }));
  const service: Obj = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: ns },
    spec: { ...(dualStack ? { ipFamilyPolicy: 'PreferDualStack', ipFamilies: ['IPv4', 'IPv6'] } : {}), ports },
  };
  // What kube-controller-manager writes for a Pod on node1 (it does not run here): the echo backend's address.
  const slices = (dualStack ? (['IPv4', 'IPv6'] as const) : (['IPv4'] as const)).map(
    (family): Obj => ({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: `${name}-${family.toLowerCase()}`, namespace: ns, labels: { 'kubernetes.io/service-name': name } },
      addressType: family,
      ports: protocols.map((p) => ({ name: p.toLowerCase(), protocol: p, port: targetPort })),
      endpoints: [{ addresses: [family === 'IPv4' ? BACKEND_V4 : BACKEND_V6], conditions: { ready: true, serving: true, terminating: false }, nodeName: nodeName(1) }],
    }),
  );
  return [service, ...slices];
}

function route(kind: 'TCPRoute' | 'UDPRoute', ns: string, name: string, parentRef: Record<string, unknown>, service: string, port: number): Obj {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind,
    metadata: { name, namespace: ns },
    spec: { parentRefs: [parentRef], rules: [{ backendRefs: [{ name: service, port }] }] },
  };
}

/**
 * The manifests of the data-plane demo (kvgw demo --print-manifests prints them): the kube-vip GatewayClass, the
 * IPAM ConfigMap with {@link DATA_PLANE_DEMO_POOLS}, and the Gateways of {@link DATA_PLANE_DEMO_GATEWAYS}, with
 * their routes and echo backends:
 * - demo-echo/echo: TCP and UDP on port 7 of one IPv4 address, each to its own backend;
 * - demo-dual/web: an IPv4 and an IPv6 address (parameters ConfigMap), TCP and UDP on 443 to one backend;
 * - demo-platform/shared: SSH on the Gateway, and syslog (UDP 514) added by team demo-team's ListenerSet.
 */
export function dataPlaneDemoManifests(controllerName: string): Obj[] {
  const gw = (ns: string, name: string, listeners: readonly DemoListener[], extra: Record<string, unknown> = {}): Obj => ({
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: { name, namespace: ns },
    spec: { gatewayClassName: 'kube-vip', ...extra, listeners: listeners.filter((l) => l.declaredIn === 'Gateway').map((l) => ({ name: l.name, protocol: l.protocol, port: l.port })) },
  });
  const [echo, web, shared] = DATA_PLANE_DEMO_GATEWAYS as [DemoGateway, DemoGateway, DemoGateway];
  const at = (g: DemoGateway, name: string): DemoListener => g.listeners.find((l) => l.name === name)!;
  return [
    {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'GatewayClass',
      metadata: { name: 'kube-vip' },
      spec: { controllerName, description: 'L4 Gateways announced by kube-vip (kvgw demo, data plane)' },
    },
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'kubevip', namespace: 'kube-system' },
      data: { 'range-global': DATA_PLANE_DEMO_POOLS.global, [`range-${web.namespace}`]: DATA_PLANE_DEMO_POOLS.dual },
    },
    namespace(echo.namespace),
    ...backend(echo.namespace, 'echo-tcp', 7, at(echo, 'tcp').backendPort, ['TCP']),
    ...backend(echo.namespace, 'echo-udp', 7, at(echo, 'udp').backendPort, ['UDP']),
    gw(echo.namespace, echo.name, echo.listeners),
    route('TCPRoute', echo.namespace, 'echo-tcp', { name: echo.name, sectionName: 'tcp' }, 'echo-tcp', 7),
    route('UDPRoute', echo.namespace, 'echo-udp', { name: echo.name, sectionName: 'udp' }, 'echo-udp', 7),

    namespace(web.namespace),
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web-params', namespace: web.namespace }, data: { ipFamilyPolicy: 'RequireDualStack', ipFamilies: 'IPv4,IPv6' } },
    ...backend(web.namespace, 'web', 443, at(web, 'https').backendPort, ['TCP', 'UDP'], true),
    gw(web.namespace, web.name, web.listeners, { infrastructure: { parametersRef: { group: '', kind: 'ConfigMap', name: 'web-params' } } }),
    route('TCPRoute', web.namespace, 'web-https', { name: web.name, sectionName: 'https' }, 'web', 443),
    route('UDPRoute', web.namespace, 'web-quic', { name: web.name, sectionName: 'quic' }, 'web', 443),

    namespace(shared.namespace),
    namespace('demo-team', { 'gateway-access': 'shared' }),
    ...backend(shared.namespace, 'ssh', 22, at(shared, 'ssh').backendPort, ['TCP']),
    gw(shared.namespace, shared.name, shared.listeners, { allowedListeners: { namespaces: { from: 'Selector', selector: { matchLabels: { 'gateway-access': 'shared' } } } } }),
    route('TCPRoute', shared.namespace, 'ssh', { name: shared.name, sectionName: 'ssh' }, 'ssh', 22),
    {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'ListenerSet',
      metadata: { name: 'logging', namespace: 'demo-team' },
      spec: { parentRef: { name: shared.name, namespace: shared.namespace }, listeners: [{ name: 'syslog', protocol: 'UDP', port: 514 }] },
    },
    ...backend('demo-team', 'syslog', 514, at(shared, 'syslog').backendPort, ['UDP']),
    route('UDPRoute', 'demo-team', 'syslog', { group: 'gateway.networking.k8s.io', kind: 'ListenerSet', name: 'logging', sectionName: 'syslog' }, 'syslog', 514),
  ];
}

/** One exchange through a Gateway's address and what came back. */
export interface Exchange {
  readonly gateway: string;
  readonly address: string;
  readonly listener: DemoListener;
  readonly result: ProbeResult;
  /** The echo backend answered, from the port this listener's backend serves. */
  readonly ok: boolean;
}

/** Gateways whose `type` condition is not True, with why (`ns/name: False (Reason): message`). */
export function conditionNotTrue(gateways: readonly Gateway[], type: string): string[] {
  return gateways
    .map((gw) => {
      const c: Condition | undefined = gw.status?.conditions?.find((x) => x.type === type);
      if (c?.status === 'True') return undefined;
      const why = c === undefined ? `no ${type} condition yet` : `${c.status} (${c.reason}): ${c.message}`;
      return `${gw.metadata.namespace}/${gw.metadata.name}: ${why}`;
    })
    .filter((x): x is string => x !== undefined);
}

/** Gateways whose kube-vip.io/Announced condition is not True (kube-vip has not announced every address yet). */
export function notAnnounced(gateways: readonly Gateway[]): string[] {
  return conditionNotTrue(gateways, GatewayConditionType.Announced);
}

/**
 * Sends one TCP and one UDP exchange (per listener) through every address of each demo Gateway, from the client
 * namespace with its neighbour cache flushed, retrying for up to `timeoutMs` per listener (kube-proxy syncs its
 * rules a moment after kube-vip announces). Reads the addresses from the Gateways' status.
 */
export async function exchangeThroughGateways(
  dataPlane: Pick<DataPlane, 'probeUntil'>,
  gateways: readonly Gateway[],
  options: { readonly timeoutMs?: number; readonly signal?: AbortSignal } = {},
): Promise<Exchange[]> {
  const out: Exchange[] = [];
  for (const demo of DATA_PLANE_DEMO_GATEWAYS) {
    const gw = gateways.find((g) => g.metadata.namespace === demo.namespace && g.metadata.name === demo.name);
    const addresses = (gw?.status?.addresses ?? []).map((a) => a.value);
    for (const address of addresses) {
      for (const listener of demo.listeners) {
        if (options.signal?.aborted) return out;
        const proto = listener.protocol.toLowerCase() as Protocol;
        const accept = (r: ProbeResult): boolean => r.ok && r.reply.port === listener.backendPort;
        const result = await dataPlane.probeUntil(proto, address, listener.port, { accept, timeoutMs: options.timeoutMs ?? 20_000 });
        out.push({ gateway: `${demo.namespace}/${demo.name}`, address, listener, result, ok: accept(result) });
      }
    }
  }
  return out;
}

/** What one exchange shows: the backend's answer (port, the source it saw, time) or the error. */
export function describeExchange(e: Exchange): string {
  const r = e.result;
  if (!r.ok) return `${r.error} after ${r.ms} ms`;
  return `${r.reply.proto.toUpperCase()} answer from the echo backend's port ${r.reply.port} in ${r.ms} ms (it saw ${r.reply.peer})${e.ok ? '' : `, expected port ${e.listener.backendPort}`}`;
}

/** The exchanges as a table. */
export function formatExchanges(exchanges: readonly Exchange[], style: Styler): string {
  const rows = exchanges.map((e) => [
    e.gateway,
    e.address,
    e.listener.declaredIn === 'Gateway' ? e.listener.name : `${e.listener.name} (${e.listener.declaredIn})`,
    `${e.listener.protocol}/${e.listener.port}`,
    e.ok ? style.paint('green', 'ok') : style.paint('red', 'FAILED'),
    describeExchange(e),
  ]);
  return `${formatTable(['GATEWAY', 'ADDRESS', 'LISTENER', 'PORT', 'RESULT', 'DETAIL'], rows)}\n`;
}
