// Backend resolution for TCPRoute/UDPRoute rules: Service backends only, port required and present on the Service
// with the route's protocol, cross-namespace references only with a ReferenceGrant, weights (0 = no traffic).
import type { ConditionInput } from './conditions.js';
import { CORE_GROUP, GATEWAY_API_GROUP, Kind, MAX_BACKEND_WEIGHT, RouteConditionType, RouteReason } from './constants.js';
import { defaultBackendRef, type DefaultedBackendRef } from './defaults.js';
import { backendProtocolOf } from './kinds.js';
import type { L4Route, L4RouteKind, ReferenceGrant, Service, ServicePort } from './types.js';

/** A backend that traffic may go to: the Service, the matching port, and the (sanitised) weight. */
export interface ResolvedBackend {
  ref: DefaultedBackendRef;
  service: Service;
  port: ServicePort;
  weight: number;
}

/** One backendRef's outcome: resolved, or the ResolvedRefs reason and message saying why not. */
export type BackendOutcome =
  | { ok: true; backend: ResolvedBackend }
  | { ok: false; ref: DefaultedBackendRef; reason: string; message: string };

/** All backendRefs of the served rule of a route, resolved. */
export interface BackendResolution {
  /** One entry per backendRef of the served rule, in order. */
  outcomes: BackendOutcome[];
  /** Resolved backends with weight > 0: where traffic goes. */
  backends: ResolvedBackend[];
  /**
   * Sum of the weights of unresolvable backendRefs: that share of connections must be rejected ("connection
   * rejections must respect weight"), so a mapper that can express weights should send it nowhere.
   */
  rejectedWeight: number;
  /** The route parent's ResolvedRefs condition. */
  resolvedRefs: ConditionInput;
  /** PartiallyInvalid=True when rules were dropped (a v1alpha2 route with several rules), else undefined. */
  partiallyInvalid: ConditionInput | undefined;
}

/** Indexes for resolution: Services by "namespace/name" and ReferenceGrants by namespace. */
export interface BackendIndex {
  services: ReadonlyMap<string, Service>;
  referenceGrants: ReadonlyMap<string, readonly ReferenceGrant[]>;
}

/** Builds the lookup maps resolveBackends needs from plain lists. */
export function indexBackends(services: readonly Service[], referenceGrants: readonly ReferenceGrant[]): BackendIndex {
  const byName = new Map<string, Service>();
  for (const s of services) byName.set(`${s.metadata.namespace ?? ''}/${s.metadata.name}`, s);
  const grants = new Map<string, ReferenceGrant[]>();
  for (const g of referenceGrants) {
    const ns = g.metadata.namespace ?? '';
    const list = grants.get(ns) ?? [];
    list.push(g);
    grants.set(ns, list);
  }
  return { services: byName, referenceGrants: grants };
}

/**
 * True when a ReferenceGrant in the Service's namespace lets `routeKind` routes in `routeNamespace` refer to the
 * Service `serviceName` (a `to` entry without a name covers every Service in the namespace).
 */
export function isReferenceGranted(
  grants: readonly ReferenceGrant[],
  routeKind: L4RouteKind,
  routeNamespace: string,
  serviceName: string,
): boolean {
  return grants.some(
    (g) =>
      Array.isArray(g.spec?.from) &&
      Array.isArray(g.spec?.to) &&
      g.spec.from.some((f) => f.group === GATEWAY_API_GROUP && f.kind === routeKind && f.namespace === routeNamespace) &&
      g.spec.to.some((t) => (t.group ?? CORE_GROUP) === CORE_GROUP && t.kind === Kind.Service && (t.name === undefined || t.name === '' || t.name === serviceName)),
  );
}


/** Weights outside 0..1,000,000 or not integers are rejected by the API server; we clamp so a hand-made object cannot skew the others. */
function sanitiseWeight(weight: unknown): number {
  if (typeof weight !== 'number' || !Number.isFinite(weight)) return 1;
  return Math.min(MAX_BACKEND_WEIGHT, Math.max(0, Math.floor(weight)));
}

function describeRef(ref: DefaultedBackendRef): string {
  const gk = ref.group === CORE_GROUP ? ref.kind : `${ref.group}/${ref.kind}`;
  return `backendRef ${gk} "${ref.namespace}/${ref.name}"${ref.port === undefined ? '' : ` port ${ref.port}`}`;
}

function resolveOne(ref: DefaultedBackendRef, routeKind: L4RouteKind, routeNamespace: string, index: BackendIndex): BackendOutcome {
  const what = describeRef(ref);
  const fail = (reason: string, why: string): BackendOutcome => ({ ok: false, ref, reason, message: `${what}: ${why}` });
  if (ref.group !== CORE_GROUP || ref.kind !== Kind.Service) return fail(RouteReason.InvalidKind, 'only core Services are supported as backends');
  if (ref.namespace !== routeNamespace) {
    const grants = index.referenceGrants.get(ref.namespace) ?? [];
    if (!isReferenceGranted(grants, routeKind, routeNamespace, ref.name)) {
      return fail(RouteReason.RefNotPermitted, `no ReferenceGrant in namespace "${ref.namespace}" allows ${routeKind}s from "${routeNamespace}" to refer to it`);
    }
  }
  const service = index.services.get(`${ref.namespace}/${ref.name}`);
  if (service === undefined) return fail(RouteReason.BackendNotFound, 'Service not found');
  // kube-proxy does not forward to ExternalName Services (they are DNS CNAMEs), so we cannot serve them; the
  // specification says implementations SHOULD NOT support them. Reported as an unsupported kind of backend.
  if (service.spec?.type === 'ExternalName') return fail(RouteReason.InvalidKind, 'ExternalName Services are not supported as backends');
  // The CRD requires port for Service references; a hand-made object without one cannot be resolved.
  if (ref.port === undefined) return fail(RouteReason.BackendNotFound, 'port is required for a Service backend');
  const protocol = backendProtocolOf(routeKind);
  const samePort = (service.spec?.ports ?? []).filter((p) => p.port === ref.port);
  if (samePort.length === 0) return fail(RouteReason.BackendNotFound, `Service has no port ${ref.port}`);
  const port = samePort.find((p) => (p.protocol ?? 'TCP') === protocol);
  if (port === undefined) {
    const have = samePort.map((p) => p.protocol ?? 'TCP').join(', ');
    return fail(RouteReason.UnsupportedProtocol, `Service port ${ref.port} is ${have}, but a ${routeKind} needs ${protocol}`);
  }
  return { ok: true, backend: { ref, service, port, weight: ref.weight } };
}

/**
 * Resolves the backendRefs of a route's served rule. TCPRoute/UDPRoute v1 have exactly one rule; a route written
 * through the deprecated v1alpha2 version may have up to 16, and with no matching in L4 rules there is no way to
 * choose between them, so the first rule is served and the others are reported as dropped (PartiallyInvalid).
 */
export function resolveBackends(route: L4Route, routeKind: L4RouteKind, index: BackendIndex): BackendResolution {
  const routeNamespace = route.metadata.namespace ?? '';
  const rules = Array.isArray(route.spec?.rules) ? route.spec.rules : [];
  const refs = (Array.isArray(rules[0]?.backendRefs) ? (rules[0]?.backendRefs ?? []) : []).map((r) => {
    const d = defaultBackendRef(r, routeNamespace);
    return { ...d, weight: sanitiseWeight(d.weight) };
  });
  const outcomes = refs.map((ref) => resolveOne(ref, routeKind, routeNamespace, index));
  const backends: ResolvedBackend[] = [];
  let rejectedWeight = 0;
  const failures: { reason: string; message: string }[] = [];
  for (const o of outcomes) {
    if (o.ok) {
      if (o.backend.weight > 0) backends.push(o.backend);
    } else {
      rejectedWeight += o.ref.weight;
      failures.push(o);
    }
  }
  const first = failures[0];
  const resolvedRefs: ConditionInput =
    first === undefined
      ? { type: RouteConditionType.ResolvedRefs, status: 'True', reason: RouteReason.ResolvedRefs, message: refs.length === 0 ? 'no backendRefs: connections are rejected' : 'all backendRefs resolved' }
      : { type: RouteConditionType.ResolvedRefs, status: 'False', reason: first.reason, message: failures.map((f) => f.message).join('; ') };
  const partiallyInvalid: ConditionInput | undefined =
    rules.length > 1
      ? {
          type: RouteConditionType.PartiallyInvalid,
          status: 'True',
          reason: RouteReason.UnsupportedValue,
          message: `Dropped Rule(s): ${rules.length - 1} rule(s) after the first are ignored; a ${routeKind} serves exactly one rule`,
        }
      : undefined;
  return { outcomes, backends, rejectedWeight, resolvedRefs, partiallyInvalid };
}
