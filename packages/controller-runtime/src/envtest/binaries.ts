// Finding the kube-apiserver and etcd executables: KUBEBUILDER_ASSETS (the envtest convention) wins, otherwise
// tools/envtest/build.sh builds them from the Go module proxy into a versioned cache (or reuses the cache).
import { spawn } from 'node:child_process';
import { constants as fsConstants, existsSync } from 'node:fs';
import { access, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BinariesUnavailableError } from './errors.js';

/** The executables a local control plane runs. */
export interface ControlPlaneBinaries {
  /** The directory holding both (what KUBEBUILDER_ASSETS would point at). */
  readonly dir: string;
  readonly kubeApiserver: string;
  readonly etcd: string;
}

/** Versions pinned in tools/envtest/versions.env. */
export interface EnvtestVersions {
  readonly kubernetes: string;
  readonly etcd: string;
  readonly gatewayApi: string;
}

/** Options of {@link ensureBinaries}. */
export interface EnsureBinariesOptions {
  /** Environment to read KUBEBUILDER_ASSETS from and pass to the build (default: process.env). */
  readonly env?: NodeJS.ProcessEnv;
  /** tools/envtest directory (default: {@link findEnvtestToolsDir}). */
  readonly toolsDir?: string;
  /** Receives each progress line of the build (default: written to stderr, so a long first build shows life). */
  readonly onProgress?: (line: string) => void;
}

/** Used when versions.env is out of reach (KUBEBUILDER_ASSETS without a checkout); keep in step with versions.env. */
export const DEFAULT_GATEWAY_API_VERSION = 'v1.6.1';

const BUILD_SCRIPT = 'build.sh';
const OUTPUT_TAIL_LINES = 40;

/**
 * Locates tools/envtest (the directory holding build.sh and versions.env): KVGW_ENVTEST_TOOLS_DIR, else the
 * nearest ancestor of this module or of the working directory that has it. Undefined outside a checkout.
 */
export function findEnvtestToolsDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const explicit = env['KVGW_ENVTEST_TOOLS_DIR'];
  if (explicit) return existsSync(path.join(explicit, BUILD_SCRIPT)) ? explicit : undefined;
  const starts = [path.dirname(fileURLToPath(import.meta.url)), process.cwd()];
  for (const start of starts) {
    for (let dir = start; ; dir = path.dirname(dir)) {
      const candidate = path.join(dir, 'tools', 'envtest');
      if (existsSync(path.join(candidate, BUILD_SCRIPT))) return candidate;
      if (path.dirname(dir) === dir) break;
    }
  }
  return undefined;
}

/** Reads `KEY=value` lines of versions.env (comments and blank lines ignored; no shell expansion). */
export function parseVersionsEnv(text: string): EnvtestVersions {
  const values = new Map<string, string>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const match = /^([A-Z0-9_]+)=["']?([^"'\s]*)["']?$/.exec(line);
    if (match?.[1] && match[2] !== undefined) values.set(match[1], match[2]);
  }
  const need = (key: string): string => {
    const value = values.get(key);
    if (!value) throw new BinariesUnavailableError(`versions.env has no ${key}`);
    return value;
  };
  return { kubernetes: need('K8S_VERSION'), etcd: need('ETCD_VERSION'), gatewayApi: need('GATEWAY_API_VERSION') };
}

/** Reads tools/envtest/versions.env, or undefined when there is no checkout to read it from. */
export async function readEnvtestVersions(toolsDir = findEnvtestToolsDir()): Promise<EnvtestVersions | undefined> {
  if (!toolsDir) return undefined;
  return parseVersionsEnv(await readFile(path.join(toolsDir, 'versions.env'), 'utf8'));
}

async function isExecutable(file: string): Promise<boolean> {
  try {
    await access(file, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Checks that a directory holds executable kube-apiserver and etcd binaries. */
export async function binariesIn(dir: string, origin: string): Promise<ControlPlaneBinaries> {
  const binaries = { dir, kubeApiserver: path.join(dir, 'kube-apiserver'), etcd: path.join(dir, 'etcd') };
  for (const file of [binaries.kubeApiserver, binaries.etcd]) {
    if (!(await isExecutable(file))) {
      throw new BinariesUnavailableError(`${origin}=${dir} has no executable ${path.basename(file)}`);
    }
  }
  return binaries;
}

/**
 * Returns kube-apiserver and etcd, building them first when needed (minutes, once per version and machine).
 * Throws {@link BinariesUnavailableError} with the build's last output lines when that is impossible.
 */
export async function ensureBinaries(options: EnsureBinariesOptions = {}): Promise<ControlPlaneBinaries> {
  const env = options.env ?? process.env;
  const assets = env['KUBEBUILDER_ASSETS'];
  if (assets) return binariesIn(assets, 'KUBEBUILDER_ASSETS');
  const toolsDir = options.toolsDir ?? findEnvtestToolsDir(env);
  if (!toolsDir) {
    throw new BinariesUnavailableError(
      `tools/envtest/${BUILD_SCRIPT} not found above ${process.cwd()} (not a checkout of the repository) and KUBEBUILDER_ASSETS is not set`,
    );
  }
  const onProgress = options.onProgress ?? ((line: string) => process.stderr.write(`${line}\n`));
  const { code, stdout, outputTail, spawnError } = await runBuildScript(path.join(toolsDir, BUILD_SCRIPT), env, onProgress);
  if (spawnError) throw new BinariesUnavailableError(`cannot run ${toolsDir}/${BUILD_SCRIPT}: ${spawnError}`);
  if (code !== 0) {
    const reason = /FAILED: (.*)/.exec(outputTail)?.[1] ?? `${BUILD_SCRIPT} exited with status ${code}`;
    throw new BinariesUnavailableError(reason, outputTail);
  }
  const dir = stdout.trim().split('\n').at(-1)?.trim();
  if (!dir) throw new BinariesUnavailableError(`${BUILD_SCRIPT} printed no assets directory`, outputTail);
  return binariesIn(dir, `${BUILD_SCRIPT} output`);
}

interface BuildResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly outputTail: string;
  readonly spawnError?: string;
}

function runBuildScript(script: string, env: NodeJS.ProcessEnv, onProgress: (line: string) => void): Promise<BuildResult> {
  return new Promise((resolve) => {
    const child = spawn('bash', [script], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let partial = '';
    const tail: string[] = [];
    const takeLine = (line: string): void => {
      tail.push(line);
      if (tail.length > OUTPUT_TAIL_LINES) tail.shift();
      onProgress(line);
    };
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      lines.forEach(takeLine);
    });
    child.on('error', (error) => resolve({ code: null, stdout, outputTail: tail.join('\n'), spawnError: error.message }));
    child.on('close', (code) => {
      if (partial) takeLine(partial);
      resolve({ code, stdout, outputTail: tail.join('\n') });
    });
  });
}
