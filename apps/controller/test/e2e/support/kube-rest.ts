// The tests' own view of the API server, as an admin or any other identity: raw JSON over HTTPS.
// Our own small client rather than @kubernetes/client-node's: its typed models drop fields they do not know (the server
// is newer than the 1.4 models) and turn timestamps into Dates, so "restored exactly" comparisons would be blind to
// exactly the differences they look for; its generic object API also has no subresources (status) and needs a
// discovery round trip per kind. The kubeconfig's TLS material still comes from client-node (applyToHTTPSOptions).
import https from 'node:https';
import { KubeConfig } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import type { KubeObject } from '@kube-vip-gw/gateway-model';

/** Where a kind of object lives in the API. */
export interface ApiResource {
  readonly group: string;
  readonly version: string;
  readonly plural: string;
  readonly kind: string;
  readonly namespaced: boolean;
}

const resource = (group: string, version: string, kind: string, plural: string, namespaced = true): ApiResource => ({
  group,
  version,
  kind,
  plural,
  namespaced,
});

const GW = 'gateway.networking.k8s.io';
/** The kinds the e2e tests read and write. */
export const R = {
  Namespace: resource('', 'v1', 'Namespace', 'namespaces', false),
  Node: resource('', 'v1', 'Node', 'nodes', false),
  ConfigMap: resource('', 'v1', 'ConfigMap', 'configmaps'),
  Service: resource('', 'v1', 'Service', 'services'),
  ServiceAccount: resource('', 'v1', 'ServiceAccount', 'serviceaccounts'),
  EndpointSlice: resource('discovery.k8s.io', 'v1', 'EndpointSlice', 'endpointslices'),
  Event: resource('events.k8s.io', 'v1', 'Event', 'events'),
  Lease: resource('coordination.k8s.io', 'v1', 'Lease', 'leases'),
  ClusterRole: resource('rbac.authorization.k8s.io', 'v1', 'ClusterRole', 'clusterroles', false),
  ClusterRoleBinding: resource('rbac.authorization.k8s.io', 'v1', 'ClusterRoleBinding', 'clusterrolebindings', false),
  Role: resource('rbac.authorization.k8s.io', 'v1', 'Role', 'roles'),
  RoleBinding: resource('rbac.authorization.k8s.io', 'v1', 'RoleBinding', 'rolebindings'),
  GatewayClass: resource(GW, 'v1', 'GatewayClass', 'gatewayclasses', false),
  Gateway: resource(GW, 'v1', 'Gateway', 'gateways'),
  TCPRoute: resource(GW, 'v1', 'TCPRoute', 'tcproutes'),
  UDPRoute: resource(GW, 'v1', 'UDPRoute', 'udproutes'),
  ReferenceGrant: resource(GW, 'v1', 'ReferenceGrant', 'referencegrants'),
  ListenerSet: resource(GW, 'v1', 'ListenerSet', 'listenersets'),
} as const;

/** Field manager of everything the tests write, so managedFields tell the tests' writes from the controller's. */
export const TEST_FIELD_MANAGER = 'kvgw-e2e';

/** An API answer that was not a success; the message names the request and carries the server's Status message. */
export class KubeRestError extends Error {
  readonly _tag = 'KubeRestError';
  constructor(
    readonly request: string,
    readonly code: number,
    readonly reason: string | undefined,
    serverMessage: string,
  ) {
    super(`${request}: HTTP ${code}${reason ? ` ${reason}` : ''}: ${serverMessage}`);
    this.name = 'KubeRestError';
  }
}

/** True for a KubeRestError with HTTP 404. */
export function isNotFound(error: unknown): boolean {
  return error instanceof KubeRestError && error.code === 404;
}

/** A namespace and name, or just a name for cluster-scoped objects. */
export interface ObjectKey {
  readonly namespace?: string | undefined;
  readonly name: string;
}

type PatchType = 'merge' | 'json' | 'apply';
const PATCH_CONTENT_TYPE: Record<PatchType, string> = {
  merge: 'application/merge-patch+json',
  json: 'application/json-patch+json',
  apply: 'application/apply-patch+yaml',
};

/** A minimal JSON client of one API server for one identity (a kubeconfig). */
export class KubeRest {
  private constructor(
    private readonly server: string,
    private readonly agent: https.Agent,
  ) {}

  /** A client for the kubeconfig (YAML); its current context's server and credentials. */
  static async fromKubeconfig(kubeconfigYaml: string): Promise<KubeRest> {
    const kc = new KubeConfig();
    kc.loadFromString(kubeconfigYaml);
    const server = kc.getCurrentCluster()?.server;
    if (!server) throw new Error('the kubeconfig has no current cluster with a server');
    const tls: https.AgentOptions = {};
    await kc.applyToHTTPSOptions(tls);
    return new KubeRest(server, new https.Agent({ ...tls, keepAlive: true, maxSockets: 8 }));
  }

  /** Closes idle connections. */
  close(): void {
    this.agent.destroy();
  }

  /** The URL path of a collection or (with a name) of one object, optionally of a subresource. */
  path(res: ApiResource, key: { namespace?: string | undefined; name?: string | undefined }, subresource?: string): string {
    const base = res.group === '' ? `/api/${res.version}` : `/apis/${res.group}/${res.version}`;
    const ns = res.namespaced && key.namespace ? `/namespaces/${encodeURIComponent(key.namespace)}` : '';
    const name = key.name ? `/${encodeURIComponent(key.name)}` : '';
    return `${base}${ns}/${res.plural}${name}${subresource && key.name ? `/${subresource}` : ''}`;
  }

  /** Sends one request; resolves with the parsed body of a 2xx answer, rejects with KubeRestError otherwise. */
  async request<T = unknown>(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<T> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const url = new URL(path, this.server);
    const answer = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = https.request(
        url,
        {
          method,
          agent: this.agent,
          timeout: 30_000,
          headers: {
            accept: 'application/json',
            ...(payload === undefined ? {} : { 'content-type': contentType, 'content-length': Buffer.byteLength(payload) }),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer within 30 s`)));
      req.on('error', reject);
      if (payload !== undefined) req.write(payload);
      req.end();
    });
    const parsed = answer.text === '' ? undefined : safeJson(answer.text);
    if (answer.status >= 200 && answer.status < 300) return parsed as T;
    const status = (parsed ?? {}) as { message?: string; reason?: string };
    throw new KubeRestError(`${method} ${path}`, answer.status, status.reason, status.message ?? answer.text.slice(0, 500));
  }

  /** GET one object. */
  get<T extends KubeObject = KubeObject>(res: ApiResource, key: ObjectKey): Promise<T> {
    return this.request<T>('GET', this.path(res, key));
  }

  /** GET one object, or undefined when it does not exist. */
  async find<T extends KubeObject = KubeObject>(res: ApiResource, key: ObjectKey): Promise<T | undefined> {
    try {
      return await this.get<T>(res, key);
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /** Lists objects of a kind (in a namespace, or everywhere), optionally by label selector. */
  async list<T extends KubeObject = KubeObject>(res: ApiResource, namespace?: string, labelSelector?: string): Promise<T[]> {
    const query = labelSelector ? `?labelSelector=${encodeURIComponent(labelSelector)}` : '';
    const list = await this.request<{ items: T[] }>('GET', this.path(res, { namespace }) + query);
    return list.items;
  }

  /** Creates an object (POST), recorded under the tests' field manager. */
  create<T extends KubeObject = KubeObject>(res: ApiResource, object: KubeObject): Promise<T> {
    const body = { apiVersion: apiVersionOf(res), kind: res.kind, ...object };
    return this.request<T>('POST', `${this.path(res, { namespace: object.metadata.namespace })}?fieldManager=${TEST_FIELD_MANAGER}`, body);
  }

  /** Replaces an object (PUT; the object's resourceVersion is the precondition). */
  replace<T extends KubeObject = KubeObject>(res: ApiResource, object: KubeObject, subresource?: string): Promise<T> {
    const body = { apiVersion: apiVersionOf(res), kind: res.kind, ...object };
    return this.request<T>('PUT', `${this.path(res, object.metadata, subresource)}?fieldManager=${TEST_FIELD_MANAGER}`, body);
  }

  /** Patches an object (merge or JSON patch), or its subresource. */
  patch<T extends KubeObject = KubeObject>(res: ApiResource, key: ObjectKey, patch: unknown, type: PatchType = 'merge', subresource?: string): Promise<T> {
    const query = `?fieldManager=${TEST_FIELD_MANAGER}${type === 'apply' ? '&force=true' : ''}`;
    return this.request<T>('PATCH', this.path(res, key, subresource) + query, patch, PATCH_CONTENT_TYPE[type]);
  }

  /** Server-side applies an object (creates or updates it), as `kubectl apply --server-side --force-conflicts`. */
  apply<T extends KubeObject = KubeObject>(res: ApiResource, object: KubeObject): Promise<T> {
    return this.patch<T>(res, object.metadata, { apiVersion: apiVersionOf(res), kind: res.kind, ...object }, 'apply');
  }

  /** Deletes an object; resolves quietly when it is already gone. */
  async delete(res: ApiResource, key: ObjectKey): Promise<void> {
    try {
      await this.request('DELETE', this.path(res, key));
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }

  /** Applies every object of a multi-document YAML text (kinds must be in {@link R}). */
  async applyYaml(text: string, defaultNamespace?: string): Promise<KubeObject[]> {
    const applied: KubeObject[] = [];
    for (const doc of parseAllDocuments(text)) {
      if (doc.errors.length > 0) throw new Error(`invalid YAML: ${doc.errors[0]?.message}`);
      const object = doc.toJS() as KubeObject | null;
      if (!object) continue;
      const res = Object.values(R).find((r) => apiVersionOf(r) === object.apiVersion && r.kind === object.kind);
      if (!res) throw new Error(`applyYaml: kind "${object.apiVersion}/${object.kind}" is not in the e2e resource table`);
      const metadata = res.namespaced && !object.metadata.namespace && defaultNamespace ? { ...object.metadata, namespace: defaultNamespace } : object.metadata;
      applied.push(await this.apply(res, { ...object, metadata }));
    }
    return applied;
  }
}

/** `group/version`, or `version` for the core group. */
export function apiVersionOf(res: ApiResource): string {
  return res.group === '' ? res.version : `${res.group}/${res.version}`;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return { message: text.slice(0, 500) };
  }
}
