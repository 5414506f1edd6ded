// One data-plane environment per test file: the e2e environment (real kube-apiserver + etcd, deploy/'s RBAC and
// GatewayClass, the controller as its own process) plus a real data plane (@kube-vip-gw/dataplane): kube-vip and
// kube-proxy in node namespaces with their own identities and least-privilege RBAC, Node objects, an echo backend,
// and a client namespace that probes the Gateways' addresses.
import { afterAll, afterEach, beforeAll } from 'vitest';
import {
  BACKEND_V4,
  BACKEND_V6,
  DataPlane,
  KUBE_PROXY_IDENTITY,
  KUBE_VIP_IDENTITY,
  LAN_V4_PREFIX,
  LAN_V6_PREFIX,
  ensureDataPlaneBinaries,
  kubeVipRbac,
  nodeName,
  nodeObject,
  nodeStatus,
  type DataPlaneOptions,
  type ProbeResult,
  type Protocol,
} from '@kube-vip-gw/dataplane';
import { readFileSync } from 'node:fs';
import type { ConfigMap, EndpointSlice, Gateway, KubeObject, Service } from '@kube-vip-gw/gateway-model';
import { SERVICE_CLUSTER_IP_RANGE, useControllerEnvironment, type E2eEnvironment } from '../../e2e/support/environment.js';
import { R, type ApiResource, type KubeRest } from '../../e2e/support/kube-rest.js';
import { statusAddresses } from '../../e2e/support/objects.js';
import { reads } from '../../e2e/support/reads.js';
import { uniqueName } from '../../../../../packages/controller-runtime/test/e2e/harness.js';

/** Why the data-plane tests skip here (no network namespaces), or undefined: set by the global setup. */
export const DATAPLANE_SKIP_REASON = process.env['KVGW_DATAPLANE_SKIP'];

export const NODE: ApiResource = { group: '', version: 'v1', kind: 'Node', plural: 'nodes', namespaced: false };

/** A namespace with a slice of the data plane's pool: `v4` and `v6` addresses reachable from the client. */
export interface PoolNamespace {
  readonly name: string;
  readonly v4: readonly string[];
  readonly v6: readonly string[];
}

export interface DataPlaneEnvironment {
  readonly e2e: E2eEnvironment;
  readonly admin: KubeRest;
  readonly dataPlane: DataPlane;
  /** A namespace whose pool (`range-<ns>`) is 4 IPv4 and 4 IPv6 addresses of the client's segment (10.77.0.100-239, fd77::100-18b). */
  newNamespace(prefix: string): Promise<PoolNamespace>;
  /**
   * A backend Service `name` (dual-stack, selector-less unless `selector` is given) forwarding `port` to the echo
   * backend's `targetPort` for `protocols`, and its EndpointSlices (IPv4 and IPv6, nodeName node1): what
   * kube-controller-manager would make for a Pod on node1 (it does not run here).
   */
  backend(namespace: string, name: string, port: number, options?: { targetPort?: number; protocols?: readonly ('TCP' | 'UDP')[]; selector?: Record<string, string> }): Promise<Service>;
  /**
   * EndpointSlices with every port of `service` at the echo backend's `targetPort`: the endpoint controller's job for a
   * Service with a selector (duplicate, create), or the user's for a selector-less one that `update` gave a port.
   */
  endpointsFor(service: Service, targetPort: number): Promise<void>;
  /** The Gateway's addresses once it has them and is Programmed. */
  gatewayAddresses(namespace: string, name: string, count?: number): Promise<string[]>;
  /** Probes until an answer from the echo backend's `targetPort` (or timeout): the path works. */
  expectServes(proto: Protocol, address: string, port: number, targetPort: number, timeoutMs?: number): Promise<ProbeResult>;
  /** Probes until the connection is refused/unanswered (not served by the backend), or timeout. */
  expectRefused(proto: Protocol, address: string, port: number, timeoutMs?: number): Promise<ProbeResult>;
}

/** Options of {@link useDataPlaneEnvironment}. */
export interface DataPlaneEnvironmentOptions {
  readonly nodes?: number;
  readonly kubeVipEnv?: Readonly<Record<string, string>>;
  readonly controllerArgs?: readonly string[];
  readonly startKubeProxy?: boolean;
  /** Echo backend ports (default 9000-9009). */
  readonly backendPorts?: readonly number[];
}

export const DEFAULT_BACKEND_PORTS = Array.from({ length: 10 }, (_, i) => 9000 + i);

/** Sets up the environment for the current file (beforeAll) and tears it down (afterAll); returns a getter. */
export function useDataPlaneEnvironment(options: DataPlaneEnvironmentOptions = {}): () => DataPlaneEnvironment {
  const e2e = useControllerEnvironment(options.controllerArgs ? { extraArgs: options.controllerArgs } : {});
  let env: DataPlaneEnvironment | undefined;
  let dataPlane: DataPlane | undefined;
  let failed = false;
  let blocks = 0;

  beforeAll(async () => {
    const base = e2e();
    const admin = base.admin;
    const plane = base.plane;
    for (const object of kubeVipRbac()) await admin.apply(object['kind'] === 'ClusterRole' ? R.ClusterRole : R.ClusterRoleBinding, object as unknown as KubeObject);
    for (let i = 1; i <= (options.nodes ?? 1); i += 1) {
      await admin.create(NODE, nodeObject(i) as unknown as KubeObject);
      await admin.patch(NODE, { name: nodeName(i) }, nodeStatus(i), 'merge', 'status');
    }
    const binaries = await ensureDataPlaneBinaries(['kube-vip', 'kube-proxy']);
    const kubeVipKubeconfig = await plane.kubeconfigFileFor(KUBE_VIP_IDENTITY.user, [...KUBE_VIP_IDENTITY.groups]);
    const kubeProxyKubeconfig = await plane.kubeconfigFileFor(KUBE_PROXY_IDENTITY.user, [...KUBE_PROXY_IDENTITY.groups]);
    const port = Number(/server: https:\/\/127\.0\.0\.1:(\d+)/.exec(readFileSync(kubeVipKubeconfig, 'utf8'))?.[1]);
    if (!port) throw new Error(`no https://127.0.0.1:<port> server in ${kubeVipKubeconfig}`);
    const dpOptions: DataPlaneOptions = {
      nodes: options.nodes ?? 1,
      binaries: { kubeVip: binaries['kube-vip']!, kubeProxy: binaries['kube-proxy']! },
      apiServerPort: port,
      kubeVipKubeconfig,
      kubeProxyKubeconfig,
      backendPorts: options.backendPorts ?? DEFAULT_BACKEND_PORTS,
      // So tests can check a user's ClusterIP Service from the client, as a Pod would (node1's kube-proxy forwards it).
      clientRoutesViaNode1: SERVICE_CLUSTER_IP_RANGE.split(','),
      ...(options.kubeVipEnv ? { kubeVipEnv: options.kubeVipEnv } : {}),
      // KVGW_DATAPLANE_NO_KUBE_PROXY=1 runs without kube-proxy, to see the traffic tests fail (docs/dataplane.md).
      ...(options.startKubeProxy === false || process.env['KVGW_DATAPLANE_NO_KUBE_PROXY'] === '1' ? { startKubeProxy: false } : {}),
      onProgress: (m) => process.stderr.write(`[dataplane] ${m}\n`),
    };
    dataPlane = await DataPlane.start(dpOptions);
    const dp = dataPlane;
    const { gatewayUntil } = reads(e2e);

    const probeUntil = (proto: Protocol, address: string, port: number, accept: (r: ProbeResult) => boolean, timeoutMs: number) =>
      dp.probeUntil(proto, address, port, { accept, timeoutMs });

    env = {
      e2e: base,
      admin,
      dataPlane: dp,
      async newNamespace(prefix) {
        const name = uniqueName(prefix);
        await admin.create(R.Namespace, { metadata: { name } });
        const first = 100 + blocks * 4;
        blocks += 1;
        if (first + 3 > 239) throw new Error('newNamespace: the data plane pool (35 namespaces of 4 addresses) is used up in this file');
        const v4 = [0, 1, 2, 3].map((i) => `${LAN_V4_PREFIX}.${first + i}`);
        const v6 = [0, 1, 2, 3].map((i) => `${LAN_V6_PREFIX}${(0x100 + first - 100 + i).toString(16)}`);
        await base.setIpamKey(`range-${name}`, `${v4[0]}-${v4[3]},${v6[0]}-${v6[3]}`);
        return { name, v4, v6 };
      },
      async backend(namespace, name, port, o = {}) {
        const protocols = o.protocols ?? ['TCP', 'UDP'];
        const targetPort = o.targetPort ?? port;
        const svc = await admin.create<Service>(R.Service, {
          metadata: { namespace, name },
          spec: {
            ...(o.selector ? { selector: o.selector } : {}),
            ipFamilyPolicy: 'PreferDualStack',
            ipFamilies: ['IPv4', 'IPv6'],
            ports: protocols.map((p) => ({ name: p.toLowerCase(), protocol: p, port, targetPort })),
          },
        } as Service);
        await writeSlices(admin, namespace, name, protocols, targetPort);
        return svc;
      },
      async endpointsFor(service, targetPort) {
        const ports = service.spec?.ports ?? [];
        await writeSlices(admin, service.metadata.namespace!, service.metadata.name, ports.map((p) => (p.protocol ?? 'TCP') as 'TCP' | 'UDP'), targetPort, ports.map((p) => p.name));
      },
      async gatewayAddresses(namespace, name, count = 1) {
        const gw = await gatewayUntil(namespace, name, (g: Gateway) => {
          if (statusAddresses(g).length < count) throw new Error(`${namespace}/${name} has ${statusAddresses(g).length} addresses, want ${count}: ${JSON.stringify(g.status)}`);
        }, 30_000);
        return statusAddresses(gw);
      },
      async expectServes(proto, address, port, targetPort, timeoutMs = 30_000) {
        return probeUntil(proto, address, port, (r) => r.ok && r.reply.port === targetPort, timeoutMs);
      },
      async expectRefused(proto, address, port, timeoutMs = 30_000) {
        return probeUntil(proto, address, port, (r) => !r.ok, timeoutMs);
      },
    };
  }, 300_000);

  afterEach((ctx) => {
    if (ctx.task.result?.state === 'fail') failed = true;
    // kube-vip exits 0 on fatal errors: a test that passed with a dead kube-vip proved nothing about it.
    if (ctx.task.result?.state !== 'fail') dataPlane?.assertRunning();
  });

  afterAll(async () => {
    const kept = await dataPlane?.stop({ keepLogs: failed });
    if (kept) console.error(`[dataplane] a test failed: data-plane logs kept in ${kept}`);
  }, 60_000);

  return () => {
    if (!env) throw new Error('the data-plane environment did not start (see the beforeAll error)');
    return env;
  };
}

async function writeSlices(admin: KubeRest, namespace: string, serviceName: string, protocols: readonly ('TCP' | 'UDP')[], targetPort: number, portNames?: readonly (string | undefined)[]): Promise<void> {
  for (const [family, address] of [['IPv4', BACKEND_V4], ['IPv6', BACKEND_V6]] as const) {
    const slice: EndpointSlice = {
      metadata: { namespace, name: `${serviceName}-${family.toLowerCase()}`, labels: { 'kubernetes.io/service-name': serviceName } },
      addressType: family,
      ports: protocols.map((p, i) => ({ name: portNames?.[i] ?? p.toLowerCase(), protocol: p, port: targetPort })),
      endpoints: [{ addresses: [address], conditions: { ready: true, serving: true, terminating: false }, nodeName: nodeName(1) }],
    };
    // Applied, so a later call (after `update` added a port to the user's Service) rewrites the slice with every port.
    await admin.apply(R.EndpointSlice, slice);
  }
}

/** The parameters ConfigMap a Gateway refers to (spec.infrastructure.parametersRef) to choose its IP families. */
export function familyParameters(namespace: string, name: string, families: 'IPv4' | 'IPv6' | 'IPv4,IPv6'): ConfigMap {
  return {
    metadata: { namespace, name },
    data: families === 'IPv4,IPv6' ? { ipFamilyPolicy: 'RequireDualStack', ipFamilies: 'IPv4,IPv6' } : { ipFamilyPolicy: 'SingleStack', ipFamilies: families },
  } as ConfigMap;
}

/** A one-line description of a probe result for assertion messages. */
export function describeProbe(r: ProbeResult): string {
  return r.ok ? `answered by ${r.reply.backend}:${r.reply.port} (peer ${r.reply.peer}) in ${r.ms} ms` : `${r.error} after ${r.ms} ms`;
}

/** What continuous probing saw. */
export interface TrafficRecord {
  readonly total: number;
  readonly failed: number;
  /** Failures with when they happened (ms since the start) and the target. */
  readonly failures: readonly { readonly at: number; readonly target: string; readonly error: string }[];
  /** Longest run of time with only failures, ms (0 when none failed). */
  readonly longestGapMs: number;
  /** Samples of which nodes held each address, taken between probes: any entry with 2+ nodes is a split. */
  readonly holders: readonly { readonly at: number; readonly address: string; readonly nodes: readonly string[] }[];
}

/**
 * Probes every target in turn (new connection each time, neighbour cache flushed) while `during` runs, then
 * `settleMs` more; also samples which nodes hold each target's address. Targets are `proto address port targetPort`.
 */
export async function trafficWhile(
  env: DataPlaneEnvironment,
  targets: () => readonly { proto: Protocol; address: string; port: number; targetPort: number }[],
  during: () => Promise<void>,
  options: { readonly settleMs?: number; readonly probeTimeoutMs?: number } = {},
): Promise<TrafficRecord> {
  const t0 = Date.now();
  const failures: { at: number; target: string; error: string }[] = [];
  const holders: { at: number; address: string; nodes: string[] }[] = [];
  let total = 0;
  let running = true;
  let failingSince: number | undefined;
  let longestGapMs = 0;
  const loop = (async () => {
    while (running) {
      const same = (a: { proto: Protocol; address: string; port: number }, b: typeof a) => a.proto === b.proto && a.address === b.address && a.port === b.port;
      const round = targets();
      if (round.length === 0) await new Promise((r) => setTimeout(r, 50));
      for (const t of round) {
        // A target the test dropped meanwhile (a port about to go away) is not probed again.
        if (!targets().some((x) => same(x, t))) continue;
        const r = await env.dataPlane.probe(t.proto, t.address, t.port, { timeoutMs: options.probeTimeoutMs ?? 1_000 });
        total += 1;
        const ok = r.ok && r.reply.port === t.targetPort;
        const now = Date.now() - t0;
        if (ok) {
          if (failingSince !== undefined) longestGapMs = Math.max(longestGapMs, now - failingSince);
          failingSince = undefined;
        } else {
          failures.push({ at: now, target: `${t.proto} ${t.address}:${t.port}`, error: r.ok ? `answered by port ${r.reply.port}` : r.error });
          failingSince ??= now;
        }
        holders.push({ at: now, address: t.address, nodes: env.dataPlane.vipHolders(t.address) });
      }
    }
  })();
  try {
    await during();
    await new Promise((r) => setTimeout(r, options.settleMs ?? 2_000));
  } finally {
    running = false;
    await loop;
  }
  if (failingSince !== undefined) longestGapMs = Math.max(longestGapMs, Date.now() - t0 - failingSince);
  return { total, failed: failures.length, failures, longestGapMs, holders };
}
