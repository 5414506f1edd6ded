// `kvgw ipam allocate`: hands out addresses exactly as the controller would, from a pool given inline (`--pool`, the
// ConfigMap value syntax) or from a ConfigMap file, against a list of addresses already in use.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  AddressAllocator,
  parseAddress,
  parseIpamConfig,
  selectPool,
  type IPFamily,
  type IPFamilyPolicy,
  type SearchOrder,
} from '@kube-vip-gw/ipam';
import { AllocationFailedError, CliUsageError, InputFileError, InvalidInputError } from './errors.js';
import { Printer, type CliIo } from './io.js';
import { loadManifests } from './manifests.js';

/** Options of `kvgw ipam allocate` (flags, parsed). */
export interface AllocateCommandOptions {
  /** A pool value in the ConfigMap syntax (`10.0.0.0/24`, `10.0.0.1-10.0.0.9,fd00::1-fd00::9`, `0.0.0.0/32`). */
  readonly pool?: string | undefined;
  /** A file holding the IPAM ConfigMap (instead of `pool`). */
  readonly configmap?: string | undefined;
  /** The namespace whose pool is used (matters with `configmap`); default `default`. */
  readonly namespace?: string | undefined;
  /** Used addresses, each entry a comma-separated list. */
  readonly used?: readonly string[] | undefined;
  /** Files of used addresses: one per line or comma lists, `#` starts a comment. */
  readonly usedFile?: readonly string[] | undefined;
  /** Overrides the ConfigMap's `search-order`. */
  readonly searchOrder?: SearchOrder | undefined;
  /** Sets `skip-end-ips-in-cidr=true`. */
  readonly skipEndIpsInCidr?: boolean | undefined;
  readonly ipFamilyPolicy?: IPFamilyPolicy | undefined;
  readonly ipFamilies?: readonly IPFamily[] | undefined;
  /** Number of allocations (default 1). */
  readonly count?: number | undefined;
}

/** The ConfigMap key `--pool` becomes: as in kube-vip-cloud-provider, a value containing `/` is a CIDR list. */
export function poolKeyFor(value: string): 'cidr-global' | 'range-global' {
  return value.includes('/') ? 'cidr-global' : 'range-global';
}

/** Reads the single ConfigMap of a manifest file (fails when there is none or more than one). */
export async function readConfigMapData(file: string, cwd: string): Promise<{ data: Record<string, unknown>; name: string }> {
  const loaded = await loadManifests([file], { cwd, ignoreUnknownKinds: true });
  const configMaps = loaded.filter((m) => m.object.kind === 'ConfigMap');
  if (configMaps.length === 0) throw new InputFileError(file, 'no ConfigMap in the file');
  if (configMaps.length > 1) {
    const names = configMaps.map((m) => `${m.object.metadata.namespace}/${m.object.metadata.name}`).join(', ');
    throw new InputFileError(file, `expected one ConfigMap, found ${configMaps.length} (${names})`);
  }
  const cm = configMaps[0]!.object as { data?: unknown; metadata: { name: string; namespace?: string } };
  const data = cm.data ?? {};
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new InputFileError(file, `ConfigMap ${cm.metadata.name}: data must be a mapping of strings`);
  }
  return { data: data as Record<string, unknown>, name: `${cm.metadata.namespace}/${cm.metadata.name}` };
}

/** Splits used-address text (comma lists, one or more per line, `#` comments) into entries with their line numbers. */
export function parseUsedList(text: string): { entry: string; line: number }[] {
  const out: { entry: string; line: number }[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const hash = raw.indexOf('#');
    const content = hash < 0 ? raw : raw.slice(0, hash);
    for (const part of content.split(',')) {
      const entry = part.trim();
      if (entry !== '') out.push({ entry, line: i + 1 });
    }
  });
  return out;
}

// Every used address from --used and --used-file, validated: a typo here would silently allow a double hand-out.
async function usedAddresses(options: AllocateCommandOptions, cwd: string): Promise<string[]> {
  const out: string[] = [];
  const check = (entry: string, what: string): void => {
    const parsed = parseAddress(entry);
    if (!parsed.ok) throw new InvalidInputError(what, entry, parsed.error.reason);
    out.push(parsed.value.text);
  };
  for (const value of options.used ?? []) for (const { entry } of parseUsedList(value)) check(entry, '--used address');
  for (const file of options.usedFile ?? []) {
    let text: string;
    try {
      text = await readFile(path.resolve(cwd, file), 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new InputFileError(file, code === 'ENOENT' ? 'no such file' : (error as Error).message);
    }
    for (const { entry, line } of parseUsedList(text)) check(entry, `--used-file ${file} line ${line} address`);
  }
  return out;
}

/**
 * Runs `ipam allocate`: prints one allocation per line (addresses comma-joined, primary family first). When the pool
 * runs out part-way, the allocations made so far are printed and then an AllocationFailedError is thrown (exit 1),
 * so a script gets both what it can use and a failure it cannot miss.
 */
export async function ipamAllocate(options: AllocateCommandOptions, io: CliIo): Promise<void> {
  const printer = new Printer(io);
  if ((options.pool === undefined) === (options.configmap === undefined)) {
    throw new CliUsageError('--pool/--configmap', 'give exactly one of --pool <value> or --configmap <file>');
  }
  const count = options.count ?? 1;
  const namespace = options.namespace ?? 'default';
  let data: Record<string, unknown>;
  let origin: string;
  if (options.pool !== undefined) {
    if (options.pool.trim() === '') throw new InvalidInputError('--pool', options.pool, 'the pool is empty');
    data = { [poolKeyFor(options.pool)]: options.pool };
    origin = '--pool';
  } else {
    const read = await readConfigMapData(options.configmap!, io.cwd);
    data = { ...read.data };
    origin = `--configmap ${options.configmap} (ConfigMap ${read.name})`;
  }
  if (options.searchOrder !== undefined) data['search-order'] = options.searchOrder;
  if (options.skipEndIpsInCidr) data['skip-end-ips-in-cidr'] = 'true';

  const config = parseIpamConfig(data);
  const selected = selectPool(config, namespace);
  if (!selected.ok) {
    const e = selected.error;
    if (e._tag === 'InvalidPoolError') {
      const what = options.pool !== undefined ? '--pool entry' : `${origin} key ${e.key} entry`;
      throw new InvalidInputError(what, e.entry, e.reason);
    }
    throw new InvalidInputError('--namespace', namespace, `${origin}: ${e.message}`);
  }
  for (const problem of config.problems) {
    if (problem._tag === 'InvalidSettingError' || problem.key !== selected.value.pool.key) printer.warn(`${origin}: ${problem.message}`);
  }
  if (selected.value.pool.format === 'dhcp') printer.warn(`${selected.value.pool.key} is 0.0.0.0/32: kube-vip takes the address from DHCP`);

  const allocator = new AddressAllocator(config);
  allocator.rebuild(await usedAddresses(options, io.cwd));
  const request = {
    namespace,
    ...(options.ipFamilyPolicy !== undefined ? { ipFamilyPolicy: options.ipFamilyPolicy } : {}),
    ...(options.ipFamilies !== undefined ? { ipFamilies: options.ipFamilies } : {}),
  };
  // Output is batched: a million allocations must not mean a million writes.
  let batch: string[] = [];
  const flush = (): void => {
    if (batch.length > 0) printer.raw(`${batch.join('\n')}\n`);
    batch = [];
  };
  for (let i = 0; i < count; i++) {
    const result = allocator.allocate(request);
    if (!result.ok) {
      flush();
      throw new AllocationFailedError(i, count, result.error.message);
    }
    batch.push(result.value.addresses.join(','));
    if (batch.length >= 4096) flush();
  }
  flush();
}
