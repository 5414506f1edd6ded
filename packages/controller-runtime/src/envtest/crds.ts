// The Gateway API CRD bundle: located in the Go module cache (`go mod download -json` of sigs.k8s.io/gateway-api,
// the same source the build uses, so no download site is needed), applied with server-side apply, and waited for
// the way envtest's WaitForCRDs does: every CRD Established, every served version in discovery.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { CrdInstallError, GatewayApiCrdsUnavailableError } from './errors.js';
import type { HttpResponse } from './http.js';

const execFileAsync = promisify(execFile);

/** Gateway API release channel: `standard` (GA resources) or `experimental` (also alpha fields and resources). */
export type GatewayApiChannel = 'standard' | 'experimental';

/** The Go module that ships the CRD bundle. */
export const GATEWAY_API_MODULE = 'sigs.k8s.io/gateway-api';

/** A Kubernetes object read from a manifest file. */
export interface ManifestObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly [key: string]: unknown };
  readonly [key: string]: unknown;
}

/** One object and the file it came from (for messages). */
export interface Manifest {
  readonly source: string;
  readonly object: ManifestObject;
}

/** Sends a request to kube-apiserver as the admin (path relative to the server). */
export type AdminRequest = (method: string, apiPath: string, body?: string, contentType?: string) => Promise<HttpResponse>;

/** Where a Gateway API channel's CRD files are: the module directory (KVGW_GATEWAY_API_DIR overrides it) + config/crd/<channel>. */
export async function gatewayApiCrdDir(
  version: string,
  channel: GatewayApiChannel,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string> {
  const moduleDir = env['KVGW_GATEWAY_API_DIR'] || (await downloadGoModule(GATEWAY_API_MODULE, version, env));
  const dir = path.join(moduleDir, 'config', 'crd', channel);
  if (!existsSync(dir)) throw new GatewayApiCrdsUnavailableError(moduleDir, `no ${channel} channel directory ${dir}`);
  return dir;
}

/** Fetches a module into the Go module cache (or finds it there) and returns its directory. */
async function downloadGoModule(module: string, version: string, env: NodeJS.ProcessEnv): Promise<string> {
  const ref = `${module}@${version}`;
  let stdout: string;
  try {
    // Outside any module (tmpdir), with the local toolchain only, like tools/envtest/build.sh.
    ({ stdout } = await execFileAsync('go', ['mod', 'download', '-json', ref], {
      cwd: os.tmpdir(),
      env: { ...env, GOTOOLCHAIN: 'local', GOFLAGS: '-mod=mod' },
    }));
  } catch (error) {
    const err = error as NodeJS.ErrnoException & { stdout?: string; stderr?: string };
    if (err.code === 'ENOENT') {
      throw new GatewayApiCrdsUnavailableError(ref, 'go is not installed (or set KVGW_GATEWAY_API_DIR to an unpacked gateway-api release)');
    }
    stdout = err.stdout ?? '';
    if (!stdout) throw new GatewayApiCrdsUnavailableError(ref, `go mod download failed: ${err.stderr?.trim() || err.message}`);
  }
  let info: { Dir?: string; Error?: string };
  try {
    info = JSON.parse(stdout) as { Dir?: string; Error?: string };
  } catch {
    throw new GatewayApiCrdsUnavailableError(ref, `go mod download printed no JSON: ${stdout.slice(0, 200)}`);
  }
  if (info.Error) throw new GatewayApiCrdsUnavailableError(ref, `go mod download: ${info.Error}`);
  if (!info.Dir) throw new GatewayApiCrdsUnavailableError(ref, 'go mod download reported no directory');
  return info.Dir;
}

/** Parses a multi-document YAML text into Kubernetes objects, skipping empty documents. */
export function parseManifests(text: string, source: string): Manifest[] {
  const manifests: Manifest[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new CrdInstallError(source, `invalid YAML: ${doc.errors[0]?.message ?? ''}`);
    const object: unknown = doc.toJS();
    if (object === null || object === undefined) continue;
    if (!isManifestObject(object)) {
      throw new CrdInstallError(source, 'a document is not a Kubernetes object (apiVersion, kind and metadata.name needed)');
    }
    manifests.push({ source, object });
  }
  return manifests;
}

function isManifestObject(value: unknown): value is ManifestObject {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as { apiVersion?: unknown; kind?: unknown; metadata?: { name?: unknown } };
  return typeof v.apiVersion === 'string' && typeof v.kind === 'string' && typeof v.metadata?.name === 'string';
}

/** Reads every `*.yaml` manifest of a directory (kustomization.yaml excluded), in file-name order. */
export async function readManifestDir(dir: string): Promise<Manifest[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml').sort();
  const all: Manifest[] = [];
  for (const file of files) all.push(...parseManifests(await readFile(path.join(dir, file), 'utf8'), file));
  return all;
}

// Cluster-scoped kinds a CRD bundle may contain, in the order they must be applied: a policy binding refers to its
// policy, and CRDs come first so a policy about them never blocks installing them.
const APPLY_ORDER: ReadonlyArray<{ apiVersion: string; kind: string; resource: string }> = [
  { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', resource: 'customresourcedefinitions' },
  { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicy', resource: 'validatingadmissionpolicies' },
  {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicyBinding',
    resource: 'validatingadmissionpolicybindings',
  },
];

function describe(manifest: Manifest): string {
  return `${manifest.object.kind} ${manifest.object.metadata.name} (${manifest.source})`;
}

/** The server-side-apply path of a bundle object; throws {@link CrdInstallError} for kinds a CRD bundle should not hold. */
export function applyPath(manifest: Manifest): string {
  const entry = APPLY_ORDER.find((e) => e.kind === manifest.object.kind && e.apiVersion === manifest.object.apiVersion);
  if (!entry) throw new CrdInstallError(describe(manifest), `unsupported kind in a CRD bundle (${manifest.object.apiVersion})`);
  return `/apis/${entry.apiVersion}/${entry.resource}/${encodeURIComponent(manifest.object.metadata.name)}`;
}

/** Sorts bundle objects into apply order (CRDs, policies, bindings), stable within a kind. */
export function inApplyOrder(manifests: readonly Manifest[]): Manifest[] {
  const rank = (m: Manifest): number => APPLY_ORDER.findIndex((e) => e.kind === m.object.kind);
  return [...manifests].sort((a, b) => rank(a) - rank(b));
}

/** Server-side applies the objects in order (each kind's objects concurrently); throws naming the first refused one. */
export async function applyManifests(request: AdminRequest, manifests: readonly Manifest[], fieldManager: string): Promise<void> {
  for (const manifest of manifests) applyPath(manifest); // refuse unknown kinds before changing anything
  const ordered = inApplyOrder(manifests);
  for (const entry of APPLY_ORDER) {
    const batch = ordered.filter((m) => m.object.kind === entry.kind);
    await Promise.all(
      batch.map(async (manifest) => {
        const query = `?fieldManager=${encodeURIComponent(fieldManager)}&force=true`;
        const res = await request('PATCH', applyPath(manifest) + query, JSON.stringify(manifest.object), 'application/apply-patch+yaml');
        if (res.status !== 200 && res.status !== 201) throw new CrdInstallError(describe(manifest), `apply refused: HTTP ${res.status}: ${statusMessage(res)}`);
      }),
    );
  }
}

function statusMessage(res: HttpResponse): string {
  try {
    const body = JSON.parse(res.text) as { message?: string };
    return body.message ?? res.text.slice(0, 300);
  } catch {
    return res.text.slice(0, 300);
  }
}

interface CrdShape {
  spec?: { group?: string; names?: { plural?: string }; versions?: Array<{ name?: string; served?: boolean }> };
  status?: { conditions?: Array<{ type?: string; status?: string; message?: string }> };
}

/**
 * Waits until every CRD is Established with its names accepted, each served version lists the resource in
 * discovery (only then do clients that discover, like kubectl or KubernetesObjectApi, see it) and a list of it
 * succeeds (its storage is initialised).
 */
export async function waitForCrds(request: AdminRequest, crds: readonly Manifest[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const crd of crds) {
    const name = crd.object.metadata.name;
    const spec = (crd.object as CrdShape).spec;
    const group = spec?.group ?? '';
    const plural = spec?.names?.plural ?? '';
    const served = (spec?.versions ?? []).filter((v) => v.served !== false).map((v) => v.name ?? '');
    let lastState: string;
    for (;;) {
      const res = await request('GET', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${encodeURIComponent(name)}`);
      if (res.status === 200) {
        const conditions = (JSON.parse(res.text) as CrdShape).status?.conditions ?? [];
        const isTrue = (type: string): boolean => conditions.some((c) => c.type === type && c.status === 'True');
        if (isTrue('Established') && isTrue('NamesAccepted')) {
          const missing: string[] = [];
          const notServing: string[] = [];
          for (const version of served) {
            const discovery = await request('GET', `/apis/${group}/${version}`);
            const resources = discovery.status === 200 ? ((JSON.parse(discovery.text) as { resources?: Array<{ name?: string }> }).resources ?? []) : [];
            if (!resources.some((r) => r.name === plural)) {
              missing.push(`${group}/${version}`);
              continue;
            }
            // Discovery comes before the resource's storage (watch cache) is ready: until then a list answers
            // 429 "storage is (re)initializing", which a test's first request must not see.
            const list = await request('GET', `/apis/${group}/${version}/${plural}?limit=1`);
            if (list.status !== 200) notServing.push(`${group}/${version} (HTTP ${list.status})`);
          }
          if (missing.length === 0 && notServing.length === 0) break;
          lastState =
            missing.length > 0
              ? `Established, but ${plural} not yet in discovery of ${missing.join(', ')}`
              : `Established, but listing ${plural} fails in ${notServing.join(', ')}`;
        } else {
          lastState = `conditions ${JSON.stringify(conditions.map((c) => `${c.type}=${c.status}${c.message ? ` (${c.message})` : ''}`))}`;
        }
      } else {
        lastState = `GET answered HTTP ${res.status}`;
      }
      if (Date.now() > deadline) throw new CrdInstallError(`CustomResourceDefinition ${name}`, `not ready after ${timeoutMs} ms: ${lastState}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
