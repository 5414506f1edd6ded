// One environment per reliability file: a real kube-apiserver + etcd with the Gateway API standard CRDs, deploy/'s
// Namespace, RBAC and GatewayClass applied as an admin would, the IPAM ConfigMap, and any number of controller
// processes (the built bundle) running as the ServiceAccount of deploy/. Unlike the e2e environment, the file decides
// when controllers start, how many, with which flags, and what the API server's audit log records; the process and
// REST helpers are the e2e suite's own (imported, not copied).
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { KubeClient } from '@kube-vip-gw/controller-runtime';
import type { LocalControlPlane } from '@kube-vip-gw/controller-runtime/envtest';
import type { ConfigMap } from '@kube-vip-gw/gateway-model';
import { useControlPlane } from '../../../../../packages/controller-runtime/test/e2e/harness.js';
import { ControllerProcess, LEADER_ELECTION, REPO_ROOT, ensureControllerBundle, logTail } from '../../e2e/support/controller-process.js';
import { CONTROLLER_IDENTITY, IPAM_CONFIGMAP } from '../../e2e/support/environment.js';
import { KubeRest, R } from '../../e2e/support/kube-rest.js';

/** What the API server's audit log records of the controller's identity. */
export type AuditScope = 'none' | 'writes' | 'all';

/** Options of {@link useReliabilityEnv}. */
export interface ReliabilityEnvOptions {
  /** `writes`: every create/update/patch/delete; `all`: every request, reads and watches included (default none). */
  readonly audit?: AuditScope;
  /** Initial data of the IPAM ConfigMap (kube-system/kubevip). */
  readonly ipam?: Record<string, string>;
}

/** How to start one controller process. */
export interface StartOptions {
  /** Run for leadership on deploy/'s Lease (default false: crash tests restart far faster than a lease expires). */
  readonly leaderElect?: boolean;
  /** Wait until it leads (only with leaderElect; default false, so a follower can be started). */
  readonly waitLeading?: boolean;
  /**
   * An extra certificate group naming this replica, so the audit log tells replicas apart. No binding grants it
   * anything: the rights stay exactly deploy/'s.
   */
  readonly replica?: string;
  readonly extraArgs?: readonly string[];
  readonly readyTimeoutMs?: number;
}

/** What a reliability test sees of its environment. */
export interface ReliabilityEnv {
  readonly plane: LocalControlPlane;
  /** Admin (system:masters) JSON client. */
  readonly admin: KubeRest;
  /** Admin controller-runtime client (for informers of the tests' own observers). */
  readonly adminClient: KubeClient;
  /** Scratch directory of the file (logs, audit policy); kept when a test failed. */
  readonly workDir: string;
  /** The API server's audit log, when audit is on. */
  readonly auditLog: string | undefined;
  /** Starts a controller process (see StartOptions); every process is killed in afterAll. */
  startController(options?: StartOptions): Promise<ControllerProcess>;
  /** Replaces the IPAM ConfigMap's data. */
  setIpam(data: Record<string, string>): Promise<void>;
  /** Creates a namespace. */
  createNamespace(name: string, labels?: Record<string, string>): Promise<void>;
}

/** The Lease the deployed controller elects its leader on. */
export const LEASE = LEADER_ELECTION;

/** Audit group prefix naming a replica (see StartOptions.replica). */
export const REPLICA_GROUP_PREFIX = 'kvgw-reliability-replica:';
/** How to read the audit log: the controller's requests, each with the replica that made it. */
export const CONTROLLER_AUDIT = { user: CONTROLLER_IDENTITY.user, replicaGroupPrefix: REPLICA_GROUP_PREFIX } as const;

function auditPolicy(scope: AuditScope): string {
  const verbs = scope === 'writes' ? '\n    verbs: [create, update, patch, delete, deletecollection]' : '';
  // Lease writes at Request level: the log then says which holderIdentity each write set (fail-over checks).
  return `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
  - level: Request
    users: ["${CONTROLLER_IDENTITY.user}"]
    verbs: [create, update, patch]
    resources: [{ group: coordination.k8s.io, resources: [leases] }]
  - level: Metadata
    users: ["${CONTROLLER_IDENTITY.user}"]${verbs}
  - level: None
`;
}

/**
 * Sets up the environment for the current test file and tears it down; returns a getter. A failed test keeps the
 * work directory (controller logs, audit log) and prints where it is.
 */
export function useReliabilityEnv(options: ReliabilityEnvOptions = {}): () => ReliabilityEnv {
  const workDir = mkdtempSync(path.join(os.tmpdir(), 'kvgw-reliability-'));
  const scope = options.audit ?? 'none';
  const auditLog = scope === 'none' ? undefined : path.join(workDir, 'audit.log');
  const apiServerArgs: string[] = [];
  if (auditLog) {
    const policy = path.join(workDir, 'audit-policy.yaml');
    writeFileSync(policy, auditPolicy(scope));
    // Blocking mode: an event is on disk when the request is answered, so tests can read it at once.
    apiServerArgs.push(`--audit-policy-file=${policy}`, `--audit-log-path=${auditLog}`, '--audit-log-format=json', '--audit-log-mode=blocking');
  }
  const plane = useControlPlane({ gatewayApiCrds: 'standard', apiServerArgs });
  const processes: ControllerProcess[] = [];
  let env: ReliabilityEnv | undefined;
  let admin: KubeRest | undefined;
  let failed = false;
  let started = 0;

  beforeAll(async () => {
    // A private copy: a build elsewhere (tsup cleans dist/ first) must not swap the controller under a running test.
    // The copy itself can meet such a build half-way: try again shortly.
    const bundle = path.join(workDir, 'gateway-api-controller.js');
    for (let attempt = 1; ; attempt++) {
      try {
        copyFileSync(ensureControllerBundle(), bundle);
        break;
      } catch (error) {
        if (attempt >= 3) throw error;
        await new Promise((resolve) => setTimeout(resolve, 3_000));
      }
    }
    admin = await KubeRest.fromKubeconfig(plane().kubeconfig);
    const client = admin;
    for (const file of ['00-namespace.yaml', '01-rbac.yaml', '03-gatewayclass.yaml']) {
      await client.applyYaml(readFileSync(path.join(REPO_ROOT, 'deploy', file), 'utf8'));
    }
    await client.create(R.ConfigMap, { metadata: { ...IPAM_CONFIGMAP }, data: options.ipam ?? {} } as ConfigMap);
    const adminClient = await KubeClient.create({ source: { kind: 'string', yaml: plane().kubeconfig }, userAgent: 'kvgw-reliability' });
    const kubeconfigs = new Map<string, string>();
    const kubeconfigFor = async (replica: string | undefined): Promise<string> => {
      const key = replica ?? '';
      let file = kubeconfigs.get(key);
      if (!file) {
        const groups = [...CONTROLLER_IDENTITY.groups, ...(replica ? [`${REPLICA_GROUP_PREFIX}${replica}`] : [])];
        file = await plane().kubeconfigFileFor(CONTROLLER_IDENTITY.user, groups);
        kubeconfigs.set(key, file);
      }
      return file;
    };
    env = {
      plane: plane(),
      admin: client,
      adminClient,
      workDir,
      auditLog,
      async startController(start: StartOptions = {}) {
        started += 1;
        const electionArgs = start.leaderElect ? ['--leader-elect', '--leader-election-namespace', LEASE.namespace, '--leader-election-id', LEASE.name] : [];
        const controller = await ControllerProcess.start({
          bundle,
          kubeconfig: await kubeconfigFor(start.replica),
          logFile: path.join(workDir, `controller-${start.replica ?? 'main'}.log`),
          // ControllerProcess waits for leadership only when it passes the election flags itself.
          leaderElect: start.leaderElect === true && start.waitLeading === true,
          extraArgs: [...(start.leaderElect && start.waitLeading ? [] : electionArgs), ...(start.extraArgs ?? [])],
          ...(start.readyTimeoutMs ? { readyTimeoutMs: start.readyTimeoutMs } : {}),
        });
        processes.push(controller);
        return controller;
      },
      async setIpam(data) {
        const current = await client.get<ConfigMap>(R.ConfigMap, IPAM_CONFIGMAP);
        await client.replace(R.ConfigMap, { ...current, data });
      },
      async createNamespace(name, labels) {
        await client.create(R.Namespace, { metadata: { name, ...(labels ? { labels } : {}) } });
      },
    };
  }, 240_000);

  afterEach((ctx) => {
    if (ctx.task.result?.state === 'fail') failed = true;
  });

  afterAll(async () => {
    for (const p of processes) await p.kill('SIGKILL');
    admin?.close();
    if (failed) {
      const last = processes.at(-1);
      console.error(`[reliability] a test failed: logs kept in ${workDir} (${started} controller starts)` + (last ? `; last controller log lines:\n${logTail(last.logFile, 60)}` : ''));
    } else {
      rmSync(workDir, { recursive: true, force: true });
    }
  }, 60_000);

  return () => {
    if (!env) throw new Error('the reliability environment did not start (see the beforeAll error)');
    return env;
  };
}
