import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { apply, type WatchEvent } from './client.js';
import { KubeClient, loadKubeConfig } from './kube-client.js';
import { MemoryCluster } from '../memory-cluster/memory-cluster.js';
import type { KubeObject } from '../object.js';
import { ConfigMap, Namespace } from '../resources.js';
import { serveMemoryCluster, type InterceptedRequest, type InterceptResponse, type MemoryApiServer } from '../testing/memory-api-server.js';

// KubeClient against an HTTP front-end of MemoryCluster: what goes over the wire, and how HTTP-level failures map to
// tagged errors. (The behaviour contract itself runs in client-contract.test.ts.)

// KubeClient.create loads @kubernetes/client-node on first use (with undici, client-node 2's transport): 3-9 s through
// vitest's transform on a busy 2-core machine, which would otherwise count against the first test's 5 s.
beforeAll(() => loadKubeConfig({ kind: 'string', yaml: 'apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]\ncontexts: [{name: c, context: {cluster: c, user: u}}]\nusers: [{name: u, user: {}}]\ncurrent-context: c\n' }), 60_000);

let server: MemoryApiServer | undefined;
let client: KubeClient | undefined;
afterEach(async () => {
  await client?.close();
  await server?.close();
  server = undefined;
  client = undefined;
});

async function start(opts: { token?: string; intercept?: (r: InterceptedRequest) => InterceptResponse | undefined; timeoutMs?: number; registry?: Registry } = {}) {
  const cluster = new MemoryCluster();
  await cluster.create(Namespace, { metadata: { name: 'ns' } });
  server = await serveMemoryCluster(cluster, { token: opts.token, intercept: opts.intercept });
  client = await KubeClient.create({
    source: { kind: 'string', yaml: server.kubeconfig(opts.token) },
    requestTimeoutMs: opts.timeoutMs,
    metricsRegistry: opts.registry,
  });
  return { cluster, server, client };
}

const cm = (name: string): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'ns' } });

describe('KubeClient requests', () => {
  it('sends each patch type with its content type and apply with fieldManager and force', async () => {
    const { client: c, server: s } = await start();
    await c.create(ConfigMap, cm('a'));
    const ref = { namespace: 'ns', name: 'a' };
    await c.patch(ConfigMap, ref, { type: 'merge', patch: { data: { a: '1' } } });
    await c.patch(ConfigMap, ref, { type: 'json', patch: [{ op: 'add', path: '/data/b', value: '2' }] });
    await apply(c, ConfigMap, cm('a'), { fieldManager: 'me', force: true });
    expect(s.patchContentTypes).toEqual(['application/merge-patch+json', 'application/json-patch+json', 'application/apply-patch+yaml']);
    expect(s.requests).toContain('PATCH /api/v1/namespaces/ns/configmaps/a?fieldManager=me&force=true');
  });

  it('builds list and watch queries from selectors and options', async () => {
    const { client: c, server: s } = await start();
    await c.list(ConfigMap, { namespace: 'ns', labelSelector: { matchLabels: { app: 'x' } }, fieldSelector: { 'metadata.name': 'a' }, limit: 5 });
    const w = c.watch(ConfigMap, { resourceVersion: '1', allowWatchBookmarks: true, timeoutSeconds: 1 });
    for await (const _ of w) break;
    expect(s.requests).toContain('GET /api/v1/namespaces/ns/configmaps?labelSelector=app%3Dx&fieldSelector=metadata.name%3Da&limit=5');
    expect(s.requests).toContain('GET /api/v1/configmaps?watch=true&resourceVersion=1&allowWatchBookmarks=true&timeoutSeconds=1');
  });

  it('reuses one keep-alive connection for sequential requests', async () => {
    const { client: c, server: s } = await start();
    for (let i = 0; i < 20; i++) await c.get(Namespace, { name: 'ns' });
    expect(s.connections).toBe(1);
  });

  it('fills in apiVersion and kind on list items, which the wire format omits', async () => {
    const { client: c } = await start();
    await c.create(ConfigMap, cm('a'));
    const list = await c.list(ConfigMap, { namespace: 'ns' });
    expect(list.items.map((o) => [o.apiVersion, o.kind])).toEqual([['v1', 'ConfigMap']]);
  });

  it('counts requests by verb and in rest_client_requests_total', async () => {
    const registry = new Registry();
    const { client: c } = await start({ registry });
    await c.create(ConfigMap, cm('a'));
    await c.get(ConfigMap, { namespace: 'ns', name: 'a' });
    await c.get(ConfigMap, { namespace: 'ns', name: 'missing' }).catch(() => undefined);
    await c.delete(ConfigMap, { namespace: 'ns', name: 'a' });
    expect(c.requestCounts()).toEqual({ create: 1, get: 2, delete: 1 });
    const text = await registry.metrics();
    expect(text).toMatch(/rest_client_requests_total\{code="200",method="GET",host="127\.0\.0\.1:\d+"\} 1/);
    expect(text).toMatch(/rest_client_requests_total\{code="404",method="GET",host="127\.0\.0\.1:\d+"\} 1/);
    expect(text).toMatch(/rest_client_requests_total\{code="201",method="POST",host="127\.0\.0\.1:\d+"\} 1/);
  });

  it('sends the bearer token, and refreshes credentials once after a 401', async () => {
    let unauthorizedOnce = true;
    const { client: c, server: s } = await start({
      token: 't0k',
      intercept: (r) => {
        if (r.path.endsWith('/configmaps/a') && unauthorizedOnce) {
          unauthorizedOnce = false;
          return { code: 401 };
        }
        return undefined;
      },
    });
    await c.create(ConfigMap, cm('a'));
    await expect(c.get(ConfigMap, { namespace: 'ns', name: 'a' })).resolves.toMatchObject({ metadata: { name: 'a' } });
    expect(s.requests.filter((r) => r.endsWith('/configmaps/a'))).toHaveLength(2);
  });

  it('reports a wrong token as UnauthorizedError', async () => {
    const cluster = new MemoryCluster();
    server = await serveMemoryCluster(cluster, { token: 'right' });
    client = await KubeClient.create({ source: { kind: 'string', yaml: server.kubeconfig('wrong') } });
    await expect(client.list(ConfigMap)).rejects.toMatchObject({ _tag: 'UnauthorizedError', code: 401 });
  });
});

describe('KubeClient failures', () => {
  it.each([
    [{ code: 429, headers: { 'Retry-After': '7' } }, 'TooManyRequestsError', true],
    [{ code: 500 }, 'ServerError', true],
    [{ code: 503 }, 'ServerError', true],
    [{ code: 504 }, 'TimeoutError', true],
    [{ code: 403 }, 'ForbiddenError', false],
  ] as const)('HTTP %o -> %s', async (fault, tag, transient) => {
    const { client: c } = await start({ intercept: () => fault });
    const err = await c.list(ConfigMap).catch((e: unknown) => e);
    expect(err).toMatchObject({ _tag: tag, code: fault.code });
    expect((err as Error).message).toContain('list ConfigMap');
    const { isTransient, retryAfterMs } = await import('../errors.js');
    expect(isTransient(err)).toBe(transient);
    if (fault.code === 429) expect(retryAfterMs(err)).toBe(7000);
  });

  it('maps a dropped connection to ConnectionError', async () => {
    const { client: c } = await start({ intercept: () => 'drop' });
    await expect(c.list(ConfigMap)).rejects.toMatchObject({ _tag: 'ConnectionError' });
  });

  it('maps a refused connection to ConnectionError naming the request', async () => {
    const { client: c, server: s } = await start();
    await s.close();
    const err = await c.get(ConfigMap, { namespace: 'ns', name: 'a' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ _tag: 'ConnectionError' });
    expect((err as Error).message).toContain('get ConfigMap ns/a');
  });

  it('gives up on a request the server never answers with TimeoutError', async () => {
    const { client: c } = await start({ intercept: () => 'hang', timeoutMs: 200 });
    await expect(c.list(ConfigMap)).rejects.toMatchObject({ _tag: 'TimeoutError' });
  });

  it('turns a watch ERROR event with 410 into GoneError', async () => {
    const { client: c, cluster } = await start();
    await c.create(ConfigMap, cm('a'));
    const old = cluster.resourceVersion;
    await c.create(ConfigMap, cm('b'));
    cluster.compact();
    const events: WatchEvent<KubeObject>[] = [];
    const err = await (async () => {
      for await (const ev of c.watch(ConfigMap, { resourceVersion: old })) events.push(ev);
    })().catch((e: unknown) => e);
    expect(err).toMatchObject({ _tag: 'GoneError', code: 410 });
    expect(events).toEqual([]);
  });

  it('fails a watch whose connection drops mid-stream with ConnectionError, after delivering what arrived', async () => {
    const { client: c, server: s } = await start();
    await c.create(ConfigMap, cm('a'));
    const stream = c.watch(ConfigMap, {});
    const it0 = stream[Symbol.asyncIterator]();
    expect((await it0.next()).value).toMatchObject({ type: 'ADDED', object: { metadata: { name: 'a' } } });
    s.dropWatches();
    await expect(it0.next()).rejects.toMatchObject({ _tag: 'ConnectionError' });
  });

  it('closing a watch ends the iteration without error', async () => {
    const { client: c } = await start();
    const stream = c.watch(ConfigMap, {});
    const done = (async () => {
      const seen: unknown[] = [];
      for await (const ev of stream) seen.push(ev);
      return seen;
    })();
    setTimeout(() => stream.close(), 50);
    await expect(done).resolves.toEqual([]);
  });
});

describe('loadKubeConfig', () => {
  it('names the file that cannot be loaded', async () => {
    await expect(loadKubeConfig({ kind: 'file', path: '/nonexistent/kubeconfig' })).rejects.toMatchObject({
      _tag: 'ConfigError',
      message: expect.stringContaining('cannot load kubeconfig "/nonexistent/kubeconfig"'),
    });
  });

  it('rejects an unknown context by name', async () => {
    const cluster = new MemoryCluster();
    server = await serveMemoryCluster(cluster);
    await expect(loadKubeConfig({ kind: 'string', yaml: server.kubeconfig(), context: 'nope' })).rejects.toThrow('kubeconfig has no context "nope"');
  });

  it('refuses plain http without insecure-skip-tls-verify with ConfigError naming the server', async () => {
    const yaml = [
      'apiVersion: v1',
      'kind: Config',
      'clusters: [{ name: c, cluster: { server: "http://127.0.0.1:1" } }]',
      'users: [{ name: u, user: { token: x } }]',
      'contexts: [{ name: x, context: { cluster: c, user: u } }]',
      'current-context: x',
    ].join('\n');
    const c = await KubeClient.create({ source: { kind: 'string', yaml } });
    await expect(c.list(ConfigMap)).rejects.toMatchObject({ _tag: 'ConfigError', message: expect.stringContaining('http://127.0.0.1:1') });
  });
});

describe('KubeClient response bodies', () => {
  it('decodes a body whose multi-byte characters are split across chunks', async () => {
    const http = await import('node:http');
    const body = Buffer.from(JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'ns' }, data: { k: 'café ☃ 𝄞'.repeat(3) } }));
    const splitAt = body.indexOf(Buffer.from('é')) + 1; // between the two bytes of é
    const raw = http.createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write(body.subarray(0, splitAt));
      setTimeout(() => res.end(body.subarray(splitAt)), 20);
    });
    await new Promise<void>((resolve) => raw.listen(0, '127.0.0.1', resolve));
    try {
      const port = (raw.address() as { port: number }).port;
      const yaml = `apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "http://127.0.0.1:${port}", insecure-skip-tls-verify: true}}]\nusers: [{name: u, user: {}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n`;
      client = await KubeClient.create({ source: { kind: 'string', yaml } });
      const got = await client.get<KubeObject & { data?: Record<string, string> }>(ConfigMap, { namespace: 'ns', name: 'a' });
      expect(got.data?.k).toBe('café ☃ 𝄞'.repeat(3));
    } finally {
      await client?.close();
      client = undefined;
      await new Promise((resolve) => raw.close(resolve));
    }
  });
});
