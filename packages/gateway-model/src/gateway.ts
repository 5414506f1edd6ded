// evaluateGateway: the one call the Gateway reconciler makes. From a snapshot of cached objects plus the outcomes of
// the parts done elsewhere (IPAM, applying Services), it computes everything that must be written: the Gateway's
// status, the route status.parents entries for this Gateway, and per listener the route that is served and its
// resolved backends, which the service-mapper turns into Services.
import { isDeepStrictEqual } from 'node:util';
import type { AnnouncementOutcome } from './announcement.js';
import { attachRoute, compareRoutePrecedence, refersToGateway } from './attachment.js';
import { indexBackends, resolveBackends, type BackendResolution, type ResolvedBackend } from './backends.js';
import { findCondition, mergeConditions, type ConditionInput, type Now } from './conditions.js';
import {
  AddressType,
  GatewayClassConditionType,
  GatewayConditionType,
  GatewayReason,
  ListenerConditionType,
  ListenerReason,
} from './constants.js';
import { defaultGatewayAddress } from './defaults.js';
import { SERVED_ROUTE_KINDS } from './kinds.js';
import { NotOurGatewayError } from './errors.js';
import { evaluateListeners, type ListenerVerdict } from './listeners.js';
import { finishListenerSets, prepareListenerSets, type ListenerSetOutcome, type ListenerSetRef } from './listener-sets.js';
import { parametersProblem, type ParametersLookup, type ParametersOptions } from './parameters.js';
import { mergeRouteParents } from './route-status.js';
import type {
  Gateway,
  GatewayClass,
  GatewaySpecAddress,
  L4Route,
  L4RouteKind,
  ListenerSet,
  ListenerStatus,
  Namespace,
  ReferenceGrant,
  RouteParentStatus,
  Service,
} from './types.js';

/**
 * What IPAM decided for the Gateway. `unsupportedType`: spec.addresses asks for a type other than IPAddress
 * (Accepted=False/UnsupportedAddress). `notUsable`: a requested address cannot be used: outside every pool, in use,
 * malformed, wrong family (Programmed=False/AddressNotUsable). `notAssigned`: no address yet, e.g. the pool is
 * exhausted or allocation has not run (Programmed=False/AddressNotAssigned). `conflicted`: the Gateway holds its
 * addresses but another holder (a Service kube-vip-cloud-provider allocated, a hand-set address) carries one of them,
 * so kube-vip would announce it for both: not programmed (AddressNotUsable, the message names the other holder) and
 * no Service may announce it. `addresses` on the failure variants are what is assigned so far and stays in
 * status.addresses.
 */
export type AddressOutcome =
  | { kind: 'assigned'; addresses: readonly string[] }
  | { kind: 'unsupportedType'; addresses: readonly GatewaySpecAddress[] }
  | { kind: 'notUsable'; message: string; addresses?: readonly string[] }
  | { kind: 'notAssigned'; reason: string; addresses?: readonly string[] }
  | { kind: 'conflicted'; addresses: readonly string[]; message: string };

/**
 * Whether the Services realising the Gateway are in place: `applied` (all applied), `pending` (not attempted yet,
 * e.g. the first evaluation whose served routes the caller is about to apply), `failed` (an apply failed; retried).
 */
export type DataPlaneOutcome = { kind: 'applied' } | { kind: 'pending'; message?: string } | { kind: 'failed'; message: string };

export type { AnnouncementOutcome } from './announcement.js';

/** The snapshot evaluateGateway works on. */
export interface GatewaySnapshot {
  controllerName: string;
  gateway: Gateway;
  /** The Gateway's class; must be ours (the caller filters). Its Accepted condition gates the Gateway's. */
  gatewayClass: GatewayClass;
  /** By served route kind: the routes that name this Gateway in spec.parentRefs or carry one of our status entries for it. */
  routes?: Partial<Record<L4RouteKind, readonly L4Route[]>>;
  /**
   * ListenerSets whose spec.parentRef names this Gateway (others are ignored). The routes and namespaces above must
   * then also include the routes naming them and the ListenerSets' namespaces.
   */
  listenerSets?: readonly ListenerSet[];
  /** Namespaces (for allowedRoutes selectors). */
  namespaces?: readonly Namespace[];
  /** Services that backendRefs may name. */
  services?: readonly Service[];
  /** ReferenceGrants in the backends' namespaces. */
  referenceGrants?: readonly ReferenceGrant[];
  /** What the caller found at spec.infrastructure.parametersRef (ignored when unset). */
  parameters?: ParametersLookup;
  parametersOptions?: ParametersOptions;
  address: AddressOutcome;
  dataPlane: DataPlaneOutcome;
  /** When given, the custom kube-vip.io/Announced condition is written. */
  announcement?: AnnouncementOutcome;
  now: Now;
}

/** The route a listener serves and where its traffic goes. */
export interface ServedRoute {
  kind: L4RouteKind;
  route: L4Route;
  /** Resolved backends with weight > 0. */
  backends: ResolvedBackend[];
  /** Weight of unresolvable backendRefs, whose share of connections must be rejected. */
  rejectedWeight: number;
}

/** A route, identified. */
export interface RouteRef {
  kind: L4RouteKind;
  namespace: string;
  name: string;
}

/** The outcome for one listener. */
export interface ListenerOutcome {
  name: string;
  port: number;
  protocol: string;
  accepted: boolean;
  programmed: boolean;
  /** Accepted routes attached to this listener (counted also on rejected listeners, as specified). */
  attachedRoutes: number;
  /**
   * Set for a listener of a ListenerSet: which one, and the listener's own name there (`name` is then the unique
   * "namespace/listenerSet/listener" the data plane knows it by).
   */
  listenerSet?: ListenerSetRef & { listener: string };
  /** Those routes in precedence order (oldest first). */
  attached: RouteRef[];
  /**
   * The oldest attached route with its backends, when the Gateway and the listener are accepted. Several routes on
   * one listener are all Accepted (GEP-2644/2645 and conformance; the older api-overview page saying TCP/UDP
   * listeners take a single route is stale), but only this one receives traffic.
   */
  served?: ServedRoute;
}

/** The new status.parents of a route, and whether it differs from the stored one. */
export interface RouteStatusUpdate {
  kind: L4RouteKind;
  route: L4Route;
  parents: RouteParentStatus[];
  changed: boolean;
}

/** The status a Gateway gets. */
export type GatewayStatus = NonNullable<Gateway['status']>;

/** Everything the Gateway reconciler must write or hand to the service-mapper. */
export interface GatewayEvaluation {
  accepted: boolean;
  programmed: boolean;
  /** The complete status to write (fields and condition types of others preserved). */
  status: GatewayStatus;
  /** False when `status` deep-equals the stored one: no write needed. */
  statusChanged: boolean;
  /** The addresses in status.addresses. */
  addresses: string[];
  listeners: ListenerOutcome[];
  /** One entry per input route, with its new status.parents. */
  routes: RouteStatusUpdate[];
  /** One entry per input ListenerSet naming the Gateway, in precedence order, with its new status. */
  listenerSets: ListenerSetOutcome[];
}

/** spec.addresses split by what IPAM must do: unsupported types, static IPs to use, and how many to pick. */
export interface RequestedAddresses {
  /** Entries whose type is not IPAddress (the caller reports them with `unsupportedType`). */
  unsupported: { type: string; value?: string }[];
  /** IPAddress entries with a value. */
  static: string[];
  /** IPAddress entries without a value, each asking for an automatically assigned address (GatewayAddressEmpty). */
  unspecified: number;
}

/** Splits a Gateway's spec.addresses (type defaulted to IPAddress) for the IPAM step. */
export function requestedAddresses(gateway: Gateway): RequestedAddresses {
  const out: RequestedAddresses = { unsupported: [], static: [], unspecified: 0 };
  const addresses = Array.isArray(gateway.spec?.addresses) ? gateway.spec.addresses : [];
  for (const raw of addresses) {
    const a = defaultGatewayAddress(raw ?? {});
    if (a.type !== AddressType.IPAddress) out.unsupported.push(a);
    else if (a.value === undefined) out.unspecified += 1;
    else out.static.push(a.value);
  }
  return out;
}

function describeAddresses(addresses: readonly GatewaySpecAddress[]): string {
  return addresses.map((a) => `${a.type ?? AddressType.IPAddress} ${JSON.stringify(a.value ?? '')}`).join(', ');
}

type Verdict = { status: ConditionInput['status']; reason: string; message: string };

function acceptedVerdict(snapshot: GatewaySnapshot, listeners: readonly ListenerVerdict[]): Verdict {
  const { gateway, gatewayClass } = snapshot;
  if (listeners.length === 0) return { status: 'False', reason: GatewayReason.Invalid, message: 'the Gateway has no listeners' };
  const classAccepted = findCondition(gatewayClass.status?.conditions, GatewayClassConditionType.Accepted);
  const className = gatewayClass.metadata.name;
  if (classAccepted?.status === 'False') {
    return { status: 'False', reason: GatewayReason.Invalid, message: `GatewayClass "${className}" is not accepted: ${classAccepted.reason}: ${classAccepted.message}` };
  }
  if (classAccepted?.status !== 'True') {
    return { status: 'Unknown', reason: GatewayReason.Pending, message: `waiting for GatewayClass "${className}" to be accepted` };
  }
  const ref = gateway.spec.infrastructure?.parametersRef;
  const problem = ref === undefined ? undefined : parametersProblem(ref, snapshot.parameters, 'local', snapshot.parametersOptions);
  if (problem !== undefined) return { status: 'False', reason: GatewayReason.InvalidParameters, message: `spec.infrastructure.${problem}` };
  if (snapshot.address.kind === 'unsupportedType') {
    return {
      status: 'False',
      reason: GatewayReason.UnsupportedAddress,
      message: `unsupported address type(s): ${describeAddresses(snapshot.address.addresses)}; only ${AddressType.IPAddress} is supported`,
    };
  }
  const accepted = listeners.filter((l) => l.accepted).map((l) => `"${l.name}"`);
  const problems = listeners.flatMap((l) => l.problems);
  if (accepted.length === 0) return { status: 'False', reason: GatewayReason.ListenersNotValid, message: `no valid listeners: ${problems.join('; ')}` };
  if (problems.length > 0) {
    return { status: 'True', reason: GatewayReason.ListenersNotValid, message: `accepted listener(s) ${accepted.join(', ')}; invalid: ${problems.join('; ')}` };
  }
  return { status: 'True', reason: GatewayReason.Accepted, message: `accepted by ${snapshot.controllerName}` };
}

function programmedVerdict(snapshot: GatewaySnapshot, accepted: Verdict, addresses: readonly string[]): Verdict {
  if (accepted.status === 'Unknown') return { status: 'Unknown', reason: GatewayReason.Pending, message: accepted.message };
  if (accepted.status === 'False') return { status: 'False', reason: GatewayReason.Invalid, message: `the Gateway is not accepted (${accepted.reason})` };
  const { address, dataPlane } = snapshot;
  if (address.kind === 'notUsable') return { status: 'False', reason: GatewayReason.AddressNotUsable, message: address.message };
  if (address.kind === 'notAssigned') return { status: 'False', reason: GatewayReason.AddressNotAssigned, message: address.reason };
  if (address.kind === 'conflicted') return { status: 'False', reason: GatewayReason.AddressNotUsable, message: address.message };
  if (dataPlane.kind === 'pending') return { status: 'False', reason: GatewayReason.Pending, message: dataPlane.message ?? 'waiting for the Services to be applied' };
  if (dataPlane.kind === 'failed') return { status: 'False', reason: GatewayReason.Pending, message: `applying the Services failed, will retry: ${dataPlane.message}` };
  return { status: 'True', reason: GatewayReason.Programmed, message: `address(es) ${addresses.join(', ')} assigned and Services applied` };
}

function listenerProgrammed(listener: ListenerVerdict, gatewayProgrammed: Verdict): ConditionInput {
  const type = ListenerConditionType.Programmed;
  if (!listener.accepted) return { type, status: 'False', reason: ListenerReason.Invalid, message: 'the listener is not accepted' };
  if (listener.supportedKinds.length === 0) return { type, status: 'False', reason: ListenerReason.Invalid, message: 'no route kind can attach to the listener' };
  if (gatewayProgrammed.status === 'True') return { type, status: 'True', reason: ListenerReason.Programmed, message: 'programmed' };
  return { type, status: gatewayProgrammed.status === 'Unknown' ? 'Unknown' : 'False', reason: ListenerReason.Pending, message: gatewayProgrammed.message };
}

function routeKey(kind: L4RouteKind, route: L4Route): string {
  return `${kind}/${route.metadata.namespace ?? ''}/${route.metadata.name}`;
}

/**
 * Computes everything the Gateway reconciler writes for one of our Gateways. Pure and cheap, so the reconciler calls
 * it twice: with `dataPlane: {kind: 'pending'}` to learn the served routes and apply Services, then with the apply's
 * outcome to get the final status.
 * @throws NotOurGatewayError when `gatewayClass` is not the Gateway's class or not ours (a caller bug).
 */
export function evaluateGateway(snapshot: GatewaySnapshot): GatewayEvaluation {
  const { gateway, gatewayClass, controllerName, now } = snapshot;
  const gatewayName = `${gateway.metadata.namespace ?? ''}/${gateway.metadata.name}`;
  if (gateway.spec?.gatewayClassName !== gatewayClass.metadata.name) {
    throw new NotOurGatewayError(gatewayName, `its gatewayClassName is "${String(gateway.spec?.gatewayClassName)}", not "${gatewayClass.metadata.name}"`);
  }
  if (gatewayClass.spec?.controllerName !== controllerName) {
    throw new NotOurGatewayError(gatewayName, `GatewayClass "${gatewayClass.metadata.name}" belongs to "${String(gatewayClass.spec?.controllerName)}", not "${controllerName}"`);
  }
  const generation = gateway.metadata.generation;
  const listeners = evaluateListeners(gateway);
  const accepted = acceptedVerdict(snapshot, listeners);
  const addresses = [...(snapshot.address.kind === 'unsupportedType' ? [] : (snapshot.address.addresses ?? []))];
  const programmed = programmedVerdict(snapshot, accepted, addresses);
  const namespaces = new Map((snapshot.namespaces ?? []).map((n) => [n.metadata.name, n] as const));
  const listenerSets = prepareListenerSets({ gateway, gatewayListeners: listeners, listenerSets: snapshot.listenerSets ?? [], namespaces });

  // Routes: attachment per parentRef, backends once per route, status.parents merged.
  const index = indexBackends(snapshot.services ?? [], snapshot.referenceGrants ?? []);
  const attachedTo = new Map<string, { kind: L4RouteKind; route: L4Route; resolution: BackendResolution }[]>();
  const routes: RouteStatusUpdate[] = [];
  const seenRoutes = new Set<string>();
  const inputs = SERVED_ROUTE_KINDS.map((k) => [k.kind, snapshot.routes?.[k.kind] ?? []] as const);
  for (const [kind, list] of inputs) {
    for (const route of list) {
      const key = routeKey(kind, route);
      if (seenRoutes.has(key)) continue;
      seenRoutes.add(key);
      const verdicts = [...attachRoute({ gateway, listeners, route, routeKind: kind, namespaces }), ...listenerSets.attach(route, kind)];
      const resolution = resolveBackends(route, kind, index);
      const desired = verdicts.map((v) => ({
        parentRef: v.parentRef,
        conditions: [v.accepted, resolution.resolvedRefs, ...(resolution.partiallyInvalid === undefined ? [] : [resolution.partiallyInvalid])],
      }));
      const parents = mergeRouteParents({ route, controllerName, inScope: (ref) => refersToGateway(ref, gateway) || listenerSets.inScope(ref), desired, now });
      routes.push({ kind, route, parents, changed: !isDeepStrictEqual(parents, route.status?.parents ?? []) });
      const listenerNames = new Set(verdicts.flatMap((v) => v.listeners));
      for (const name of listenerNames) {
        const list = attachedTo.get(name) ?? [];
        list.push({ kind, route, resolution });
        attachedTo.set(name, list);
      }
    }
  }

  // Listeners: status entries (one per name, first wins, as status.listeners is a map) and what each serves.
  const previousListeners = new Map((gateway.status?.listeners ?? []).map((l) => [l.name, l] as const));
  const listenerStatuses: ListenerStatus[] = [];
  const outcomes: ListenerOutcome[] = [];
  const statusNames = new Set<string>();
  for (const l of listeners) {
    const attached = [...(attachedTo.get(l.name) ?? [])].sort((a, b) => compareRoutePrecedence(a.route, b.route));
    const programmedCondition = listenerProgrammed(l, programmed);
    const outcome: ListenerOutcome = {
      name: l.name,
      port: l.port,
      protocol: l.protocol,
      accepted: l.accepted,
      programmed: programmedCondition.status === 'True',
      attachedRoutes: attached.length,
      attached: attached.map((a) => ({ kind: a.kind, namespace: a.route.metadata.namespace ?? '', name: a.route.metadata.name })),
    };
    const oldest = attached[0];
    if (oldest !== undefined && l.accepted && accepted.status === 'True' && l.supportedKinds.length > 0) {
      outcome.served = { kind: oldest.kind, route: oldest.route, backends: oldest.resolution.backends, rejectedWeight: oldest.resolution.rejectedWeight };
    }
    outcomes.push(outcome);
    if (statusNames.has(l.name)) continue;
    statusNames.add(l.name);
    listenerStatuses.push({
      name: l.name,
      supportedKinds: l.supportedKinds,
      attachedRoutes: attached.length,
      conditions: mergeConditions(previousListeners.get(l.name)?.conditions, [...l.conditions, programmedCondition], {
        generation,
        now,
        owned: Object.values(ListenerConditionType),
      }),
    });
  }

  const setOutcomes = finishListenerSets(listenerSets, {
    gatewayAccepted: accepted,
    gatewayProgrammed: programmed,
    attachedTo,
    now,
    outcomes,
  });

  const conditionUpdates: ConditionInput[] = [
    { type: GatewayConditionType.Accepted, ...accepted },
    { type: GatewayConditionType.Programmed, ...programmed },
  ];
  if (snapshot.announcement !== undefined) {
    const a = snapshot.announcement;
    conditionUpdates.push({ type: GatewayConditionType.Announced, status: a.status, reason: a.reason, message: a.message });
  }
  const previous = gateway.status ?? {};
  const status: GatewayStatus = {
    ...previous,
    addresses: addresses.map((value) => ({ type: AddressType.IPAddress, value })),
    conditions: mergeConditions(previous.conditions, conditionUpdates, {
      generation,
      now,
      owned: [GatewayConditionType.Accepted, GatewayConditionType.Programmed],
    }),
    listeners: listenerStatuses,
  };
  // Written once the Gateway takes ListenerSets (or wrote it before), so Gateways without any keep exactly the status
  // they had; the conformance suite reads an absent count as 0.
  const attachedListenerSets = setOutcomes.filter((o) => o.accepted).length;
  const takesListenerSets = (gateway.spec?.allowedListeners?.namespaces?.from ?? 'None') !== 'None';
  if (takesListenerSets || attachedListenerSets > 0 || previous.attachedListenerSets !== undefined) status.attachedListenerSets = attachedListenerSets;
  return {
    accepted: accepted.status === 'True',
    programmed: programmed.status === 'True',
    status,
    statusChanged: !isDeepStrictEqual(status, gateway.status),
    addresses,
    listeners: outcomes,
    routes,
    listenerSets: setOutcomes,
  };
}

/**
 * status.parents of `route` without our entries for `gateway`, for when the Gateway is deleted or leaves our class
 * (other controllers' entries and our entries for other Gateways are kept).
 */
export function routeParentsWithoutGateway(route: L4Route, controllerName: string, gateway: Gateway, now: Now): RouteParentStatus[] {
  return mergeRouteParents({ route, controllerName, inScope: (ref) => refersToGateway(ref, gateway), desired: [], now });
}
