// KubeClient: the Client interface over a real API server. @kubernetes/client-node 2.x supplies the kubeconfig
// handling (file, default chain, in-cluster; TLS material; bearer, exec and OIDC credentials). Requests go through one
// generic REST path built from descriptors over node:http(s), with a keep-alive agent reused across requests
// (client-node's own helpers make a new agent per call, which defeats connection reuse) and watches read as JSON lines.
// client-node is imported lazily, so programs that only use MemoryCluster (the CLI's offline render) never load it.

import http from 'node:http';
import https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import type { Counter, Registry } from 'prom-client';
import type {
  Client,
  DeleteOptions,
  ListOptions,
  ObjectList,
  PatchOptions,
  RequestCounts,
  ServedResource,
  WatchEvent,
  WatchOptions,
  WatchStream,
  WriteOptions,
} from './client.js';
import {
  ConfigError,
  ConnectionError,
  errorFromStatus,
  type KubeStatus,
  TimeoutError,
  UsageError,
  UnauthorizedError,
  withApiErrors,
} from '../errors.js';
import { PushStream } from '../internal/push-stream.js';
import type { KubeObject, ObjectRef } from '../object.js';
import { objectKey } from '../object.js';
import { PATCH_CONTENT_TYPES, type Patch } from './patch.js';
import { apiVersionOf, checkRef, resourcePath, type ResourceDescriptor } from '../resources.js';
import { fieldSelectorString, labelSelectorString as formatSelector } from '@kube-vip-gw/kube-core';

/** The string form of a selector; an object form the server would refuse is a BadRequestError before any request. */
const labelSelectorString = withApiErrors(formatSelector);

/** How to find the cluster: a kubeconfig file, the default chain (KUBECONFIG, ~/.kube/config, in-cluster), or in-cluster only. */
export type KubeConfigSource =
  | { kind: 'file'; path: string; context?: string | undefined }
  | { kind: 'default'; context?: string | undefined }
  | { kind: 'in-cluster' }
  | { kind: 'string'; yaml: string; context?: string | undefined }
  | { kind: 'config'; config: KubeConfig };

/** Options of a KubeClient. */
export interface KubeClientOptions {
  /** Where the connection settings come from (default: the default chain). */
  source?: KubeConfigSource;
  /** Deadline of one non-watch request (default 30000 ms); watches have only a connect deadline of the same length. */
  requestTimeoutMs?: number;
  /** Sent as User-Agent. */
  userAgent?: string;
  /** When given, `rest_client_requests_total{code,method,host}` is registered here and counted. */
  metricsRegistry?: Registry;
  /** How long cached credentials are reused before asking the kubeconfig again (default 60000 ms; a 401 refreshes at once). */
  credentialTtlMs?: number;
}

interface Transport {
  server: URL;
  agent: http.Agent;
  secure: boolean;
}

interface RequestSpec {
  verb: string;
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  query?: Record<string, string | undefined> | undefined;
  body?: unknown;
  contentType?: string | undefined;
  signal?: AbortSignal | undefined;
  what: string;
}

const DEFAULT_TIMEOUT_MS = 30_000;

/** Loads a KubeConfig from a source (imports client-node on first use). */
export async function loadKubeConfig(source: KubeConfigSource = { kind: 'default' }): Promise<KubeConfig> {
  if (source.kind === 'config') return source.config;
  const { KubeConfig } = await import('./kube-config.js');
  const kc = new KubeConfig();
  try {
    switch (source.kind) {
      case 'file':
        kc.loadFromFile(source.path);
        break;
      case 'string':
        kc.loadFromString(source.yaml);
        break;
      case 'in-cluster':
        kc.loadFromCluster();
        break;
      case 'default':
        kc.loadFromDefault();
        break;
    }
  } catch (err) {
    const where = source.kind === 'file' ? `kubeconfig "${source.path}"` : `${source.kind} kubeconfig`;
    throw new ConfigError(`cannot load ${where}: ${(err as Error).message}`);
  }
  if ('context' in source && source.context) {
    if (!kc.getContextObject(source.context)) throw new ConfigError(`kubeconfig has no context "${source.context}"`);
    kc.setCurrentContext(source.context);
  }
  if (!kc.getCurrentCluster()) throw new ConfigError(`kubeconfig (${source.kind}) has no current cluster`);
  return kc;
}

/** A Client for a real API server (see the module comment). Create with `await KubeClient.create(options)`. */
export class KubeClient implements Client {
  readonly #kc: KubeConfig;
  readonly #timeoutMs: number;
  readonly #userAgent: string;
  readonly #credentialTtlMs: number;
  readonly #counts: RequestCounts = {};
  readonly #requests: Counter<'code' | 'method' | 'host'> | undefined;
  #transport: Promise<Transport> | undefined;
  #headers: { value: Promise<Record<string, string>>; expires: number } | undefined;

  private constructor(kc: KubeConfig, opts: KubeClientOptions, requests: Counter<'code' | 'method' | 'host'> | undefined) {
    this.#kc = kc;
    this.#timeoutMs = opts.requestTimeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#userAgent = opts.userAgent ?? 'kube-vip-gw-controller-runtime';
    this.#credentialTtlMs = opts.credentialTtlMs ?? 60_000;
    this.#requests = requests;
  }

  /** Connects settings from the source (nothing is sent until the first request). */
  static async create(opts: KubeClientOptions = {}): Promise<KubeClient> {
    const kc = await loadKubeConfig(opts.source);
    let counter: Counter<'code' | 'method' | 'host'> | undefined;
    if (opts.metricsRegistry) {
      const { Counter } = await import('prom-client');
      const existing = opts.metricsRegistry.getSingleMetric('rest_client_requests_total');
      counter =
        (existing as Counter<'code' | 'method' | 'host'> | undefined) ??
        new Counter({
          name: 'rest_client_requests_total',
          help: 'Number of HTTP requests, partitioned by status code, method, and host.',
          labelNames: ['code', 'method', 'host'],
          registers: [opts.metricsRegistry],
        });
    }
    return new KubeClient(kc, opts, counter);
  }

  /** The underlying kubeconfig (e.g. for the server URL in logs). */
  get kubeConfig(): KubeConfig {
    return this.#kc;
  }

  /** Requests sent so far, by verb (get, list, watch, create, update, patch, delete, discovery). */
  requestCounts(): RequestCounts {
    return { ...this.#counts };
  }

  /** Closes idle keep-alive connections (open watches end when their streams are closed). */
  async close(): Promise<void> {
    if (this.#transport) (await this.#transport).agent.destroy();
    this.#transport = undefined;
  }

  // ---------------------------------------------------------------------------------------------- Client

  async get<T extends KubeObject = KubeObject>(res: ResourceDescriptor, ref0: ObjectRef, opts: { signal?: AbortSignal } = {}): Promise<T> {
    const ref = checkRef(res, ref0);
    const obj = await this.#json<T>({
      verb: 'get',
      method: 'GET',
      path: resourcePath(res, ref),
      signal: opts.signal,
      what: `get ${res.kind} ${objectKey(ref)}`,
    });
    return withType(res, obj);
  }

  async list<T extends KubeObject = KubeObject>(res: ResourceDescriptor, opts: ListOptions = {}): Promise<ObjectList<T>> {
    const body = await this.#json<{ items?: T[] | null; metadata?: { resourceVersion?: string; continue?: string } }>({
      verb: 'list',
      method: 'GET',
      path: resourcePath(res, { namespace: opts.namespace }),
      query: {
        labelSelector: labelSelectorString(opts.labelSelector) || undefined,
        fieldSelector: fieldSelectorString(opts.fieldSelector) || undefined,
        limit: opts.limit !== undefined ? String(opts.limit) : undefined,
        continue: opts.continue,
      },
      signal: opts.signal,
      what: `list ${res.kind}${opts.namespace ? ` in ${opts.namespace}` : ''}`,
    });
    // List items usually lack apiVersion/kind on the wire; fill them in so callers can key on them.
    const items = (body.items ?? []).map((o) => withType(res, o));
    return { items, resourceVersion: body.metadata?.resourceVersion ?? '', continue: body.metadata?.continue || undefined };
  }

  async create<T extends KubeObject>(res: ResourceDescriptor, obj: T, opts: WriteOptions = {}): Promise<T> {
    const ref = checkRef(res, { namespace: obj.metadata?.namespace, name: obj.metadata?.name || obj.metadata?.generateName || '-' });
    const created = await this.#json<T>({
      verb: 'create',
      method: 'POST',
      path: resourcePath(res, { namespace: ref.namespace }),
      query: writeQuery(opts),
      body: withType(res, obj),
      signal: opts.signal,
      what: `create ${res.kind} ${objectKey({ namespace: ref.namespace, name: obj.metadata.name ?? '' })}`,
    });
    return withType(res, created);
  }

  async update<T extends KubeObject>(res: ResourceDescriptor, obj: T, opts: WriteOptions = {}): Promise<T> {
    return this.#replace(res, obj, opts, undefined);
  }

  async updateStatus<T extends KubeObject>(res: ResourceDescriptor, obj: T, opts: WriteOptions = {}): Promise<T> {
    return this.#replace(res, obj, opts, 'status');
  }

  async #replace<T extends KubeObject>(res: ResourceDescriptor, obj: T, opts: WriteOptions, sub: 'status' | undefined): Promise<T> {
    const ref = checkRef(res, { namespace: obj.metadata?.namespace, name: obj.metadata?.name });
    const updated = await this.#json<T>({
      verb: 'update',
      method: 'PUT',
      path: resourcePath(res, { ...ref, subresource: sub }),
      query: writeQuery(opts),
      body: withType(res, obj),
      signal: opts.signal,
      what: `update ${res.kind}${sub ? '/status' : ''} ${objectKey(ref)}`,
    });
    return withType(res, updated);
  }

  async patch<T extends KubeObject = KubeObject>(res: ResourceDescriptor, ref: ObjectRef, patch: Patch, opts: PatchOptions = {}): Promise<T> {
    return this.#patch(res, ref, patch, opts, undefined);
  }

  async patchStatus<T extends KubeObject = KubeObject>(res: ResourceDescriptor, ref: ObjectRef, patch: Patch, opts: PatchOptions = {}): Promise<T> {
    return this.#patch(res, ref, patch, opts, 'status');
  }

  async #patch<T extends KubeObject>(res: ResourceDescriptor, ref0: ObjectRef, patch: Patch, opts: PatchOptions, sub: 'status' | undefined): Promise<T> {
    const ref = checkRef(res, ref0);
    const contentType = PATCH_CONTENT_TYPES[patch.type];
    if (!contentType) throw new UsageError(`patch ${res.kind} ${objectKey(ref)}: unsupported patch type "${String(patch.type)}"`);
    const patched = await this.#json<T>({
      verb: 'patch',
      method: 'PATCH',
      path: resourcePath(res, { ...ref, subresource: sub }),
      query: { ...writeQuery(opts), force: patch.type === 'apply' && opts.force ? 'true' : undefined },
      body: patch.patch,
      contentType,
      signal: opts.signal,
      what: `${patch.type === 'apply' ? 'apply' : 'patch'} ${res.kind}${sub ? '/status' : ''} ${objectKey(ref)}`,
    });
    return withType(res, patched);
  }

  async delete<T extends KubeObject = KubeObject>(res: ResourceDescriptor, ref0: ObjectRef, opts: DeleteOptions = {}): Promise<T | undefined> {
    const ref = checkRef(res, ref0);
    const body: Record<string, unknown> = { apiVersion: 'v1', kind: 'DeleteOptions' };
    if (opts.preconditions) body.preconditions = opts.preconditions;
    if (opts.propagationPolicy) body.propagationPolicy = opts.propagationPolicy;
    if (opts.gracePeriodSeconds !== undefined) body.gracePeriodSeconds = opts.gracePeriodSeconds;
    const result = await this.#json<KubeObject | KubeStatus>({
      verb: 'delete',
      method: 'DELETE',
      path: resourcePath(res, ref),
      query: { dryRun: opts.dryRun ? 'All' : undefined },
      body,
      signal: opts.signal,
      what: `delete ${res.kind} ${objectKey(ref)}`,
    });
    // The server answers with the object (still present when finalizers are pending) or with a Status.
    if (!result || (result as KubeStatus).kind === 'Status' || !('metadata' in result)) return undefined;
    const obj = result as T;
    const pending = obj.metadata?.deletionTimestamp && (obj.metadata.finalizers?.length ?? 0) > 0;
    return pending ? withType(res, obj) : undefined;
  }

  watch<T extends KubeObject = KubeObject>(res: ResourceDescriptor, opts: WatchOptions = {}): WatchStream<T> {
    let req: http.ClientRequest | undefined;
    const onAbort = (): void => stream.close();
    const stream = new PushStream<WatchEvent<T>>(() => {
      req?.destroy();
      opts.signal?.removeEventListener('abort', onAbort);
    });
    if (opts.signal?.aborted) {
      stream.close();
      return stream;
    }
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    const what = `watch ${res.kind}${opts.namespace ? ` in ${opts.namespace}` : ''}`;
    const query: Record<string, string | undefined> = {
      watch: 'true',
      labelSelector: labelSelectorString(opts.labelSelector) || undefined,
      fieldSelector: fieldSelectorString(opts.fieldSelector) || undefined,
      resourceVersion: opts.resourceVersion || undefined,
      allowWatchBookmarks: opts.allowWatchBookmarks ? 'true' : undefined,
      timeoutSeconds: opts.timeoutSeconds !== undefined ? String(Math.max(1, Math.round(opts.timeoutSeconds))) : undefined,
    };
    const spec: RequestSpec = { verb: 'watch', method: 'GET', path: resourcePath(res, { namespace: opts.namespace }), query, what };
    this.#open(spec, undefined)
      .then(({ request, response }) => {
        req = request;
        if (stream.ended) {
          request.destroy();
          return;
        }
        const code = response.statusCode ?? 0;
        if (code !== 200) {
          readBody(response)
            .then((text) => stream.fail(errorFromStatus(code, parseJson(text) as KubeStatus | undefined, what, header(response, 'retry-after'))))
            .catch((err: unknown) => stream.fail(connectionError(what, err)));
          return;
        }
        response.setEncoding('utf8');
        let partial = '';
        const onLine = (line: string): void => {
          if (line.trim() === '') return;
          const ev = parseJson(line) as { type?: string; object?: unknown } | undefined;
          if (!ev || typeof ev.type !== 'string') {
            stream.fail(new ConnectionError(`${what}: malformed watch event ${JSON.stringify(line.slice(0, 200))}`, { code: 0 }));
            request.destroy();
            return;
          }
          if (ev.type === 'ERROR') {
            const status = ev.object as KubeStatus;
            stream.fail(errorFromStatus(status?.code ?? 500, status, what));
            request.destroy();
            return;
          }
          stream.push({ type: ev.type as WatchEvent<T>['type'], object: withType(res, ev.object as T) });
        };
        response.on('data', (chunk: string) => {
          partial += chunk;
          let nl = partial.indexOf('\n');
          while (nl >= 0) {
            onLine(partial.slice(0, nl));
            partial = partial.slice(nl + 1);
            nl = partial.indexOf('\n');
          }
        });
        response.on('end', () => {
          if (partial.trim() !== '') onLine(partial);
          stream.end();
        });
        response.on('error', (err) => stream.fail(connectionError(what, err)));
        response.on('aborted', () => stream.fail(new ConnectionError(`${what}: the server aborted the watch`, { code: 0 })));
      })
      .catch((err: unknown) => stream.fail(err));
    return stream;
  }

  async servedVersions(group: string): Promise<string[]> {
    const path = group === '' ? '/api' : `/apis/${group}`;
    try {
      const body = await this.#json<{ versions?: unknown[]; preferredVersion?: { version?: string } }>({
        verb: 'discovery',
        method: 'GET',
        path,
        what: `discover ${group || 'core'} versions`,
      });
      const versions = (body.versions ?? []).map((v) => (typeof v === 'string' ? v : String((v as { version?: string }).version)));
      const preferred = body.preferredVersion?.version;
      return preferred && versions.includes(preferred) ? [preferred, ...versions.filter((v) => v !== preferred)] : versions;
    } catch (err) {
      if ((err as { _tag?: string })._tag === 'NotFoundError') return [];
      throw err;
    }
  }

  async servedResources(group: string, version: string): Promise<ServedResource[]> {
    const path = group === '' ? `/api/${version}` : `/apis/${group}/${version}`;
    try {
      const body = await this.#json<{ resources?: Array<{ name: string; kind: string; namespaced: boolean; verbs?: string[] }> }>({
        verb: 'discovery',
        method: 'GET',
        path,
        what: `discover ${group || 'core'}/${version} resources`,
      });
      return (body.resources ?? [])
        .filter((r) => !r.name.includes('/'))
        .map((r) => ({ kind: r.kind, name: r.name, namespaced: r.namespaced, verbs: r.verbs ?? [] }));
    } catch (err) {
      if ((err as { _tag?: string })._tag === 'NotFoundError') return [];
      throw err;
    }
  }

  // ---------------------------------------------------------------------------------------------- transport

  async #json<T>(spec: RequestSpec): Promise<T> {
    const deadline = AbortSignal.timeout(this.#timeoutMs);
    const signal = spec.signal ? AbortSignal.any([spec.signal, deadline]) : deadline;
    const run = async (): Promise<{ code: number; text: string; retryAfter: string | undefined }> => {
      const { response } = await this.#open({ ...spec, signal }, deadline);
      let text: string;
      try {
        text = await readBody(response);
      } catch (err) {
        if (deadline.aborted) throw new TimeoutError(`${spec.what}: no complete answer within ${this.#timeoutMs} ms`, { code: 0 }, { cause: err });
        if (spec.signal?.aborted) throw spec.signal.reason ?? err;
        throw connectionError(spec.what, err);
      }
      return { code: response.statusCode ?? 0, text, retryAfter: header(response, 'retry-after') };
    };
    let out = await run();
    if (out.code === 401) {
      // Credentials may have rotated (exec plugins, projected tokens): refresh once and retry.
      this.#headers = undefined;
      out = await run();
    }
    const body = parseJson(out.text);
    if (out.code < 200 || out.code > 299) {
      throw errorFromStatus(out.code, body as KubeStatus | undefined, spec.what, out.retryAfter);
    }
    return body as T;
  }

  /** Sends a request and resolves when response headers arrive. Counts it; maps failures to tagged errors. */
  async #open(spec: RequestSpec, deadline: AbortSignal | undefined): Promise<{ request: http.ClientRequest; response: http.IncomingMessage }> {
    const transport = await this.#getTransport();
    const headers = { ...(await this.#getHeaders()) };
    const url = new URL(transport.server.pathname.replace(/\/$/, '') + spec.path, transport.server);
    for (const [k, v] of Object.entries(spec.query ?? {})) if (v !== undefined) url.searchParams.set(k, v);
    let payload: string | undefined;
    if (spec.body !== undefined) {
      payload = JSON.stringify(spec.body);
      headers['Content-Type'] = spec.contentType ?? 'application/json';
      headers['Content-Length'] = String(Buffer.byteLength(payload));
    }
    headers.Accept = 'application/json';
    headers['User-Agent'] = this.#userAgent;
    this.#counts[spec.verb] = (this.#counts[spec.verb] ?? 0) + 1;
    const lib = transport.secure ? https : http;
    return new Promise((resolve, reject) => {
      let settled = false;
      const connectTimer =
        spec.verb === 'watch'
          ? setTimeout(() => {
              if (!settled) request.destroy(new TimeoutError(`${spec.what}: no response within ${this.#timeoutMs} ms`, { code: 0 }));
            }, this.#timeoutMs)
          : undefined;
      const request = lib.request(url, { method: spec.method, agent: transport.agent, headers, signal: spec.signal });
      request.on('socket', (socket) => socket.setKeepAlive(true, 30_000));
      request.on('response', (response) => {
        settled = true;
        clearTimeout(connectTimer);
        this.#requests?.inc({ code: String(response.statusCode ?? 0), method: spec.method, host: transport.server.host });
        resolve({ request, response });
      });
      request.on('error', (err) => {
        clearTimeout(connectTimer);
        if (settled) return;
        settled = true;
        this.#requests?.inc({ code: '<error>', method: spec.method, host: transport.server.host });
        if (err instanceof TimeoutError) reject(err);
        else if (deadline?.aborted) reject(new TimeoutError(`${spec.what}: no answer within ${this.#timeoutMs} ms`, { code: 0 }, { cause: err }));
        else if (spec.signal?.aborted) reject(spec.signal.reason ?? err);
        else reject(connectionError(spec.what, err));
      });
      request.end(payload);
    });
  }

  #getTransport(): Promise<Transport> {
    this.#transport ??= this.#buildTransport().catch((err: unknown) => {
      this.#transport = undefined;
      throw err;
    });
    return this.#transport;
  }

  async #buildTransport(): Promise<Transport> {
    const cluster = this.#kc.getCurrentCluster();
    if (!cluster) throw new ConfigError('kubeconfig has no current cluster');
    const opts: https.RequestOptions = {};
    try {
      await this.#kc.applyToHTTPSOptions(opts);
    } catch (err) {
      throw new ConfigError(`cluster "${cluster.name}" (${cluster.server}): ${(err as Error).message}`);
    }
    const server = new URL(cluster.server);
    const secure = server.protocol === 'https:';
    let agent: http.Agent;
    if (cluster.proxyUrl && opts.agent) {
      agent = opts.agent as http.Agent; // proxy agents come from client-node; keep its (one) agent
    } else if (secure) {
      agent = new https.Agent({
        keepAlive: true,
        ca: opts.ca,
        cert: opts.cert,
        key: opts.key,
        pfx: opts.pfx,
        passphrase: opts.passphrase,
        servername: opts.servername,
        ...(opts.rejectUnauthorized !== undefined ? { rejectUnauthorized: opts.rejectUnauthorized } : {}),
      });
    } else {
      agent = new http.Agent({ keepAlive: true });
    }
    return { server, agent, secure };
  }

  #getHeaders(): Promise<Record<string, string>> {
    const now = Date.now();
    if (!this.#headers || this.#headers.expires <= now) {
      const value = this.#loadHeaders();
      this.#headers = { value, expires: now + this.#credentialTtlMs };
      value.catch(() => {
        this.#headers = undefined;
      });
    }
    return this.#headers.value;
  }

  async #loadHeaders(): Promise<Record<string, string>> {
    const opts: https.RequestOptions = {};
    try {
      await this.#kc.applyToHTTPSOptions(opts);
    } catch (err) {
      throw new UnauthorizedError(`cannot obtain credentials from the kubeconfig: ${(err as Error).message}`, { code: 0 });
    }
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(opts.headers ?? {})) {
      if (typeof v === 'string' || typeof v === 'number') headers[k] = String(v);
      else if (Array.isArray(v)) headers[k] = v.join(', ');
    }
    if (opts.auth) headers.Authorization = `Basic ${Buffer.from(opts.auth).toString('base64')}`;
    return headers;
  }
}

function writeQuery(opts: WriteOptions): Record<string, string | undefined> {
  return { fieldManager: opts.fieldManager, dryRun: opts.dryRun ? 'All' : undefined };
}

function withType<T extends KubeObject>(res: ResourceDescriptor, obj: T): T {
  if (obj && typeof obj === 'object' && (obj.apiVersion === undefined || obj.kind === undefined)) {
    return { ...obj, apiVersion: obj.apiVersion ?? apiVersionOf(res), kind: obj.kind ?? res.kind };
  }
  return obj;
}

function header(response: http.IncomingMessage, name: string): string | undefined {
  const v = response.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

// Decodes chunk by chunk into a JavaScript string instead of concatenating Buffers: a list page is a megabyte or more,
// and one Buffer.concat per page is a large malloc that glibc keeps resident after it is freed (the controller's
// restart, which lists everything at once, peaked ~10 MiB higher that way); V8 returns a large string's pages when it
// is collected.
function readBody(response: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => (text += chunk));
    response.on('end', () => resolve(text));
    response.on('error', reject);
    response.on('aborted', () => reject(new Error('response aborted')));
  });
}

function connectionError(what: string, err: unknown): ConnectionError {
  const e = err as { code?: string; message?: string };
  return new ConnectionError(`${what}: ${e.code ? `${e.code} ` : ''}${e.message ?? String(err)}`, { code: 0 }, { cause: err });
}
