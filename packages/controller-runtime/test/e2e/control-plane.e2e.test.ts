// The local control plane itself: readiness, kubeconfigs, flags that matter to the controller, and the promise that
// nothing (processes, temp dirs) outlives it, even when its owner is killed.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AuthenticationV1Api, CoreV1Api, VersionApi } from '@kubernetes/client-node';
import {
  ADMIN_USER,
  ControlPlaneCrashedError,
  ControlPlaneStoppedError,
  LocalControlPlane,
  readEnvtestVersions,
  runLocalCluster,
} from '@kube-vip-gw/controller-runtime/envtest';
import { describe, expect, it } from 'vitest';
import { createNamespace, kubeConfigFrom, uniqueName, useControlPlane } from './harness.js';
import { waitFor } from '@kube-vip-gw/test-support';

const plane = useControlPlane();

/** True while the process exists and is not a zombie. */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

describe('start and readiness', () => {
  it('serves /readyz, the default namespace and the pinned Kubernetes version', async () => {
    const kc = kubeConfigFrom(plane().kubeconfig);
    const version = await kc.makeApiClient(VersionApi).getCode();
    expect(version.gitVersion).toBe((await readEnvtestVersions())?.kubernetes);
    const ns = await kc.makeApiClient(CoreV1Api).readNamespace({ name: 'default' });
    expect(ns.status?.phase).toBe('Active');
    // Anonymous, verifying the serving certificate against the CA the control plane made.
    const readyz = await new Promise<{ status: number | undefined; body: string }>((resolve, reject) => {
      https
        .get(`${plane().server}/readyz`, { ca: plane().caPem }, (res) => {
          let body = '';
          res.setEncoding('utf8').on('data', (c: string) => (body += c)).on('end', () => resolve({ status: res.statusCode, body }));
        })
        .on('error', reject);
    });
    expect(readyz).toEqual({ status: 200, body: 'ok' });
  });

  it('writes the admin kubeconfig to a file identical to the returned string, bound to 127.0.0.1', async () => {
    expect(await readFile(plane().kubeconfigPath, 'utf8')).toBe(plane().kubeconfig);
    const kc = kubeConfigFrom(plane().kubeconfig);
    expect(kc.getCurrentCluster()?.server).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(kc.getCurrentUser()?.name).toBe(ADMIN_USER);
  });

  it('puts etcd data on tmpfs and reports how long the start took', () => {
    if (existsSync('/dev/shm')) expect(plane().workDir.startsWith('/dev/shm/')).toBe(true);
    const t = plane().timings;
    expect(t.startMs).toBeGreaterThan(t.apiServerMs);
    expect(t.apiServerMs).toBeGreaterThan(0);
    console.info(`[e2e] control plane start ${(t.startMs / 1000).toFixed(2)} s (etcd ${(t.etcdMs / 1000).toFixed(2)} s, kube-apiserver ${(t.apiServerMs / 1000).toFixed(2)} s)`);
  });

  it('allocates Service cluster IPs from 10.96.0.0/12 and nodePorts for LoadBalancer Services', async () => {
    const kc = kubeConfigFrom(plane().kubeconfig);
    const core = kc.makeApiClient(CoreV1Api);
    const namespace = await createNamespace(kc, 'svc');
    const svc = await core.createNamespacedService({
      namespace,
      body: { metadata: { name: 'lb' }, spec: { type: 'LoadBalancer', ports: [{ port: 53, protocol: 'UDP' }] } },
    });
    const [a, b] = (svc.spec?.clusterIP ?? '').split('.').map(Number);
    expect(a).toBe(10);
    expect(b).toBeGreaterThanOrEqual(96);
    expect(b).toBeLessThanOrEqual(111);
    expect(svc.spec?.ports?.[0]?.nodePort).toBeGreaterThanOrEqual(30000);
    // Nothing but our controller would ever fill this in: there is no cloud provider here.
    expect(svc.status?.loadBalancer?.ingress).toBeUndefined();
  });

  it('mints kubeconfig files for child processes and keeps them inside the work directory', async () => {
    const file = await plane().kubeconfigFileFor('system:serviceaccount:kube-system:kube-vip-gw', ['system:serviceaccounts']);
    expect(file.startsWith(plane().workDir)).toBe(true);
    const kc = kubeConfigFrom(await readFile(file, 'utf8'));
    expect(kc.getCurrentUser()?.name).toBe('system:serviceaccount:kube-system:kube-vip-gw');
  });
});

describe('stop', () => {
  it('ends both processes, removes the work and log directories, and refuses later use', async () => {
    const own = await LocalControlPlane.start();
    const { pids, workDir, logDir } = own;
    expect(alive(pids.etcd) && alive(pids.apiServer)).toBe(true);
    const t0 = performance.now();
    expect(await own.stop()).toEqual({ keptLogDir: undefined });
    console.info(`[e2e] control plane stop ${((performance.now() - t0) / 1000).toFixed(2)} s`);
    expect(alive(pids.etcd)).toBe(false);
    expect(alive(pids.apiServer)).toBe(false);
    expect(existsSync(workDir)).toBe(false);
    expect(existsSync(logDir)).toBe(false);
    await expect(own.kubeconfigFor('late')).rejects.toThrow(ControlPlaneStoppedError);
    expect(await own.stop()).toEqual({ keptLogDir: undefined });
  });

  it('keeps the logs when asked, with both components logged', async () => {
    const own = await LocalControlPlane.start();
    const { keptLogDir } = await own.stop({ keepLogs: true });
    try {
      expect(keptLogDir).toBe(own.logDir);
      expect(readFileSync(own.logFiles.apiServer, 'utf8')).toContain('Serving securely on 127.0.0.1');
      expect(existsSync(own.logFiles.etcd)).toBe(true);
    } finally {
      await rm(own.logDir, { recursive: true, force: true });
    }
  });
});

describe('no orphans when the owner dies', () => {
  const fixture = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'hold-control-plane.ts');

  /** Runs the fixture (a Node process that starts a control plane) and returns what it started. */
  async function startOwner(mode: 'hang' | 'exit'): Promise<{
    owner: ReturnType<typeof spawn>;
    started: { pids: { etcd: number; apiServer: number }; workDir: string; logDir: string };
  }> {
    const owner = spawn(process.execPath, ['--import', 'tsx', '--conditions=@kube-vip-gw/source', fixture, mode], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: process.env,
    });
    const line = await new Promise<string>((resolve, reject) => {
      let out = '';
      owner.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
        out += chunk;
        if (out.includes('\n')) resolve(out.split('\n')[0] ?? '');
      });
      owner.once('exit', (code) => (out.includes('\n') ? undefined : reject(new Error(`fixture exited with ${code} before starting`))));
    });
    return { owner, started: JSON.parse(line) as { pids: { etcd: number; apiServer: number }; workDir: string; logDir: string } };
  }

  it.each(['SIGKILL', 'SIGTERM', 'SIGINT'] as const)('cleans up after the owner is killed with %s', async (signal) => {
    const { owner, started } = await startOwner('hang');
    expect(alive(started.pids.apiServer)).toBe(true);
    owner.kill(signal);
    await waitFor('the control plane to die', () => !alive(started.pids.apiServer) && !alive(started.pids.etcd), 10_000);
    await waitFor('the temp dirs to go', () => !existsSync(started.workDir) && !existsSync(started.logDir), 10_000);
  });

  it('cleans up when the owner calls process.exit() without stop()', async () => {
    const { owner, started } = await startOwner('exit');
    if (owner.exitCode === null) await new Promise((resolve) => owner.once('exit', resolve));
    // The exit hook kills and deletes synchronously inside process.exit(); the kernel needs a moment to finish the kills.
    expect(existsSync(started.workDir)).toBe(false);
    expect(existsSync(started.logDir)).toBe(false);
    await waitFor('the control plane to die', () => !alive(started.pids.apiServer) && !alive(started.pids.etcd), 2_000);
  });
});

describe('identities', () => {
  it('gives a minted user exactly its certificate identity (SelfSubjectReview)', async () => {
    const user = uniqueName('someone');
    const kc = kubeConfigFrom(await plane().kubeconfigFor(user, ['team-a', 'team-b']));
    const review = await kc.makeApiClient(AuthenticationV1Api).createSelfSubjectReview({ body: {} });
    expect(review.status?.userInfo?.username).toBe(user);
    expect(review.status?.userInfo?.groups).toEqual(['team-a', 'team-b', 'system:authenticated']);
  });
});

describe('runLocalCluster (what `kvgw local-cluster` and the demo run)', () => {
  it('writes the kubeconfig, runs until aborted, then removes everything', async () => {
    const kubeconfigPath = path.join(os.tmpdir(), `${uniqueName('kvgw-lc')}.kubeconfig`);
    const controller = new AbortController();
    const lines: string[] = [];
    let seen: { workDir: string; pids: { etcd: number; apiServer: number } } | undefined;
    const running = runLocalCluster({
      signal: controller.signal,
      gatewayApiCrds: false,
      kubeconfigPath,
      log: (line) => lines.push(line),
      onReady: async (p) => {
        seen = { workDir: p.workDir, pids: p.pids };
        expect(await readFile(kubeconfigPath, 'utf8')).toBe(p.kubeconfig);
        setTimeout(() => controller.abort(), 200);
      },
    });
    await running;
    expect(lines).toContain(`kubeconfig: ${kubeconfigPath}`);
    expect(lines.at(-1)).toBe('stopping the local control plane');
    expect(existsSync(kubeconfigPath)).toBe(false);
    expect(existsSync(seen?.workDir ?? '/')).toBe(false);
    expect(alive(seen?.pids.apiServer ?? 0)).toBe(false);
  });

  it('ends when onReady aborts the signal itself (the demo does when it is done)', async () => {
    const controller = new AbortController();
    await runLocalCluster({
      signal: controller.signal,
      gatewayApiCrds: false,
      log: () => undefined,
      onReady: () => controller.abort(),
    });
    expect(controller.signal.aborted).toBe(true);
  });

  it('fails, naming the component and keeping the logs, when kube-apiserver dies while running', async () => {
    const controller = new AbortController();
    const lines: string[] = [];
    const attempt = runLocalCluster({
      signal: controller.signal,
      gatewayApiCrds: false,
      log: (line) => lines.push(line),
      onReady: (p) => {
        process.kill(p.pids.apiServer, 'SIGKILL');
      },
    });
    await expect(attempt).rejects.toThrow(ControlPlaneCrashedError);
    await expect(attempt).rejects.toThrow('kube-apiserver was killed by SIGKILL while running');
    const kept = lines.find((l) => l.startsWith('logs kept in '))?.slice('logs kept in '.length);
    expect(kept && existsSync(path.join(kept, 'kube-apiserver.log'))).toBe(true);
    await rm(kept ?? '', { recursive: true, force: true });
  });
});
