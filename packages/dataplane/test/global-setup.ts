// Runs once before the `dataplane` test files. Where network namespaces cannot be made (not root, no `ip netns`),
// it says so loudly and the files skip with that reason (KVGW_DATAPLANE_SKIP); that is the only reason to skip.
// Otherwise it builds (or finds) kube-vip, kube-proxy and kube-vip-cloud-provider once and passes their directory to
// the workers in KVGW_DATAPLANE_ASSETS, and it fails the whole run with one clear message if they cannot be had or
// nftables (kube-proxy's mode here) is missing.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
// Relative, and not through index.ts: vitest loads global setup without the source export condition, so nothing
// that imports a sibling package may be loaded here.
import { ensureDataPlaneBinaries } from '../src/binaries.js';
import { dataPlaneUnsupportedReason, removeStaleNamespaces } from '../src/netns.js';

export default async function setup(): Promise<void> {
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
  const binaries = await ensureDataPlaneBinaries(['kube-vip', 'kube-proxy', 'kube-vip-cloud-provider'], {
    onProgress: (line) => process.stderr.write(`${line}\n`),
  });
  process.env['KVGW_DATAPLANE_ASSETS'] = path.dirname(binaries['kube-vip']!);
  process.stderr.write(`[dataplane] binaries: ${process.env['KVGW_DATAPLANE_ASSETS']} (${((performance.now() - t0) / 1000).toFixed(1)} s)\n`);
}
