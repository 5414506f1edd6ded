// The manager's HTTP endpoints over node:http: /healthz and /readyz (with named checks, `/readyz/<name>` and
// `?verbose`, in the style of the API server's own probes) and /metrics (prom-client exposition text).

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { ConfigError } from '../errors.js';

/** A named check: resolves (or returns) when healthy, throws with the reason when not. */
export type Check = () => void | Promise<void>;

/** A parsed bind address; `undefined` from parseBindAddress means "disabled". */
export interface BindAddress {
  /** `''` means every interface (IPv6 and IPv4 where available, IPv4 only otherwise, as Node's listen decides). */
  host: string;
  port: number;
}

/**
 * Parses a Go-style bind address: `:8080` (all interfaces), `127.0.0.1:8080`, `[::1]:8080`, `:0` (any free port).
 * `0` or `''` disables the endpoint, as in controller-runtime. Throws ConfigError naming the value otherwise.
 */
export function parseBindAddress(value: string): BindAddress | undefined {
  const v = value.trim();
  if (v === '0' || v === '') return undefined;
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(v);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) {
    throw new ConfigError(`invalid bind address "${value}": use host:port, :port, [ipv6]:port, or 0 to disable`);
  }
  return { host: m[1] ?? m[2] ?? '', port };
}

/** A named set of checks with an HTTP rendering like the API server's /readyz. */
export class CheckSet {
  readonly #checks = new Map<string, Check>();

  /** Adds (or replaces) a check. Names must be URL path segments. */
  add(name: string, check: Check): void {
    if (!/^[A-Za-z0-9][-A-Za-z0-9_.]*$/.test(name)) {
      throw new ConfigError(`invalid check name "${name}": use letters, digits, '-', '_' and '.'`);
    }
    this.#checks.set(name, check);
  }

  /** Names of the checks. */
  names(): string[] {
    return [...this.#checks.keys()];
  }

  /** Runs the checks (all, or only `only`): ok plus one line per check. */
  async run(only?: string): Promise<{ ok: boolean; lines: string[]; found: boolean }> {
    const entries = [...this.#checks].filter(([n]) => only === undefined || n === only);
    if (only !== undefined && entries.length === 0) return { ok: false, lines: [], found: false };
    const results = await Promise.all(
      entries.map(async ([name, check]) => {
        try {
          await check();
          return { name, ok: true, why: '' };
        } catch (err) {
          return { name, ok: false, why: (err as Error)?.message ?? String(err) };
        }
      }),
    );
    const lines = results.map((r) => (r.ok ? `[+]${r.name} ok` : `[-]${r.name} failed: ${r.why}`));
    return { ok: results.every((r) => r.ok), lines, found: true };
  }
}

/** What the endpoint server serves; any part may be absent (then its paths answer 404). */
export interface EndpointHandlers {
  healthz?: CheckSet;
  readyz?: CheckSet;
  metrics?: Registry;
}

/** A running HTTP server. */
export interface RunningServer {
  /** The bound address as `host:port` (the real port when :0 was asked). */
  address: string;
  port: number;
  close(): Promise<void>;
}

async function answerChecks(name: string, set: CheckSet, url: URL, res: http.ServerResponse): Promise<void> {
  const only = url.pathname.slice(name.length + 2) || undefined;
  const { ok, lines, found } = await set.run(only);
  if (!found) {
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end(`${name} check "${only}" not found\n`);
    return;
  }
  const verbose = url.searchParams.has('verbose') || !ok;
  const body = verbose ? `${lines.join('\n')}\n${name} check ${ok ? 'passed' : 'failed'}\n` : 'ok';
  res.writeHead(ok ? 200 : 500, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' }).end(body);
}

/** Starts an HTTP server for the handlers on a bind address. */
export async function startEndpointServer(bind: BindAddress, handlers: EndpointHandlers): Promise<RunningServer> {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname;
    void (async () => {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { Allow: 'GET, HEAD' }).end();
      } else if (handlers.healthz && (path === '/healthz' || path.startsWith('/healthz/'))) {
        await answerChecks('healthz', handlers.healthz, url, res);
      } else if (handlers.readyz && (path === '/readyz' || path.startsWith('/readyz/'))) {
        await answerChecks('readyz', handlers.readyz, url, res);
      } else if (handlers.metrics && path === '/metrics') {
        const text = await handlers.metrics.metrics();
        res.writeHead(200, { 'Content-Type': handlers.metrics.contentType }).end(text);
      } else {
        res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('404 page not found\n');
      }
    })().catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end(`internal error: ${(err as Error)?.message ?? String(err)}\n`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => reject(new ConfigError(`cannot listen on ${bind.host}:${bind.port}: ${err.message}`)));
    if (bind.host === '') server.listen(bind.port, () => resolve());
    else server.listen(bind.port, bind.host, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  return {
    address: addr.family === 'IPv6' ? `[${addr.address}]:${addr.port}` : `${addr.address}:${addr.port}`,
    port: addr.port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
