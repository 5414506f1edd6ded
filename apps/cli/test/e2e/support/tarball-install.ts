// Installs workspace packages the way a user gets them from the registry, but offline: `npm pack` of each, then
// `npm ci --offline` in a scratch directory with a lockfile that points the workspace packages at their tarballs and
// every third-party package at the exact version, URL and integrity of the repository's package-lock.json. npm ci
// takes those from its cache (filled by the repository's own `npm ci`) and needs no registry metadata, which a plain
// `npm install --offline` would (it has to resolve version ranges).
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** One package entry of a lockfile v3 (`packages` map). */
interface LockEntry {
  name?: string;
  version?: string;
  resolved?: string;
  integrity?: string;
  link?: boolean;
  dev?: boolean;
  devOptional?: boolean;
  optional?: boolean;
  peer?: boolean;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  [key: string]: unknown;
}

/** npm pack / npm ci failed; the message has its output. */
export class TarballInstallError extends Error {
  readonly _tag = 'TarballInstallError';
  constructor(message: string) {
    super(message);
    this.name = 'TarballInstallError';
  }
}

function run(cmd: string, args: readonly string[], cwd: string, timeout = 300_000): string {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout, env: { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' } });
  if (r.status !== 0) throw new TarballInstallError(`${cmd} ${args.join(' ')} (in ${cwd}) exited ${r.status ?? r.signal}:\n${r.stderr}${r.stdout}`.slice(0, 6000));
  return r.stdout;
}

/** The workspace locations (e.g. apps/cli) a workspace package needs at run time, itself included, by name. */
export function workspaceClosure(repoRoot: string, rootPackage: string): Map<string, string> {
  const lock = JSON.parse(readFileSync(path.join(repoRoot, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
  const byName = new Map<string, string>();
  for (const [loc, e] of Object.entries(lock.packages)) if (!loc.startsWith('node_modules/') && !loc.includes('/node_modules/') && e.name) byName.set(e.name, loc);
  const closure = new Map<string, string>();
  const visit = (name: string): void => {
    const loc = byName.get(name);
    if (!loc || closure.has(name)) return;
    closure.set(name, loc);
    for (const dep of Object.keys(lock.packages[loc]?.dependencies ?? {})) visit(dep);
  };
  visit(rootPackage);
  if (closure.size === 0) throw new TarballInstallError(`${rootPackage} is not a workspace package of ${repoRoot}/package-lock.json`);
  return closure;
}

/**
 * Packs `rootPackage` and the workspace packages it depends on (they must be built), and installs them offline into
 * `scratchDir`; returns the tarball file names by package name.
 */
export function installFromTarballs(repoRoot: string, rootPackage: string, scratchDir: string): Map<string, string> {
  const lock = JSON.parse(readFileSync(path.join(repoRoot, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
  const closure = workspaceClosure(repoRoot, rootPackage);
  const tarballDir = path.join(scratchDir, 'tarballs');
  mkdirSync(tarballDir, { recursive: true });

  const tarballs = new Map<string, string>();
  const packed = new Map<string, { filename: string; integrity: string; version: string }>();
  for (const [name, loc] of closure) {
    const [info] = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', tarballDir, `./${loc}`], repoRoot)) as { filename: string; integrity: string; version: string }[];
    if (!info) throw new TarballInstallError(`npm pack ./${loc} printed no result`);
    packed.set(name, info);
    tarballs.set(name, info.filename);
  }

  // The lockfile: workspace packages at node_modules/<name> from their tarballs; third-party packages at the same
  // place as in the repository (a workspace's own nested node_modules moves under its installed directory).
  const out: Record<string, LockEntry> = {};
  const wsDir = new Map([...closure].map(([name, loc]) => [loc, `node_modules/${name}`]));
  const scratchLoc = (repoLoc: string): string => {
    for (const [loc, installed] of wsDir) if (repoLoc === loc || repoLoc.startsWith(`${loc}/`)) return installed + repoLoc.slice(loc.length);
    return repoLoc;
  };
  /** Node resolution inside the repository lockfile: the nearest node_modules/<dep> up from `from`. */
  const resolve = (from: string, dep: string): string | undefined => {
    let dir = from;
    for (;;) {
      const candidate = dir === '' ? `node_modules/${dep}` : `${dir}/node_modules/${dep}`;
      if (lock.packages[candidate]) return candidate;
      if (dir === '') return undefined;
      const i = dir.lastIndexOf('/node_modules/');
      dir = i >= 0 ? dir.slice(0, i) : '';
    }
  };
  const queue: string[] = [];
  const add = (repoLoc: string): void => {
    let entry = lock.packages[repoLoc];
    if (!entry) return;
    if (entry.link && entry.resolved) {
      const name = [...closure].find(([, loc]) => loc === entry!.resolved)?.[0];
      if (!name) throw new TarballInstallError(`${repoLoc} links to ${entry.resolved}, a workspace the closure of ${rootPackage} does not have`);
      return;
    }
    const target = scratchLoc(repoLoc);
    if (out[target]) return;
    const { dev: _d, devOptional: _do, peer: _p, ...rest } = entry;
    entry = rest;
    const ws = [...closure].find(([, loc]) => loc === repoLoc);
    if (ws) {
      const info = packed.get(ws[0])!;
      out[target] = { ...entry, resolved: `file:tarballs/${info.filename}`, integrity: info.integrity };
    } else {
      out[target] = entry;
    }
    queue.push(repoLoc);
  };
  for (const loc of closure.values()) add(loc);
  while (queue.length > 0) {
    const from = queue.shift()!;
    const e = lock.packages[from]!;
    const optionalPeers = new Set(Object.entries(e.peerDependenciesMeta ?? {}).filter(([, m]) => m.optional).map(([n]) => n));
    const deps = [...Object.keys(e.dependencies ?? {}), ...Object.keys(e.optionalDependencies ?? {}), ...Object.keys(e.peerDependencies ?? {}).filter((n) => !optionalPeers.has(n))];
    for (const dep of deps) {
      const at = resolve(from, dep);
      if (at) add(at);
    }
  }
  const rootDeps = Object.fromEntries([...packed].map(([name, info]) => [name, `file:tarballs/${info.filename}`]));
  out[''] = { name: 'kvgw-install-check', version: '0.0.0', dependencies: rootDeps };
  writeFileSync(path.join(scratchDir, 'package.json'), JSON.stringify({ name: 'kvgw-install-check', version: '0.0.0', private: true, dependencies: rootDeps }, null, 2));
  writeFileSync(path.join(scratchDir, 'package-lock.json'), JSON.stringify({ name: 'kvgw-install-check', version: '0.0.0', lockfileVersion: 3, requires: true, packages: out }, null, 2));
  run('npm', ['ci', '--offline', '--ignore-scripts', '--no-audit', '--no-fund'], scratchDir);
  return tarballs;
}
