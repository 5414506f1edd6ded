// Finds (or builds) the data-plane binaries through tools/dataplane/build.sh, which caches them per version.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DataPlaneBinariesError } from './errors.js';

/** Root of the repository (this file is packages/dataplane/src/binaries.ts, or dist/binaries.js). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
/** The build script. */
export const DATAPLANE_BUILD_SCRIPT = path.join(REPO_ROOT, 'tools/dataplane/build.sh');

export type DataPlaneBinaryName = 'kube-vip' | 'kube-proxy' | 'kube-vip-cloud-provider';

/** Absolute paths of the requested executables. */
export type DataPlaneBinaries = Readonly<Partial<Record<DataPlaneBinaryName, string>>>;

/**
 * Runs tools/dataplane/build.sh for `names` (KVGW_DATAPLANE_ASSETS=/dir skips the build) and returns their paths.
 * Progress lines go to `onProgress` (a cold build takes minutes: the caller should show them).
 */
export async function ensureDataPlaneBinaries(
  names: readonly DataPlaneBinaryName[] = ['kube-vip', 'kube-proxy'],
  options: {
    readonly env?: NodeJS.ProcessEnv;
    readonly onProgress?: (line: string) => void;
    /** The build script (default {@link DATAPLANE_BUILD_SCRIPT}); a bundle that embeds this package passes its own. */
    readonly buildScript?: string;
  } = {},
): Promise<DataPlaneBinaries> {
  const script = options.buildScript ?? DATAPLANE_BUILD_SCRIPT;
  if (!existsSync(script)) throw new DataPlaneBinariesError(`${script} not found`);
  const { stdout, stderr, status } = await new Promise<{ stdout: string; stderr: string; status: number | null }>((resolve, reject) => {
    const child = spawn('bash', [script, ...names], { env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => {
      err += c;
      for (const line of c.split('\n')) if (line.startsWith('[dataplane]')) options.onProgress?.(line);
    });
    child.once('error', reject);
    child.once('close', (code) => resolve({ stdout: out, stderr: err, status: code }));
  });
  if (status !== 0) {
    const failed = stderr.split('\n').find((l) => l.startsWith('[dataplane] FAILED:'));
    throw new DataPlaneBinariesError(failed ?? `tools/dataplane/build.sh exited ${status}: ${stderr.trim().split('\n').slice(-5).join('\n')}`);
  }
  const dir = stdout.trim().split('\n').pop() ?? '';
  const found: Partial<Record<DataPlaneBinaryName, string>> = {};
  for (const name of names) {
    const file = path.join(dir, name);
    if (!existsSync(file)) throw new DataPlaneBinariesError(`tools/dataplane/build.sh printed ${dir}, which has no ${name}`);
    found[name] = file;
  }
  return found;
}
