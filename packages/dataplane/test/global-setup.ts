// Runs once before the `dataplane` test files. Where network namespaces cannot be made (not root, no `ip netns`),
// it says so loudly and the files skip with that reason (KVGW_DATAPLANE_SKIP); that is the only reason to skip.
// Otherwise it builds (or finds) kube-vip and kube-proxy, which every file needs, and fails the whole run with one
// clear message if they cannot be had or nftables (kube-proxy's mode here) is missing. kube-vip-cloud-provider, which
// one test needs and whose cold build is the longest (583 s of a 16 min cold build, docs/dataplane.md), is built in
// the background at low priority while the other files run; that test's own build.sh call waits for it (flock).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, openSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
// Relative, and not through index.ts: vitest loads global setup without the source export condition, so nothing
// that imports a sibling package may be loaded here.
import { DATAPLANE_BUILD_SCRIPT, ensureDataPlaneBinaries } from '../src/binaries.js';
import { dataPlaneUnsupportedReason, removeStaleNamespaces } from '../src/netns.js';

export default async function setup(): Promise<(() => void) | void> {
  const reason = dataPlaneUnsupportedReason();
  if (reason) {
    process.env['KVGW_DATAPLANE_SKIP'] = reason;
    process.stderr.write(`\n[dataplane] ************************************************************\n[dataplane] SKIPPING every data-plane test: ${reason}\n[dataplane] ************************************************************\n\n`);
    return;
  }
  const nft = spawnSync('nft', ['--version'], { encoding: 'utf8' });
  if (nft.error || nft.status !== 0) {
    throw new Error('[dataplane] FAILED: `nft` is not installed; kube-proxy runs in nftables mode: apt-get install nftables (.ci/run does)');
  }
  const stale = removeStaleNamespaces();
  if (stale.length) process.stderr.write(`[dataplane] removed ${stale.length} namespaces left by dead runs\n`);
  const t0 = performance.now();
  const binaries = await ensureDataPlaneBinaries(['kube-vip', 'kube-proxy'], {
    onProgress: (line) => process.stderr.write(`${line}\n`),
  });
  process.stderr.write(`[dataplane] binaries: ${path.dirname(binaries['kube-vip']!)} (${((performance.now() - t0) / 1000).toFixed(1)} s)\n`);
  // With KVGW_DATAPLANE_ASSETS every binary comes from there; otherwise the workers' build.sh calls find them cached.
  if (process.env['KVGW_DATAPLANE_ASSETS']) return;
  const background = buildInBackground('kube-vip-cloud-provider');
  return () => {
    // Still building when the run ends (its test was filtered out): stop it; the Go build cache keeps its progress.
    if (background && background.exitCode === null && background.signalCode === null) process.kill(-background.pid!, 'SIGTERM');
  };
}

/** Starts `build.sh name` at low priority (nice 10) unless the binary is cached; its log goes to the OS temp dir. */
function buildInBackground(name: string): ChildProcess | undefined {
  const probe = spawnSync('bash', [DATAPLANE_BUILD_SCRIPT, name], { encoding: 'utf8', env: { ...process.env, KVGW_DATAPLANE_CHECK_ONLY: '1' } });
  if (probe.status === 0) return undefined; // cached
  const dir = path.join(os.tmpdir(), 'kvgw-dataplane-build');
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true });
  const log = path.join(dir, `${name}.log`);
  const out = openSync(log, 'w');
  const child = spawn('nice', ['-n', '10', 'bash', DATAPLANE_BUILD_SCRIPT, name], { stdio: ['ignore', out, out], detached: true });
  child.unref();
  process.stderr.write(`[dataplane] building ${name} in the background (log ${log}); its test waits for it\n`);
  return child;
}
