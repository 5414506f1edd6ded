// `kvgw local-cluster` as a real process: starts etcd + kube-apiserver with the Gateway API CRDs, writes the
// kubeconfig where asked, serves `kvgw status`, and on SIGINT stops everything and exits 0.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { KubeClient, TCPRoute, UDPRoute, isServed } from '@kube-vip-gw/controller-runtime';
import { afterAll, describe, expect, it } from 'vitest';
import { captureIo } from '../../src/internal/capture.js';
import { runCli } from '../../src/program.js';

const REPO = path.resolve(import.meta.dirname, '../../../..');
const MAIN = path.join(REPO, 'apps/cli/src/main.ts');

describe('kvgw local-cluster (process)', () => {
  let dir: string | undefined;
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('runs until SIGINT, serves status on the kubeconfig it wrote, then cleans up and exits 0', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'kvgw-lc-e2e-'));
    const kubeconfig = path.join(dir, 'kubeconfig');
    // The sources run through tsx, so the test needs no build; main.ts is what the bundle runs.
    const child = spawn(process.execPath, ['--conditions=@kube-vip-gw/source', '--import', 'tsx', MAIN, 'local-cluster', '--kubeconfig', kubeconfig], {
      cwd: REPO,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const deadline = Date.now() + 150_000;
      while (!out.includes('ready: press Ctrl-C to stop') && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 200));
      expect(out, `stderr:\n${err}`).toContain('ready: press Ctrl-C to stop');
      expect(out).toContain(`  export KUBECONFIG=${kubeconfig}\n`);
      expect(err).toMatch(/\[local-cluster\] Gateway API v\S+ standard CRDs installed/);
      expect(existsSync(kubeconfig)).toBe(true);

      const client = await KubeClient.create({ source: { kind: 'file', path: kubeconfig } });
      expect(await isServed(client, TCPRoute)).toBe(true);
      expect(await isServed(client, UDPRoute)).toBe(true);
      await client.close();

      const io = captureIo();
      expect(await runCli(['status', '--kubeconfig', kubeconfig], io)).toBe(0);
      expect(io.err()).toBe('No Gateways found.\n');
    } finally {
      child.kill('SIGINT');
    }
    expect(await exited).toBe(0);
    expect(out).toContain('stopping the local control plane\n');
    expect(existsSync(kubeconfig)).toBe(false);
  });
});
