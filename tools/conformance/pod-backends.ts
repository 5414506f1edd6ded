// The suite's backend Pods as real processes. kwok makes every Pod Running and Ready with an address from the backend
// segment of the data plane, but nothing listens there; this gives each such Pod a network namespace of its own on the
// data plane's backend bridge, with the Pod's IP, and starts in it what the Pod's container would run:
// - echo-basic (the suite's own image, registry.k8s.io/gateway-api/echo-basic) built from the conformance module,
//   with the container's environment (POD_NAME, NAMESPACE from the downward API, TCP_ECHO_SERVER, UDP_ECHO_SERVER...),
//   so answers name the Pod exactly as in a real cluster;
// - for the coredns image, dns-responder (tools/conformance/dns-responder: why not coredns is said there).
// kube-controller-manager's EndpointSlices point at these IPs and kube-proxy on the node namespace forwards to them.
// One namespace per Pod because echo-basic listens on the wildcard address of fixed ports.
import { ManagedProcess } from '../../packages/controller-runtime/src/envtest/process.js';
import { createNamespace, destroyNamespace } from '../../packages/dataplane/src/namespaces.js';
import { ipIn } from '../../packages/dataplane/src/netns.js';
import type { KubeRest } from '../../apps/controller/test/e2e/support/kube-rest.js';
import path from 'node:path';

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { fieldRef?: { fieldPath?: string } };
}
export interface PodLike {
  metadata: { name: string; namespace: string; uid: string; deletionTimestamp?: string };
  spec?: { containers?: { name: string; image?: string; env?: EnvVar[] }[] };
  status?: { phase?: string; podIP?: string };
}

/** What runs for one Pod, or why nothing does. */
export type PodCommand =
  | { readonly kind: 'echo-basic'; readonly env: Readonly<Record<string, string>> }
  | { readonly kind: 'dns-responder'; readonly args: readonly string[] }
  | { readonly kind: 'none'; readonly reason: string };

/** The stand-in for a Pod's first container (pure: the Pod object in, a command out). */
export function podCommand(pod: PodLike): PodCommand {
  const container = pod.spec?.containers?.[0];
  const image = container?.image ?? '';
  if (image.includes('/gateway-api/echo-basic')) {
    const env: Record<string, string> = {};
    for (const e of container?.env ?? []) {
      if (e.value !== undefined) env[e.name] = e.value;
      const field = e.valueFrom?.fieldRef?.fieldPath;
      if (field === 'metadata.name') env[e.name] = pod.metadata.name;
      else if (field === 'metadata.namespace') env[e.name] = pod.metadata.namespace;
      else if (field === 'status.podIP' && pod.status?.podIP) env[e.name] = pod.status.podIP;
    }
    return { kind: 'echo-basic', env };
  }
  if (image.includes('/coredns/coredns')) return { kind: 'dns-responder', args: ['-listen', ':53'] };
  return { kind: 'none', reason: `no stand-in for image "${image}"` };
}

interface Served {
  readonly ip: string;
  readonly netns: string;
  readonly process: ManagedProcess | undefined;
}

/** Keeps one backend process per Running Pod of the conformance namespaces; stop() removes them all. */
export class PodBackends {
  private readonly served = new Map<string, Served>();
  private timer: NodeJS.Timeout | undefined;
  private busy = false;
  private count = 0;
  /** Pods given a process, by `namespace/name` (for the report). */
  readonly started: string[] = [];

  constructor(
    private readonly admin: KubeRest,
    private readonly options: {
      readonly runId: string;
      readonly backendNetns: string;
      /** The backend bridge in backendNetns. */
      readonly bridge: string;
      readonly prefixLength: number;
      /** Where replies go: node1's address on the backend segment. */
      readonly gateway: string;
      /** The data plane's node namespaces and their device on the backend segment (neighbour caches to clear). */
      readonly nodeNetns: readonly string[];
      readonly nodeBackendDevice: string;
      readonly binDir: string;
      readonly logDir: string;
      readonly log: (message: string) => void;
    },
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.sync(), 1_000);
  }

  /** One pass: serve new Running Pods, remove what belonged to Pods that are gone or changed address. */
  async sync(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const list = await this.admin.request<{ items: PodLike[] }>('GET', '/api/v1/pods');
      const live = new Map<string, PodLike>();
      for (const pod of list.items) {
        if (!pod.metadata.namespace.startsWith('gateway-conformance')) continue;
        if (pod.metadata.deletionTimestamp || pod.status?.phase !== 'Running' || !pod.status.podIP) continue;
        live.set(pod.metadata.uid, pod);
      }
      for (const [uid, s] of this.served) {
        if (live.get(uid)?.status?.podIP !== s.ip) await this.remove(uid);
      }
      for (const [uid, pod] of live) if (!this.served.has(uid)) await this.serve(uid, pod);
    } catch (error) {
      this.options.log(`pod backends: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      this.busy = false;
    }
  }

  private async serve(uid: string, pod: PodLike): Promise<void> {
    const ip = pod.status?.podIP as string;
    const id = `${pod.metadata.namespace}/${pod.metadata.name}`;
    // An address another served Pod still holds (kwok reused it before we saw the deletion): wait for the next pass.
    if ([...this.served.values()].some((s) => s.ip === ip)) return;
    const command = podCommand(pod);
    this.count += 1;
    const n = this.count;
    const netns = createNamespace(this.options.runId, `pod${n}`);
    const { backendNetns, bridge } = this.options;
    ipIn(backendNetns, ['link', 'add', `pod${n}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', netns]);
    ipIn(backendNetns, ['link', 'set', `pod${n}`, 'master', bridge, 'up']);
    ipIn(netns, ['link', 'set', 'eth0', 'up']);
    ipIn(netns, ['addr', 'add', `${ip}/${this.options.prefixLength}`, 'dev', 'eth0']);
    ipIn(netns, ['route', 'add', 'default', 'via', this.options.gateway]);
    this.forgetNeighbour(ip);
    let process: ManagedProcess | undefined;
    const logFile = path.join(this.options.logDir, `pod-${pod.metadata.namespace}-${pod.metadata.name}.log`);
    const basePath = { PATH: globalThis.process.env['PATH'] ?? '/usr/sbin:/usr/bin:/sbin:/bin' };
    if (command.kind === 'echo-basic') {
      process = await ManagedProcess.start({ name: id, command: 'ip', args: ['netns', 'exec', netns, path.join(this.options.binDir, 'echo-basic')], logFile, env: { ...basePath, ...command.env } });
    } else if (command.kind === 'dns-responder') {
      process = await ManagedProcess.start({ name: id, command: 'ip', args: ['netns', 'exec', netns, path.join(this.options.binDir, 'dns-responder'), ...command.args], logFile, env: basePath });
    } else {
      this.options.log(`pod ${id} (${ip}): ${command.reason}; it has an address but nothing listens`);
    }
    this.served.set(uid, { ip, netns, process });
    this.started.push(id);
    this.options.log(`pod ${id} on ${ip}: ${command.kind}`);
  }

  private async remove(uid: string): Promise<void> {
    const s = this.served.get(uid);
    if (!s) return;
    this.served.delete(uid);
    await s.process?.stop(1_000);
    destroyNamespace(s.netns);
    this.forgetNeighbour(s.ip);
  }

  /**
   * kwok reuses a deleted Pod's address for the next Pod; the node would keep sending to the old Pod's MAC until its
   * neighbour entry expires (seen: about 30-40 s of unanswered SYNs, longer than the suite's 30 s per request). A
   * real node routes each Pod to its own veth and never has this cache; dropping the entry makes it ask again.
   */
  private forgetNeighbour(ip: string): void {
    for (const node of this.options.nodeNetns) ipIn(node, ['neigh', 'flush', 'to', ip, 'dev', this.options.nodeBackendDevice], { allowFailure: true });
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    while (this.busy) await new Promise((r) => setTimeout(r, 50));
    for (const uid of [...this.served.keys()]) await this.remove(uid);
  }
}
