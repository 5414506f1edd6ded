// The harness's own HTTP calls (readiness probes, CRD apply, etcd's JSON gateway). Written on node:http(s) rather
// than @kubernetes/client-node because they happen before a kubeconfig is usable (readyz), target etcd (not a
// Kubernetes API), or need the raw status code and body of every answer.
import http from 'node:http';
import https from 'node:https';
import { ControlPlaneRequestError } from './errors.js';

/** TLS material for a request: the CA to trust and, for client-certificate auth, the certificate and key. */
export interface TlsMaterial {
  readonly ca?: string;
  readonly cert?: string;
  readonly key?: string;
}

/** Options of {@link httpRequest}. */
export interface HttpRequestOptions {
  readonly method?: string;
  readonly body?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly tls?: TlsMaterial;
  /** Whole-request timeout (default 30 s). */
  readonly timeoutMs?: number;
}

/** Status and body of an answered request. */
export interface HttpResponse {
  readonly status: number;
  readonly text: string;
}

/** Parses a JSON response body, naming the request when it is not JSON. */
export function responseJson(request: string, response: HttpResponse): unknown {
  try {
    return JSON.parse(response.text) as unknown;
  } catch {
    throw new ControlPlaneRequestError(request, response.status, `answer is not JSON: ${response.text.slice(0, 200)}`);
  }
}

/**
 * Sends one request and resolves with any HTTP answer (status checks are the caller's); rejects with
 * {@link ControlPlaneRequestError} (status 0) when no answer arrives.
 */
export function httpRequest(url: string, options: HttpRequestOptions = {}): Promise<HttpResponse> {
  const method = options.method ?? 'GET';
  const target = new URL(url);
  const transport = target.protocol === 'https:' ? https : http;
  const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
  if (options.body !== undefined) headers['content-length'] = String(Buffer.byteLength(options.body));
  return new Promise((resolve, reject) => {
    const req = transport.request(
      target,
      { method, headers, ...options.tls, agent: false, timeout: options.timeoutMs ?? 30_000 },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', (error) => reject(new ControlPlaneRequestError(`${method} ${url}`, 0, error.message)));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${options.timeoutMs ?? 30_000} ms`)));
    req.on('error', (error) => reject(new ControlPlaneRequestError(`${method} ${url}`, 0, error.message)));
    req.end(options.body);
  });
}
