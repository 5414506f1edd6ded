// An HTTP front-end for a MemoryCluster that speaks the Kubernetes REST protocol (the subset KubeClient uses: CRUD,
// status, the three patch types, delete options, chunked JSON-lines watches, discovery). It lets KubeClient run the
// shared contract suite without a real API server, and lets tests inject HTTP-level faults (429, 5xx, 401, dropped
// connections) that a real server cannot be made to produce on demand.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Client } from '../client/client.js';
import { isClientError, type KubeStatus, UsageError } from '../errors.js';
import type { MemoryCluster } from '../memory-cluster/memory-cluster.js';
import type { KubeObject } from '../object.js';
import type { Patch } from '../client/patch.js';
import { apiVersionOf, type ResourceDescriptor } from '../resources.js';

/** A request as the fault hook sees it. */
export interface InterceptedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
}

/**
 * What the fault hook may answer instead of the cluster: a status code with an optional body and headers, `drop` to cut
 * the connection, or `hang` to never answer (until the client gives up or the server closes).
 */
export type InterceptResponse = { code: number; body?: unknown; headers?: Record<string, string> } | 'drop' | 'hang';

/** Options of serveMemoryCluster. */
export interface MemoryApiServerOptions {
  /** Bearer token the server requires (401 otherwise); none by default. */
  token?: string;
  /** Called for every request; a non-undefined answer replaces the cluster's. */
  intercept?: (req: InterceptedRequest) => InterceptResponse | undefined;
  /** Port to listen on (default: an ephemeral port on 127.0.0.1). */
  port?: number;
}

/** A running MemoryCluster HTTP server. */
export interface MemoryApiServer {
  /** Base URL, e.g. `http://127.0.0.1:43123`. */
  url: string;
  /** A kubeconfig (YAML) pointing at this server, for KubeClient `{ kind: 'string', yaml }`. */
  kubeconfig(token?: string): string;
  /** Requests received so far, as `METHOD path` strings (query included), for assertions on what a client sent. */
  requests: string[];
  /** Content-Type headers of PATCH requests received, in order. */
  patchContentTypes: string[];
  /** TCP connections accepted so far (shows whether a client reuses keep-alive connections). */
  readonly connections: number;
  /** Ends every open watch connection abruptly (socket destroyed), as a broken network would. */
  dropWatches(): void;
  /** Stops the server and closes every connection. */
  close(): Promise<void>;
}

function status(code: number, reason: string, message: string): KubeStatus {
  return { kind: 'Status', apiVersion: 'v1', status: 'Failure', message, reason, code };
}

function statusOf(err: unknown): KubeStatus {
  if (err instanceof UsageError) return status(400, 'BadRequest', err.message);
  if (isClientError(err)) return status(err.code || 500, err.reason ?? 'InternalError', err.message);
  return status(500, 'InternalError', (err as Error)?.message ?? String(err));
}

const PATCH_TYPES: Record<string, Patch['type']> = {
  'application/merge-patch+json': 'merge',
  'application/json-patch+json': 'json',
  'application/apply-patch+yaml': 'apply',
};

interface Route {
  res: ResourceDescriptor;
  namespace: string | undefined;
  name: string | undefined;
  subresource: string | undefined;
}

/** Starts an HTTP server in front of a MemoryCluster (see the module comment). */
export async function serveMemoryCluster(cluster: MemoryCluster, opts: MemoryApiServerOptions = {}): Promise<MemoryApiServer> {
  const client: Client = cluster;
  const watchSockets = new Set<http.ServerResponse>();
  const requests: string[] = [];
  const patchContentTypes: string[] = [];

  const route = (segments: string[], group: string, version: string): Route | undefined => {
    const nsRes = segments[0] === 'namespaces' && segments.length >= 3 ? cluster.resourceFor(group, version, segments[2]!) : undefined;
    if (nsRes?.namespaced) {
      return { res: nsRes, namespace: decodeURIComponent(segments[1]!), name: opt(segments[3]), subresource: segments[4] };
    }
    const res = segments[0] ? cluster.resourceFor(group, version, segments[0]) : undefined;
    if (!res) return undefined;
    return { res, namespace: undefined, name: opt(segments[1]), subresource: segments[2] };
  };

  const send = (resp: http.ServerResponse, code: number, body: unknown, headers: Record<string, string> = {}): void => {
    const text = body === undefined ? '' : JSON.stringify(body);
    resp.writeHead(code, { 'Content-Type': 'application/json', ...headers });
    resp.end(text);
  };

  const handle = async (req: http.IncomingMessage, resp: http.ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = req.method ?? 'GET';
    requests.push(`${method} ${url.pathname}${url.search}`);
    if (method === 'PATCH') patchContentTypes.push(String(req.headers['content-type'] ?? ''));
    const body = await readBody(req);
    const fault = opts.intercept?.({ method, path: url.pathname, query: url.searchParams, headers: req.headers });
    if (fault === 'drop') {
      req.socket.destroy();
      return;
    }
    if (fault === 'hang') return;
    if (fault) {
      send(resp, fault.code, fault.body ?? status(fault.code, 'Injected', `injected ${fault.code}`), fault.headers);
      return;
    }
    if (opts.token !== undefined && req.headers.authorization !== `Bearer ${opts.token}`) {
      send(resp, 401, status(401, 'Unauthorized', 'Unauthorized'));
      return;
    }
    const segs = url.pathname.split('/').filter((s) => s !== '');
    const q = url.searchParams;
    // Discovery.
    if (method === 'GET' && segs.length === 1 && segs[0] === 'api') {
      send(resp, 200, { kind: 'APIVersions', versions: await client.servedVersions('') });
      return;
    }
    if (method === 'GET' && segs[0] === 'apis' && segs.length === 2) {
      const versions = await client.servedVersions(segs[1]!);
      if (versions.length === 0) return send(resp, 404, status(404, 'NotFound', 'the server could not find the requested resource'));
      const vs = versions.map((v) => ({ groupVersion: `${segs[1]}/${v}`, version: v }));
      send(resp, 200, { kind: 'APIGroup', apiVersion: 'v1', name: segs[1], versions: vs, preferredVersion: vs[0] });
      return;
    }
    const isCore = segs[0] === 'api';
    const group = isCore ? '' : (segs[1] ?? '');
    const version = isCore ? (segs[1] ?? '') : (segs[2] ?? '');
    const rest = segs.slice(isCore ? 2 : 3);
    if (method === 'GET' && rest.length === 0 && (isCore || segs[0] === 'apis')) {
      const resources = await client.servedResources(group, version);
      if (resources.length === 0) return send(resp, 404, status(404, 'NotFound', 'the server could not find the requested resource'));
      send(resp, 200, {
        kind: 'APIResourceList',
        apiVersion: 'v1',
        groupVersion: apiVersionOf({ group, version }),
        resources: resources.map((r) => ({ name: r.name, kind: r.kind, namespaced: r.namespaced, verbs: r.verbs, singularName: '' })),
      });
      return;
    }
    const r = route(rest, group, version);
    if (!r || (r.subresource !== undefined && r.subresource !== 'status')) {
      return send(resp, 404, status(404, 'NotFound', 'the server could not find the requested resource'));
    }
    const ref = { namespace: r.namespace, name: r.name ?? '' };
    const write = { fieldManager: q.get('fieldManager') ?? undefined, dryRun: q.get('dryRun') === 'All' };
    const parsed = body === '' ? undefined : (JSON.parse(body) as unknown);
    try {
      if (method === 'GET' && r.name === undefined && q.get('watch') === 'true') {
        await serveWatch(r, q, resp);
        return;
      }
      if (method === 'GET' && r.name === undefined) {
        const list = await client.list(r.res, {
          namespace: r.namespace,
          labelSelector: q.get('labelSelector') ?? undefined,
          fieldSelector: q.get('fieldSelector') ?? undefined,
          limit: q.has('limit') ? Number(q.get('limit')) : undefined,
          continue: q.get('continue') ?? undefined,
        });
        // Like the real server: list items carry no apiVersion/kind; the list itself does.
        const items = list.items.map(({ apiVersion: _a, kind: _k, ...o }) => o);
        send(resp, 200, {
          apiVersion: apiVersionOf(r.res),
          kind: `${r.res.kind}List`,
          metadata: { resourceVersion: list.resourceVersion, ...(list.continue ? { continue: list.continue } : {}) },
          items,
        });
        return;
      }
      if (method === 'GET') return send(resp, 200, await client.get(r.res, ref));
      if (method === 'POST' && r.name === undefined) {
        const obj = parsed as KubeObject;
        if (r.res.namespaced && obj?.metadata) obj.metadata.namespace ??= r.namespace;
        return send(resp, 201, await client.create(r.res, obj, write));
      }
      if (method === 'PUT' && r.name !== undefined) {
        const obj = parsed as KubeObject;
        if (obj?.metadata?.name !== r.name) {
          return send(resp, 400, status(400, 'BadRequest', `the name of the object (${obj?.metadata?.name}) does not match the name on the URL (${r.name})`));
        }
        return send(resp, 200, r.subresource ? await client.updateStatus(r.res, obj, write) : await client.update(r.res, obj, write));
      }
      if (method === 'PATCH' && r.name !== undefined) {
        const type = PATCH_TYPES[String(req.headers['content-type'] ?? '').split(';')[0]!.trim()];
        if (!type) return send(resp, 415, status(415, 'UnsupportedMediaType', `the body of the request was in an unknown format`));
        const patch = { type, patch: parsed } as Patch;
        const popts = { ...write, force: q.get('force') === 'true' };
        return send(resp, 200, r.subresource ? await client.patchStatus(r.res, ref, patch, popts) : await client.patch(r.res, ref, patch, popts));
      }
      if (method === 'DELETE' && r.name !== undefined) {
        const o = (parsed ?? {}) as { preconditions?: { uid?: string; resourceVersion?: string }; propagationPolicy?: 'Background' };
        const left = await client.delete(r.res, ref, {
          preconditions: o.preconditions,
          propagationPolicy: o.propagationPolicy,
          dryRun: q.get('dryRun') === 'All',
        });
        return send(resp, 200, left ?? { kind: 'Status', apiVersion: 'v1', status: 'Success', details: { name: r.name, kind: r.res.plural } });
      }
      send(resp, 405, status(405, 'MethodNotAllowed', `${method} is not supported on ${url.pathname}`));
    } catch (err) {
      const s = statusOf(err);
      send(resp, s.code ?? 500, s);
    }
  };

  const serveWatch = async (r: Route, q: URLSearchParams, resp: http.ServerResponse): Promise<void> => {
    const abort = new AbortController();
    const stream = client.watch(r.res, {
      namespace: r.namespace,
      labelSelector: q.get('labelSelector') ?? undefined,
      fieldSelector: q.get('fieldSelector') ?? undefined,
      resourceVersion: q.get('resourceVersion') ?? undefined,
      allowWatchBookmarks: q.get('allowWatchBookmarks') === 'true',
      timeoutSeconds: q.has('timeoutSeconds') ? Number(q.get('timeoutSeconds')) : undefined,
      signal: abort.signal,
    });
    const it = stream[Symbol.asyncIterator]();
    // Errors that exist before the stream starts (unknown resource, bad selector) are plain HTTP errors; 410 Gone is sent
    // as a watch ERROR event, as the real API server does.
    const firstNext = it.next().then(
      (v) => ({ v }),
      (e: unknown) => ({ e }),
    );
    const first = await Promise.race([firstNext, new Promise<undefined>((r0) => setImmediate(() => r0(undefined)))]);
    if (first && 'e' in first && (first.e as { _tag?: string })._tag !== 'GoneError') {
      const s = statusOf(first.e);
      send(resp, s.code ?? 500, s);
      return;
    }
    resp.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
    resp.flushHeaders();
    watchSockets.add(resp);
    resp.on('close', () => {
      watchSockets.delete(resp);
      abort.abort();
    });
    const write = (ev: unknown): void => {
      resp.write(`${JSON.stringify(ev)}\n`);
    };
    try {
      const settled = first ?? (await firstNext);
      if ('e' in settled) throw settled.e;
      let next = settled.v;
      while (!next.done) {
        write(next.value);
        next = await it.next();
      }
    } catch (err) {
      write({ type: 'ERROR', object: statusOf(err) });
    }
    resp.end();
  };

  const server = http.createServer((req, resp) => {
    handle(req, resp).catch((err: unknown) => {
      if (!resp.headersSent) send(resp, 500, statusOf(err));
      else resp.destroy();
    });
  });
  let connections = 0;
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    requests,
    patchContentTypes,
    get connections() {
      return connections;
    },
    kubeconfig: (token = opts.token) =>
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters:',
        '- name: memory',
        '  cluster:',
        `    server: ${url}`,
        '    insecure-skip-tls-verify: true',
        'users:',
        '- name: memory',
        `  user: ${token !== undefined ? `{ token: ${JSON.stringify(token)} }` : '{}'}`,
        'contexts:',
        '- name: memory',
        '  context: { cluster: memory, user: memory }',
        'current-context: memory',
        '',
      ].join('\n'),
    dropWatches: () => {
      for (const r of [...watchSockets]) r.socket?.destroy();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const r of [...watchSockets]) r.socket?.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function opt(s: string | undefined): string | undefined {
  return s === undefined ? undefined : decodeURIComponent(s);
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
