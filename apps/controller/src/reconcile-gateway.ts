// The Gateway reconciler: the one writer of everything that belongs to a Gateway: its address, its status and listener
// status, its own entries in routes' status.parents, and the Services/EndpointSlices that realise it (DESIGN §3).
import {
  Kind,
  GATEWAY_NAME_LABEL,
  GatewayConditionType,
  ListenerConditionType,
  ListenerReason,
  DEFAULT_LEASE_SETTINGS,
  boundedLabelValue,
  carriedAddresses,
  evaluateAnnouncement,
  evaluateGateway,
  mayHaveBeenAnnounced,
  requestedAddresses,
  yieldsAddress,
  findCondition,
  isOurGatewayClass,
  routeParentsWithoutGateway,
  setCondition,
  type AddressOutcome,
  type AnnouncementOutcome,
  type DataPlaneOutcome,
  type EndpointSlice,
  type Gateway,
  type GatewayClass,
  type GatewayEvaluation,
  type KubeObject,
  type L4Route,
  type LeaseSettings,
  type L4RouteKind,
  type ParametersLookup,
  type RouteParentStatus,
  type Service,
} from '@kube-vip-gw/gateway-model';
import {
  MANAGED_BY_LABEL,
  MANAGED_BY_VALUE,
  desiredForGateway,
  hasPendingGiveBack,
  isEmptyPlan,
  planChanges,
  planRelease,
  type ActualObjects,
  type ChangePlan,
  type GatewayDesired,
  type GatewayIdentity,
  type ServedListener,
  type StrategyRegistry,
} from '@kube-vip-gw/service-mapper';
import {
  EndpointSlice as EndpointSliceResource,
  Gateway as GatewayResource,
  Service as ServiceResource,
  isConflict,
  isNotFound,
  listAll,
  type Client,
  type Logger,
  type OwnWrites,
  type ResourceDescriptor,
} from '@kube-vip-gw/controller-runtime';
import { isDeepStrictEqual as isDeepEqual } from 'node:util';
import { gatewayOwner, serviceOwner, type AddressBook, type AddressCollision, type AddressDecision, type AddressPolicy } from './address-book.js';
import { freshForeignAddresses, type ForeignAddressReader } from './fresh-read.js';
import { deferredRetryMs, kubeVipPlanOptions } from './kube-vip-settle.js';
import { kubeVipTakeUp } from './kube-vip-takeup.js';
import {
  clearDepartedListenerSets,
  clearListenerSetRouteParents,
  listenerSetInputs,
  listenerSetsBehindOwnWrite,
  writeListenerSetStatuses,
  type ListenerSetDepartures,
} from './listener-sets.js';
import { classParameters, gatewayParameters, type ParametersResult } from './parameters-lookup.js';
import { mergeParameters, type GatewayParameters } from './parameters.js';
import type { ClusterView } from './view.js';

/**
 * Finalizer on every Gateway of our classes: before it goes, the controller deletes the Services and EndpointSlices
 * it made (not waiting for garbage collection) and gives back the user Services it adopted (`update`), which nothing
 * else would restore.
 */
export const GATEWAY_CLEANUP_FINALIZER = 'gateway.kube-vip.io/cleanup';

/** Kubernetes Event types. */
export type EventType = 'Normal' | 'Warning';

/** Where reconcilers report Events (the manager's recorder in production; a list in tests). */
export interface EventSink {
  event(object: KubeObject & { apiVersion?: string; kind?: string }, type: EventType, reason: string, message: string): void;
}

/** Counters the Gateway reconciler reports to (metrics in production; optional). */
export interface GatewayMetrics {
  allocated(pool: string): void;
  allocationFailed(reason: string): void;
}

/** Everything the Gateway reconciler needs. */
export interface GatewayReconcilerDeps {
  controllerName: string;
  client: Client;
  view: ClusterView;
  addresses: AddressBook;
  strategies: StrategyRegistry;
  /** Route resources served by the cluster (v1, or v1alpha2 on older installs). */
  routeResources: Record<L4RouteKind, ResourceDescriptor>;
  /** Controller-wide defaults (from flags): strategy and loadBalancerClass. */
  defaults: GatewayParameters;
  events: EventSink;
  metrics?: GatewayMetrics;
  now: () => Date;
  /**
   * The controller's writes to Gateways and routes its cache has not shown yet (one per controller, kept current by
   * the informers). Without it (render, whose view is always current) nothing is waited for.
   */
  ownWrites?: OwnWrites;
  /** ListenerSets that left a Gateway, whose route status entries its next reconcile removes (live controller only). */
  departedListenerSets?: ListenerSetDepartures;
  logger?: Logger;
  /** Where kube-vip's leases are (default: auto-detect, `kube-system/plndr-svcs-lock` for the global one). */
  leases?: LeaseSettings;
  /**
   * Addresses other allocators' Services carry, read fresh from the API server before a new allocation is committed
   * (one list shared by the allocations waiting for it). Default: one list per allocation through `client`.
   */
  foreignAddresses?: ForeignAddressReader;
}

/** What a reconcile asks of its work queue. */
export interface ReconcileOutcome {
  requeueAfterMs?: number;
}

const STALE_CACHE_RETRY_MS = 500;
/** How soon the restore of a give-back follows its withdrawal (kube-vip takes the two events in order; no need to wait for it). */
const GIVE_BACK_RETRY_MS = 200;
// Our own write reaches the cache in one watch event (milliseconds), so waiting for it costs little; the entry's timeout
// in OwnWrites bounds the wait when that event is lost.
const OWN_WRITE_WAIT_MS = 100;

function identity(gateway: Gateway): GatewayIdentity {
  return { namespace: gateway.metadata.namespace ?? '', name: gateway.metadata.name, uid: gateway.metadata.uid ?? '' };
}

/** Reconciles one Gateway, identified by namespace and name. */
export async function reconcileGateway(deps: GatewayReconcilerDeps, namespace: string, name: string): Promise<ReconcileOutcome> {
  const { view } = deps;
  let gateway = view.gateway(namespace, name);
  if (gateway === undefined) {
    // Gone: owned Services go with it (ownerReferences); what remains is our route status entries and its addresses.
    deps.addresses.forgetGateway(namespace, name);
    if (behindOwnWrite(deps, undefined, namespace, name)) return { requeueAfterMs: OWN_WRITE_WAIT_MS };
    return clearRouteParents(deps, { metadata: { namespace, name }, spec: { gatewayClassName: '', listeners: [] } });
  }
  // Woken (by a Service event, say) before the cache shows our last write: what we would compute from it is already
  // out of date and would be written with a stale resourceVersion, a sure 409.
  if (behindOwnWrite(deps, gateway, namespace, name)) return { requeueAfterMs: OWN_WRITE_WAIT_MS };
  const gatewayClass = view.gatewayClass(gateway.spec?.gatewayClassName ?? '');
  const ours = gatewayClass !== undefined && isOurGatewayClass(gatewayClass, deps.controllerName);
  if (!ours || gateway.metadata.deletionTimestamp !== undefined) return release(deps, gateway, ours);
  // The finalizer goes on before anything is made for the Gateway, so nothing can be left behind.
  const finalized = await ensureFinalizer(deps, gateway, true);
  if (!finalized) return { requeueAfterMs: STALE_CACHE_RETRY_MS };
  gateway = finalized;

  const classParams = classParameters(view, gatewayClass);
  const gwParams = gatewayParameters(view, gateway);
  const params = mergeParameters(gwParams.parameters, classParams.parameters, deps.defaults);
  const policy: AddressPolicy = { ipFamilyPolicy: params.ipFamilyPolicy, ipFamilies: params.ipFamilies };
  const undecided = snapshot(deps, gateway, gatewayClass, gwParams, { kind: 'notAssigned', reason: 'the Gateway is not accepted' });
  const delegated = params.ipamMode === 'delegated';
  const decided = await decideAddresses(deps, gateway, policy, evaluateGateway({ ...undecided, dataPlane: { kind: 'pending' } }).accepted, delegated);
  if (decided === 'stale') return { requeueAfterMs: STALE_CACHE_RETRY_MS };
  const { decision, collisions, awaitingDelegated } = decided;
  const snapshotBase = { ...undecided, address: decision.outcome };

  const first = evaluateGateway({ ...snapshotBase, dataPlane: { kind: 'pending' } });
  let dataPlane: DataPlaneOutcome = { kind: 'pending', message: 'waiting for an address' };
  let desired: GatewayDesired | undefined;
  // Services this reconcile created: its cache cannot show them yet, but the announcement must count them, or its
  // status says "no Service carries the address" and is rewritten when the Service's event comes back (one write more
  // per new Gateway, seen as a resourceVersion change in the pool-move e2e test).
  let created: Service[] = [];
  // A give-back withdrew an address: the restore follows on a later pass, once the cache shows the withdrawal (the
  // Service's own event brings us back too; the requeue covers a Service the informers do not map to this Gateway).
  let giveBackPending = false;
  // A delete the plan held back until kube-vip has written a Service's status: plan again then (or at its timeout).
  let deferredRetry: number | undefined;
  // A conflicted Gateway gets no plan: no Service of its is created or patched with the colliding address, and one that
  // already carries it stays as it is (never move an announced address).
  // Delegated IPAM: the Service is made without an address for kube-vip-cloud-provider to assign one.
  if (first.accepted && ((decision.outcome.kind === 'assigned' && first.addresses.length > 0) || awaitingDelegated)) {
    const strategy = { gateway: gwParams.parameters?.serviceBehaviour, gatewayClass: classParams.parameters?.serviceBehaviour, flag: deps.defaults.serviceBehaviour };
    desired = desiredForGateway(gateway, servedListeners(deps, gateway, gatewayClass, first, params, strategy), deps.strategies);
    const actual = actualObjects(deps, gateway, desired);
    // With a kube-vip watching, no Service goes before kube-vip wrote its status (kube-vip-settle.ts).
    const plan = planChanges(desired, actual, kubeVipPlanOptions(view, actual.services, deps.now(), deps.leases));
    deferredRetry = deferredRetryMs(plan, deps.now());
    // Record new addresses in the Gateway's status before any Service announces them. Otherwise a crash between
    // the plan and the status write, followed by the Services' deletion (a route detached), leaves an address that
    // was announced with nothing that holds it, and the Gateway may come back with another one (found by the
    // crash-consistency test).
    if (!isEmptyPlan(plan) && !isDeepEqual(gateway.status?.addresses ?? [], first.status.addresses ?? [])) {
      try {
        const sent = { ...gateway, status: { ...(gateway.status ?? {}), addresses: first.status.addresses } };
        gateway = await deps.client.updateStatus<Gateway>(GatewayResource, sent);
        deps.ownWrites?.record(GatewayResource, sent, gateway);
      } catch (e) {
        if (isConflict(e) || isNotFound(e)) return { requeueAfterMs: STALE_CACHE_RETRY_MS };
        throw e;
      }
    }
    const applied = await applyPlan(deps.client, plan);
    if (applied === 'stale') return { requeueAfterMs: STALE_CACHE_RETRY_MS };
    if (applied === 'ok' && hasPendingGiveBack(plan)) giveBackPending = true;
    dataPlane = applied === 'ok' ? { kind: 'applied' } : { kind: 'failed', message: applied.message };
    if (applied === 'ok') created = [...plan.create, ...plan.replace.map((x) => x.desired)].filter((o): o is Service => (o.kind ?? 'Service') === 'Service');
    for (const p of plan.problems) deps.events.event(gateway, 'Warning', p.reason, p.message);
    // Warnings of the mapping (an infrastructure label the controller must own, externalTrafficPolicy Local, ...) do
    // not stop a listener, so no condition carries them: an Event is their only report (errors go to the listener).
    for (const p of desired.problems) {
      const route = p.route ? ` (${p.route.kind} ${p.route.namespace}/${p.route.name})` : '';
      if (p.severity === 'Warning') deps.events.event(gateway, 'Warning', p.reason, `listener ${p.listener}${route}: ${p.message}`);
    }
    for (const p of desired.gatewayProblems) deps.events.event(gateway, 'Warning', p.reason, p.message);
  }

  const announced = decision.outcome.kind === 'assigned' || decision.outcome.kind === 'conflicted' ? decision.outcome.addresses : [];
  const announcement = announced.length > 0 ? announcementFor(deps, namespace, name, announced, created) : undefined;
  const final = evaluateGateway({ ...snapshotBase, dataPlane, ...(announcement ? { announcement } : {}) });
  const status = withAddressCollisions(gateway, withListenerProblems(gateway, final, desired, deps.now()), collisions, deps.now());
  reportTransitions(deps, gateway, status, decision);

  if (!isDeepEqual(status, gateway.status)) {
    try {
      const sent = { ...gateway, status };
      const written = await deps.client.updateStatus(GatewayResource, sent);
      deps.ownWrites?.record(GatewayResource, sent, written);
    } catch (e) {
      if (isConflict(e) || isNotFound(e)) return { requeueAfterMs: STALE_CACHE_RETRY_MS };
      throw e;
    }
  }
  for (const r of final.routes) {
    if (r.changed) await writeRouteParents(deps, r.kind, r.route, r.parents);
  }
  await writeListenerSetStatuses(deps, final, desired);
  const departedCleared = await clearDepartedListenerSets(deps, namespace, name);
  if (dataPlane.kind === 'failed') throw new Error(`Gateway ${namespace}/${name}: ${dataPlane.message}`);
  if (giveBackPending) return { requeueAfterMs: GIVE_BACK_RETRY_MS };
  if (deferredRetry !== undefined) return { requeueAfterMs: deferredRetry };
  return departedCleared ? {} : { requeueAfterMs: STALE_CACHE_RETRY_MS };
}

/**
 * The Gateway's addresses and the other holders of any of them. Only an Accepted Gateway takes an address from the
 * pool (an invalid one would drain a scarce pool); one that is not gives back an address it never realised (no Service
 * of its carries it, never Programmed), which moves nothing, and keeps one that may be in use. A new allocation is
 * checked against a fresh read of other allocators' Services before it is used. An address another holder also
 * carries is given up when it was never announced and the other holder keeps it (yieldsAddress); otherwise the
 * outcome is `conflicted`: kept, not Programmed, announced by no new Service.
 */
async function decideAddresses(
  deps: GatewayReconcilerDeps,
  gateway: Gateway,
  policy: AddressPolicy,
  accepted: boolean,
  delegated: boolean,
): Promise<{ decision: AddressDecision; collisions: AddressCollision[]; awaitingDelegated?: boolean } | 'stale'> {
  const ns = gateway.metadata.namespace ?? '';
  const name = gateway.metadata.name;
  const requested = requestedAddresses(gateway);
  const own = deps.view.servicesForGateway(ns, name);
  if (!accepted && requested.unsupported.length === 0) {
    const held = deps.addresses.holdings(gatewayOwner(ns, name));
    const programmed = findCondition(gateway.status?.conditions, GatewayConditionType.Programmed)?.status === 'True';
    const realised = programmed || own.some((s) => carriedAddresses(s).length > 0) || held.some((a) => mayHaveBeenAnnounced(gateway, own, a, kubeVipTakeUp(deps.view, deps.now(), deps.leases)));
    if (!realised) {
      deps.addresses.releaseReservation(ns, name);
      return { decision: { outcome: { kind: 'notAssigned', reason: 'the Gateway is not accepted: it takes no address from the pool until it is' } }, collisions: [] };
    }
    return { decision: deps.addresses.decide(gateway, policy, { allocate: false }), collisions: [] };
  }
  if (delegated && requested.static.length === 0 && requested.unsupported.length === 0) {
    // kube-vip-cloud-provider is the one allocator: what it wrote on the Gateway's Service (kube-vip.io/loadbalancerIPs)
    // is held by the Gateway in the AddressBook like its status addresses, so keeping what is held adopts it.
    const kept = deps.addresses.decide(gateway, policy, { allocate: false });
    if (kept.outcome.kind === 'assigned') {
      const inStatus = new Set((gateway.status?.addresses ?? []).map((a) => a.value));
      const adopted = kept.outcome.addresses.filter((a) => !inStatus.has(a));
      if (adopted.length > 0) deps.events.event(gateway, 'Normal', 'AddressAdopted', `adopted ${adopted.join(', ')}, assigned by kube-vip-cloud-provider to the Gateway's Service`);
      return conflictChecked(deps, gateway, kept);
    }
    const names = own.map((s) => `${s.metadata.namespace}/${s.metadata.name}`);
    return {
      decision: { outcome: { kind: 'notAssigned', reason: `ipamMode delegated: waiting for kube-vip-cloud-provider to assign an address to ${names.length > 0 ? `Service ${names.join(', ')}` : "the Gateway's Service"}` } },
      collisions: [],
      awaitingDelegated: true,
    };
  }
  let avoid: string[] = [];
  let decision = deps.addresses.decide(gateway, policy);
  for (let attempt = 0; attempt < 3 && decision.allocated && decision.outcome.kind === 'assigned'; attempt++) {
    // The cache may not show yet what kube-vip-cloud-provider wrote a moment ago (it allocates from the same pool and
    // never sees Gateways): a fresh read before the new address is written anywhere.
    const fresh = new Set(decision.allocated.addresses);
    let taken: Set<string>;
    try {
      taken = await (deps.foreignAddresses ?? freshForeignAddresses(deps.client))(gatewayOwner(ns, name));
    } catch (e) {
      deps.addresses.releaseReservation(ns, name);
      deps.logger?.warn({ err: e instanceof Error ? e.message : String(e) }, 'fresh read of Services before an allocation failed; retrying');
      return 'stale';
    }
    const clash = [...fresh].filter((a) => taken.has(a));
    if (clash.length === 0) break;
    avoid = [...avoid, ...clash];
    deps.addresses.releaseReservation(ns, name);
    decision = deps.addresses.decide(gateway, policy, { avoid });
  }
  let collisions = mine(deps.addresses.collisions(ns, name), decision);
  const holders = (c: AddressCollision) =>
    c.refs.map((r) => ({ ...r, creationTimestamp: (r.kind === 'Gateway' ? deps.view.gateway(r.namespace, r.name) : deps.view.service(r.namespace, r.name))?.metadata.creationTimestamp }));
  const takenUp = kubeVipTakeUp(deps.view, deps.now(), deps.leases);
  const yielded = collisions.filter((c) => yieldsAddress({ gateway, ownServices: own, address: c.address, requested: requested.static.length > 0, holders: holders(c), takenUp }));
  if (yielded.length > 0) {
    deps.addresses.releaseReservation(ns, name);
    decision = deps.addresses.decide(gateway, policy, { avoid: [...avoid, ...yielded.map((c) => c.address)] });
    for (const c of yielded) {
      deps.events.event(gateway, 'Warning', 'AddressYielded', `address ${c.address} is also held by ${c.holders.join(', ')} and was never announced for this Gateway: gave it up${decision.outcome.kind === 'assigned' ? `, now ${decision.outcome.addresses.join(', ')}` : ''}`);
    }
    collisions = mine(deps.addresses.collisions(ns, name), decision);
  }
  return conflictChecked(deps, gateway, decision, collisions);
}

// An assigned outcome that another holder shares becomes `conflicted` (kept, not Programmed, no plan).
function conflictChecked(deps: GatewayReconcilerDeps, gateway: Gateway, decided: AddressDecision, found?: AddressCollision[]): { decision: AddressDecision; collisions: AddressCollision[] } {
  let decision = decided;
  const collisions = found ?? mine(deps.addresses.collisions(gateway.metadata.namespace ?? '', gateway.metadata.name), decision);
  if (decision.outcome.kind === 'assigned' && collisions.length > 0) {
    const message = collisions.map((c) => `address ${c.address} is also held by ${c.holders.join(', ')}`).join('; ');
    decision = {
      ...decision,
      outcome: { kind: 'conflicted', addresses: decision.outcome.addresses, message: `${message}: not programmed, so kube-vip announces it only for the other holder; this Gateway keeps it (it may be in use) until the other holder goes` },
    };
  }
  return { decision, collisions };
}

// Collisions on the addresses just decided (the Gateway's status may still show one it has given up).
function mine(collisions: readonly AddressCollision[], decision: AddressDecision): AddressCollision[] {
  const outcome = decision.outcome;
  const addresses = new Set(outcome.kind === 'unsupportedType' ? [] : (outcome.addresses ?? []));
  return collisions.filter((c) => addresses.has(c.address));
}

/** The kube-vip.io/Announced outcome over every Service carrying one of the Gateway's addresses (ours and others'). */
function announcementFor(deps: GatewayReconcilerDeps, namespace: string, name: string, addresses: readonly string[], created: readonly Service[] = []) {
  const { view } = deps;
  const services = new Map<string, Service>();
  for (const s of created) services.set(`${s.metadata.namespace}/${s.metadata.name}`, s);
  for (const s of view.servicesForGateway(namespace, name)) services.set(`${s.metadata.namespace}/${s.metadata.name}`, s);
  for (const ref of deps.addresses.servicesCarrying(addresses)) {
    const s = view.service(ref.namespace, ref.name);
    if (s) services.set(`${ref.namespace}/${ref.name}`, s);
  }
  return evaluateAnnouncement({
    addresses,
    services: [...services.values()],
    endpointSlices: (ns, n) => view.endpointSlicesForService(ns, n),
    lease: (ns, n) => view.lease(ns, n),
    leases: deps.leases ?? DEFAULT_LEASE_SETTINGS,
    now: deps.now(),
  });
}

function snapshot(
  deps: GatewayReconcilerDeps,
  gateway: Gateway,
  gatewayClass: GatewayClass,
  gwParams: ParametersResult,
  address: AddressOutcome,
) {
  const { view } = deps;
  const ns = gateway.metadata.namespace ?? '';
  const sets = listenerSetInputs(view, ns, gateway.metadata.name);
  const tcpRoutes = [...view.routesForGateway(Kind.TCPRoute, ns, gateway.metadata.name), ...sets.tcpRoutes];
  const udpRoutes = [...view.routesForGateway(Kind.UDPRoute, ns, gateway.metadata.name), ...sets.udpRoutes];
  // Only the objects the routes can name: their namespaces, their backend Services, grants in backend namespaces.
  const routeNamespaces = new Set<string>([ns, ...sets.namespaces]);
  const services = new Map<string, Service>();
  const backendNamespaces = new Set<string>();
  for (const route of [...tcpRoutes, ...udpRoutes]) {
    const routeNs = route.metadata.namespace ?? '';
    routeNamespaces.add(routeNs);
    for (const rule of route.spec?.rules ?? []) {
      for (const ref of rule.backendRefs ?? []) {
        const backendNs = ref.namespace ?? routeNs;
        backendNamespaces.add(backendNs);
        const svc = view.service(backendNs, ref.name);
        if (svc) services.set(`${backendNs}/${ref.name}`, svc);
      }
    }
  }
  const parameters: ParametersLookup | undefined = gwParams.lookup;
  return {
    controllerName: deps.controllerName,
    gateway,
    gatewayClass,
    tcpRoutes,
    udpRoutes,
    listenerSets: sets.listenerSets,
    namespaces: [...routeNamespaces].map((n) => view.namespace(n)).filter((n) => n !== undefined),
    services: [...services.values()],
    referenceGrants: [...backendNamespaces].flatMap((n) => view.referenceGrants(n)),
    ...(parameters ? { parameters, parametersOptions: gwParams.options } : {}),
    address,
    now: deps.now(),
  };
}

function servedListeners(
  deps: GatewayReconcilerDeps,
  gateway: Gateway,
  gatewayClass: GatewayClass,
  evaluation: GatewayEvaluation,
  params: GatewayParameters,
  strategy: { gateway?: string | undefined; gatewayClass?: string | undefined; flag?: string | undefined },
): ServedListener[] {
  const served: ServedListener[] = [];
  // Listeners that can take routes but have none are served too: the Gateway Service gives them a port without
  // endpoints (connections refused, as the specification asks), and the address is on a Service from the start, where
  // kube-vip-cloud-provider sees it.
  const routable = new Set((evaluation.status.listeners ?? []).filter((l) => l.supportedKinds.length > 0).map((l) => l.name));
  for (const l of evaluation.listeners) {
    if (l.protocol !== 'TCP' && l.protocol !== 'UDP') continue;
    if (!l.served && !(l.accepted && evaluation.accepted && routable.has(l.name))) continue;
    const route = l.served?.route;
    served.push({
      gateway,
      gatewayClassName: gatewayClass.metadata.name,
      addresses: evaluation.addresses,
      listener: { name: l.name, port: l.port, protocol: l.protocol },
      ...(l.served && route
        ? {
            route: {
              kind: l.served.kind,
              namespace: route.metadata.namespace ?? '',
              name: route.metadata.name,
              ...(route.metadata.labels ? { labels: route.metadata.labels } : {}),
              ...(route.metadata.annotations ? { annotations: route.metadata.annotations } : {}),
            },
          }
        : {}),
      backends: (l.served?.backends ?? []).map((b) => ({
        name: b.ref.name,
        namespace: b.ref.namespace,
        port: b.port.port,
        weight: b.weight,
        service: b.service,
        endpointSlices: deps.view.endpointSlicesForService(b.ref.namespace, b.ref.name),
      })),
      parameters: {
        strategy: Object.fromEntries(Object.entries(strategy).filter(([, v]) => v !== undefined)),
        ...(params.externalTrafficPolicy ? { externalTrafficPolicy: params.externalTrafficPolicy } : {}),
        ...(params.loadBalancerClass ? { loadBalancerClass: params.loadBalancerClass } : {}),
        ...(params.ipFamilyPolicy ? { ipFamilyPolicy: params.ipFamilyPolicy } : {}),
        ...(params.allocateLoadBalancerNodePorts !== undefined ? { allocateLoadBalancerNodePorts: params.allocateLoadBalancerNodePorts } : {}),
        ...(params.ipamMode === 'delegated' ? { addressesDelegated: true, ...(params.ipFamilies ? { ipFamilies: params.ipFamilies } : {}) } : {}),
        ...(gateway.spec.infrastructure?.labels ? { labels: gateway.spec.infrastructure.labels } : {}),
        ...(gateway.spec.infrastructure?.annotations ? { annotations: gateway.spec.infrastructure.annotations } : {}),
      },
    });
  }
  return served;
}

function actualObjects(deps: GatewayReconcilerDeps, gateway: Gateway, desired: GatewayDesired | undefined): ActualObjects {
  const ns = gateway.metadata.namespace ?? '';
  const services = new Map<string, Service>();
  for (const s of deps.view.servicesForGateway(ns, gateway.metadata.name)) services.set(`${s.metadata.namespace}/${s.metadata.name}`, s);
  for (const a of desired?.adoptions ?? []) {
    const s = deps.view.service(a.namespace, a.name);
    if (s) services.set(`${a.namespace}/${a.name}`, s);
  }
  return { services: [...services.values()], endpointSlices: deps.view.endpointSlicesForGateway(ns, gateway.metadata.name) };
}

type ApplyResult = 'ok' | 'stale' | { message: string };

/** Executes a change plan; 'stale' when the cache was behind (conflict, already exists): retry shortly, write nothing else. */
export async function applyPlan(client: Client, plan: ChangePlan): Promise<ApplyResult> {
  if (isEmptyPlan(plan)) return 'ok';
  const resourceOf = (kind: string) => (kind === 'Service' ? ServiceResource : EndpointSliceResource);
  try {
    for (const d of plan.delete) {
      try {
        await client.delete(resourceOf(d.kind), d, d.uid ? { preconditions: { uid: d.uid } } : {});
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
    }
    for (const r of plan.replace) {
      try {
        await client.delete(resourceOf(r.existing.kind), r.existing, r.existing.uid ? { preconditions: { uid: r.existing.uid } } : {});
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
      await client.create(resourceOf(r.existing.kind), r.desired);
    }
    for (const c of plan.create) await client.create(resourceOf(c.kind ?? 'Service'), c);
    for (const p of plan.patch) await client.patch(resourceOf(p.kind), p, { type: 'merge', patch: p.patch as Record<string, unknown> });
  } catch (e) {
    const tag = (e as { _tag?: string })._tag;
    if (tag === 'ConflictError' || tag === 'AlreadyExistsError') return 'stale';
    return { message: e instanceof Error ? e.message : String(e) };
  }
  return 'ok';
}

// Adds or removes our finalizer; returns the Gateway as it is now (the patched one, so later writes carry its new
// resourceVersion), or undefined when the cache was stale.
async function ensureFinalizer(deps: GatewayReconcilerDeps, gateway: Gateway, present: boolean): Promise<Gateway | undefined> {
  const finalizers = gateway.metadata.finalizers ?? [];
  const has = finalizers.includes(GATEWAY_CLEANUP_FINALIZER);
  if (has === present) return gateway;
  const next = present ? [...finalizers, GATEWAY_CLEANUP_FINALIZER] : finalizers.filter((f) => f !== GATEWAY_CLEANUP_FINALIZER);
  try {
    // A JSON patch with a resourceVersion test: never drops a finalizer someone else added meanwhile.
    const patched = await deps.client.patch<Gateway>(GatewayResource, { namespace: gateway.metadata.namespace, name: gateway.metadata.name }, {
      type: 'json',
      patch: [
        { op: 'test', path: '/metadata/resourceVersion', value: gateway.metadata.resourceVersion ?? '' },
        { op: 'add', path: '/metadata/finalizers', value: next },
      ],
    });
    // Written on top of the cached copy like a status write: a cache without it is just as stale.
    deps.ownWrites?.record(GatewayResource, gateway, patched);
    return patched;
  } catch (e) {
    if (isConflict(e) || isNotFound(e) || (e as { _tag?: string })._tag === 'InvalidError') return undefined;
    throw e;
  }
}

/** A Gateway that is being deleted or left our class: give back what it adopted, delete what it owns, clear our status entries. */
async function release(deps: GatewayReconcilerDeps, gateway: Gateway, ours: boolean): Promise<ReconcileOutcome> {
  const ns = gateway.metadata.namespace ?? '';
  const objects = await releaseObjects(deps, gateway);
  const plan = planRelease(identity(gateway), objects, kubeVipPlanOptions(deps.view, objects.services, deps.now(), deps.leases));
  const applied = await applyPlan(deps.client, plan);
  if (applied === 'stale') return { requeueAfterMs: STALE_CACHE_RETRY_MS };
  if (applied !== 'ok') throw new Error(`releasing Gateway ${ns}/${gateway.metadata.name}: ${applied.message}`);
  // A Service kube-vip has not written the status of yet stays (and so does the finalizer) until it has.
  const deferred = deferredRetryMs(plan, deps.now());
  if (deferred !== undefined) return { requeueAfterMs: deferred };
  // An adopted Service's address was just withdrawn; its restore is the next pass's write (it reads the Service back
  // from the API server). The finalizer stays until then, or nothing would ever restore it.
  if (hasPendingGiveBack(plan)) return { requeueAfterMs: GIVE_BACK_RETRY_MS };
  const outcome = await clearRouteParents(deps, gateway);
  if (!(await ensureFinalizer(deps, gateway, false))) return { requeueAfterMs: STALE_CACHE_RETRY_MS };
  if (!ours || gateway.metadata.deletionTimestamp !== undefined) deps.addresses.forgetGateway(ns, gateway.metadata.name);
  return outcome;
}

/**
 * Everything made or adopted for a Gateway that is going away: the cache's view, completed by a list from the API
 * server. The cache may not have seen the controller's own latest writes yet (a Service created just before the
 * deletion, or while a watch was down), and what release misses is left behind once the finalizer is gone: an adopted
 * Service never restored, a created one orphaned (both seen in the API-server-faults test).
 */
async function releaseObjects(deps: GatewayReconcilerDeps, gateway: Gateway): Promise<ActualObjects> {
  const ns = gateway.metadata.namespace ?? '';
  const name = gateway.metadata.name;
  const owner = gatewayOwner(ns, name);
  const labelSelector = { matchLabels: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [GATEWAY_NAME_LABEL]: boundedLabelValue(name) } };
  const key = (o: KubeObject) => `${o.metadata.namespace}/${o.metadata.name}`;
  const services = new Map(deps.view.servicesForGateway(ns, name).map((s) => [key(s), s]));
  const slices = new Map(deps.view.endpointSlicesForGateway(ns, name).map((s) => [key(s), s]));
  // Without our finalizer nothing was ever made for it (the finalizer goes on first): Gateways of other controllers
  // and ones already released cost no API call.
  if (!(gateway.metadata.finalizers ?? []).includes(GATEWAY_CLEANUP_FINALIZER)) return { services: [...services.values()], endpointSlices: [...slices.values()] };
  // Adopted Services may live in other namespaces (a backend granted by a ReferenceGrant): list everywhere.
  for (const s of (await listAll<Service>(deps.client, ServiceResource, { labelSelector })).items) if (serviceOwner(s) === owner) services.set(key(s), s);
  for (const s of (await listAll<EndpointSlice>(deps.client, EndpointSliceResource, { namespace: ns, labelSelector })).items) {
    if ((s.metadata.ownerReferences ?? []).some((r) => r.kind === Kind.Gateway && r.controller === true && r.name === name)) slices.set(key(s), s);
  }
  return { services: [...services.values()], endpointSlices: [...slices.values()] };
}

async function clearRouteParents(deps: GatewayReconcilerDeps, gateway: Gateway): Promise<ReconcileOutcome> {
  const ns = gateway.metadata.namespace ?? '';
  for (const kind of [Kind.TCPRoute, Kind.UDPRoute] as const) {
    for (const route of deps.view.routesForGateway(kind, ns, gateway.metadata.name)) {
      const parents = routeParentsWithoutGateway(route, deps.controllerName, gateway, deps.now());
      if (!isDeepEqual(parents, route.status?.parents ?? [])) await writeRouteParents(deps, kind, route, parents);
    }
  }
  // Routes attached through its ListenerSets lose their entries too: a ListenerSet without its Gateway adds nothing.
  const sets = deps.view.listenerSetsForGateway(ns, gateway.metadata.name).map((s) => ({ namespace: s.metadata.namespace ?? '', name: s.metadata.name }));
  await clearListenerSetRouteParents(deps, sets);
  return {};
}

async function writeRouteParents(deps: GatewayReconcilerDeps, kind: L4RouteKind, route: L4Route, parents: RouteParentStatus[]): Promise<void> {
  const res = deps.routeResources[kind];
  try {
    const sent = { ...route, apiVersion: `${res.group}/${res.version}`, kind, status: { ...(route.status ?? {}), parents } };
    const written = await deps.client.updateStatus(res, sent);
    deps.ownWrites?.record(res, sent, written);
  } catch (e) {
    // A newer route is in flight: its own event brings us back with fresh data.
    if (!isConflict(e) && !isNotFound(e)) throw e;
  }
}

/**
 * True when the cache still holds a version of the Gateway, or of a route whose status it may write (the routes that
 * name it), that one of our own writes was made on top of.
 */
function behindOwnWrite(deps: GatewayReconcilerDeps, gateway: Gateway | undefined, namespace: string, name: string): boolean {
  const writes = deps.ownWrites;
  if (writes === undefined) return false;
  const behind = (res: ResourceDescriptor, o: KubeObject, what: string) => {
    if (!writes.isBehind(res, o)) return false;
    deps.logger?.debug({ object: `${what} ${o.metadata.namespace}/${o.metadata.name}`, resourceVersion: o.metadata.resourceVersion }, 'the cache has not seen our last write yet; waiting for it');
    return true;
  };
  if (gateway !== undefined && behind(GatewayResource, gateway, Kind.Gateway)) return true;
  for (const kind of [Kind.TCPRoute, Kind.UDPRoute] as const) {
    for (const route of deps.view.routesForGateway(kind, namespace, name)) if (behind(deps.routeResources[kind], route, kind)) return true;
  }
  return listenerSetsBehindOwnWrite(deps, namespace, name);
}

// Listener-level problems of the mapping (a strategy that cannot express the route, a name conflict): the listener is
// not programmed, and says why. gateway-model only knows Gateway-wide data-plane outcomes, so this refines them.
function withListenerProblems(gateway: Gateway, evaluation: GatewayEvaluation, desired: GatewayDesired | undefined, now: Date) {
  const status = structuredClone(evaluation.status);
  if (!desired) return status;
  const errors = new Map<string, string[]>();
  for (const p of desired.problems) {
    if (p.severity !== 'Error') continue;
    errors.set(p.listener, [...(errors.get(p.listener) ?? []), `${p.reason}: ${p.message}`]);
  }
  for (const l of status.listeners ?? []) {
    const messages = errors.get(l.name);
    if (!messages) continue;
    l.conditions = setCondition(
      l.conditions,
      { type: ListenerConditionType.Programmed, status: 'False', reason: ListenerReason.Invalid, message: messages.join('; ') },
      gateway.metadata.generation,
      now,
    );
  }
  return status;
}

/** Condition type set (True) while another Service or Gateway announces one of the Gateway's addresses. */
export const ADDRESS_CONFLICT_CONDITION = 'kube-vip.io/AddressConflict';

// A collision is reported, never resolved by moving the Gateway: its address may already be in use by clients. The
// condition exists only while there is a collision, so a Gateway without one shows exactly the standard conditions.
function withAddressCollisions(gateway: Gateway, status: NonNullable<Gateway['status']>, collisions: readonly AddressCollision[], now: Date) {
  const others = (status.conditions ?? []).filter((c) => c.type !== ADDRESS_CONFLICT_CONDITION);
  if (collisions.length === 0) return { ...status, conditions: others };
  const message = collisions
    .map((c) => `address ${c.address} is also announced by ${c.holders.join(', ')}`)
    .join('; ');
  const conditions = setCondition(
    status.conditions,
    {
      type: ADDRESS_CONFLICT_CONDITION,
      status: 'True',
      reason: 'AddressInUse',
      message: `${message}: kube-vip would announce it for both; change or remove the other object (an allocation by kube-vip-cloud-provider from the same ConfigMap, which cannot see Gateways, or a hand-set address)`,
    },
    gateway.metadata.generation,
    now,
  );
  return { ...status, conditions };
}

function reportTransitions(deps: GatewayReconcilerDeps, gateway: Gateway, status: NonNullable<Gateway['status']>, decision: ReturnType<AddressBook['decide']>): void {
  if (decision.allocated) {
    deps.metrics?.allocated(decision.allocated.key);
    deps.events.event(gateway, 'Normal', 'AddressAssigned', `assigned ${decision.allocated.addresses.join(', ')} from pool ${decision.allocated.key}`);
  }
  const conflictBefore = findCondition(gateway.status?.conditions, ADDRESS_CONFLICT_CONDITION);
  const conflictAfter = findCondition(status.conditions, ADDRESS_CONFLICT_CONDITION);
  if (conflictAfter && conflictAfter.message !== conflictBefore?.message) deps.events.event(gateway, 'Warning', 'AddressConflict', conflictAfter.message);
  const before = findCondition(gateway.status?.conditions, GatewayConditionType.Programmed);
  const after = findCondition(status.conditions, GatewayConditionType.Programmed);
  if (after && after.status === 'False' && (before?.reason !== after.reason || before?.message !== after.message)) {
    if (decision.failure) deps.metrics?.allocationFailed(decision.failure._tag);
    deps.events.event(gateway, 'Warning', after.reason, after.message);
  }
  for (const l of status.listeners ?? []) {
    const was = findCondition(gateway.status?.listeners?.find((x) => x.name === l.name)?.conditions, ListenerConditionType.Programmed);
    const now = findCondition(l.conditions, ListenerConditionType.Programmed);
    if (now?.reason === ListenerReason.Invalid && now.status === 'False' && was?.message !== now.message) {
      deps.events.event(gateway, 'Warning', 'ListenerNotProgrammed', `listener ${l.name}: ${now.message}`);
    }
  }
}

