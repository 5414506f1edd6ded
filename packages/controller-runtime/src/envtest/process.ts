// Child processes that never outlive the Node process that started them.
//
// Each control-plane process runs in its own process group (so a stop reaches everything it spawned), logs to a
// file, and is registered with a per-process guard. The guard cleans up in two ways:
// - on a normal `exit` of Node (a test file that forgot stop(), process.exit()), synchronously;
// - when Node dies without running exit handlers (SIGKILL, a signal's default action, a crash), through a small
//   detached "reaper" process that holds the read end of a pipe from us: the kernel closes the pipe when we die, the
//   reaper sees end-of-file, kills the registered process groups, runs the registered cleanup commands (the data
//   plane deletes its network namespaces this way) and removes the registered directories.
// No signal handlers are installed: adding a SIGINT listener would change how the host program (vitest, the CLI)
// reacts to Ctrl-C, and the reaper already covers death by signal.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** How a process ended. */
export interface ProcessExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** What to run and where its output goes. */
export interface ManagedProcessSpec {
  /** Short name for messages, e.g. `etcd`. */
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  /** stdout and stderr are appended here. */
  readonly logFile: string;
  readonly env?: NodeJS.ProcessEnv;
}

// The reaper: CommonJS run by `node -e`, argv[1] = state file. Kept tiny and dependency-free on purpose: it must
// start fast and work whatever the host process had loaded.
const REAPER_SOURCE = `
const fs = require('fs');
const { spawnSync } = require('child_process');
const stateFile = process.argv[1];
let done = false;
function cleanup() {
  if (done) return;
  done = true;
  let state = { groups: [], commands: [], dirs: [] };
  try { state = JSON.parse(fs.readFileSync(stateFile, 'utf8')); } catch {}
  for (const group of state.groups) { try { process.kill(-group, 'SIGKILL'); } catch {} }
  for (const argv of state.commands || []) { try { spawnSync(argv[0], argv.slice(1), { stdio: 'ignore', timeout: 10000 }); } catch {} }
  for (const dir of state.dirs) { try { fs.rmSync(dir, { recursive: true, force: true, maxRetries: 5 }); } catch {} }
  try { fs.rmSync(stateFile, { force: true }); } catch {}
  process.exit(0);
}
process.stdin.on('end', cleanup);
process.stdin.on('close', cleanup);
process.stdin.on('error', cleanup);
process.stdin.resume();
`;

/** Process groups, cleanup commands and directories to clean up if this Node process goes away; one per process. */
class CleanupGuard {
  private readonly groups = new Set<number>();
  private readonly commands = new Map<string, readonly string[]>();
  private readonly dirs = new Set<string>();
  private readonly stateFile = path.join(os.tmpdir(), `kvgw-envtest-reaper-${process.pid}.json`);
  private reaper: ChildProcess | undefined;

  trackGroup(pid: number): void {
    this.groups.add(pid);
    this.changed();
  }
  untrackGroup(pid: number): void {
    if (this.groups.delete(pid)) this.changed();
  }
  trackCommand(id: string, argv: readonly string[]): void {
    this.commands.set(id, argv);
    this.changed();
  }
  untrackCommand(id: string): void {
    if (this.commands.delete(id)) this.changed();
  }
  trackDir(dir: string): void {
    this.dirs.add(dir);
    this.changed();
  }
  untrackDir(dir: string): void {
    if (this.dirs.delete(dir)) this.changed();
  }

  /** Kills every registered group, runs every command, removes every directory, synchronously (safe in `exit`). */
  cleanupNow(): void {
    for (const group of this.groups) killGroup(group, 'SIGKILL');
    for (const [command, ...args] of this.commands.values()) if (command) spawnSync(command, args, { stdio: 'ignore', timeout: 10_000 });
    for (const dir of this.dirs) rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
    this.groups.clear();
    this.commands.clear();
    this.dirs.clear();
    this.writeState();
  }

  private changed(): void {
    // Written synchronously before the caller goes on, so a SIGKILL right after a spawn still finds the group.
    this.writeState();
    this.ensureReaper();
  }

  private writeState(): void {
    writeFileSync(this.stateFile, JSON.stringify({ groups: [...this.groups], commands: [...this.commands.values()], dirs: [...this.dirs] }));
  }

  private ensureReaper(): void {
    if (this.reaper || (this.groups.size === 0 && this.commands.size === 0 && this.dirs.size === 0)) return;
    process.once('exit', () => this.cleanupNow());
    const reaper = spawn(process.execPath, ['-e', REAPER_SOURCE, this.stateFile], {
      detached: true,
      stdio: ['pipe', 'ignore', 'ignore'],
      // Nothing of the host's NODE_OPTIONS (loaders, conditions) is wanted in the reaper; PATH for the commands.
      env: { PATH: process.env['PATH'] ?? '/usr/sbin:/usr/bin:/sbin:/bin' },
    });
    reaper.on('error', () => undefined);
    reaper.unref();
    // Neither the reaper nor its pipe may keep the host's event loop alive.
    (reaper.stdin as unknown as { unref(): void } | null)?.unref();
    this.reaper = reaper;
  }
}

const guard = new CleanupGuard();

/** Removes `dir` if this Node process goes away before {@link untrackTempDir} is called. */
export function trackTempDir(dir: string): void {
  guard.trackDir(dir);
}

/** Stops guarding `dir` (it was removed, or is deliberately kept). */
export function untrackTempDir(dir: string): void {
  guard.untrackDir(dir);
}

/**
 * Runs `argv` (no shell; PATH only in its environment) if this Node process goes away before
 * {@link untrackCleanupCommand}`(id)`: at a normal exit, or from the reaper when Node is killed. For what a process
 * group kill does not undo, e.g. a network namespace.
 */
export function trackCleanupCommand(id: string, argv: readonly string[]): void {
  guard.trackCommand(id, argv);
}

/** Stops running the command registered under `id` (its resource is already gone). */
export function untrackCleanupCommand(id: string): void {
  guard.untrackCommand(id);
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

/** A long-running child in its own process group, logging to a file, killed for sure when Node exits. */
export class ManagedProcess {
  private exitStatus: ProcessExit | undefined;

  private constructor(
    readonly spec: ManagedProcessSpec,
    /** Process id, which is also the process group id. */
    readonly pid: number,
    /** Resolves when the process has ended. */
    readonly exited: Promise<ProcessExit>,
  ) {
    void exited.then((status) => (this.exitStatus = status));
  }

  /** Starts the process; rejects if it cannot be spawned at all (missing executable, permissions). */
  static async start(spec: ManagedProcessSpec): Promise<ManagedProcess> {
    const logFd = openSync(spec.logFile, 'a');
    try {
      const child = spawn(spec.command, [...spec.args], {
        detached: true,
        stdio: ['ignore', logFd, logFd],
        env: spec.env ?? process.env,
      });
      await new Promise<void>((resolve, reject) => {
        child.once('spawn', resolve);
        child.once('error', (error) => reject(new Error(`cannot start ${spec.name} (${spec.command}): ${error.message}`)));
      });
      const pid = child.pid;
      if (pid === undefined) throw new Error(`cannot start ${spec.name} (${spec.command}): no pid`);
      guard.trackGroup(pid);
      const exited = new Promise<ProcessExit>((resolve) =>
        child.once('exit', (code, signal) => {
          // Anything the process forked is in its group: make sure none of it lingers.
          killGroup(pid, 'SIGKILL');
          guard.untrackGroup(pid);
          resolve({ code, signal });
        }),
      );
      // The control plane lives as long as this Node process wants it; it must not keep Node alive by itself.
      child.unref();
      return new ManagedProcess(spec, pid, exited);
    } finally {
      closeSync(logFd);
    }
  }

  /** How the process ended, or undefined while it runs. */
  get status(): ProcessExit | undefined {
    return this.exitStatus;
  }

  /** True until the process has ended. */
  get running(): boolean {
    return this.exitStatus === undefined;
  }

  /** SIGTERM to the group, then SIGKILL after `graceMs`; resolves once the process has ended. */
  async stop(graceMs = 5_000): Promise<ProcessExit> {
    if (this.exitStatus) return this.exitStatus;
    killGroup(this.pid, 'SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), graceMs)));
    const first = await Promise.race([this.exited, timedOut]);
    clearTimeout(timer);
    if (first === 'timeout') killGroup(this.pid, 'SIGKILL');
    return this.exited;
  }

  /** Sends a signal to the whole group (tests use SIGKILL/SIGSTOP to simulate crashes and hangs). */
  signal(signal: NodeJS.Signals): void {
    if (this.running) killGroup(this.pid, signal);
  }
}
