// The minimal set of writes that turns the actual objects into the desired ones. Only fields we own are compared and
// patched; everything the API server allocates (clusterIP(s), node ports, defaults), everything kube-vip writes
// (status, kube-vip.io/vipHost, hwaddr, requestedIP) and every key others add is left alone. Only objects we own
// (our labels AND a controller owner reference to this Gateway) are ever deleted; a user's Service never is.
import { boundedLabelValue, type EndpointSlice, type KubeObject, type Service, type ServicePort } from '@kube-vip-gw/gateway-model';
import { GATEWAY_NAME_LABEL, KUBE_VIP_WRITTEN_ANNOTATIONS, LOADBALANCER_IPS_ANNOTATION, OWNED_METADATA_ANNOTATION, SERVICE_NAME_LABEL, UPDATE_RECORD_ANNOTATION } from './constants.js';
import { InvalidUpdateRecordError } from './errors.js';
import { isGenerated, isOwnedBy, readOwnedKeys } from './internal/owned.js';
import { createMergePatch, isEmptyPatch, jsonEqual, type JsonObject } from '@kube-vip-gw/kube-core';
import type { GatewayDesired, GatewayIdentity, MappingProblem } from './types.js';
import { adoptService, giveBackService, readUpdateRecord } from './update-record.js';

/** The objects the controller found for a Gateway: ours by label, plus the user Services that `update` targets or adopted. */
export interface ActualObjects {
  services: readonly Service[];
  endpointSlices: readonly EndpointSlice[];
}

/** Identifies one object to write or delete. */
export interface ObjectRef {
  apiVersion: string;
  kind: 'Service' | 'EndpointSlice';
  namespace: string;
  name: string;
  /** uid of the live object, as a delete precondition. */
  uid?: string;
}

/** A change to an existing object. */
export interface ObjectPatch extends ObjectRef {
  /**
   * update: an object we own; adopt: a user's Service taken over by `update`; withdraw: the first write of giving it
   * back (still a LoadBalancer, `kube-vip.io/loadbalancerIPs: ""`, so kube-vip removes the address); restore: the
   * second, exact restore, planned once `actual` shows the withdrawal.
   */
  reason: 'update' | 'adopt' | 'withdraw' | 'restore';
  /** JSON merge patch (application/merge-patch+json); carries metadata.resourceVersion as an optimistic lock. */
  patch: JsonObject;
  /** The whole object after the patch (for clients that update rather than patch, and for tests). */
  after: Service | EndpointSlice;
}

/** An object to delete and create again because a field Kubernetes makes immutable must change. */
export interface ObjectReplacement {
  existing: ObjectRef;
  desired: Service | EndpointSlice;
  why: string;
}

/** A problem found while planning, tied to the object it concerns. */
export interface PlanProblem extends MappingProblem {
  object: ObjectRef;
}

/** A delete (or replacement) the plan holds back until kube-vip has finished with the Service (see PlanOptions). */
export interface DeferredWrite {
  object: ObjectRef;
  why: string;
  /** When the hold ends at the latest (ms since epoch): the Service's creation plus `settleTimeoutMs`. */
  untilMs: number;
}

/** What to write, in order: create, patch, replace (delete then create), delete. Empty when nothing changed. */
export interface ChangePlan {
  create: (Service | EndpointSlice)[];
  patch: ObjectPatch[];
  replace: ObjectReplacement[];
  delete: ObjectRef[];
  problems: PlanProblem[];
  /** Deletes held back for now: not writes; plan again once kube-vip wrote the Services' status, or at `untilMs`. */
  deferred: DeferredWrite[];
}

/** True when the plan makes no write (problems may still need reporting; deferred deletes are not writes yet). */
export function isEmptyPlan(plan: ChangePlan): boolean {
  return plan.create.length + plan.patch.length + plan.replace.length + plan.delete.length === 0;
}

/**
 * How long a Service kube-vip has not written the status of yet is kept at most (from its creation): kube-vip settles
 * a Service within a second when idle; this bounds the wait for one it ignores (another loadBalancerClass) or a
 * kube-vip that is down.
 */
export const DEFAULT_KUBE_VIP_SETTLE_TIMEOUT_MS = 30_000;

/** Options of planChanges/planRelease. */
export interface PlanOptions {
  /**
   * Set when a kube-vip watches Services in the cluster (its services Lease is current). Then no Service of ours is
   * deleted or replaced before kube-vip has written its status (`status.loadBalancer.ingress` lists every address the
   * Service carries), and a Service handing its ports over to another one goes only once the successor's status shows
   * it announced. Why: kube-vip v1.0.0 writes a new Service's status in `Processor.updateStatus`
   * (pkg/services/services.go), called from `addService` inside its one Service watch loop (`ServicesWatcher` ->
   * `AddOrModify` -> `SyncServices`, pkg/services/watch_services.go and processor.go), holding the processor's mutex,
   * and retries *every* error there 3,000 times 10 ms apart (`retry.OnError(..., func(error) bool { return true },
   * ...)`). A Service deleted before or while that runs fails each attempt (409 "StorageError: invalid object",
   * then NotFound): measured 59-73 s during which kube-vip handled no other Service event, and every Service deleted
   * meanwhile cost the same again. `nowMs` is the caller's clock (this package reads none); a Service older than
   * `settleTimeoutMs` is deleted anyway.
   */
  kubeVip?: { nowMs: number; settleTimeoutMs?: number };
}

/**
 * True when kube-vip v1.0.0 is done with this Service (or will never take it up), so deleting it cannot catch its
 * status update: not a LoadBalancer, no address, `kube-vip.io/ignore`, or its status lists every address it carries.
 */
export function kubeVipSettled(svc: Service): boolean {
  if (svc.spec?.type !== 'LoadBalancer') return true;
  if (svc.metadata.annotations?.['kube-vip.io/ignore'] === 'true') return true;
  const wanted = (svc.metadata.annotations?.[LOADBALANCER_IPS_ANNOTATION] ?? '').split(',').map((a) => a.trim()).filter(Boolean);
  if (wanted.length === 0) return true;
  const ingress = new Set((svc.status?.loadBalancer?.ingress ?? []).map((i) => i.ip));
  return wanted.every((a) => ingress.has(a));
}

/** Spec fields we own on our Services even when the desired object omits them (so they are removed). */
const OWNED_ABSENT_SPEC_FIELDS = ['selector'] as const;

/** The writes that make `actual` match `desired` for one Gateway; see the module comment for what is never touched. */
export function planChanges(desired: GatewayDesired, actual: ActualObjects, options: PlanOptions = {}): ChangePlan {
  const gw = desired.gateway;
  const plan: ChangePlan = { create: [], patch: [], replace: [], delete: [], problems: [], deferred: [] };
  const unsettled = unsettledCheck(options);
  const actualServices = indexByKey(actual.services);
  const actualSlices = indexByKey(actual.endpointSlices);

  const planOwned = <T extends Service | EndpointSlice>(kind: 'Service' | 'EndpointSlice', wanted: readonly T[], index: Map<string, T>) => {
    for (const d of wanted) {
      const a = index.get(keyOf(d));
      if (a === undefined) {
        plan.create.push(structuredClone(d));
        continue;
      }
      if (a.metadata.deletionTimestamp !== undefined) continue; // being deleted: create it again once it is gone
      if (!isOwnedBy(a, gw)) {
        plan.problems.push({
          severity: 'Error',
          reason: 'NameConflict',
          message: `${kind} ${keyOf(a)} exists but is not owned by Gateway ${gw.namespace}/${gw.name}; it is left alone and the listener is not served`,
          object: refOf(kind, a),
        });
        continue;
      }
      const why = kind === 'Service' ? immutableServiceChange(a as Service, d as Service) : immutableSliceChange(a as EndpointSlice, d as EndpointSlice);
      if (why !== undefined) {
        const hold = kind === 'Service' ? unsettled(a as Service) : undefined;
        if (hold !== undefined) plan.deferred.push({ object: refOf(kind, a), why: `replace (${why}) once kube-vip has written its status (${STALL_NOTE})`, untilMs: hold.untilMs });
        else plan.replace.push({ existing: refOf(kind, a), desired: structuredClone(d), why });
        continue;
      }
      if (ownedFieldsMatch(a, d)) continue; // the idle path: no clone, no diff
      const after = kind === 'Service' ? mergeOwnedService(a as Service, d as Service) : mergeOwnedSlice(a as EndpointSlice, d as EndpointSlice);
      pushPatch(plan, kind, 'update', a, after);
    }
  };
  const handOver = handOverCheck(desired, actual, actualServices, actualSlices, unsettled);
  planOwned('Service', desired.services.map((d) => handOver.withHeldPorts(d)), actualServices);
  planOwned('EndpointSlice', desired.endpointSlices, actualSlices);

  const adopted = new Set<string>();
  for (const adoption of desired.adoptions) {
    const key = `${adoption.namespace}/${adoption.name}`;
    adopted.add(key);
    const ref: ObjectRef = { apiVersion: 'v1', kind: 'Service', namespace: adoption.namespace, name: adoption.name };
    const a = actualServices.get(key);
    if (a === undefined) {
      plan.problems.push({ severity: 'Error', reason: 'AdoptedServiceNotFound', message: `Service ${key} to adopt (update strategy) was not found`, object: ref });
      continue;
    }
    if (isGenerated(a)) {
      plan.problems.push({
        severity: 'Error',
        reason: 'AdoptionConflict',
        message: `Service ${key} was generated for a Gateway; the update strategy only adopts users' Services`,
        object: refOf('Service', a),
      });
      continue;
    }
    const outcome = adoptService(a, adoption, gw);
    if ('problem' in outcome) plan.problems.push({ ...outcome.problem, object: refOf('Service', a) });
    else pushPatch(plan, 'Service', 'adopt', a, outcome.service);
  }

  const wantedKeys = new Set([...desired.services, ...desired.endpointSlices].map((o) => `${o.kind}:${keyOf(o)}`));
  // Services kept (with their slices) because a port they carry has not reached its new Service yet.
  const held = new Set<string>();
  for (const a of actual.services) {
    if (wantedKeys.has(`Service:${keyOf(a)}`) || a.metadata.deletionTimestamp !== undefined || !isOwnedBy(a, gw)) continue;
    if (!handOver.mayGo(a)) {
      held.add(keyOf(a));
      const wait = handOver.waitingFor(a);
      if (wait !== undefined) plan.deferred.push({ object: refOf('Service', a), why: `delete once kube-vip announces Service ${wait.service}, which takes its ports over`, untilMs: wait.untilMs });
      continue;
    }
    // Its slices stay with it: kube-proxy keeps forwarding through it until it goes.
    const hold = unsettled(a);
    if (hold !== undefined) {
      held.add(keyOf(a));
      plan.deferred.push({ object: refOf('Service', a), why: `delete once kube-vip has written its status (${STALL_NOTE})`, untilMs: hold.untilMs });
    }
  }
  for (const [kind, list] of [['EndpointSlice', actual.endpointSlices], ['Service', actual.services]] as const) {
    for (const a of list) {
      if (wantedKeys.has(`${kind}:${keyOf(a)}`) || a.metadata.deletionTimestamp !== undefined) continue;
      if (kind === 'Service' ? held.has(keyOf(a)) : held.has(`${a.metadata.namespace ?? ''}/${a.metadata.labels?.[SERVICE_NAME_LABEL]}`) || handOver.sliceHeld(a as EndpointSlice)) continue;
      if (isOwnedBy(a, gw)) plan.delete.push(refOf(kind, a));
    }
  }
  for (const a of actual.services) {
    if (adopted.has(keyOf(a))) continue;
    if (!handOver.mayGo(a)) continue; // given back once the Service that takes its port over carries it
    const record = readUpdateRecord(a);
    if (record === undefined) continue;
    if (record instanceof InvalidUpdateRecordError) {
      // Only report a broken record when it could be ours: labelled for this Gateway.
      if (isLabelledFor(a, gw))
        plan.problems.push({ severity: 'Error', reason: 'InvalidUpdateRecord', message: `${record.message}; restore the Service by hand`, object: refOf('Service', a) });
      continue;
    }
    if (record.gateway.uid !== gw.uid) continue;
    const outcome = giveBackService(a);
    if ('problem' in outcome) plan.problems.push({ ...outcome.problem, object: refOf('Service', a) });
    else pushPatch(plan, 'Service', outcome.step, a, outcome.service);
  }
  return plan;
}

/**
 * Everything to undo when a Gateway goes away (run it under a finalizer before the Gateway is deleted): delete the
 * objects it owns (garbage collection would too) and restore every user Service it adopted (nothing else would). A
 * give-back takes two plans (withdraw, then restore; see giveBackService): keep the finalizer while a plan has
 * writes (hasPendingGiveBack).
 */
export function planRelease(gateway: GatewayIdentity, actual: ActualObjects, options: PlanOptions = {}): ChangePlan {
  return planChanges({ gateway, services: [], endpointSlices: [], adoptions: [], listeners: [], problems: [], gatewayProblems: [] }, actual, options);
}

/** True when the plan holds a delete back: plan again once kube-vip wrote the Services' status, or at the earliest `untilMs`. */
export function hasDeferredWrites(plan: ChangePlan): boolean {
  return plan.deferred.length > 0;
}

/** A Service kube-vip has not written the status of yet (key namespace/name), and when the wait for it ends. */
type Hold = { service: string; untilMs: number };

const STALL_NOTE = "deleting it before would stall kube-vip v1.0.0's status retry";

/** With options.kubeVip: why a Service may not be deleted yet (kube-vip has not written its status), else undefined. */
function unsettledCheck(options: PlanOptions): (svc: Service) => Hold | undefined {
  const kv = options.kubeVip;
  if (kv === undefined) return () => undefined;
  const timeout = kv.settleTimeoutMs ?? DEFAULT_KUBE_VIP_SETTLE_TIMEOUT_MS;
  return (svc) => {
    if (kubeVipSettled(svc)) return undefined;
    const created = Date.parse(svc.metadata.creationTimestamp ?? '');
    // No creation time: not from an API server; nothing to bound the wait by, so no wait.
    if (!Number.isFinite(created) || kv.nowMs >= created + timeout) return undefined;
    return { service: keyOf(svc), untilMs: created + timeout };
  };
}

/** True when the plan withdraws an address from an adopted Service, so another plan must follow with its restore. */
export function hasPendingGiveBack(plan: ChangePlan): boolean {
  return plan.patch.some((p) => p.reason === 'withdraw');
}

/** The hand-over rules of one plan (see handOverCheck). */
interface HandOver {
  /** True when a Service we no longer want may be deleted or given back now. */
  mayGo(old: Service): boolean;
  /** `desired` plus the ports the live Service still carries for a Service that does not carry them yet. */
  withHeldPorts(desired: Service): Service;
  /** True for a slice of ours kept because the port it serves is held on its Service. */
  sliceHeld(slice: EndpointSlice): boolean;
  /** Why `old` waits (mayGo false) only on kube-vip announcing its successor, with the latest end of that wait. */
  waitingFor(old: Service): Hold | undefined;
}

/**
 * The hand-over rules: a Service (ours to delete or patch, or a user's to give back) keeps a port (port and protocol)
 * that another desired Service or adoption of this Gateway takes over until the actual state shows that Service
 * carrying the port, with all its desired EndpointSlices in place; the EndpointSlices serving a kept port stay too. So
 * an upgrade from per-listener Services to the Gateway Service, or any strategy change, takes two reconciles: the new
 * Service first, the old one (or the old port) once the new one carries it. kube-vip keeps announcing the address while
 * any Service has it, and kube-proxy keeps forwarding through the old Service meanwhile: whatever order the writes are
 * applied in, there is no moment without a Service for the port.
 */
function handOverCheck(
  desired: GatewayDesired,
  actual: ActualObjects,
  actualServices: ReadonlyMap<string, Service>,
  actualSlices: ReadonlyMap<string, EndpointSlice>,
  unsettled: (svc: Service) => Hold | undefined,
): HandOver {
  const portKey = (p: ServicePort) => `${p.protocol ?? 'TCP'}/${p.port}`;
  // port -> the key of the desired Service (or adopted Service) that is to carry it
  const home = new Map<string, string>();
  for (const s of desired.services) for (const p of s.spec?.ports ?? []) home.set(portKey(p), keyOf(s));
  for (const a of desired.adoptions) for (const p of a.ports) if (!home.has(portKey(p))) home.set(portKey(p), `${a.namespace}/${a.name}`);
  if (home.size === 0 || actual.services.length === 0) return { mayGo: () => true, withHeldPorts: (d) => d, sliceHeld: () => false, waitingFor: () => undefined };
  const slicesWanted = new Map<string, string[]>();
  for (const s of desired.endpointSlices) {
    const key = `${s.metadata.namespace ?? ''}/${s.metadata.labels?.[SERVICE_NAME_LABEL]}`;
    slicesWanted.set(key, [...(slicesWanted.get(key) ?? []), keyOf(s)]);
  }
  // In place on the API server: the Service has the port and all its desired slices.
  const inPlace = (key: string, port: string): boolean => {
    const live = actualServices.get(key);
    if (live === undefined || live.metadata.deletionTimestamp !== undefined || live.spec?.type !== 'LoadBalancer') return false;
    if (!(live.spec?.ports ?? []).some((p) => portKey(p) === port)) return false;
    return (slicesWanted.get(key) ?? []).every((k) => actualSlices.has(k));
  };
  // ...and, with a kube-vip watching, announced by it (its status written), so the old Service goes after the new
  // one is announced and never while kube-vip is still taking either of them up (see PlanOptions.kubeVip).
  const carries = (key: string, port: string): boolean => inPlace(key, port) && unsettled(actualServices.get(key)!) === undefined;
  /** Ports of a live Service that another Service takes over and does not carry yet. */
  const notHandedOver = (live: Service, except: ReadonlySet<string> = new Set()): ServicePort[] => {
    if (live.spec?.type !== 'LoadBalancer') return [];
    return (live.spec?.ports ?? []).filter((p) => {
      const target = home.get(portKey(p));
      return !except.has(portKey(p)) && target !== undefined && target !== keyOf(live) && !carries(target, portKey(p));
    });
  };
  const heldPortNames = new Map<string, Set<string>>();
  return {
    mayGo: (old) => notHandedOver(old).length === 0,
    waitingFor(old) {
      const ports = notHandedOver(old);
      if (ports.length === 0 || !ports.every((p) => inPlace(home.get(portKey(p))!, portKey(p)))) return undefined;
      const holds = ports.map((p) => unsettled(actualServices.get(home.get(portKey(p))!)!)).filter((h): h is Hold => h !== undefined);
      return holds.length === 0 ? undefined : { service: holds[0]!.service, untilMs: Math.min(...holds.map((h) => h.untilMs)) };
    },
    withHeldPorts(d) {
      const live = actualServices.get(keyOf(d));
      if (live === undefined) return d;
      const held = notHandedOver(live, new Set((d.spec?.ports ?? []).map(portKey)));
      if (held.length === 0) return d;
      heldPortNames.set(keyOf(d), new Set(held.map((p) => p.name ?? '')));
      const kept = structuredClone(d);
      kept.spec!.ports = [...(kept.spec?.ports ?? []), ...held.map(({ nodePort: _nodePort, ...p }) => p)];
      return kept;
    },
    sliceHeld(slice) {
      const names = heldPortNames.get(`${slice.metadata.namespace ?? ''}/${slice.metadata.labels?.[SERVICE_NAME_LABEL]}`);
      return names !== undefined && (slice.ports ?? []).some((p) => names.has(p.name ?? ''));
    },
  };
}

function pushPatch(plan: ChangePlan, kind: 'Service' | 'EndpointSlice', reason: ObjectPatch['reason'], a: Service | EndpointSlice, after: Service | EndpointSlice) {
  const patch = createMergePatch(a as unknown as Record<string, unknown>, after as unknown as Record<string, unknown>);
  if (isEmptyPatch(patch)) return;
  if (a.metadata.resourceVersion !== undefined) {
    const meta = (patch['metadata'] ??= {}) as JsonObject;
    meta['resourceVersion'] = a.metadata.resourceVersion;
  }
  plan.patch.push({ ...refOf(kind, a), reason, patch, after });
}

/** The addresses a Service asks kube-vip for (kube-vip.io/loadbalancerIPs, else spec.loadBalancerIP), sorted. */
function askedAddresses(svc: Service): string[] {
  const annotated = (svc.metadata.annotations?.[LOADBALANCER_IPS_ANNOTATION] ?? '').split(',').map((a) => a.trim()).filter(Boolean);
  const listed = annotated.length > 0 ? annotated : [svc.spec?.loadBalancerIP ?? ''].filter(Boolean);
  return [...new Set(listed)].sort();
}

function immutableServiceChange(a: Service, d: Service): string | undefined {
  const aSpec = a.spec ?? {};
  const dSpec = d.spec ?? {};
  if (aSpec.type === 'LoadBalancer' && (aSpec.loadBalancerClass ?? '') !== (dSpec.loadBalancerClass ?? ''))
    return `spec.loadBalancerClass changes from ${JSON.stringify(aSpec.loadBalancerClass ?? '')} to ${JSON.stringify(dSpec.loadBalancerClass ?? '')} and cannot be changed in place`;
  const aPrimary = aSpec.ipFamilies?.[0];
  const dPrimary = dSpec.ipFamilies?.[0];
  if (aPrimary !== undefined && dPrimary !== undefined && aPrimary !== dPrimary)
    return `the primary IP family changes from ${aPrimary} to ${dPrimary} and cannot be changed in place`;
  // kube-vip v1.0.0 does not follow an address change in place: on the Modified event of an active Service whose
  // addresses differ, Processor.AddOrModify (pkg/services/processor.go) cancels and deletes its load balancer ("The load
  // balancer has changed, cancelling original load balancer"), but its local service context still says active, so
  // the new address is not taken up (measured on the data plane: nothing announced after a yield). A new Service is.
  // Only from one address set to another: an empty one (delegated IPAM before kube-vip-cloud-provider wrote it) is
  // filled in place.
  const before = askedAddresses(a);
  const after = askedAddresses(d);
  if (aSpec.type === 'LoadBalancer' && before.length > 0 && after.length > 0 && before.join(',') !== after.join(','))
    return `the address changes from ${before.join(', ')} to ${after.join(', ')}, which kube-vip v1.0.0 does not follow in place`;
  return undefined;
}

function immutableSliceChange(a: EndpointSlice, d: EndpointSlice): string | undefined {
  return a.addressType !== d.addressType ? `addressType changes from ${a.addressType} to ${d.addressType} and cannot be changed in place` : undefined;
}

/**
 * A cheap, conservative check that an owned object needs no patch: true only when every field we own already has the
 * desired value and the keys we own are the same as last time (so nothing is to be removed). False sends the object
 * down the exact path (merge, then diff), which may still find nothing to do.
 */
function ownedFieldsMatch(a: Service | EndpointSlice, d: Service | EndpointSlice): boolean {
  const am = a.metadata;
  const dm = d.metadata;
  if (am.annotations?.[OWNED_METADATA_ANNOTATION] !== dm.annotations?.[OWNED_METADATA_ANNOTATION]) return false;
  if (am.annotations?.[UPDATE_RECORD_ANNOTATION] !== undefined) return false;
  for (const field of ['labels', 'annotations'] as const)
    for (const [k, v] of Object.entries(dm[field] ?? {})) if (am[field]?.[k] !== v) return false;
  for (const ref of dm.ownerReferences ?? []) if (!(am.ownerReferences ?? []).some((r) => jsonEqual({ ...r, ...ref }, r))) return false;
  if (d.kind === 'EndpointSlice') {
    const as = a as EndpointSlice;
    const ds = d as EndpointSlice;
    return jsonEqual(as.ports, ds.ports) && jsonEqual(as.endpoints, ds.endpoints);
  }
  const aSpec = (a as Service).spec ?? {};
  const dSpec = (d as Service).spec ?? {};
  for (const field of OWNED_ABSENT_SPEC_FIELDS) if (!(field in dSpec) && aSpec[field] !== undefined) return false;
  for (const [field, value] of Object.entries(dSpec)) {
    if (field === 'ports') {
      const live = (aSpec.ports ?? []).map(({ nodePort: _nodePort, ...rest }) => rest);
      if (!jsonEqual(live, value)) return false;
    } else if (!jsonEqual(aSpec[field], value)) return false;
  }
  return true;
}

/** `a` with our labels/annotations synced (keys we set before but not now removed; others' keys kept) and owner set. */
function mergeOwnedMetadata<T extends KubeObject>(a: T, d: T): T {
  const after = structuredClone(a);
  const before = readOwnedKeys(a);
  const protectedKeys = new Set<string>(KUBE_VIP_WRITTEN_ANNOTATIONS);
  const sync = (field: 'labels' | 'annotations', previouslyOwned: string[]) => {
    const wanted = d.metadata[field] ?? {};
    const current = (after.metadata[field] ??= {});
    for (const k of previouslyOwned) if (!(k in wanted) && !protectedKeys.has(k)) delete current[k];
    for (const [k, v] of Object.entries(wanted)) if (!protectedKeys.has(k)) current[k] = v;
  };
  sync('labels', before.labels);
  sync('annotations', [...before.annotations, OWNED_METADATA_ANNOTATION]);
  delete after.metadata.annotations?.[UPDATE_RECORD_ANNOTATION];
  const refs = after.metadata.ownerReferences ?? [];
  for (const ref of d.metadata.ownerReferences ?? []) {
    const i = refs.findIndex((r) => r.uid === ref.uid);
    if (i >= 0) refs[i] = { ...refs[i]!, ...ref };
    else refs.push({ ...ref });
  }
  after.metadata.ownerReferences = refs;
  return after;
}

function mergeOwnedService(a: Service, d: Service): Service {
  const after = mergeOwnedMetadata(a, d);
  const spec = (after.spec ??= {});
  const dSpec = d.spec ?? {};
  for (const field of OWNED_ABSENT_SPEC_FIELDS) if (!(field in dSpec)) delete spec[field];
  for (const [field, value] of Object.entries(dSpec)) {
    if (value === undefined) continue;
    spec[field] = field === 'ports' ? withAllocatedNodePorts(value as ServicePort[], a.spec?.ports ?? []) : structuredClone(value);
  }
  return after;
}

/** Desired ports keeping the node ports the API server allocated for the same port and protocol. */
function withAllocatedNodePorts(wanted: readonly ServicePort[], actual: readonly ServicePort[]): ServicePort[] {
  return wanted.map((p) => {
    const live = actual.find((q) => q.port === p.port && (q.protocol ?? 'TCP') === (p.protocol ?? 'TCP'));
    return live?.nodePort !== undefined ? { ...p, nodePort: live.nodePort } : { ...p };
  });
}

function mergeOwnedSlice(a: EndpointSlice, d: EndpointSlice): EndpointSlice {
  const after = mergeOwnedMetadata(a, d);
  after.endpoints = structuredClone(d.endpoints);
  if (d.ports !== undefined) after.ports = structuredClone(d.ports);
  else delete after.ports;
  return after;
}

function isLabelledFor(obj: KubeObject, gw: GatewayIdentity): boolean {
  return obj.metadata.labels?.[GATEWAY_NAME_LABEL] === boundedLabelValue(gw.name);
}

function keyOf(o: KubeObject): string {
  return `${o.metadata.namespace ?? ''}/${o.metadata.name}`;
}

function indexByKey<T extends KubeObject>(list: readonly T[]): Map<string, T> {
  return new Map(list.map((o) => [keyOf(o), o]));
}

function refOf(kind: 'Service' | 'EndpointSlice', o: KubeObject): ObjectRef {
  const ref: ObjectRef = {
    apiVersion: kind === 'Service' ? 'v1' : 'discovery.k8s.io/v1',
    kind,
    namespace: o.metadata.namespace ?? '',
    name: o.metadata.name,
  };
  if (o.metadata.uid !== undefined) ref.uid = o.metadata.uid;
  return ref;
}
