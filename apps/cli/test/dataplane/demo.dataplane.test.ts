// `kvgw demo` with a real data plane (root): a local control plane, the built controller, kube-vip and kube-proxy in a
// node namespace, the demo's own set applied; every Gateway Announced, and a TCP and a UDP exchange through each
// address answered by the echo backend from the client namespace. Fails when the traffic does not flow: with
// KVGW_DATAPLANE_NO_KUBE_PROXY=1 (no kube-proxy) every exchange is refused and the demo exits 1.
// Then the binary itself, stopped by SIGTERM mid-run, leaves no namespace or process behind.
// Needs `npm run build` (the controller bundle and apps/cli/dist/kvgw.js).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { listNamespaces, NETNS_PREFIX } from '@kube-vip-gw/dataplane';
import { defaultControllerBundle } from '../../src/demo.js';
import { DATA_PLANE_DEMO_GATEWAYS } from '../../src/demo-dataplane.js';
import { captureIo } from '../../src/internal/capture.js';
import { runCli } from '../../src/program.js';

const REPO = path.resolve(import.meta.dirname, '../../../..');
const SKIP = process.env['KVGW_DATAPLANE_SKIP'];

/** Namespaces whose name says process `pid` made them. */
const namespacesOf = (pid: number): string[] => listNamespaces().filter((ns) => ns.startsWith(`${NETNS_PREFIX}-${pid}-`));

/** Pids of the processes running inside `namespaces` (`ip netns pids`). */
function pidsIn(namespaces: readonly string[]): number[] {
  return namespaces.flatMap((ns) => (spawnSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).stdout ?? '').split('\n').map(Number).filter((p) => p > 0));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe.skipIf(SKIP)('kvgw demo on a real data plane', () => {
  const bundle = process.env['KVGW_CONTROLLER_BUNDLE'] ?? defaultControllerBundle();

  it('announces every Gateway and carries a TCP and a UDP exchange through each address', async () => {
    expect(bundle !== undefined && existsSync(bundle), `controller bundle ${bundle}: run "npm run build" first`).toBe(true);
    const io = captureIo({ cwd: REPO, env: { NO_COLOR: '1' } });
    const code = await runCli(['demo', '--controller', bundle!, '--timeout', '90', '--data-plane', 'on'], io);
    const out = io.out();
    process.stderr.write(`[demo] --- kvgw demo output ---\n${out}`);
    expect(code, `${io.err()}\n${out}`).toBe(0);
    expect(io.err()).toContain('[demo] every Gateway is announced\n');
    for (const g of DATA_PLANE_DEMO_GATEWAYS) {
      // The status table: Accepted, Programmed and kube-vip.io/Announced all True.
      expect(out).toMatch(new RegExp(`\\n${g.namespace} +${g.name} +kube-vip +\\S+ +True +True +True\\n`));
    }
    // One row per address and listener, each answered by the echo backend port of that listener's route.
    const rows = out.split('\n').filter((l) => /^demo-\S+\/\S+ +\S+ +.+ (TCP|UDP)\/\d+ +(ok|FAILED) /.test(l));
    expect(rows).toHaveLength(8); // echo 2, web 2 x 2 addresses, shared 2
    for (const g of DATA_PLANE_DEMO_GATEWAYS) {
      for (const l of g.listeners) {
        const mine = rows.filter((r) => r.startsWith(`${g.namespace}/${g.name} `) && r.includes(` ${l.protocol}/${l.port} `));
        expect(mine.length, `${g.name} ${l.name}`).toBeGreaterThan(0);
        for (const r of mine) expect(r).toMatch(new RegExp(` ok +${l.protocol} answer from the echo backend's port ${l.backendPort} in `));
      }
    }
    expect(io.err()).toContain('[demo] 8 of 8 exchanges answered by the echo backend\n');
    // Everything it made is gone.
    expect(namespacesOf(process.pid)).toEqual([]);
  }, 240_000);

  it('SIGTERM while the demo waits removes every namespace and process it started', async () => {
    const kvgw = path.join(REPO, 'apps/cli/dist/kvgw.js');
    expect(existsSync(kvgw), `${kvgw}: run "npm run build" first`).toBe(true);
    const child = spawn(process.execPath, [kvgw, 'demo', '--controller', bundle!, '--data-plane', 'on', '--keep'], { cwd: REPO, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    // If an assertion fails before the SIGTERM, the demo must not outlive the test (its reaper then removes the namespaces).
    onTestFinished(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    // Stopped as soon as the data plane is up and the controller starts: kube-vip, kube-proxy, the backend and the
    // prober all run in the namespaces then.
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the demo did not start its data plane in 150 s:\n${err}`)), 150_000);
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
        err += chunk;
        if (err.includes('[demo] starting the controller')) {
          clearTimeout(timer);
          resolve();
        }
      });
      void exited.then(() => reject(new Error(`the demo exited early:\n${err}`)));
    });
    const made = namespacesOf(child.pid!);
    expect(made.map((ns) => ns.split('-').at(-1)).sort()).toEqual(['backend', 'client', 'node1']);
    const inside = pidsIn(made);
    // kube-vip, kube-proxy and the API relay (node1), the echo backend, the prober (client).
    expect(inside.length).toBeGreaterThanOrEqual(5);
    child.kill('SIGTERM');
    const { code } = await exited;
    // Ctrl-C/SIGTERM before the report: exit 1 ("interrupted"), everything removed.
    expect(code, err).toBe(1);
    expect(err).toContain('[demo] stopping the data plane and removing its network namespaces\n');
    expect(err).toContain('[demo] stopped\n');
    expect(namespacesOf(child.pid!)).toEqual([]);
    expect(inside.filter(alive)).toEqual([]);
  }, 240_000);
});
