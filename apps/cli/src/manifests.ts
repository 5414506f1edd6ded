// Loading manifests for `render` (and the demo): files and directories, multi-document YAML and JSON, `kind: List`
// expanded, every object checked for a supported kind, apiVersion and name. Errors name the file and document.
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { apiVersionOf, type KubeObject } from '@kube-vip-gw/controller-runtime';
import { WATCHED_RESOURCES } from '@kube-vip-gw/controller';
import { parseAllDocuments } from 'yaml';
import { describeSource, InputFileError, ManifestError, type ManifestSource } from './errors.js';

/** One object read from a manifest, with where it came from. */
export interface LoadedManifest {
  readonly object: KubeObject;
  readonly source: ManifestSource;
}

/** A kind `render` accepts: the apiVersions it is read in and whether it lives in a namespace. */
export interface SupportedKind {
  readonly apiVersions: readonly string[];
  readonly namespaced: boolean;
}


/**
 * The kinds `render` loads: the controller's watched resources that its offline render reads, every version of each
 * (from the controller library's table, so a new route or parent kind needs no edit here).
 */
export const SUPPORTED_KINDS: Readonly<Record<string, SupportedKind>> = Object.fromEntries(
  WATCHED_RESOURCES.filter((w) => w.rendered).map((w) => [w.store, { apiVersions: w.candidates.map(apiVersionOf), namespaced: w.candidates[0]!.namespaced }]),
);

/** File extensions read when a directory is given (an explicitly named file is read whatever its extension). */
export const MANIFEST_EXTENSIONS: readonly string[] = ['.yaml', '.yml', '.json'];

/** Namespace given to namespaced objects without one, as `kubectl apply` does with the default context. */
export const DEFAULT_NAMESPACE = 'default';

/** Options of manifest parsing and loading. */
export interface ManifestOptions {
  /** Skip objects of unsupported kinds (with a warning) instead of failing. */
  readonly ignoreUnknownKinds?: boolean | undefined;
  /** Receives warnings (skipped objects). */
  readonly onWarning?: ((message: string) => void) | undefined;
}

/** Options of loadManifests. */
export interface LoadOptions extends ManifestOptions {
  /** Relative paths are resolved against this (default: process.cwd()). */
  readonly cwd?: string | undefined;
  /** Reads stdin, for the path `-`. */
  readonly readStdin?: (() => Promise<string>) | undefined;
  /** Accept the same object twice (e.g. `ipam check` on two versions of one ConfigMap); by default it is an error. */
  readonly allowDuplicates?: boolean | undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'a mapping' : `a ${typeof value}`;
}

function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

// Checks one object and returns it normalised (cluster-scoped kinds lose a stray namespace, namespaced kinds get the
// default one), or undefined when it is of an unsupported kind that may be skipped.
function checkObject(value: unknown, source: ManifestSource, options: ManifestOptions): KubeObject | undefined {
  if (!isRecord(value)) throw new ManifestError(source, `expected a Kubernetes object (a mapping), got ${typeName(value)}`);
  const { apiVersion, kind } = value;
  if (typeof kind !== 'string' || kind === '') throw new ManifestError(source, 'kind is missing');
  if (typeof apiVersion !== 'string' || apiVersion === '') throw new ManifestError(source, `${kind}: apiVersion is missing`);
  const supported = SUPPORTED_KINDS[kind];
  if (supported === undefined) {
    const reason = `unsupported kind "${kind}" (apiVersion ${apiVersion}); render reads ${Object.keys(SUPPORTED_KINDS).join(', ')}`;
    if (options.ignoreUnknownKinds) {
      options.onWarning?.(`${describeSource(source)}: skipped: ${reason}`);
      return undefined;
    }
    throw new ManifestError(source, `${reason} (--ignore-unknown-kinds skips such objects)`);
  }
  if (!supported.apiVersions.includes(apiVersion)) {
    throw new ManifestError(source, `${kind}: apiVersion "${apiVersion}" is not supported; use ${supported.apiVersions.join(' or ')}`);
  }
  const metadata = value['metadata'];
  if (!isRecord(metadata)) throw new ManifestError(source, `${kind}: metadata is missing`);
  const name = metadata['name'];
  if (typeof name !== 'string' || name === '') {
    const hint = metadata['generateName'] !== undefined ? ' (generateName is not supported: objects need a fixed name)' : '';
    throw new ManifestError(source, `${kind}: metadata.name is missing${hint}`);
  }
  const namespace = metadata['namespace'];
  if (namespace !== undefined && (typeof namespace !== 'string' || namespace === '')) {
    throw new ManifestError(source, `${kind} "${name}": metadata.namespace must be a non-empty string`);
  }
  const object = structuredClone(value) as unknown as KubeObject;
  if (!supported.namespaced) delete object.metadata.namespace;
  else if (namespace === undefined) object.metadata.namespace = DEFAULT_NAMESPACE;
  return object;
}

/** True for `kind: List` and the typed lists kubectl writes (`ServiceList`, ...): documents whose items are objects. */
function isList(value: unknown): value is { items: unknown[] } {
  return isRecord(value) && typeof value['kind'] === 'string' && value['kind'].endsWith('List') && Array.isArray(value['items']);
}

/**
 * Parses the text of one manifest file (YAML with `---` separated documents, or JSON) into checked objects. Empty
 * documents are skipped; Lists are expanded.
 */
export function parseManifests(text: string, file: string, options: ManifestOptions = {}): LoadedManifest[] {
  const out: LoadedManifest[] = [];
  const documents = parseAllDocuments(text, { prettyErrors: true, uniqueKeys: true });
  const list = Array.isArray(documents) ? documents : [];
  list.forEach((doc, i) => {
    const source: ManifestSource = { file, document: i + 1 };
    const problem = doc.errors[0];
    if (problem !== undefined) throw new ManifestError(source, `invalid YAML: ${problem.message.trim()}`);
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (error) {
      throw new ManifestError(source, `invalid YAML: ${(error as Error).message}`);
    }
    if (value === null || value === undefined) return;
    if (isList(value)) {
      value.items.forEach((item, j) => {
        const itemSource: ManifestSource = { ...source, item: j + 1 };
        const object = checkObject(item, itemSource, options);
        if (object !== undefined) out.push({ object, source: itemSource });
      });
      return;
    }
    const object = checkObject(value, source, options);
    if (object !== undefined) out.push({ object, source });
  });
  return out;
}

// Every manifest file under a path: the file itself, or a directory's .yaml/.yml/.json files, recursively, in name
// order (hidden entries and node_modules skipped), so the same tree always loads in the same order.
async function manifestFiles(target: string, shown: string): Promise<{ path: string; shown: string }[]> {
  let info;
  try {
    info = await stat(target);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new InputFileError(shown, code === 'ENOENT' ? 'no such file or directory' : (error as Error).message);
  }
  if (!info.isDirectory()) return [{ path: target, shown }];
  const entries = await readdir(target, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const out: { path: string; shown: string }[] = [];
  for (const entry of entries) {
    if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
    const full = path.join(target, entry.name);
    const label = path.join(shown, entry.name);
    if (entry.isDirectory()) out.push(...(await manifestFiles(full, label)));
    else if (MANIFEST_EXTENSIONS.includes(path.extname(entry.name).toLowerCase())) out.push({ path: full, shown: label });
  }
  return out;
}

/** Identity of an object for duplicate detection: API group (not version), kind, namespace and name. */
export function objectIdentity(object: KubeObject): string {
  const ns = object.metadata.namespace ?? '';
  return `${groupOf(object.apiVersion ?? '')}/${object.kind ?? ''}/${ns}/${object.metadata.name}`;
}

/** Human-readable object name for messages: `Gateway echo/echo`, `GatewayClass kube-vip`. */
export function describeObjectName(object: KubeObject): string {
  const ns = object.metadata.namespace;
  return `${object.kind ?? 'object'} ${ns ? `${ns}/` : ''}${object.metadata.name}`;
}

/**
 * Loads manifests from files and directories (`-` reads stdin). Fails on the first bad document, on a path that
 * does not exist, on a directory without manifests, and on the same object given twice.
 */
export async function loadManifests(paths: readonly string[], options: LoadOptions = {}): Promise<LoadedManifest[]> {
  const cwd = options.cwd ?? process.cwd();
  const out: LoadedManifest[] = [];
  const seen = new Map<string, ManifestSource>();
  for (const given of paths) {
    let files: { path: string; shown: string; text?: string }[];
    if (given === '-') {
      if (!options.readStdin) throw new InputFileError('-', 'reading stdin is not available here');
      files = [{ path: '-', shown: '(stdin)', text: await options.readStdin() }];
    } else {
      files = await manifestFiles(path.resolve(cwd, given), given);
      if (files.length === 0) throw new InputFileError(given, `the directory has no ${MANIFEST_EXTENSIONS.join('/')} files`);
    }
    for (const file of files) {
      let text = file.text;
      if (text === undefined) {
        try {
          text = await readFile(file.path, 'utf8');
        } catch (error) {
          throw new InputFileError(file.shown, (error as Error).message);
        }
      }
      for (const loaded of parseManifests(text, file.shown, options)) {
        const id = objectIdentity(loaded.object);
        const earlier = seen.get(id);
        if (earlier !== undefined && !options.allowDuplicates) {
          throw new ManifestError(loaded.source, `${describeObjectName(loaded.object)} is already defined in ${describeSource(earlier)}`);
        }
        seen.set(id, loaded.source);
        out.push(loaded);
      }
    }
  }
  return out;
}
