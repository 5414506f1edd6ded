import { afterEach, describe, expect, it } from 'vitest';
import { Counter, Registry } from 'prom-client';
import { CheckSet, parseBindAddress, type RunningServer, startEndpointServer } from './http-server.js';

const servers: RunningServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

describe('parseBindAddress', () => {
  it.each([
    [':8080', { host: '', port: 8080 }],
    ['127.0.0.1:9', { host: '127.0.0.1', port: 9 }],
    ['[::1]:8081', { host: '::1', port: 8081 }],
    [':0', { host: '', port: 0 }],
    ['0', undefined],
    ['', undefined],
  ])('%j -> %o', (v, expected) => {
    expect(parseBindAddress(v)).toEqual(expected);
  });

  it.each(['8080', 'host', ':99999', '::1:80', 'a:b'])('rejects %j naming it', (v) => {
    expect(() => parseBindAddress(v)).toThrow(`invalid bind address "${v}"`);
  });
});

describe('endpoint server', () => {
  it('answers probes with named checks, verbose output and per-check paths', async () => {
    const readyz = new CheckSet();
    let synced = false;
    readyz.add('informers-synced', () => {
      if (!synced) throw new Error('waiting for Gateway');
    });
    readyz.add('crds', () => undefined);
    const healthz = new CheckSet();
    healthz.add('ping', () => undefined);
    const s = await startEndpointServer({ host: '127.0.0.1', port: 0 }, { readyz, healthz });
    servers.push(s);
    const get = async (p: string) => {
      const r = await fetch(`http://${s.address}${p}`);
      return [r.status, await r.text()] as const;
    };
    expect(await get('/healthz')).toEqual([200, 'ok']);
    expect(await get('/readyz')).toEqual([500, '[-]informers-synced failed: waiting for Gateway\n[+]crds ok\nreadyz check failed\n']);
    expect(await get('/readyz/crds')).toEqual([200, 'ok']);
    expect((await get('/readyz/nope'))[0]).toBe(404);
    synced = true;
    expect(await get('/readyz?verbose')).toEqual([200, '[+]informers-synced ok\n[+]crds ok\nreadyz check passed\n']);
    expect((await get('/metrics'))[0]).toBe(404);
    expect((await fetch(`http://${s.address}/healthz`, { method: 'POST' })).status).toBe(405);
  });

  it('serves the registry at /metrics in the Prometheus text format', async () => {
    const registry = new Registry();
    new Counter({ name: 'demo_total', help: 'demo', registers: [registry] }).inc(3);
    const s = await startEndpointServer({ host: '127.0.0.1', port: 0 }, { metrics: registry });
    servers.push(s);
    const r = await fetch(`http://${s.address}/metrics`);
    expect(r.headers.get('content-type')).toContain('text/plain; version=0.0.4');
    expect(await r.text()).toContain('demo_total 3');
  });

  it('listens on every interface for an empty host', async () => {
    const s = await startEndpointServer(parseBindAddress(':0')!, { healthz: new CheckSet() });
    servers.push(s);
    expect((await fetch(`http://127.0.0.1:${s.port}/healthz`)).status).toBe(200);
  });

  it('reports a port in use as ConfigError naming the address', async () => {
    const s = await startEndpointServer({ host: '127.0.0.1', port: 0 }, {});
    servers.push(s);
    await expect(startEndpointServer({ host: '127.0.0.1', port: s.port }, {})).rejects.toMatchObject({
      _tag: 'ConfigError',
      message: expect.stringContaining(`cannot listen on 127.0.0.1:${s.port}`),
    });
  });

  it('rejects check names that are not path segments', () => {
    expect(() => new CheckSet().add('a/b', () => undefined)).toThrow('invalid check name "a/b"');
  });
});
