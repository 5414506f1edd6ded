// Network namespaces that never outlive the run that made them.
//
// Names are `kvgwdp-<pid>-<random>-<role>`: unique per run, so parallel runs never clash, and the pid tells a later
// run whether the owner is gone (then its namespaces are stale and removed: processes inside killed first, because
// a namespace with a process in it lives on after `ip netns del`).
// Creating and guarding them is in namespaces.ts (this module imports no sibling package: the data-plane global setup
// loads it without the source export condition). Everything is created inside the namespaces (`ip -n NS ...`): the host
// namespace's interfaces, addresses, routes and firewall are never touched.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { DataPlaneUnavailableError, NetnsCommandError } from './errors.js';

/** Prefix of every namespace this package makes. */
export const NETNS_PREFIX = 'kvgwdp';
const NAME_PATTERN = new RegExp(`^${NETNS_PREFIX}-(\\d+)-([0-9a-f]+)-`);

/** Runs a command synchronously; throws NetnsCommandError on a non-zero status. Returns stdout. */
export function run(command: string, args: readonly string[], options: { readonly allowFailure?: boolean; readonly timeoutMs?: number } = {}): string {
  const result = spawnSync(command, [...args], { encoding: 'utf8', timeout: options.timeoutMs ?? 20_000 });
  if ((result.status !== 0 || result.error) && !options.allowFailure) {
    throw new NetnsCommandError([command, ...args], result.status, result.error ? result.error.message : result.stderr);
  }
  return result.stdout ?? '';
}

/** `ip` inside namespace `ns` (`ip -n ns ...`). */
export function ipIn(ns: string, args: readonly string[], options: { readonly allowFailure?: boolean } = {}): string {
  return run('ip', ['-n', ns, ...args], options);
}

/** A command run inside `ns` (`ip netns exec ns ...`). */
export function execIn(ns: string, command: string, args: readonly string[], options: { readonly allowFailure?: boolean } = {}): string {
  return run('ip', ['netns', 'exec', ns, command, ...args], options);
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Every namespace listed by `ip netns list` (names only). */
export function listNamespaces(): string[] {
  return run('ip', ['netns', 'list'], { allowFailure: true })
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[0] ?? '')
    .filter(Boolean);
}

/** Kills every process inside `ns` (SIGKILL), then deletes it. Never throws. */
export function removeNamespace(ns: string): void {
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const pids = run('ip', ['netns', 'pids', ns], { allowFailure: true }).split('\n').map(Number).filter((p) => p > 0);
    if (pids.length === 0) break;
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    spawnSync('sleep', ['0.1']);
  }
  run('ip', ['netns', 'del', ns], { allowFailure: true });
}

/** Removes the namespaces of runs whose process is gone (a killed test run, a crashed demo). Returns their names. */
export function removeStaleNamespaces(): string[] {
  const removed: string[] = [];
  for (const ns of listNamespaces()) {
    const m = NAME_PATTERN.exec(ns);
    if (!m || pidAlive(Number(m[1]))) continue;
    removeNamespace(ns);
    removed.push(ns);
  }
  return removed;
}

/**
 * Why this machine cannot make network namespaces, or undefined when it can: it must be root with `ip` (iproute2)
 * and be allowed to add one (a container without CAP_SYS_ADMIN is not). Checked by making and deleting one.
 */
export function dataPlaneUnsupportedReason(): string | undefined {
  if (process.platform !== 'linux') return `network namespaces need Linux (this is ${process.platform})`;
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return `network namespaces need root (uid ${process.getuid()})`;
  const ip = spawnSync('ip', ['-V'], { encoding: 'utf8' });
  if (ip.error || ip.status !== 0) return '`ip` (iproute2) is not installed';
  const probe = `${NETNS_PREFIX}-${process.pid}-${randomBytes(3).toString('hex')}-check`;
  const add = spawnSync('ip', ['netns', 'add', probe], { encoding: 'utf8' });
  if (add.status !== 0) return `\`ip netns add\` is not allowed here: ${(add.stderr || add.error?.message || '').trim()}`;
  run('ip', ['netns', 'del', probe], { allowFailure: true });
  return undefined;
}

/** Throws DataPlaneUnavailableError unless {@link dataPlaneUnsupportedReason} is undefined. */
export function assertDataPlaneSupported(): void {
  const reason = dataPlaneUnsupportedReason();
  if (reason) throw new DataPlaneUnavailableError(reason);
}
