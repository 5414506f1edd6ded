// Reversible adoption of a user's Service (`update` strategy). Everything we change is recorded, with the original
// value, in one annotation on the Service itself (the state lives in the cluster, so a restarted controller can still
// restore). Restoring puts back exactly the recorded originals and removes what we added, key by key, so edits the
// user made meanwhile to other fields survive.
import type { Service, ServicePort } from '@kube-vip-gw/gateway-model';
import { KUBE_VIP_WRITTEN_ANNOTATIONS, LOADBALANCER_IPS_ANNOTATION, UPDATE_RECORD_ANNOTATION } from './constants.js';
import { InvalidUpdateRecordError } from './errors.js';
import { stableStringify } from './internal/json.js';
import { isPortName } from './internal/validation.js';
import type { GatewayIdentity, MappingProblem, ServiceAdoption } from './types.js';

/** Spec fields whose original values are recorded at adoption: the ones we set and the ones the API server then allocates or defaults for a LoadBalancer. */
export const RECORDED_SPEC_FIELDS = [
  'type',
  'externalTrafficPolicy',
  'loadBalancerClass',
  'allocateLoadBalancerNodePorts',
  'healthCheckNodePort',
] as const;

/** One of RECORDED_SPEC_FIELDS. */
export type RecordedSpecField = (typeof RECORDED_SPEC_FIELDS)[number];

/** A port identified the way Kubernetes does: number and protocol. */
export interface PortKey {
  port: number;
  protocol: string;
}

/** The content of the `gateway.kube-vip.io/update-record` annotation. `null` means "was absent". */
export interface UpdateRecord {
  version: 1;
  gateway: GatewayIdentity;
  hadLabels: boolean;
  hadAnnotations: boolean;
  hadPorts: boolean;
  labels: Record<string, string | null>;
  annotations: Record<string, string | null>;
  spec: Record<RecordedSpecField, unknown>;
  addedPorts: PortKey[];
  renamedPorts: (PortKey & { name: string | null })[];
  /**
   * The values kube-vip's own annotations (KUBE_VIP_WRITTEN_ANNOTATIONS) had before adoption (`null`: absent), so a
   * Service given back as a non-LoadBalancer loses the ones kube-vip wrote while it announced the Gateway's address.
   * Absent in records written before this field existed: then those annotations are removed.
   */
  kubeVipAnnotations?: Record<string, string | null>;
}

function serviceRef(svc: Service): string {
  return `${svc.metadata.namespace ?? ''}/${svc.metadata.name}`;
}

/** The record on a Service, undefined when it has none, or an error when the annotation is not a record we wrote. */
export function readUpdateRecord(svc: Service): UpdateRecord | undefined | InvalidUpdateRecordError {
  const text = svc.metadata.annotations?.[UPDATE_RECORD_ANNOTATION];
  if (text === undefined) return undefined;
  const fail = (reason: string) => new InvalidUpdateRecordError(serviceRef(svc), text, reason);
  let r: unknown;
  try {
    r = JSON.parse(text);
  } catch (e) {
    return fail(`not JSON (${(e as Error).message})`);
  }
  if (!isObj(r)) return fail('not a JSON object');
  if (r['version'] !== 1) return fail(`unknown version ${JSON.stringify(r['version'])}`);
  const gw = r['gateway'];
  if (!isObj(gw) || typeof gw['namespace'] !== 'string' || typeof gw['name'] !== 'string' || typeof gw['uid'] !== 'string')
    return fail('gateway must be {namespace, name, uid}');
  for (const flag of ['hadLabels', 'hadAnnotations', 'hadPorts'])
    if (typeof r[flag] !== 'boolean') return fail(`${flag} must be a boolean`);
  for (const map of ['labels', 'annotations']) {
    const m = r[map];
    if (!isObj(m) || !Object.values(m).every((v) => v === null || typeof v === 'string')) return fail(`${map} must map keys to strings or null`);
  }
  const spec = r['spec'];
  if (!isObj(spec) || !RECORDED_SPEC_FIELDS.every((f) => f in spec)) return fail(`spec must record ${RECORDED_SPEC_FIELDS.join(', ')}`);
  const isKey = (p: unknown) => isObj(p) && typeof p['port'] === 'number' && typeof p['protocol'] === 'string';
  if (!Array.isArray(r['addedPorts']) || !r['addedPorts'].every(isKey)) return fail('addedPorts must be a list of {port, protocol}');
  if (!Array.isArray(r['renamedPorts']) || !r['renamedPorts'].every((p) => isKey(p) && (p.name === null || typeof p.name === 'string')))
    return fail('renamedPorts must be a list of {port, protocol, name}');
  const kv = r['kubeVipAnnotations'];
  if (kv !== undefined && (!isObj(kv) || !Object.values(kv).every((v) => v === null || typeof v === 'string')))
    return fail('kubeVipAnnotations must map keys to strings or null');
  return r as unknown as UpdateRecord;
}

/** The annotation text for a record (deterministic). */
export function writeUpdateRecord(record: UpdateRecord): string {
  return stableStringify(record);
}

/** Result of adopting or restoring: the Service as it must become, or the problem that prevents it. */
export type AdoptionOutcome = { service: Service } | { problem: MappingProblem };

/**
 * `actual` changed as `adoption` asks, with every original value recorded (or the record of an earlier adoption by
 * the same Gateway extended). Applying it again to its own result changes nothing.
 */
export function adoptService(actual: Service, adoption: ServiceAdoption, gateway: GatewayIdentity): AdoptionOutcome {
  const ref = serviceRef(actual);
  const fail = (reason: MappingProblem['reason'], message: string): AdoptionOutcome => ({ problem: { severity: 'Error', reason, message } });
  if (actual.spec === undefined) return fail('InvalidInput', `Service ${ref} has no spec`);
  const existing = readUpdateRecord(actual);
  if (existing instanceof InvalidUpdateRecordError) return fail('InvalidUpdateRecord', `${existing.message}; remove the annotation only after restoring the Service by hand`);
  if (existing !== undefined && existing.gateway.uid !== gateway.uid)
    return fail(
      'ServiceAdoptedElsewhere',
      `Service ${ref} is already adopted by Gateway ${existing.gateway.namespace}/${existing.gateway.name} (update strategy); a Service can serve one Gateway in update mode`,
    );
  const record: UpdateRecord = existing ? structuredClone(existing) : freshRecord(actual, gateway);
  const after = structuredClone(actual);
  const spec = after.spec!;
  const meta = after.metadata;
  meta.labels ??= {};
  meta.annotations ??= {};

  syncMap(meta.labels, record.labels, adoption.labels, actual.metadata.labels ?? {});
  const wantedAnnotations = { ...adoption.annotations };
  for (const k of [UPDATE_RECORD_ANNOTATION, ...KUBE_VIP_WRITTEN_ANNOTATIONS]) delete wantedAnnotations[k];
  syncMap(meta.annotations, record.annotations, wantedAnnotations, actual.metadata.annotations ?? {});

  if (adoption.loadBalancerClass !== undefined && actual.spec.type === 'LoadBalancer' && actual.spec.loadBalancerClass !== adoption.loadBalancerClass)
    return fail(
      'StrategyCannotExpress',
      `Service ${ref} is a LoadBalancer with loadBalancerClass ${JSON.stringify(actual.spec.loadBalancerClass ?? '')}, which Kubernetes forbids changing to ${JSON.stringify(adoption.loadBalancerClass)}`,
    );
  spec.type = 'LoadBalancer';
  spec.externalTrafficPolicy = adoption.externalTrafficPolicy;
  // Only a Local LoadBalancer may have a health check node port; the original is recorded and comes back on restore.
  if (adoption.externalTrafficPolicy !== 'Local') delete spec['healthCheckNodePort'];
  if (adoption.loadBalancerClass !== undefined) spec.loadBalancerClass = adoption.loadBalancerClass;
  // Decided on the type before adoption (recorded), not the live one, which is LoadBalancer once adopted. A Service
  // the user made NodePort or LoadBalancer may have node ports in use outside the Gateway, so it keeps its setting.
  const originalType = record.spec.type ?? 'ClusterIP';
  if (adoption.allocateLoadBalancerNodePorts !== undefined && originalType !== 'NodePort' && originalType !== 'LoadBalancer')
    spec.allocateLoadBalancerNodePorts = adoption.allocateLoadBalancerNodePorts;

  const ports: ServicePort[] = (spec.ports = structuredClone(actual.spec.ports ?? []));
  const wanted = adoption.ports.map((p) => ({ ...p, protocol: p.protocol ?? 'TCP' }));
  const isWanted = (k: PortKey) => wanted.some((w) => same(w, k));
  record.addedPorts = record.addedPorts.filter((added) => {
    if (isWanted(added)) return true;
    const i = ports.findIndex((p) => same(keyOf(p), added));
    if (i >= 0) ports.splice(i, 1);
    return false;
  });
  for (const w of wanted) {
    const i = ports.findIndex((p) => same(keyOf(p), w));
    const isOurs = record.addedPorts.some((a) => same(a, w));
    if (i >= 0 && isOurs) {
      const updated: ServicePort = { ...ports[i]!, targetPort: w.targetPort ?? w.port };
      if (w.appProtocol !== undefined) updated.appProtocol = w.appProtocol;
      ports[i] = updated;
    } else if (i >= 0) {
      const target = ports[i]!.targetPort ?? ports[i]!.port;
      if (target !== (w.targetPort ?? w.port))
        return fail(
          'PortConflict',
          `Service ${ref} already has port ${w.port}/${w.protocol} forwarding to ${target}, not ${w.targetPort ?? w.port}; ports of the user's Service are never changed`,
        );
    } else {
      const added: ServicePort = { protocol: w.protocol, port: w.port, targetPort: w.targetPort ?? w.port };
      if (w.appProtocol !== undefined) added.appProtocol = w.appProtocol;
      ports.push(added);
      record.addedPorts.push({ port: w.port, protocol: w.protocol });
    }
  }
  // Kubernetes requires every port to be named once there are several: name the unnamed ones (recorded, restored).
  if (ports.length > 1) {
    const used = new Set(ports.map((p) => p.name ?? '').filter((n) => n !== ''));
    for (let i = 0; i < ports.length; i++) {
      const p = ports[i]!;
      if (p.name !== undefined && p.name !== '') continue;
      const name = portNameFor(keyOf(p), used);
      if (name === undefined) return fail('PortConflict', `Service ${ref}: no free name for port ${p.port}/${p.protocol ?? 'TCP'}`);
      used.add(name);
      if (!record.addedPorts.some((a) => same(a, keyOf(p))) && !record.renamedPorts.some((r) => same(r, keyOf(p))))
        record.renamedPorts.push({ ...keyOf(p), name: p.name ?? null });
      ports[i] = { ...p, name };
    }
  }
  meta.annotations[UPDATE_RECORD_ANNOTATION] = writeUpdateRecord(record);
  return { service: after };
}

/** `actual` with every recorded change undone and the record removed; unchanged when it carries no record. */
export function restoreService(actual: Service): AdoptionOutcome {
  const record = readUpdateRecord(actual);
  if (record instanceof InvalidUpdateRecordError)
    return { problem: { severity: 'Error', reason: 'InvalidUpdateRecord', message: `${record.message}; restore the Service by hand` } };
  if (record === undefined) return { service: actual };
  const after = structuredClone(actual);
  const meta = after.metadata;
  restoreMap((meta.labels ??= {}), record.labels);
  if (!record.hadLabels && Object.keys(meta.labels).length === 0) delete meta.labels;
  restoreMap((meta.annotations ??= {}), record.annotations);
  delete meta.annotations[UPDATE_RECORD_ANNOTATION];
  // kube-vip writes vipHost (hwaddr, requestedIP with DHCP) when it announces and never removes them; once the Service
  // is no LoadBalancer again nothing announces it, so they go back to what the user had. A Service given back as a
  // LoadBalancer is still kube-vip's to announce (its own address): its annotations stay kube-vip's.
  if (record.spec.type !== 'LoadBalancer')
    for (const key of KUBE_VIP_WRITTEN_ANNOTATIONS) {
      const original = record.kubeVipAnnotations?.[key] ?? null;
      if (original === null) delete meta.annotations[key];
      else meta.annotations[key] = original;
    }
  if (!record.hadAnnotations && Object.keys(meta.annotations).length === 0) delete meta.annotations;
  const spec = (after.spec ??= {});
  for (const field of RECORDED_SPEC_FIELDS) {
    const original = record.spec[field];
    if (original === null || original === undefined) delete spec[field];
    else spec[field] = structuredClone(original) as never;
  }
  if (spec.ports) {
    let ports = spec.ports.filter((p) => !record.addedPorts.some((a) => same(a, keyOf(p))));
    ports = ports.map((p) => {
      const renamed = record.renamedPorts.find((r) => same(r, keyOf(p)));
      if (renamed === undefined) return p;
      const q = { ...p };
      if (renamed.name === null) delete q.name;
      else q.name = renamed.name;
      return q;
    });
    // A ClusterIP Service may not keep the node ports the API server allocated while it was a LoadBalancer.
    const originalType = record.spec.type;
    if (originalType !== 'NodePort' && originalType !== 'LoadBalancer')
      ports = ports.map((p) => {
        if (p.nodePort === undefined) return p;
        const q = { ...p };
        delete q.nodePort;
        return q;
      });
    if (ports.length === 0 && !record.hadPorts) delete spec.ports;
    else spec.ports = ports;
  }
  return { service: after };
}

/** Which of the two writes of a give-back an outcome is (see giveBackService). */
export type GiveBackStep = 'withdraw' | 'restore';

/** Result of a give-back: the Service as the next write must make it and which step that is, or the problem. */
export type GiveBackOutcome = { service: Service; step: GiveBackStep } | { problem: MappingProblem };

/**
 * The next write in giving an adopted Service back, in two steps. kube-vip v1.0.0 ignores every event of a Service that
 * is not a LoadBalancer, so a Service restored straight to ClusterIP keeps the Gateway's address on the node's
 * interface, answering ARP, until kube-vip restarts (measured on the data plane). So, first `withdraw`: the Service
 * stays an adopted LoadBalancer and `kube-vip.io/loadbalancerIPs` becomes "", an address change, on which kube-vip
 * removes the address it announced for the Service (also measured). Then, once the live Service shows that write,
 * `restore` (restoreService). Both states live in the Service itself (the record stays until the restore), so a
 * crash between the two writes still ends in the restore, and an adoption in between simply re-adopts.
 *
 * The restore need not wait for kube-vip: kube-vip v1.0.0 handles Service watch events one at a time, in order, in one
 * loop (pkg/services/watch_services.go), and on an address change cancels the announcement and waits for it to end
 * before it takes the next event (pkg/services/processor.go AddOrModify), so it sees the withdrawal before the type
 * change. A Service that is not a LoadBalancer any more (changed by hand) is restored at once: kube-vip ignores it.
 *
 * Only the annotation changes; the label `implementation: kube-vip` stays. kube-vip-cloud-provider v0.0.12 reacts to
 * the annotation change and, the value being empty, tries to allocate an address for the Service, but it first parses
 * the addresses of every Service so labelled in scope, this one included, and "" does not parse: the allocation fails
 * (and is retried with the service controller's backoff) until the restore removes annotation and label (source:
 * its pkg/provider/loadBalancer.go syncLoadBalancer, parseAddrList). Other allocations in that scope fail meanwhile too.
 */
export function giveBackService(actual: Service): GiveBackOutcome {
  const record = readUpdateRecord(actual);
  if (record instanceof InvalidUpdateRecordError || record === undefined || !needsWithdrawal(actual)) {
    const outcome = restoreService(actual);
    return 'problem' in outcome ? outcome : { service: outcome.service, step: 'restore' };
  }
  const after = structuredClone(actual);
  after.metadata.annotations = { ...after.metadata.annotations, [LOADBALANCER_IPS_ANNOTATION]: '' };
  return { service: after, step: 'withdraw' };
}

/** True while kube-vip may still announce an address for the live Service: a LoadBalancer whose address list is not "". */
function needsWithdrawal(actual: Service): boolean {
  return actual.spec?.type === 'LoadBalancer' && actual.metadata.annotations?.[LOADBALANCER_IPS_ANNOTATION] !== '';
}

function freshRecord(actual: Service, gateway: GatewayIdentity): UpdateRecord {
  const spec = actual.spec ?? {};
  const original = {} as Record<RecordedSpecField, unknown>;
  for (const f of RECORDED_SPEC_FIELDS) original[f] = spec[f] === undefined ? null : structuredClone(spec[f]);
  return {
    version: 1,
    gateway: { ...gateway },
    hadLabels: actual.metadata.labels !== undefined,
    hadAnnotations: actual.metadata.annotations !== undefined,
    hadPorts: spec.ports !== undefined,
    labels: {},
    annotations: {},
    spec: original,
    addedPorts: [],
    renamedPorts: [],
    kubeVipAnnotations: Object.fromEntries(KUBE_VIP_WRITTEN_ANNOTATIONS.map((k) => [k, actual.metadata.annotations?.[k] ?? null])),
  };
}

/** Makes `target` hold `wanted`, recording originals of newly set keys and restoring keys no longer wanted. */
function syncMap(
  target: Record<string, string>,
  recorded: Record<string, string | null>,
  wanted: Readonly<Record<string, string>>,
  original: Readonly<Record<string, string>>,
): void {
  for (const key of Object.keys(recorded)) {
    if (key in wanted) continue;
    const value = recorded[key];
    if (value === null || value === undefined) delete target[key];
    else target[key] = value;
    delete recorded[key];
  }
  for (const [key, value] of Object.entries(wanted)) {
    if (!(key in recorded)) recorded[key] = original[key] ?? null;
    target[key] = value;
  }
}

function restoreMap(target: Record<string, string>, recorded: Record<string, string | null>): void {
  for (const [key, value] of Object.entries(recorded)) {
    if (value === null) delete target[key];
    else target[key] = value;
  }
}

function portNameFor(key: PortKey, used: Set<string>): string | undefined {
  const proto = key.protocol.toLowerCase();
  for (const candidate of [`${proto}-${key.port}`, `gw-${proto}-${key.port}`, `kvgw-${proto}-${key.port}`])
    if (isPortName(candidate) && !used.has(candidate)) return candidate;
  for (let i = 0; i < 1000; i++) {
    const candidate = `p${key.port}-${i}`;
    if (!used.has(candidate)) return candidate;
  }
  return undefined;
}

function keyOf(p: ServicePort): PortKey {
  return { port: p.port, protocol: p.protocol ?? 'TCP' };
}

function same(a: PortKey, b: PortKey): boolean {
  return a.port === b.port && a.protocol === b.protocol;
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
