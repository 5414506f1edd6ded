// A real data plane on one machine: kube-vip and kube-proxy in node namespaces, an echo backend in a backend
// namespace, a prober in a client namespace, and the API server relayed into every node namespace.
//
// Why the control plane stays in the host namespace: LocalControlPlane (etcd + kube-apiserver on the host's
// 127.0.0.1) is reused as it is, restarts included, and the test process and the controller talk to it as in every
// e2e test. Only kube-vip and kube-proxy must sit on the data path, so only they run in node namespaces, and they
// reach the API server through a relay (a unix socket crosses namespaces; a loopback TCP listener does not). The
// host namespace sends nothing but loopback traffic: every probe runs in the client namespace.
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { ManagedProcess } from '@kube-vip-gw/controller-runtime/envtest';
import { BACKEND_V4, BACKEND_V6, CLIENT_V4, CLIENT_V6, CLUSTER_CIDR, nodeAddresses } from './addresses.js';
import { startApiRelay, type ApiRelay } from './api-relay.js';
import { nodeName } from './cluster-objects.js';
import { DataPlaneProcessError } from './errors.js';
import { createNamespace, destroyNamespace, newRunId } from './namespaces.js';
import { execIn, ipIn, removeStaleNamespaces, run } from './netns.js';

const AGENTS = path.join(path.dirname(fileURLToPath(import.meta.url)), 'agents');
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** What the echo backend answered. */
export interface EchoReply {
  readonly backend: string;
  readonly proto: 'tcp' | 'udp';
  /** The backend's local port: tells which backend Service the traffic was forwarded to. */
  readonly port: number;
  /** The source address the backend saw: the client's own with externalTrafficPolicy Local, a node's otherwise. */
  readonly peer: string;
  readonly payload: string;
}

/** One probe's outcome. `error` is the socket error code: ECONNREFUSED (rejected), ETIMEDOUT (no answer), ... */
export type ProbeResult =
  | { readonly ok: true; readonly reply: EchoReply; readonly ms: number }
  | { readonly ok: false; readonly error: string; readonly ms: number };

export type Protocol = 'tcp' | 'udp';

/** Options of {@link DataPlane.start}. */
export interface DataPlaneOptions {
  /** Number of node namespaces, each with its own kube-vip and kube-proxy (default 1). */
  readonly nodes?: number;
  readonly binaries: { readonly kubeVip: string; readonly kubeProxy: string };
  /** Port of kube-apiserver on the host's 127.0.0.1 (the kubeconfigs' server); relayed on the same port in every node. */
  readonly apiServerPort: number;
  /** kubeconfig files of kube-vip's and kube-proxy's identities (server https://127.0.0.1:<apiServerPort>). */
  readonly kubeVipKubeconfig: string;
  readonly kubeProxyKubeconfig: string;
  /** kube-vip settings over the defaults (ARP, Services mode, svc_election=false, 5/3/1 s leases). */
  readonly kubeVipEnv?: Readonly<Record<string, string>>;
  /** Ports the echo backend serves, TCP and UDP each. */
  readonly backendPorts: readonly number[];
  /** false: no kube-proxy (to show that the traffic tests fail without it). Default true. */
  readonly startKubeProxy?: boolean;
  /**
   * CIDRs the client reaches through node1 (e.g. the Service CIDRs, so a test can check a ClusterIP the way a Pod
   * would; kube-proxy on node1 forwards it). Default none: the client then reaches backends only through announced
   * addresses.
   */
  readonly clientRoutesViaNode1?: readonly string[];
  /** Where logs go (default: a new directory under the OS tmpdir). */
  readonly logDir?: string;
  /**
   * The directory of the agent scripts (default: src/agents beside this module). A bundle that embeds this package
   * (the kvgw binary) passes the package's own src/agents, since the bundle's directory has none.
   */
  readonly agentsDir?: string;
  readonly onProgress?: (message: string) => void;
}

/** One node namespace and what runs in it. */
export interface DataPlaneNode {
  readonly index: number;
  /** Kubernetes node name (`node1`, ...). */
  readonly name: string;
  readonly netns: string;
  readonly lanV4: string;
  readonly lanV6: string;
  /** MAC address of its `lan` interface (the one kube-vip announces on). */
  readonly mac: string;
}

interface NodeProcesses {
  relay: ManagedProcess;
  kubeVip: ManagedProcess | undefined;
  kubeProxy: ManagedProcess | undefined;
}

/** A running data plane; stop() it (it is also removed if the process dies: see netns.ts). */
export class DataPlane {
  private probeId = 0;
  private readonly pending = new Map<number, (r: ProbeResult & { id: number }) => void>();
  private stopped = false;
  /** Processes a test ended on purpose (a killed kube-vip): not a failure for {@link assertRunning}. */
  private readonly endedOnPurpose = new Set<ManagedProcess>();

  private constructor(
    readonly options: DataPlaneOptions,
    readonly runId: string,
    readonly clientNetns: string,
    readonly backendNetns: string,
    readonly nodes: readonly DataPlaneNode[],
    readonly logDir: string,
    private readonly processes: NodeProcesses[],
    private readonly backend: ManagedProcess,
    private readonly prober: ChildProcess,
    private readonly hostRelay: ApiRelay,
    private readonly workDir: string,
  ) {
    readline.createInterface({ input: prober.stdout! }).on('line', (line) => {
      try {
        const r = JSON.parse(line) as ProbeResult & { id: number };
        this.pending.get(r.id)?.(r);
        this.pending.delete(r.id);
      } catch {
        // not a result line
      }
    });
  }

  /** Builds the namespaces and starts everything; on any failure removes what it made and rethrows. */
  static async start(options: DataPlaneOptions): Promise<DataPlane> {
    const progress = options.onProgress ?? (() => undefined);
    const agents = options.agentsDir ?? AGENTS;
    const stale = removeStaleNamespaces();
    if (stale.length) progress(`removed ${stale.length} namespaces of dead runs: ${stale.join(' ')}`);
    const runId = newRunId();
    const workDir = mkdtempSync(path.join(os.tmpdir(), `kvgw-dataplane-${runId}-`));
    const logDir = options.logDir ?? path.join(workDir, 'logs');
    mkdirSync(logDir, { recursive: true });
    const made: string[] = [];
    const started: ManagedProcess[] = [];
    let hostRelay: ApiRelay | undefined;
    let prober: ChildProcess | undefined;
    try {
      const t0 = performance.now();
      const client = createNamespace(runId, 'client');
      made.push(client);
      const backend = createNamespace(runId, 'backend');
      made.push(backend);
      for (const ns of [client, backend]) noDad(ns);
      bridge(client, 'lan', [`${CLIENT_V4}/24`, `${CLIENT_V6}/64`]);
      bridge(backend, 'be', [`${BACKEND_V4}/24`, `${BACKEND_V6}/64`]);
      const nodes: DataPlaneNode[] = [];
      for (let index = 1; index <= (options.nodes ?? 1); index += 1) {
        const ns = createNamespace(runId, `node${index}`);
        made.push(ns);
        noDad(ns);
        const a = nodeAddresses(index);
        // Created inside the namespaces: `ip -n` never makes an interface in the host namespace.
        ipIn(client, ['link', 'add', `n${index}`, 'type', 'veth', 'peer', 'name', 'lan', 'netns', ns]);
        ipIn(client, ['link', 'set', `n${index}`, 'master', 'lan', 'up']);
        ipIn(backend, ['link', 'add', `n${index}`, 'type', 'veth', 'peer', 'name', 'be', 'netns', ns]);
        ipIn(backend, ['link', 'set', `n${index}`, 'master', 'be', 'up']);
        for (const [dev, v4, v6] of [['lan', a.lanV4, a.lanV6], ['be', a.backendV4, a.backendV6]] as const) {
          ipIn(ns, ['link', 'set', dev, 'up']);
          ipIn(ns, ['addr', 'add', `${v4}/24`, 'dev', dev]);
          ipIn(ns, ['addr', 'add', `${v6}/64`, 'dev', dev, 'nodad']);
        }
        // kube-vip refuses to start without a default route; the client side is as good as any.
        ipIn(ns, ['route', 'add', 'default', 'via', CLIENT_V4]);
        ipIn(ns, ['-6', 'route', 'add', 'default', 'via', CLIENT_V6]);
        execIn(ns, 'sysctl', ['-qw', 'net.ipv4.ip_forward=1', 'net.ipv6.conf.all.forwarding=1']);
        const mac = /link\/ether (\S+)/.exec(ipIn(ns, ['-o', 'link', 'show', 'lan']))?.[1] ?? '';
        nodes.push({ index, name: nodeName(index), netns: ns, lanV4: a.lanV4, lanV6: a.lanV6, mac });
      }
      // Replies from backends to clients (externalTrafficPolicy Local keeps the client's address) go back via node1.
      const n1 = nodeAddresses(1);
      ipIn(backend, ['route', 'add', 'default', 'via', n1.backendV4]);
      ipIn(backend, ['-6', 'route', 'add', 'default', 'via', n1.backendV6]);
      for (const cidr of options.clientRoutesViaNode1 ?? []) {
        ipIn(client, [...(cidr.includes(':') ? ['-6'] : []), 'route', 'add', cidr, 'via', cidr.includes(':') ? n1.lanV6 : n1.lanV4]);
      }
      progress(`namespaces ready in ${Math.round(performance.now() - t0)} ms (run ${runId})`);

      // The API server relay: host end in this process, namespace end per node.
      const socketPath = path.join(workDir, 'api.sock');
      hostRelay = await startApiRelay(socketPath, options.apiServerPort);

      const processes: NodeProcesses[] = [];
      for (const node of nodes) {
        const relay = await startInNetns(node.netns, `api-relay-${node.name}`, process.execPath, [path.join(agents, 'api-relay.mjs'), String(options.apiServerPort), socketPath], logDir);
        started.push(relay);
        processes.push({ relay, kubeVip: undefined, kubeProxy: undefined });
      }
      const backendProcess = await startInNetns(backend, 'backend', process.execPath, [path.join(agents, 'echo-server.mjs'), 'backend', options.backendPorts.join(',')], logDir);
      started.push(backendProcess);
      for (const p of processes) await waitForLogLine(p.relay, /^ready /, 15_000);
      await waitForLogLine(backendProcess, /^ready /, 15_000);

      prober = spawn('ip', ['netns', 'exec', client, process.execPath, path.join(agents, 'prober.mjs')], { stdio: ['pipe', 'pipe', 'ignore'] });
      prober.unref();

      const plane = new DataPlane(options, runId, client, backend, nodes, logDir, processes, backendProcess, prober, hostRelay, workDir);
      if (options.startKubeProxy !== false) for (const node of nodes) await plane.startKubeProxy(node);
      for (const node of nodes) await plane.startKubeVip(node);
      progress(`data plane ready in ${Math.round(performance.now() - t0)} ms: ${nodes.length} node(s), logs in ${logDir}`);
      return plane;
    } catch (error) {
      prober?.kill('SIGKILL');
      for (const p of started) await p.stop(1_000);
      hostRelay?.close();
      for (const ns of made) destroyNamespace(ns);
      throw error;
    }
  }

  private node(name: string): { node: DataPlaneNode; procs: NodeProcesses } {
    const i = this.nodes.findIndex((n) => n.name === name);
    if (i < 0) throw new Error(`no data-plane node ${name} (have ${this.nodes.map((n) => n.name).join(', ')})`);
    return { node: this.nodes[i]!, procs: this.processes[i]! };
  }

  /** Starts kube-proxy (nftables mode) on a node and waits until its rules table exists. */
  async startKubeProxy(node: DataPlaneNode): Promise<void> {
    const { procs } = this.node(node.name);
    if (procs.kubeProxy?.running) return;
    const args = [
      '--kubeconfig', this.options.kubeProxyKubeconfig,
      '--hostname-override', node.name,
      '--proxy-mode', 'nftables',
      // 0 = leave the conntrack settings alone: otherwise kube-proxy writes the host-global
      // /sys/module/nf_conntrack/parameters/hashsize, which is not namespaced.
      '--conntrack-max-per-core', '0',
      '--conntrack-tcp-timeout-established', '0',
      '--conntrack-tcp-timeout-close-wait', '0',
      '--cluster-cidr', CLUSTER_CIDR,
      '--nodeport-addresses', `${node.lanV4}/32`,
      '--metrics-bind-address', '127.0.0.1:10249',
      '--healthz-bind-address', '127.0.0.1:10256',
    ];
    procs.kubeProxy = await startInNetns(node.netns, `kube-proxy-${node.name}`, this.options.binaries.kubeProxy, args, this.logDir);
    const deadline = Date.now() + 60_000;
    // Its nftables table appears with the first full sync: the point from which Services are forwarded.
    while (!/table ip kube-proxy/.test(execIn(node.netns, 'nft', ['list', 'tables'], { allowFailure: true }))) {
      if (!procs.kubeProxy.running) throw new DataPlaneProcessError(`kube-proxy-${node.name}`, 'exited while starting', tail(procs.kubeProxy));
      if (Date.now() > deadline) throw new DataPlaneProcessError(`kube-proxy-${node.name}`, 'no nftables table after 60 s', tail(procs.kubeProxy));
      await sleep(200);
    }
  }

  /**
   * Starts kube-vip on a node (HOME holds its kubeconfig: v1.0.0 ignores --k8sConfigPath in manager mode).
   * `env` overrides the settings of this start only (e.g. other lease durations).
   */
  async startKubeVip(node: DataPlaneNode, env: Readonly<Record<string, string>> = {}): Promise<void> {
    const { procs } = this.node(node.name);
    if (procs.kubeVip?.running) return;
    const home = path.join(this.workDir, `home-${node.name}`);
    mkdirSync(path.join(home, '.kube'), { recursive: true });
    copyFileSync(this.options.kubeVipKubeconfig, path.join(home, '.kube', 'config'));
    const settings = {
      PATH: process.env['PATH'] ?? '/usr/sbin:/usr/bin:/sbin:/bin',
      HOME: home,
      vip_arp: 'true',
      svc_enable: 'true',
      vip_interface: 'lan',
      vip_nodename: node.name,
      svc_election: 'false',
      vip_leaseduration: '5',
      vip_renewdeadline: '3',
      vip_retryperiod: '1',
      prometheus_server: '127.0.0.1:2112',
      ...this.options.kubeVipEnv,
      ...env,
    };
    procs.kubeVip = await startInNetns(node.netns, `kube-vip-${node.name}`, this.options.binaries.kubeVip, ['manager'], this.logDir, settings);
    // kube-vip exits 0 on fatal errors (no interface, no kubeconfig): it must still run a moment later.
    await sleep(1_500);
    if (!procs.kubeVip.running) throw new DataPlaneProcessError(`kube-vip-${node.name}`, `exited at start (${JSON.stringify(procs.kubeVip.status)})`, tail(procs.kubeVip));
  }

  /** Sends `signal` to a node's kube-vip and (unless SIGSTOP/SIGCONT) waits for it to end. */
  async signalKubeVip(name: string, signal: NodeJS.Signals): Promise<void> {
    const { procs } = this.node(name);
    const p = procs.kubeVip;
    if (!p?.running) return;
    if (signal === 'SIGSTOP' || signal === 'SIGCONT') {
      p.signal(signal);
      return;
    }
    this.endedOnPurpose.add(p);
    p.signal(signal);
    // It must be gone before anything restarts it (startKubeVip does nothing while one runs): SIGKILL after 15 s.
    if ((await Promise.race([p.exited, sleep(15_000).then(() => 'late' as const)])) === 'late') {
      p.signal('SIGKILL');
      await p.exited;
    }
  }

  /** Starts a node's kube-vip again after it ended ({@link signalKubeVip}, or by itself); `env` as for startKubeVip. */
  async restartKubeVip(name: string, env: Readonly<Record<string, string>> = {}): Promise<void> {
    const old = this.node(name).procs.kubeVip;
    if (old && !old.running) this.endedOnPurpose.add(old);
    await this.startKubeVip(this.node(name).node, env);
  }

  /** Stops a node's kube-proxy (its nftables rules stay until the namespace goes: a stopped kube-proxy keeps forwarding). */
  async stopKubeProxy(name: string): Promise<void> {
    await this.node(name).procs.kubeProxy?.stop(5_000);
  }

  /** Throws DataPlaneProcessError if a kube-vip or kube-proxy that was started has ended (kube-vip exits 0 on fatal errors). */
  assertRunning(): void {
    this.processes.forEach((p, i) => {
      for (const [what, proc] of [['kube-vip', p.kubeVip], ['kube-proxy', p.kubeProxy], ['api-relay', p.relay]] as const) {
        if (proc && !proc.running && !this.endedOnPurpose.has(proc)) throw new DataPlaneProcessError(`${what}-${this.nodes[i]!.name}`, `ended (${JSON.stringify(proc.status)})`, tail(proc));
      }
    });
    if (!this.backend.running) throw new DataPlaneProcessError('backend', 'ended', tail(this.backend));
  }

  /**
   * Takes a node's `lan` link down or up: with kube-vip SIGKILLed first, this is a lost node (its addresses stay on
   * the interface, as they would on a machine that lost power, but nothing reaches them).
   */
  setLanLink(name: string, up: boolean): void {
    ipIn(this.node(name).node.netns, ['link', 'set', 'lan', up ? 'up' : 'down']);
  }

  /**
   * Cuts (true) or restores (false) every node's access to the API server: open connections are reset and new ones
   * refused, as when the control plane is unreachable from the nodes. The test process and controller are unaffected.
   */
  blockApiServer(blocked: boolean): void {
    this.hostRelay.setBlocked(blocked);
  }

  /** Whether a node's kube-vip process is running (false after a kill, or when it exited by itself). */
  kubeVipRunning(name: string): boolean {
    return this.node(name).procs.kubeVip?.running ?? false;
  }

  /** kube-vip's log on a node. */
  kubeVipLog(name: string): string {
    const p = this.node(name).procs.kubeVip;
    return p ? readLog(p) : '';
  }

  private send(request: Record<string, unknown>): Promise<ProbeResult> {
    if (this.stopped) return Promise.reject(new Error('the data plane is stopped'));
    const id = (this.probeId += 1);
    return new Promise((resolve) => {
      this.pending.set(id, ({ id: _id, ...r }) => resolve(r as ProbeResult));
      this.prober.stdin!.write(`${JSON.stringify({ id, ...request })}\n`);
    });
  }

  /** Flushes the client's neighbour cache, so the next probe resolves addresses by ARP/NDP again. */
  async flushNeighbours(): Promise<void> {
    await this.send({ op: 'flush' });
  }

  /**
   * One connection from the client namespace (TCP: connect, send a line, read the answer; UDP: one datagram and its
   * answer). `flush` (default true) flushes the neighbour cache first, so the answer proves the address is
   * announced now, not that it was once.
   */
  async probe(proto: Protocol, host: string, port: number, options: { readonly timeoutMs?: number; readonly flush?: boolean; readonly payload?: string } = {}): Promise<ProbeResult> {
    if (options.flush !== false) await this.flushNeighbours();
    return this.send({ op: proto, host, port, timeoutMs: options.timeoutMs ?? 1_500, payload: options.payload ?? `${proto}-${host}-${port}` });
  }

  /**
   * Probes until `accept` says yes (default: an answer) or `timeoutMs` passes; returns the last result and how many
   * probes it took. Probing is how a test waits for kube-vip and kube-proxy, which report no readiness per Service.
   */
  async probeUntil(
    proto: Protocol,
    host: string,
    port: number,
    options: { readonly timeoutMs?: number; readonly accept?: (r: ProbeResult) => boolean; readonly probeTimeoutMs?: number } = {},
  ): Promise<ProbeResult & { readonly attempts: number }> {
    const accept = options.accept ?? ((r: ProbeResult) => r.ok);
    const deadline = Date.now() + (options.timeoutMs ?? 30_000);
    let attempts = 0;
    for (;;) {
      attempts += 1;
      const r = await this.probe(proto, host, port, { timeoutMs: options.probeTimeoutMs ?? 1_000 });
      if (accept(r) || Date.now() > deadline) return { ...r, attempts };
      await sleep(200);
    }
  }

  /** Names of the nodes whose `lan` interface holds `address` now (`ip -o addr`). */
  vipHolders(address: string): string[] {
    return this.nodes
      .filter((n) => ipIn(n.netns, ['-o', 'addr', 'show', 'dev', 'lan']).split('\n').some((l) => l.split(/\s+/)[3]?.split('/')[0] === address))
      .map((n) => n.name);
  }

  /**
   * Who answers ARP/NDP for `address`: flushes the client's neighbour cache, sends one probe so the kernel resolves
   * it, and maps the resolved MAC to a node. undefined when nothing answered (the entry is FAILED/INCOMPLETE).
   */
  async arpAnswerer(address: string, port = 9): Promise<string | undefined> {
    await this.probe('udp', address, port, { timeoutMs: 1_200 });
    const line = ipIn(this.clientNetns, ['neigh', 'show', address]).trim();
    const mac = /lladdr (\S+)/.exec(line)?.[1];
    if (!mac || /FAILED|INCOMPLETE/.test(line)) return undefined;
    return this.nodes.find((n) => n.mac === mac)?.name ?? `unknown MAC ${mac}`;
  }

  /** Stops every process and removes the namespaces. `keepLogs` leaves the log directory (path returned). */
  async stop(options: { readonly keepLogs?: boolean } = {}): Promise<string | undefined> {
    if (this.stopped) return undefined;
    this.stopped = true;
    this.prober.kill('SIGKILL');
    for (const p of this.processes) {
      // kube-vip removes its addresses on SIGTERM (then panics "lost leadership": noisy, harmless).
      await p.kubeVip?.stop(3_000);
      await p.kubeProxy?.stop(3_000);
      await p.relay.stop(1_000);
    }
    await this.backend.stop(1_000);
    this.hostRelay.close();
    for (const ns of [...this.nodes.map((n) => n.netns), this.clientNetns, this.backendNetns]) destroyNamespace(ns);
    if (options.keepLogs) {
      rmSync(path.join(this.workDir, 'api.sock'), { force: true });
      return this.logDir;
    }
    rmSync(this.workDir, { recursive: true, force: true });
    if (this.options.logDir === undefined) return undefined;
    return undefined;
  }
}

function noDad(ns: string): void {
  // Addresses are usable at once (no 1-2 s of IPv6 duplicate address detection per interface).
  execIn(ns, 'sysctl', ['-qw', 'net.ipv6.conf.all.accept_dad=0', 'net.ipv6.conf.default.accept_dad=0']);
}

function bridge(ns: string, name: string, addresses: readonly string[]): void {
  // No STP (ports forward at once) and no multicast snooping (NDP's solicited-node multicast is flooded).
  ipIn(ns, ['link', 'add', name, 'type', 'bridge', 'stp_state', '0', 'mcast_snooping', '0']);
  ipIn(ns, ['link', 'set', name, 'up']);
  for (const a of addresses) ipIn(ns, ['addr', 'add', a, 'dev', name, ...(a.includes(':') ? ['nodad'] : [])]);
}

async function startInNetns(ns: string, name: string, command: string, args: readonly string[], logDir: string, env?: NodeJS.ProcessEnv): Promise<ManagedProcess> {
  return ManagedProcess.start({
    name,
    command: 'ip',
    // `ip netns exec` execs the command: the pid (and process group) is the command's own.
    args: ['netns', 'exec', ns, command, ...args],
    logFile: path.join(logDir, `${name}.log`),
    ...(env ? { env } : {}),
  });
}

function readLog(p: ManagedProcess): string {
  try {
    return readFileSync(p.spec.logFile, 'utf8');
  } catch {
    return '';
  }
}

function tail(p: ManagedProcess, lines = 30): string {
  return readLog(p).trimEnd().split('\n').slice(-lines).join('\n');
}

async function waitForLogLine(p: ManagedProcess, pattern: RegExp, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!readLog(p).split('\n').some((l) => pattern.test(l))) {
    if (!p.running) throw new DataPlaneProcessError(p.spec.name, `exited while starting (${JSON.stringify(p.status)})`, tail(p));
    if (Date.now() > deadline) throw new DataPlaneProcessError(p.spec.name, `not ready after ${timeoutMs} ms`, tail(p));
    await sleep(50);
  }
}

export { run };
