// One environment per e2e file: a real kube-apiserver + etcd with the Gateway API v1.6.1 standard CRDs, deploy/'s
// Namespace, RBAC and GatewayClass applied as an admin would, an IPAM ConfigMap, and the controller running as its
// own process with only the ServiceAccount identity of deploy/ (a client certificate bound to its ClusterRole).
// The API server keeps an audit log of every request the controller makes, so tests can count its writes exactly and
// see any request RBAC refused.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { DEFAULT_CONTROLLER_NAME } from '@kube-vip-gw/controller';
import type { LocalControlPlane } from '@kube-vip-gw/controller-runtime/envtest';
import type { ConfigMap, KubeObject } from '@kube-vip-gw/gateway-model';
import { isWrite, readAuditLog, type AuditedRequest } from '@kube-vip-gw/test-support';
import { uniqueName, useControlPlane } from '../../../../../packages/controller-runtime/test/e2e/harness.js';
import { ControllerProcess, REPO_ROOT, ensureControllerBundle, logTail } from './controller-process.js';
import { KubeRest, R } from './kube-rest.js';

/** The ServiceAccount of deploy/01-rbac.yaml, as a client-certificate identity. */
export const CONTROLLER_IDENTITY = {
  user: 'system:serviceaccount:kube-vip-gateway-api:kube-vip-gateway-api',
  groups: ['system:serviceaccounts', 'system:serviceaccounts:kube-vip-gateway-api', 'system:authenticated'],
} as const;
/** Service CIDRs of the API server: dual-stack. */
export const SERVICE_CLUSTER_IP_RANGE = '10.96.0.0/12,fd00:10:96::/108';
/** The GatewayClass of deploy/03-gatewayclass.yaml. */
export const GATEWAY_CLASS = 'kube-vip';
/** The controllerName the controller serves (its default). */
export const CONTROLLER_NAME = DEFAULT_CONTROLLER_NAME;
/** The IPAM ConfigMap the controller reads (its default). */
export const IPAM_CONFIGMAP = { namespace: 'kube-system', name: 'kubevip' } as const;

// Metadata of every request by the controller's identity; nothing of anyone else.
const AUDIT_POLICY = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
  - level: Metadata
    users: ["${CONTROLLER_IDENTITY.user}"]
  - level: None
`;

/** A namespace made for one test, with its own IPAM pool. */
export interface TestNamespace {
  readonly name: string;
  /** The pool's ConfigMap value (`range-<ns>`), or undefined without a pool. */
  readonly range: string | undefined;
  /** Every address of the pool, in order. */
  readonly addresses: readonly string[];
}

/** What a test sees of its environment. */
export interface E2eEnvironment {
  readonly plane: LocalControlPlane;
  /** An admin (system:masters) client. */
  readonly admin: KubeRest;
  /** The running controller (a new object after {@link restartController}). */
  readonly controller: ControllerProcess;
  /** Creates a namespace and gives it a pool of `poolSize` addresses of its own (`range-<ns>`; 0: no pool). */
  newNamespace(prefix: string, poolSize?: number): Promise<TestNamespace>;
  /** Sets (or with undefined removes) one key of the IPAM ConfigMap. */
  setIpamKey(key: string, value: string | undefined): Promise<void>;
  /** A fresh block of addresses `10.<a>.<b>.1-10.<a>.<b>.<size>`, never handed to another test of the file. */
  freshRange(size: number): { range: string; addresses: string[] };
  /** Kills the controller with `signal` and starts it again with the same flags; resolves once it leads again. */
  restartController(signal?: NodeJS.Signals): Promise<ControllerProcess>;
  /** The controller's answered writes (create, update, patch, delete) from the audit log, in order. */
  auditedWrites(): AuditedRequest[];
  /** Every answered request of the controller (reads and watches too) from the audit log, in order. */
  auditedRequests(): AuditedRequest[];
}

/**
 * Sets up the environment for the current test file (beforeAll) and tears it down (afterAll); returns a getter.
 * When a test of the file failed, the controller log is kept and its path and last lines printed.
 */
export function useControllerEnvironment(options: { readonly extraArgs?: readonly string[] } = {}): () => E2eEnvironment {
  const workDir = mkdtempSync(path.join(os.tmpdir(), 'kvgw-controller-e2e-'));
  const auditPolicy = path.join(workDir, 'audit-policy.yaml');
  const auditLog = path.join(workDir, 'audit.log');
  writeFileSync(auditPolicy, AUDIT_POLICY);
  const plane = useControlPlane({
    gatewayApiCrds: 'standard',
    // Dual-stack, so dual-stack Gateways' Services are accepted (pinned here: the tests depend on it).
    serviceClusterIpRange: SERVICE_CLUSTER_IP_RANGE,
    apiServerArgs: [`--audit-policy-file=${auditPolicy}`, `--audit-log-path=${auditLog}`, '--audit-log-format=json'],
  });
  let env: E2eEnvironment | undefined;
  let admin: KubeRest | undefined;
  let controller: ControllerProcess | undefined;
  let failed = false;
  let blocks = 0;

  beforeAll(async () => {
    const bundle = ensureControllerBundle();
    admin = await KubeRest.fromKubeconfig(plane().kubeconfig);
    const client = admin;
    for (const file of ['00-namespace.yaml', '01-rbac.yaml', '03-gatewayclass.yaml']) {
      await client.applyYaml(readFileSync(path.join(REPO_ROOT, 'deploy', file), 'utf8'));
    }
    await client.create(R.ConfigMap, { metadata: { ...IPAM_CONFIGMAP }, data: {} } as ConfigMap);
    const kubeconfig = await plane().kubeconfigFileFor(CONTROLLER_IDENTITY.user, [...CONTROLLER_IDENTITY.groups]);
    controller = await ControllerProcess.start({
      bundle,
      kubeconfig,
      logFile: path.join(workDir, 'controller.log'),
      ...(options.extraArgs ? { extraArgs: options.extraArgs } : {}),
    });

    const setIpamKey = async (key: string, value: string | undefined): Promise<void> => {
      await client.patch(R.ConfigMap, IPAM_CONFIGMAP, { data: { [key]: value ?? null } });
    };
    const freshRange = (size: number) => {
      if (size < 1 || size > 250) throw new Error(`freshRange: size ${size} is not in 1..250`);
      blocks += 1;
      const prefix = `10.${100 + Math.floor(blocks / 250)}.${blocks % 250}`;
      const addresses = Array.from({ length: size }, (_, i) => `${prefix}.${i + 1}`);
      return { range: `${addresses[0]}-${addresses[size - 1]}`, addresses };
    };
    env = {
      plane: plane(),
      admin: client,
      get controller() {
        if (!controller) throw new Error('the controller is not running');
        return controller;
      },
      freshRange,
      setIpamKey,
      async newNamespace(prefix, poolSize = 4) {
        const name = uniqueName(prefix);
        await client.create(R.Namespace, { metadata: { name } });
        if (poolSize === 0) return { name, range: undefined, addresses: [] };
        const { range, addresses } = freshRange(poolSize);
        await setIpamKey(`range-${name}`, range);
        return { name, range, addresses };
      },
      async restartController(signal = 'SIGKILL') {
        if (!controller) throw new Error('the controller is not running');
        await controller.kill(signal);
        controller = await controller.restart();
        return controller;
      },
      auditedWrites: () => readAuditLog(auditLog, { user: CONTROLLER_IDENTITY.user }).filter(isWrite),
      auditedRequests: () => readAuditLog(auditLog, { user: CONTROLLER_IDENTITY.user }),
    };
  }, 240_000);

  afterEach((ctx) => {
    if (ctx.task.result?.state === 'fail') failed = true;
  });

  afterAll(async () => {
    await controller?.kill('SIGTERM');
    admin?.close();
    if (failed && controller) {
      console.error(`[e2e] a test failed: controller log kept in ${controller.logFile}; its last lines:\n${logTail(controller.logFile, 60)}`);
    } else {
      rmSync(workDir, { recursive: true, force: true });
    }
  }, 60_000);

  return () => {
    if (!env) throw new Error('the controller environment did not start (see the beforeAll error)');
    return env;
  };
}

/** `kind namespace/name` of an object, for messages. */
export function describeObject(o: KubeObject): string {
  return `${o.kind ?? 'object'} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;
}
