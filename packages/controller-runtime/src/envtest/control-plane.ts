// A real etcd + kube-apiserver on 127.0.0.1, started the way controller-runtime's envtest does (flags, certificates,
// readiness), for end-to-end tests and `kvgw local-cluster`.
import { access, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { constants as fsConstants } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_GATEWAY_API_VERSION, ensureBinaries, readEnvtestVersions, type ControlPlaneBinaries } from './binaries.js';
import { CertificateAuthority, generateServiceAccountKeyPair, type KeyAndCertificate } from './certs.js';
import { applyManifests, gatewayApiCrdDir, readManifestDir, waitForCrds, type GatewayApiChannel } from './crds.js';
import { ControlPlaneRequestError, ControlPlaneStartError, ControlPlaneStoppedError, CrdInstallError } from './errors.js';
import { httpRequest, responseJson, type HttpResponse, type TlsMaterial } from './http.js';
import { renderKubeconfig } from './kubeconfig.js';
import { ManagedProcess, trackTempDir, untrackTempDir, type ProcessExit } from './process.js';

/** Group that kube-apiserver's bootstrap RBAC binds to cluster-admin. */
export const ADMIN_GROUP = 'system:masters';
/** User name of the admin kubeconfig. */
export const ADMIN_USER = 'kvgw-admin';
/** Dual-stack (so dual-stack Gateways' Services are accepted) and big enough for thousands of Services (envtest's /24 runs out at 254). */
export const DEFAULT_SERVICE_CLUSTER_IP_RANGE = '10.96.0.0/12,fd00:10:96::/108';
/** Field manager of everything the harness applies. */
export const ENVTEST_FIELD_MANAGER = 'kvgw-envtest';

const DEFAULT_START_TIMEOUT_MS = 120_000; // a busy 2-core machine; envtest's 20 s default is too tight there
const PORT_CONFLICT = /address already in use/i;
const START_ATTEMPTS = 3; // free ports are picked by binding :0 and closing, so another process may take one first

/** Which Gateway API CRDs to install after start (`false`: none). */
export type GatewayApiCrdsOption = false | GatewayApiChannel | { readonly channel: GatewayApiChannel; readonly version?: string };

/** Options of {@link LocalControlPlane.start}. */
export interface LocalControlPlaneOptions {
  /** Executables to run (default: {@link ensureBinaries}, which builds them once per version). */
  readonly binaries?: ControlPlaneBinaries;
  /** Environment for KUBEBUILDER_ASSETS, KVGW_* overrides and the child processes (default: process.env). */
  readonly env?: NodeJS.ProcessEnv;
  /** Parent of the work directory (certificates, etcd data, kubeconfigs). Default: /dev/shm (tmpfs), else the OS tmpdir. */
  readonly workDirRoot?: string;
  /** Parent of the log directory. Default: the OS tmpdir (on disk, so logs kept after a failure cost no memory). */
  readonly logDirRoot?: string;
  /** How long etcd and kube-apiserver may each take to become ready (default 120 s). */
  readonly startTimeoutMs?: number;
  /** `--service-cluster-ip-range` (default {@link DEFAULT_SERVICE_CLUSTER_IP_RANGE}). */
  readonly serviceClusterIpRange?: string;
  /** Extra kube-apiserver flags, appended after the defaults (so they win), e.g. `--watch-cache=false`. */
  readonly apiServerArgs?: readonly string[];
  /** Install Gateway API CRDs once ready (default: none). */
  readonly gatewayApiCrds?: GatewayApiCrdsOption;
  /** Also write the admin kubeconfig here (removed again by stop()). It is always written into the work directory. */
  readonly kubeconfigPath?: string;
  /** Receives progress lines (default: silent). */
  readonly onProgress?: (message: string) => void;
}

/** How long the phases of a start took, in milliseconds. */
export interface ControlPlaneTimings {
  /** Finding (or building) the binaries. */
  readonly binariesMs: number;
  /** From spawning etcd to its /health answering 200. */
  readonly etcdMs: number;
  /** From spawning kube-apiserver to /readyz and the default namespace. */
  readonly apiServerMs: number;
  /** Certificates, both processes and the admin kubeconfig: the whole start without building or CRDs. */
  readonly startMs: number;
  /** Installing Gateway API CRDs until Established and discoverable, when done. */
  readonly crdInstallMs?: number;
}

/** What {@link LocalControlPlane.installGatewayApiCrds} installed. */
export interface InstalledCrds {
  readonly channel: GatewayApiChannel;
  readonly version: string;
  /** Directory the manifests were read from. */
  readonly dir: string;
  /** Names of the CRDs. */
  readonly crds: readonly string[];
  /** Kinds and names of other objects applied (the bundle's ValidatingAdmissionPolicy and its binding). */
  readonly others: readonly string[];
  readonly durationMs: number;
}

/** Where the logs went, returned by {@link LocalControlPlane.stop}. */
export interface StopResult {
  /** The log directory when it was kept (`keepLogs`), else undefined. */
  readonly keptLogDir: string | undefined;
}

interface Layout {
  readonly workDir: string;
  readonly logDir: string;
  readonly pkiDir: string;
  readonly etcdDataDir: string;
}

interface Ports {
  readonly etcdClient: number;
  readonly etcdPeer: number;
  readonly apiServer: number;
}

/** Files and values kube-apiserver's flags refer to. */
export interface ApiServerConfig {
  readonly etcdUrl: string;
  readonly securePort: number;
  /** Holds apiserver.crt/.key (the serving certificate) so the apiserver never writes to /var/run/kubernetes. */
  readonly certDir: string;
  readonly serviceAccountPublicKeyFile: string;
  readonly serviceAccountPrivateKeyFile: string;
  readonly clientCaFile: string;
  readonly serviceClusterIpRange: string;
  readonly extraArgs: readonly string[];
}

/** kube-apiserver flags: envtest's set (RBAC, client-certificate auth, no ServiceAccount admission) on loopback only. */
export function kubeApiserverArgs(config: ApiServerConfig): string[] {
  return [
    `--etcd-servers=${config.etcdUrl}`,
    `--service-cluster-ip-range=${config.serviceClusterIpRange}`,
    '--allow-privileged=true',
    // The default ServiceAccount of a namespace is made by kube-controller-manager, which does not run here.
    '--disable-admission-plugins=ServiceAccount',
    `--cert-dir=${config.certDir}`,
    `--tls-cert-file=${path.join(config.certDir, 'apiserver.crt')}`,
    `--tls-private-key-file=${path.join(config.certDir, 'apiserver.key')}`,
    '--authorization-mode=RBAC',
    `--secure-port=${config.securePort}`,
    '--bind-address=127.0.0.1',
    // Without a default route the apiserver cannot pick an address to advertise (controller-runtime#669).
    '--advertise-address=127.0.0.1',
    // Nothing maintains default/kubernetes endpoints for a loopback-only server; keep the apiserver from trying.
    '--endpoint-reconciler-type=none',
    `--service-account-issuer=https://127.0.0.1:${config.securePort}/`,
    `--service-account-key-file=${config.serviceAccountPublicKeyFile}`,
    `--service-account-signing-key-file=${config.serviceAccountPrivateKeyFile}`,
    `--client-ca-file=${config.clientCaFile}`,
    // On SIGTERM, end open watches (clients see a clean close) instead of waiting for them: otherwise one informer
    // holds a graceful restart or stop for the full shutdown timeout.
    '--shutdown-watch-termination-grace-period=2s',
    ...config.extraArgs,
  ];
}

/** etcd flags: one member on loopback, data on tmpfs without fsync (tests never need durability across a crash). */
export function etcdArgs(config: { readonly dataDir: string; readonly clientPort: number; readonly peerPort: number }): string[] {
  const client = `http://127.0.0.1:${config.clientPort}`;
  const peer = `http://127.0.0.1:${config.peerPort}`;
  return [
    '--name=default',
    `--data-dir=${config.dataDir}`,
    `--listen-client-urls=${client}`,
    `--advertise-client-urls=${client}`,
    `--listen-peer-urls=${peer}`,
    `--initial-advertise-peer-urls=${peer}`,
    `--initial-cluster=default=${peer}`,
    '--unsafe-no-fsync=true',
    '--log-level=warn',
  ];
}

/** A free TCP port on 127.0.0.1 (bound and released; the start retries if someone else takes it meanwhile). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

async function distinctFreePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}

async function writable(dir: string): Promise<boolean> {
  try {
    await access(dir, fsConstants.W_OK);
    return true;
  } catch {
    return false;
  }
}

async function logTail(file: string, lines = 25): Promise<string> {
  try {
    return (await readFile(file, 'utf8')).trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A running etcd + kube-apiserver pair on 127.0.0.1 with an admin kubeconfig; stop() it when done. */
export class LocalControlPlane {
  private apiServer: ManagedProcess;
  private stopped = false;
  private restarting = false;
  private readonly exitListeners = new Set<(component: string, status: ProcessExit) => void>();
  private crdTimingMs: number | undefined;

  private constructor(
    private readonly options: LocalControlPlaneOptions,
    private readonly layout: Layout,
    private readonly ports: Ports,
    private readonly etcd: ManagedProcess,
    apiServer: ManagedProcess,
    private readonly apiServerConfig: ApiServerConfig,
    private readonly binaries: ControlPlaneBinaries,
    private readonly servingCa: CertificateAuthority,
    private readonly clientCa: CertificateAuthority,
    private readonly admin: KeyAndCertificate,
    /** The admin kubeconfig (user in system:masters) as YAML. */
    readonly kubeconfig: string,
    /** Where the admin kubeconfig is written (inside the work directory). */
    readonly kubeconfigPath: string,
    private readonly startTimings: Omit<ControlPlaneTimings, 'crdInstallMs'>,
  ) {
    this.apiServer = apiServer;
    this.watchExit('etcd', etcd);
    this.watchExit('kube-apiserver', apiServer);
  }

  /**
   * Starts etcd and kube-apiserver (building the binaries first if needed), waits for readiness, writes the admin
   * kubeconfig and, if asked, installs Gateway API CRDs. On failure nothing is left running; the error names the log.
   */
  static async start(options: LocalControlPlaneOptions = {}): Promise<LocalControlPlane> {
    const env = options.env ?? process.env;
    const progress = options.onProgress ?? (() => undefined);
    const t0 = performance.now();
    const binaries = options.binaries ?? (await ensureBinaries({ env, onProgress: progress }));
    const binariesMs = performance.now() - t0;

    const tmpfs = '/dev/shm';
    const workRoot = options.workDirRoot ?? env['KVGW_ENVTEST_TMPDIR'] ?? ((await writable(tmpfs)) ? tmpfs : os.tmpdir());
    const workDir = await mkdtemp(path.join(workRoot, 'kvgw-envtest-'));
    trackTempDir(workDir);
    const logDir = await mkdtemp(path.join(options.logDirRoot ?? os.tmpdir(), 'kvgw-envtest-logs-'));
    trackTempDir(logDir);
    const layout: Layout = { workDir, logDir, pkiDir: path.join(workDir, 'pki'), etcdDataDir: path.join(workDir, 'etcd') };
    try {
      return await LocalControlPlane.startIn(options, env, binaries, layout, binariesMs, progress);
    } catch (error) {
      await rm(workDir, { recursive: true, force: true });
      untrackTempDir(workDir);
      // Logs explain a failed start or CRD install: keep them (the error message names them).
      if (!(error instanceof ControlPlaneStartError || error instanceof CrdInstallError)) await rm(logDir, { recursive: true, force: true });
      untrackTempDir(logDir);
      throw error;
    }
  }

  private static async startIn(
    options: LocalControlPlaneOptions,
    env: NodeJS.ProcessEnv,
    binaries: ControlPlaneBinaries,
    layout: Layout,
    binariesMs: number,
    progress: (message: string) => void,
  ): Promise<LocalControlPlane> {
    const t0 = performance.now();
    await mkdir(layout.pkiDir, { mode: 0o700 });
    const servingCaDir = path.join(layout.pkiDir, 'serving-ca');
    const clientCaDir = path.join(layout.pkiDir, 'client-ca');
    const certDir = path.join(layout.pkiDir, 'apiserver');
    await Promise.all([servingCaDir, clientCaDir, certDir].map((d) => mkdir(d, { mode: 0o700 })));
    const [servingCa, clientCa] = await Promise.all([
      CertificateAuthority.create(servingCaDir, 'kvgw-envtest-serving-ca'),
      CertificateAuthority.create(clientCaDir, 'kvgw-envtest-client-ca'),
    ]);
    const [serving, admin] = await Promise.all([
      servingCa.issue({ commonName: 'localhost', usage: 'server', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] }),
      clientCa.issue({ commonName: ADMIN_USER, organizations: [ADMIN_GROUP], usage: 'client' }),
    ]);
    const sa = generateServiceAccountKeyPair();
    await Promise.all([
      writeFile(path.join(certDir, 'apiserver.crt'), serving.certificatePem),
      writeFile(path.join(certDir, 'apiserver.key'), serving.keyPem, { mode: 0o600 }),
      writeFile(path.join(layout.pkiDir, 'sa.pub'), sa.publicKeyPem),
      writeFile(path.join(layout.pkiDir, 'sa.key'), sa.privateKeyPem, { mode: 0o600 }),
    ]);

    const timeoutMs = options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS;
    const tls: TlsMaterial = { ca: servingCa.certificatePem, cert: admin.certificatePem, key: admin.keyPem };
    for (let attempt = 1; ; attempt++) {
      const [etcdClient = 0, etcdPeer = 0, apiServerPort = 0] = await distinctFreePorts(3);
      const ports: Ports = { etcdClient, etcdPeer, apiServer: apiServerPort };
      const etcdUrl = `http://127.0.0.1:${ports.etcdClient}`;
      const apiServerConfig: ApiServerConfig = {
        etcdUrl,
        securePort: ports.apiServer,
        certDir,
        serviceAccountPublicKeyFile: path.join(layout.pkiDir, 'sa.pub'),
        serviceAccountPrivateKeyFile: path.join(layout.pkiDir, 'sa.key'),
        clientCaFile: clientCa.certFile,
        serviceClusterIpRange: options.serviceClusterIpRange ?? DEFAULT_SERVICE_CLUSTER_IP_RANGE,
        extraArgs: options.apiServerArgs ?? [],
      };
      let etcd: ManagedProcess | undefined;
      let apiServer: ManagedProcess | undefined;
      try {
        progress(`starting etcd on ${etcdUrl}`);
        const tEtcd = performance.now();
        await rm(layout.etcdDataDir, { recursive: true, force: true });
        etcd = await ManagedProcess.start({
          name: 'etcd',
          command: binaries.etcd,
          args: etcdArgs({ dataDir: layout.etcdDataDir, clientPort: ports.etcdClient, peerPort: ports.etcdPeer }),
          logFile: path.join(layout.logDir, 'etcd.log'),
          env,
        });
        await waitReady(etcd, timeoutMs, async () => {
          const res = await httpRequest(`${etcdUrl}/health`, { timeoutMs: 2_000 });
          return res.status === 200 ? undefined : `/health answered HTTP ${res.status}`;
        });
        const etcdMs = performance.now() - tEtcd;

        progress(`starting kube-apiserver on https://127.0.0.1:${ports.apiServer}`);
        const tApi = performance.now();
        apiServer = await startApiServer(binaries, apiServerConfig, layout, env, tls, timeoutMs);
        const apiServerMs = performance.now() - tApi;

        const server = `https://127.0.0.1:${ports.apiServer}`;
        const kubeconfig = renderKubeconfig({ server, caPem: servingCa.certificatePem, user: ADMIN_USER, ...admin });
        const kubeconfigPath = path.join(layout.workDir, 'admin.kubeconfig');
        await writeFile(kubeconfigPath, kubeconfig, { mode: 0o600 });
        if (options.kubeconfigPath) {
          await writeFile(options.kubeconfigPath, kubeconfig, { mode: 0o600 });
          trackTempDir(options.kubeconfigPath);
        }
        const startMs = performance.now() - t0;
        progress(`control plane ready at ${server} in ${(startMs / 1000).toFixed(1)} s`);
        const plane = new LocalControlPlane(
          options, layout, ports, etcd, apiServer, apiServerConfig, binaries, servingCa, clientCa, admin,
          kubeconfig, kubeconfigPath, { binariesMs, etcdMs, apiServerMs, startMs },
        );
        if (options.gatewayApiCrds) {
          const crds = options.gatewayApiCrds;
          await plane.installGatewayApiCrds(typeof crds === 'string' ? { channel: crds } : crds).catch(async (error: unknown) => {
            await plane.stop({ keepLogs: true });
            throw error;
          });
        }
        return plane;
      } catch (error) {
        await apiServer?.stop(0);
        await etcd?.stop(0);
        const conflict = error instanceof ControlPlaneStartError && PORT_CONFLICT.test(await logTail(error.logFile, 200));
        if (!conflict || attempt >= START_ATTEMPTS) throw error;
        progress(`port conflict (${error.message.split('\n')[0]}); retrying with other ports`);
      }
    }
  }

  /** `https://127.0.0.1:<port>` of kube-apiserver. */
  get server(): string {
    return `https://127.0.0.1:${this.ports.apiServer}`;
  }

  /** `http://127.0.0.1:<port>` of etcd (its v3 JSON gateway answers here too). */
  get etcdUrl(): string {
    return `http://127.0.0.1:${this.ports.etcdClient}`;
  }

  /** PEM of the CA that signed kube-apiserver's serving certificate. */
  get caPem(): string {
    return this.servingCa.certificatePem;
  }

  /** Directory of certificates, etcd data and kubeconfigs (on tmpfs when available); removed by stop(). */
  get workDir(): string {
    return this.layout.workDir;
  }

  /** Directory of etcd.log and kube-apiserver.log; removed by stop() unless logs are kept. */
  get logDir(): string {
    return this.layout.logDir;
  }

  /** The log files, for a failure message. */
  get logFiles(): { readonly etcd: string; readonly apiServer: string } {
    return { etcd: path.join(this.layout.logDir, 'etcd.log'), apiServer: path.join(this.layout.logDir, 'kube-apiserver.log') };
  }

  /** The binaries in use. */
  get binaryPaths(): ControlPlaneBinaries {
    return this.binaries;
  }

  /** Process ids (= process group ids) of etcd and the current kube-apiserver. */
  get pids(): { readonly etcd: number; readonly apiServer: number } {
    return { etcd: this.etcd.pid, apiServer: this.apiServer.pid };
  }

  /** How long the start (and the CRD install, once done) took. */
  get timings(): ControlPlaneTimings {
    return this.crdTimingMs === undefined ? this.startTimings : { ...this.startTimings, crdInstallMs: this.crdTimingMs };
  }

  /** True until stop() has been called. */
  get running(): boolean {
    return !this.stopped;
  }

  /**
   * A kubeconfig (YAML) for any identity: a fresh client certificate with CN = `user` and O = each group, signed by
   * the CA kube-apiserver trusts. The user has no rights until RBAC grants them (Kubernetes adds `system:authenticated`).
   */
  async kubeconfigFor(user: string, groups: readonly string[] = []): Promise<string> {
    this.assertRunning('kubeconfigFor');
    const cert = await this.clientCa.issue({ commonName: user, organizations: groups, usage: 'client' });
    return renderKubeconfig({ server: this.server, caPem: this.servingCa.certificatePem, user, ...cert });
  }

  /** Like {@link kubeconfigFor}, written to a file in the work directory (for child processes); returns its path. */
  async kubeconfigFileFor(user: string, groups: readonly string[] = []): Promise<string> {
    const kubeconfig = await this.kubeconfigFor(user, groups);
    const dir = path.join(this.layout.workDir, 'kubeconfigs');
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const file = path.join(await mkdtemp(path.join(dir, `${user.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 40)}-`)), 'kubeconfig');
    await writeFile(file, kubeconfig, { mode: 0o600 });
    return file;
  }

  /**
   * Installs the Gateway API CRDs of a channel from the Go module (default: standard, version from
   * tools/envtest/versions.env) with server-side apply, including the bundle's ValidatingAdmissionPolicy, and waits
   * until each CRD is Established and served in discovery.
   */
  async installGatewayApiCrds(options: { readonly channel?: GatewayApiChannel; readonly version?: string } = {}): Promise<InstalledCrds> {
    this.assertRunning('installGatewayApiCrds');
    const channel = options.channel ?? 'standard';
    const version = options.version ?? (await readEnvtestVersions())?.gatewayApi ?? DEFAULT_GATEWAY_API_VERSION;
    const t0 = performance.now();
    const dir = await gatewayApiCrdDir(version, channel, this.options.env ?? process.env);
    const manifests = await readManifestDir(dir);
    const request = this.adminRequest.bind(this);
    await applyManifests(request, manifests, ENVTEST_FIELD_MANAGER);
    const crds = manifests.filter((m) => m.object.kind === 'CustomResourceDefinition');
    await waitForCrds(request, crds, this.options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS);
    const durationMs = performance.now() - t0;
    this.crdTimingMs = durationMs;
    this.options.onProgress?.(`Gateway API ${version} ${channel} CRDs installed (${crds.length}) in ${(durationMs / 1000).toFixed(1)} s`);
    return {
      channel,
      version,
      dir,
      crds: crds.map((m) => m.object.metadata.name),
      others: manifests.filter((m) => m.object.kind !== 'CustomResourceDefinition').map((m) => `${m.object.kind} ${m.object.metadata.name}`),
      durationMs,
    };
  }

  /**
   * Stops kube-apiserver and starts it again on the same port with the same etcd, certificates and flags, so
   * existing kubeconfigs keep working. Clients see their connections and watches end, as in a real restart.
   * `graceful: false` kills it (SIGKILL) instead of letting it shut down.
   */
  async restartApiServer(options: { readonly graceful?: boolean } = {}): Promise<void> {
    this.assertRunning('restartApiServer');
    this.restarting = true;
    try {
      await this.apiServer.stop(options.graceful === false ? 0 : 15_000);
      const tls: TlsMaterial = { ca: this.servingCa.certificatePem, cert: this.admin.certificatePem, key: this.admin.keyPem };
      const timeoutMs = this.options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS;
      for (let attempt = 1; ; attempt++) {
        try {
          this.apiServer = await startApiServer(this.binaries, this.apiServerConfig, this.layout, this.options.env ?? process.env, tls, timeoutMs);
          break;
        } catch (error) {
          // The old server's port may take a moment to be free again; the port must stay the same for kubeconfigs.
          const conflict = error instanceof ControlPlaneStartError && PORT_CONFLICT.test(await logTail(error.logFile, 50));
          if (!conflict || attempt >= START_ATTEMPTS) throw error;
          await sleep(500 * attempt);
        }
      }
      this.watchExit('kube-apiserver', this.apiServer);
    } finally {
      this.restarting = false;
    }
  }

  /** etcd's current revision (the newest resourceVersion any object can have). */
  async etcdRevision(): Promise<number> {
    this.assertRunning('etcdRevision');
    // Any range answer carries the store's revision in its header; key "\0" with limit 1 keeps it tiny.
    const body = (await this.etcdCall('/v3/kv/range', { key: Buffer.from('\0').toString('base64'), limit: 1 })) as {
      header?: { revision?: string };
    };
    const revision = Number(body.header?.revision);
    if (!Number.isSafeInteger(revision) || revision <= 0) {
      throw new ControlPlaneRequestError(`POST ${this.etcdUrl}/v3/kv/range`, 200, `no revision in ${JSON.stringify(body)}`);
    }
    return revision;
  }

  /**
   * Compacts etcd's history up to its current revision and returns that revision. Reads and lists at an older
   * resourceVersion that reach etcd then fail with 410 Gone. kube-apiserver's watch cache still serves events it
   * already holds, so watches only see 410 after {@link expireResourceVersions} (or with `--watch-cache=false`).
   */
  async compactEtcd(): Promise<number> {
    const revision = await this.etcdRevision();
    await this.etcdCall('/v3/kv/compaction', { revision: String(revision), physical: true });
    return revision;
  }

  /**
   * Makes every resourceVersion handed out so far too old: compacts etcd, then restarts kube-apiserver so its watch
   * cache starts over at the current revision. A watch or list from an older resourceVersion gets 410 Gone, as
   * informers see after a long disconnection. Returns the compacted revision.
   */
  async expireResourceVersions(): Promise<number> {
    const revision = await this.compactEtcd();
    await this.restartApiServer();
    return revision;
  }

  /**
   * Registers a callback for a component that dies on its own (not through stop() or a restart); the CLI uses it to
   * report a crash instead of waiting forever. Returns a function that unregisters it.
   */
  onUnexpectedExit(listener: (component: string, status: ProcessExit) => void): () => void {
    this.exitListeners.add(listener);
    return () => this.exitListeners.delete(listener);
  }

  /**
   * Stops both processes (kube-apiserver first, so it does not wait on a dead etcd) and removes the work directory,
   * the log directory (unless `keepLogs`, or KVGW_ENVTEST_KEEP_LOGS=1) and the extra kubeconfig. Safe to call twice.
   */
  async stop(options: { readonly keepLogs?: boolean } = {}): Promise<StopResult> {
    if (this.stopped) return { keptLogDir: undefined };
    this.stopped = true;
    await this.apiServer.stop(3_000);
    await this.etcd.stop(3_000);
    await rm(this.layout.workDir, { recursive: true, force: true, maxRetries: 3 });
    untrackTempDir(this.layout.workDir);
    if (this.options.kubeconfigPath) {
      await rm(this.options.kubeconfigPath, { force: true });
      untrackTempDir(this.options.kubeconfigPath);
    }
    const keepLogs = options.keepLogs ?? (this.options.env ?? process.env)['KVGW_ENVTEST_KEEP_LOGS'] === '1';
    untrackTempDir(this.layout.logDir);
    if (keepLogs) return { keptLogDir: this.layout.logDir };
    await rm(this.layout.logDir, { recursive: true, force: true });
    return { keptLogDir: undefined };
  }

  private watchExit(component: string, child: ManagedProcess): void {
    void child.exited.then((status) => {
      // The old kube-apiserver of a restart ends on purpose; anything else ending before stop() is a crash.
      if (this.stopped || (this.restarting && child !== this.etcd)) return;
      for (const listener of this.exitListeners) listener(component, status);
    });
  }

  private assertRunning(operation: string): void {
    if (this.stopped) throw new ControlPlaneStoppedError(operation);
  }

  private adminRequest(method: string, apiPath: string, body?: string, contentType?: string): Promise<HttpResponse> {
    const tls: TlsMaterial = { ca: this.servingCa.certificatePem, cert: this.admin.certificatePem, key: this.admin.keyPem };
    return httpRequest(this.server + apiPath, {
      method,
      tls,
      ...(body === undefined ? {} : { body }),
      headers: contentType ? { 'content-type': contentType } : {},
    });
  }

  private async etcdCall(apiPath: string, body: unknown): Promise<unknown> {
    const request = `POST ${this.etcdUrl}${apiPath}`;
    const res = await httpRequest(this.etcdUrl + apiPath, {
      method: 'POST',
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json' },
    });
    if (res.status !== 200) throw new ControlPlaneRequestError(request, res.status, res.text.slice(0, 300));
    return responseJson(request, res);
  }
}

/** Polls `probe` every 100 ms until it returns undefined (ready); fails early if the process exits. */
async function waitReady(process: ManagedProcess, timeoutMs: number, probe: () => Promise<string | undefined>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: string;
  for (;;) {
    const status = process.status;
    if (status) {
      const how = status.signal ? `killed by ${status.signal}` : `exited with status ${status.code}`;
      throw new ControlPlaneStartError(process.spec.name, `${how} before becoming ready`, process.spec.logFile, await logTail(process.spec.logFile));
    }
    try {
      const problem = await probe();
      if (problem === undefined) return;
      last = problem;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    if (Date.now() > deadline) {
      await process.stop(0);
      throw new ControlPlaneStartError(process.spec.name, `not ready after ${timeoutMs} ms (last: ${last})`, process.spec.logFile, await logTail(process.spec.logFile));
    }
    await sleep(100);
  }
}

async function startApiServer(
  binaries: ControlPlaneBinaries,
  config: ApiServerConfig,
  layout: Layout,
  env: NodeJS.ProcessEnv,
  tls: TlsMaterial,
  timeoutMs: number,
): Promise<ManagedProcess> {
  const server = `https://127.0.0.1:${config.securePort}`;
  const apiServer = await ManagedProcess.start({
    name: 'kube-apiserver',
    command: binaries.kubeApiserver,
    args: kubeApiserverArgs(config),
    logFile: path.join(layout.logDir, 'kube-apiserver.log'),
    env,
  });
  try {
    // /readyz covers the post-start hooks (RBAC bootstrap, CRD informers); the default namespace is what envtest
    // checks last, and the admin's GET of it proves client-certificate auth works end to end.
    await waitReady(apiServer, timeoutMs, async () => {
      const ready = await httpRequest(`${server}/readyz`, { tls: { ca: tls.ca }, timeoutMs: 5_000 });
      if (ready.status !== 200) return `/readyz answered HTTP ${ready.status}`;
      const ns = await httpRequest(`${server}/api/v1/namespaces/default`, { tls, timeoutMs: 5_000 });
      return ns.status === 200 ? undefined : `GET namespace default answered HTTP ${ns.status}`;
    });
  } catch (error) {
    await apiServer.stop(0);
    throw error;
  }
  return apiServer;
}
