// The echo backend and the prober, on the host's loopback only (the data plane runs them inside namespaces).
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const AGENTS = path.join(path.dirname(fileURLToPath(import.meta.url)), 'agents');

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

describe('echo-server.mjs and prober.mjs', () => {
  let echo: ChildProcess;
  let prober: ChildProcess;
  let port = 0;
  let closedPort = 0;
  const waiting = new Map<number, (r: Record<string, unknown>) => void>();
  let id = 0;
  const ask = (req: Record<string, unknown>): Promise<Record<string, unknown>> =>
    new Promise((resolve) => {
      id += 1;
      waiting.set(id, resolve);
      prober.stdin!.write(`${JSON.stringify({ id, ...req })}\n`);
    });

  beforeAll(async () => {
    [port, closedPort] = [await freePort(), await freePort()];
    echo = spawn(process.execPath, [path.join(AGENTS, 'echo-server.mjs'), 'be1', String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve) => readline.createInterface({ input: echo.stdout! }).on('line', (l) => l.startsWith('ready') && resolve()));
    prober = spawn(process.execPath, [path.join(AGENTS, 'prober.mjs')], { stdio: ['pipe', 'pipe', 'ignore'] });
    readline.createInterface({ input: prober.stdout! }).on('line', (l) => {
      const r = JSON.parse(l) as { id: number };
      waiting.get(r.id)?.(r);
    });
  });
  afterAll(() => {
    echo?.kill('SIGKILL');
    prober?.kill('SIGKILL');
  });

  it('TCP: the answer names the backend, its port and the peer address', async () => {
    const r = await ask({ op: 'tcp', host: '127.0.0.1', port, payload: 'hello' });
    expect(r).toMatchObject({ ok: true, reply: { backend: 'be1', proto: 'tcp', port, peer: '127.0.0.1', payload: 'hello' } });
  });

  it('UDP, and IPv6 loopback', async () => {
    expect(await ask({ op: 'udp', host: '127.0.0.1', port, payload: 'u' })).toMatchObject({ ok: true, reply: { proto: 'udp', port, payload: 'u' } });
    expect(await ask({ op: 'tcp', host: '::1', port })).toMatchObject({ ok: true, reply: { peer: '::1' } });
  });

  it('a closed port is ECONNREFUSED (TCP) and no answer or a refusal (UDP), never ok', async () => {
    expect(await ask({ op: 'tcp', host: '127.0.0.1', port: closedPort })).toMatchObject({ ok: false, error: 'ECONNREFUSED' });
    const u = await ask({ op: 'udp', host: '127.0.0.1', port: closedPort, timeoutMs: 500 });
    expect(u['ok']).toBe(false);
    expect(['ECONNREFUSED', 'ETIMEDOUT']).toContain(u['error']);
  });
});
