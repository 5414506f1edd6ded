import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManagedProcess } from './process.js';
import { waitFor } from '@kube-vip-gw/test-support';

let tmp: string;
beforeEach(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'kvgw-process-test-'));
});
afterEach(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** True while the process exists and is not a zombie waiting for its (re)parent to reap it. */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

describe('ManagedProcess', () => {
  it('logs stdout and stderr to its file and stops with SIGTERM', async () => {
    const logFile = path.join(tmp, 'p.log');
    const p = await ManagedProcess.start({ name: 'sh', command: 'sh', args: ['-c', 'echo out; echo err >&2; exec sleep 30'], logFile });
    await waitFor('stderr in the log', async () => (await readFile(logFile, 'utf8').catch(() => '')).includes('err'), 5_000, 20);
    expect(p.running).toBe(true);
    expect(await p.stop(5_000)).toEqual({ code: null, signal: 'SIGTERM' });
    expect(p.running).toBe(false);
    expect(await readFile(logFile, 'utf8')).toBe('out\nerr\n');
  });

  it('kills with SIGKILL when SIGTERM is ignored past the grace period, and reaches the whole group', async () => {
    const logFile = path.join(tmp, 'p.log');
    // The shell ignores TERM and starts a grandchild that would otherwise survive the shell.
    const p = await ManagedProcess.start({
      name: 'stubborn',
      command: 'bash',
      args: ['-c', 'trap "" TERM; sleep 30 & echo $! ; wait'],
      logFile,
    });
    await waitFor('the grandchild pid in the log', async () => /^\d+\n/.test(await readFile(logFile, 'utf8').catch(() => '')), 5_000, 20);
    const grandchild = Number((await readFile(logFile, 'utf8')).trim());
    expect(alive(grandchild)).toBe(true);
    const t0 = Date.now();
    const status = await p.stop(300);
    expect(status.signal).toBe('SIGKILL');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
    await waitFor('the grandchild to end', () => !alive(grandchild), 5_000, 20);
  });

  it('reports an executable that does not exist', async () => {
    await expect(
      ManagedProcess.start({ name: 'ghost', command: path.join(tmp, 'no-such-binary'), args: [], logFile: path.join(tmp, 'g.log') }),
    ).rejects.toThrow(`cannot start ghost (${path.join(tmp, 'no-such-binary')}): spawn`);
  });

  it('resolves exited with the status of a process that ends by itself', async () => {
    const p = await ManagedProcess.start({ name: 'short', command: 'sh', args: ['-c', 'exit 3'], logFile: path.join(tmp, 's.log') });
    expect(await p.exited).toEqual({ code: 3, signal: null });
    expect(p.status).toEqual({ code: 3, signal: null });
    expect(await p.stop()).toEqual({ code: 3, signal: null });
  });
});

describe('trackCleanupCommand', () => {
  // A child Node process registers a command that writes a marker file, then exits normally or is SIGKILLed: the
  // exit hook runs it in the first case, the detached reaper in the second. Untracked commands never run.
  async function child(how: 'exit' | 'sigkill', untrack = false): Promise<string> {
    const marker = path.join(tmp, `${how}-${untrack}.done`);
    const script = path.join(tmp, `${how}-${untrack}.ts`);
    await writeFile(script, [
      `import { trackCleanupCommand, untrackCleanupCommand } from ${JSON.stringify(path.join(import.meta.dirname, 'process.ts'))};`,
      `trackCleanupCommand('marker', ['sh', '-c', 'echo cleaned > "$1"', 'sh', ${JSON.stringify(marker)}]);`,
      untrack ? `untrackCleanupCommand('marker');` : '',
      `console.log('ready');`,
      how === 'exit' ? 'process.exit(0);' : 'setInterval(() => undefined, 1_000);',
    ].join('\n'));
    const p = spawn(process.execPath, ['--import', 'tsx', script], { cwd: path.resolve(import.meta.dirname, '../../../..'), stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      p.stdout.once('data', () => resolve());
      p.once('exit', () => resolve());
      p.once('error', reject);
    });
    if (how === 'sigkill') p.kill('SIGKILL');
    await new Promise((resolve) => (p.exitCode === null && p.signalCode === null ? p.once('exit', resolve) : resolve(undefined)));
    return marker;
  }

  it.each(['exit', 'sigkill'] as const)('runs the command when Node goes away (%s)', async (how) => {
    const marker = await child(how);
    await waitFor('the cleanup command to run', () => existsSync(marker), 10_000, 50);
    expect(readFileSync(marker, 'utf8')).toBe('cleaned\n');
  }, 30_000);

  it('does not run an untracked command', async () => {
    const marker = await child('sigkill', true);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(existsSync(marker)).toBe(false);
  }, 30_000);
});
