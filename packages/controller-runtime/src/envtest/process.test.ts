import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManagedProcess } from './process.js';

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

async function waitUntil(check: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('ManagedProcess', () => {
  it('logs stdout and stderr to its file and stops with SIGTERM', async () => {
    const logFile = path.join(tmp, 'p.log');
    const p = await ManagedProcess.start({ name: 'sh', command: 'sh', args: ['-c', 'echo out; echo err >&2; exec sleep 30'], logFile });
    await waitUntil(async () => (await readFile(logFile, 'utf8').catch(() => '')).includes('err'));
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
    await waitUntil(async () => /^\d+\n/.test(await readFile(logFile, 'utf8').catch(() => '')));
    const grandchild = Number((await readFile(logFile, 'utf8')).trim());
    expect(alive(grandchild)).toBe(true);
    const t0 = Date.now();
    const status = await p.stop(300);
    expect(status.signal).toBe('SIGKILL');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
    await waitUntil(() => !alive(grandchild));
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
