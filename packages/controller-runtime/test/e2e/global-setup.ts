// Runs once before the e2e test files: makes sure kube-apiserver and etcd exist (building them on a fresh machine,
// with progress on stderr) and that the Gateway API module is in the Go module cache. Its findings reach the test
// workers through the environment (KUBEBUILDER_ASSETS, KVGW_GATEWAY_API_DIR), so no file builds or downloads again.
// If the binaries cannot be had, the whole run stops here with one clear message instead of N failing files.
import path from 'node:path';
import {
  DEFAULT_GATEWAY_API_VERSION,
  ensureBinaries,
  gatewayApiCrdDir,
  readEnvtestVersions,
} from '../../src/envtest/index.js'; // relative: vitest loads global setup without the source export condition

/** Vitest global setup: resolve binaries and CRDs once for every e2e file. */
export default async function setup(): Promise<void> {
  const t0 = performance.now();
  const binaries = await ensureBinaries({ onProgress: (line) => process.stderr.write(`${line}\n`) });
  process.env['KUBEBUILDER_ASSETS'] = binaries.dir;
  const version = (await readEnvtestVersions())?.gatewayApi ?? DEFAULT_GATEWAY_API_VERSION;
  const standardDir = await gatewayApiCrdDir(version, 'standard');
  // <module>/config/crd/standard -> <module>
  process.env['KVGW_GATEWAY_API_DIR'] = path.resolve(standardDir, '..', '..', '..');
  process.stderr.write(
    `[e2e] control plane binaries: ${binaries.dir}; Gateway API ${version}: ${process.env['KVGW_GATEWAY_API_DIR']} ` +
      `(${((performance.now() - t0) / 1000).toFixed(1)} s)\n`,
  );
}
