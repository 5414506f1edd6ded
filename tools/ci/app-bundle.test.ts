import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { build } from 'tsup';
import { describe, expect, it } from 'vitest';
import { appBundle } from '../../tsup.shared.js';

// The apps' bundles leave undici out (tools/bundle/undici-left-out.mjs): client-node 2 imports it, the apps never
// call it. Built here exactly as apps/controller builds (appBundle), into a scratch directory.
const root = path.resolve(import.meta.dirname, '..', '..');

describe("the controller's bundle", () => {
  it('holds no undici code, and still loads a kubeconfig through client-node and answers --help', async () => {
    const outDir = await mkdtemp(path.join(os.tmpdir(), 'kvgw-app-bundle-'));
    try {
      const options = appBundle({ controller: path.join(root, 'apps/controller/src/main.ts') });
      await build({ ...options, config: false, silent: true, outDir, sourcemap: false, metafile: true });
      const metafile = (await readdir(outDir)).find((f) => f.startsWith('metafile') && f.endsWith('.json'));
      const meta = JSON.parse(await readFile(path.join(outDir, metafile!), 'utf8')) as { inputs: Record<string, unknown> };
      const inputs = Object.keys(meta.inputs);
      expect(inputs.filter((f) => f.includes('/undici/'))).toEqual([]);
      expect(inputs.some((f) => f.endsWith('tools/bundle/undici-left-out.mjs'))).toBe(true);
      expect(inputs.some((f) => f.includes('@kubernetes/client-node/dist/config.js'))).toBe(true);
      const help = execFileSync(process.execPath, [path.join(outDir, 'controller.js'), '--help'], { encoding: 'utf8' });
      expect(help).toContain('--kubeconfig');
      // A kubeconfig is loaded (client-node's KubeConfig, the only part the controller uses) before anything connects:
      // a server nobody listens on makes it fail on the connection, not on a missing transport.
      const kubeconfig = path.join(outDir, 'kubeconfig');
      await writeFile(kubeconfig, 'apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]\nusers: [{name: u, user: {token: t}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n');
      let out = '';
      try {
        execFileSync(process.execPath, [path.join(outDir, 'controller.js'), `--kubeconfig=${kubeconfig}`, '--metrics-bind-address=0', '--health-probe-bind-address=0'], { encoding: 'utf8', timeout: 8_000, stdio: ['ignore', 'pipe', 'pipe'] });
      } catch (e) {
        out = `${(e as { stdout?: string }).stdout ?? ''}${(e as { stderr?: string }).stderr ?? ''}`;
      }
      expect(out).not.toContain('undici is left out');
      expect(out).toMatch(/ECONNREFUSED|connect/);
    } finally {
      await rm(outDir, { recursive: true, force: true });
    }
  }, 60_000);
});
