// Shared pieces of the e2e tests: one control plane per test file (started in beforeAll, stopped in afterAll, logs
// kept and printed when a test of the file failed), unique namespaces per test, and API error helpers.
import { ApiException, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { LocalControlPlane, type LocalControlPlaneOptions } from '@kube-vip-gw/controller-runtime/envtest';
import { afterAll, afterEach, beforeAll } from 'vitest';

/** Starting takes ~3 s here, but a loaded 2-core CI box can be much slower. */
const START_TIMEOUT_MS = 180_000;

/**
 * Starts a control plane for the current test file and returns a getter for it. When any test of the file fails,
 * the logs are kept and their directory printed.
 */
export function useControlPlane(options: LocalControlPlaneOptions = {}): () => LocalControlPlane {
  let plane: LocalControlPlane | undefined;
  let failed = false;
  beforeAll(async () => {
    plane = await LocalControlPlane.start(options);
  }, START_TIMEOUT_MS);
  afterEach((ctx) => {
    if (ctx.task.result?.state === 'fail') failed = true;
  });
  afterAll(async () => {
    if (!plane) return;
    const { keptLogDir } = await plane.stop({ keepLogs: failed });
    if (keptLogDir) console.error(`[e2e] a test failed: control-plane logs kept in ${keptLogDir}`);
  }, 60_000);
  return () => {
    if (!plane) throw new Error('the control plane did not start (see the beforeAll error)');
    return plane;
  };
}

/** A KubeConfig for @kubernetes/client-node from kubeconfig YAML. */
export function kubeConfigFrom(yaml: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromString(yaml);
  return kc;
}

let counter = 0;
/** A DNS-1123 name unique within the run, e.g. `rbac-3-k2j9`. */
export function uniqueName(prefix: string): string {
  counter += 1;
  return `${prefix}-${counter}-${Math.random().toString(36).slice(2, 6)}`;
}

/** Creates a fresh namespace (as admin) and returns its name. */
export async function createNamespace(kc: KubeConfig, prefix: string): Promise<string> {
  const name = uniqueName(prefix);
  await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name } } });
  return name;
}

/** HTTP status and Status message of a failed @kubernetes/client-node call, for asserting API refusals. */
export interface ApiFailure {
  readonly code: number;
  readonly reason: string | undefined;
  readonly message: string;
}

/** Runs `call`, expecting it to fail with an ApiException, and returns the code and the server's message. */
export async function apiFailure(call: () => Promise<unknown>): Promise<ApiFailure> {
  try {
    await call();
  } catch (error) {
    if (!(error instanceof ApiException)) throw error;
    const body: unknown = typeof error.body === 'string' ? safeJson(error.body) : error.body;
    const status = (body ?? {}) as { message?: string; reason?: string };
    return { code: error.code, reason: status.reason, message: status.message ?? String(error.body) };
  }
  throw new Error('expected the API call to fail, but it succeeded');
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return { message: text };
  }
}
