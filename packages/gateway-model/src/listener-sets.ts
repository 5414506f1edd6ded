// ListenerSets (GEP-1713, v1 in the standard channel of v1.6.1): listeners that other namespaces add to a Gateway.
// This module decides which ListenerSets naming a Gateway are attached (the Gateway's spec.allowedListeners), merges
// their listeners after the Gateway's own in the specified precedence (the Gateway, then ListenerSets oldest first,
// then by "namespace/name"), marks the later of two listeners on one port Conflicted, attaches routes whose parentRef
// is a ListenerSet, and builds each ListenerSet's status. evaluateGateway calls it; nothing here does I/O.
import { isDeepStrictEqual } from 'node:util';
import { compareByAge, compareRoutePrecedence, type ParentRefVerdict } from './attachment.js';
import type { BackendResolution } from './backends.js';
import { mergeConditions, type ConditionInput, type Now } from './conditions.js';
import {
  FromListenerNamespaces,
  GATEWAY_API_GROUP,
  Kind,
  ListenerConditionType,
  ListenerReason,
  ListenerSetConditionType,
  ListenerSetReason,
  RouteConditionType,
  RouteReason,
} from './constants.js';
import { defaultParentRef, parentRefKey, type DefaultedParentRef } from './defaults.js';
import { evaluateListeners, listenerRefusal, namespaceLabels, type ListenerVerdict } from './listeners.js';
import { mergeRouteParents } from './route-status.js';
import { compileLabelSelector } from '@kube-vip-gw/kube-core';
import type { ListenerOutcome } from './gateway.js';
import type { Gateway, L4Route, L4RouteKind, ListenerSet, ListenerStatus, Namespace, RouteParentStatus } from './types.js';

/** A ListenerSet's identity. */
export interface ListenerSetRef {
  namespace: string;
  name: string;
}

/** The verdict on one ListenerSet that names the Gateway. */
export interface ListenerSetVerdict {
  listenerSet: ListenerSet;
  ref: ListenerSetRef;
  /** Selected by the Gateway's allowedListeners. */
  allowed: boolean;
  /** Why it is not allowed (for NotAllowed), when it is not. */
  refusal?: string;
  /**
   * Its listeners, validated and with conflicts against the Gateway's listeners and older ListenerSets applied
   * (empty when not allowed: a ListenerSet the Gateway does not take adds nothing to it).
   */
  listeners: ListenerVerdict[];
}

function isValidPort(port: unknown): port is number {
  return typeof port === 'number' && Number.isInteger(port) && port >= 1 && port <= 65535;
}

/**
 * ListenerSet precedence (ListenerSetSpec.listeners godoc): oldest creationTimestamp first, then "namespace/name"
 * alphabetically. Missing or invalid timestamps sort last, so they never win.
 */
export function compareListenerSetPrecedence(a: ListenerSet, b: ListenerSet): number {
  return compareByAge(a, b);
}

/** True when the ListenerSet's spec.parentRef (group, kind and namespace defaulted) names `gateway`. */
export function listenerSetRefersTo(listenerSet: ListenerSet, gateway: Gateway): boolean {
  const ref = listenerSet.spec?.parentRef;
  if (ref === null || typeof ref !== 'object' || typeof ref.name !== 'string') return false;
  const namespace = ref.namespace === undefined || ref.namespace === '' ? (listenerSet.metadata.namespace ?? '') : ref.namespace;
  return (
    (ref.group ?? GATEWAY_API_GROUP) === GATEWAY_API_GROUP &&
    (ref.kind ?? Kind.Gateway) === Kind.Gateway &&
    namespace === (gateway.metadata.namespace ?? '') &&
    ref.name === gateway.metadata.name
  );
}

/**
 * Why the Gateway's spec.allowedListeners does not take a ListenerSet from `namespace`, or undefined when it does.
 * `from` defaults to None (the CRD default), so a Gateway takes no ListenerSet unless it says so.
 */
export function listenerSetRefusal(gateway: Gateway, namespace: string, namespaces: ReadonlyMap<string, Namespace>): string | undefined {
  const gatewayName = `${gateway.metadata.namespace ?? ''}/${gateway.metadata.name}`;
  const allowed = gateway.spec?.allowedListeners?.namespaces;
  const from = allowed?.from ?? FromListenerNamespaces.None;
  switch (from) {
    case FromListenerNamespaces.All:
      return undefined;
    case FromListenerNamespaces.Same:
      return namespace === (gateway.metadata.namespace ?? '')
        ? undefined
        : `Gateway "${gatewayName}" allows ListenerSets from its own namespace only (spec.allowedListeners.namespaces.from: Same), not from "${namespace}"`;
    case FromListenerNamespaces.Selector: {
      if (allowed?.selector === undefined) return `Gateway "${gatewayName}" has spec.allowedListeners.namespaces.from: Selector but no selector`;
      const compiled = compileLabelSelector(allowed.selector);
      if (!compiled.ok) return `Gateway "${gatewayName}" has an invalid spec.allowedListeners.namespaces.selector: ${compiled.error.problem}`;
      return compiled.value(namespaceLabels(namespaces, namespace))
        ? undefined
        : `namespace "${namespace}" does not match the spec.allowedListeners.namespaces.selector of Gateway "${gatewayName}"`;
    }
    case FromListenerNamespaces.None:
      return `Gateway "${gatewayName}" allows no ListenerSets (spec.allowedListeners.namespaces.from: None, the default)`;
    default:
      return `Gateway "${gatewayName}" has spec.allowedListeners.namespaces.from "${String(from)}", not one of All, Same, Selector, None`;
  }
}

/** Inputs of evaluateListenerSets. */
export interface ListenerSetsInput {
  gateway: Gateway;
  /** The Gateway's own listeners (evaluateListeners), which take precedence over every ListenerSet's. */
  gatewayListeners: readonly ListenerVerdict[];
  /** ListenerSets whose parentRef names the Gateway; others are ignored. */
  listenerSets: readonly ListenerSet[];
  namespaces: ReadonlyMap<string, Namespace>;
}

function portKey(l: { port: number; protocol: string }): string {
  return `${l.port}/${l.protocol}`;
}

/**
 * Evaluates the ListenerSets that name the Gateway, in precedence order. A listener of an allowed ListenerSet is
 * validated like a Gateway listener (its allowedRoutes Same meaning the ListenerSet's namespace); one whose protocol
 * and port an earlier listener holds (any TCP/UDP listener of the Gateway with a valid port, or an accepted listener
 * of an older ListenerSet) is Conflicted and not accepted, and the earlier one is unaffected (conformance
 * ListenerSetHostnameConflict: the Gateway's listener and the first ListenerSet's stay Accepted). TCP and UDP
 * listeners have no hostname, so the same protocol on the same port is a HostnameConflict, as among a Gateway's own
 * listeners; TCP and UDP on one port do not conflict.
 */
export function evaluateListenerSets(input: ListenerSetsInput): ListenerSetVerdict[] {
  const { gateway, namespaces } = input;
  const gatewayName = `${gateway.metadata.namespace ?? ''}/${gateway.metadata.name}`;
  // Who holds each protocol/port. The parent Gateway is named in conflicts (the ListenerSet names it itself); a sibling
  // ListenerSet in another namespace is not: its owners may not be able to read it, and the specification asks not to
  // leak to a child what it could not otherwise see (ListenerSetSpec.listeners godoc).
  const holders = new Map<string, { namespace: string | undefined; name: string }>();
  for (const l of input.gatewayListeners) {
    if (l.routeKind === undefined || !isValidPort(l.port) || holders.has(portKey(l))) continue;
    holders.set(portKey(l), { namespace: undefined, name: `listener "${l.name}" of Gateway "${gatewayName}"` });
  }
  const seen = new Set<string>();
  const sets = input.listenerSets
    .filter((s) => listenerSetRefersTo(s, gateway))
    .filter((s) => {
      const key = `${s.metadata.namespace ?? ''}/${s.metadata.name}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .sort(compareListenerSetPrecedence);
  return sets.map((listenerSet) => {
    const ref = { namespace: listenerSet.metadata.namespace ?? '', name: listenerSet.metadata.name };
    const refusal = listenerSetRefusal(gateway, ref.namespace, namespaces);
    if (refusal !== undefined) return { listenerSet, ref, allowed: false, refusal, listeners: [] };
    // evaluateListeners only reads spec.listeners: the ListenerSet's listeners get exactly the Gateway listener rules.
    const own = evaluateListeners({ metadata: listenerSet.metadata, spec: { gatewayClassName: '', listeners: Array.isArray(listenerSet.spec?.listeners) ? listenerSet.spec.listeners : [] } });
    const listeners = own.map((v) => {
      const held = v.routeKind !== undefined && isValidPort(v.port) && !v.conflicted ? holders.get(portKey(v)) : undefined;
      if (held === undefined) return v;
      const holder = held.namespace === undefined || held.namespace === ref.namespace ? held.name : 'a listener of an older ListenerSet';
      const message = `port ${v.port}/${v.protocol} is already used by ${holder}, which takes precedence; ${v.protocol} listeners are told apart by port only`;
      const conditions: ConditionInput[] = [
        { type: ListenerConditionType.Accepted, status: 'False', reason: ListenerReason.HostnameConflict, message },
        ...v.conditions.filter((c) => c.type !== ListenerConditionType.Accepted && c.type !== ListenerConditionType.Conflicted),
        { type: ListenerConditionType.Conflicted, status: 'True', reason: ListenerReason.HostnameConflict, message },
      ];
      return { ...v, accepted: false, conflicted: true, conditions, problems: [...v.problems, `listener "${v.name}": ${message}`] };
    });
    for (const v of listeners) {
      if (v.accepted && v.routeKind !== undefined && !holders.has(portKey(v))) holders.set(portKey(v), { namespace: ref.namespace, name: `listener "${v.name}" of ListenerSet "${ref.namespace}/${ref.name}"` });
    }
    return { listenerSet, ref, allowed: true, listeners };
  });
}

/**
 * The name a ListenerSet listener goes by in the Gateway's merged listener list and in the data plane. Listener names
 * are unique only within one object (ListenerEntry.name godoc), and '/' cannot occur in a listener name, so this never
 * equals a Gateway listener's name or another ListenerSet's.
 */
export function listenerSetListenerKey(ref: ListenerSetRef, listenerName: string): string {
  return `${ref.namespace}/${ref.name}/${listenerName}`;
}

/** True when a (defaulted) parentRef names this ListenerSet. */
export function refersToListenerSet(ref: DefaultedParentRef, listenerSet: ListenerSetRef): boolean {
  return ref.group === GATEWAY_API_GROUP && ref.kind === Kind.ListenerSet && ref.namespace === listenerSet.namespace && ref.name === listenerSet.name;
}

function noMatchMessage(ref: DefaultedParentRef, listeners: readonly ListenerVerdict[], setName: string): string {
  const ls = `ListenerSet "${setName}"`;
  if (ref.sectionName !== undefined && ref.port !== undefined) {
    const named = listeners.find((l) => l.name === ref.sectionName);
    return named === undefined ? `${ls} has no listener named "${ref.sectionName}"` : `listener "${ref.sectionName}" of ${ls} is on port ${named.port}, not ${ref.port}`;
  }
  if (ref.sectionName !== undefined) return `${ls} has no listener named "${ref.sectionName}"`;
  if (ref.port !== undefined) return `${ls} has no listener on port ${ref.port}`;
  return `${ls} has no listeners`;
}

/**
 * Evaluates each parentRef of `route` that names one of `sets` (kind ListenerSet): sectionName and port select
 * listeners of that ListenerSet only (never the Gateway's or a sibling's: conformance
 * ListenerSetRouteStatusScopedToParentRef); the selected listeners' allowedRoutes decide, with Same meaning the
 * ListenerSet's namespace. A ListenerSet the Gateway does not take has no listeners on it: NotAllowedByListeners.
 * `listeners` of each verdict holds listenerSetListenerKey names.
 */
export function attachRouteToListenerSets(route: L4Route, routeKind: L4RouteKind, sets: readonly ListenerSetVerdict[], namespaces: ReadonlyMap<string, Namespace>): ParentRefVerdict[] {
  const routeNamespace = route.metadata.namespace ?? '';
  const rules = Array.isArray(route.spec?.rules) ? route.spec.rules : [];
  const parentRefs = Array.isArray(route.spec?.parentRefs) ? route.spec.parentRefs : [];
  const seen = new Set<string>();
  const verdicts: ParentRefVerdict[] = [];
  for (const raw of parentRefs) {
    if (raw === null || typeof raw !== 'object' || typeof raw.name !== 'string') continue;
    const parentRef = defaultParentRef(raw, routeNamespace);
    const set = sets.find((s) => refersToListenerSet(parentRef, s.ref));
    if (set === undefined) continue;
    const key = parentRefKey(parentRef, routeNamespace);
    if (seen.has(key)) continue;
    seen.add(key);
    const setName = `${set.ref.namespace}/${set.ref.name}`;
    const verdict = (reason: string, message: string, attached: string[] = []): ParentRefVerdict => ({
      parentRef,
      accepted: { type: RouteConditionType.Accepted, status: attached.length > 0 ? 'True' : 'False', reason, message },
      listeners: attached,
    });
    if (rules.length === 0) {
      verdicts.push(verdict(RouteReason.UnsupportedValue, `${routeKind} has no rules, so there is nothing to serve`));
      continue;
    }
    if (!set.allowed) {
      verdicts.push(verdict(RouteReason.NotAllowedByListeners, `ListenerSet "${setName}" is not attached to its Gateway: ${set.refusal ?? 'not allowed'}`));
      continue;
    }
    const selected = set.listeners.filter(
      (l) => (parentRef.sectionName === undefined || l.name === parentRef.sectionName) && (parentRef.port === undefined || l.port === parentRef.port),
    );
    if (selected.length === 0) {
      verdicts.push(verdict(RouteReason.NoMatchingParent, noMatchMessage(parentRef, set.listeners, setName)));
      continue;
    }
    const refusals: string[] = [];
    const attached: string[] = [];
    for (const l of selected) {
      const refusal = listenerRefusal(l, routeKind, routeNamespace, set.ref.namespace, namespaces);
      if (refusal === undefined) attached.push(l.name);
      else refusals.push(refusal.replace("the Gateway's namespace", "the ListenerSet's namespace"));
    }
    verdicts.push(
      attached.length === 0
        ? verdict(RouteReason.NotAllowedByListeners, refusals.join('; '))
        : verdict(
            RouteReason.Accepted,
            `attached to listener(s) ${attached.map((n) => `"${n}"`).join(', ')} of ListenerSet "${setName}"`,
            attached.map((n) => listenerSetListenerKey(set.ref, n)),
          ),
    );
  }
  return verdicts;
}

/** The outcome of the parent Gateway that a ListenerSet's conditions follow. */
export interface ParentOutcome {
  accepted: { status: ConditionInput['status']; reason: string; message: string };
  programmed: { status: ConditionInput['status']; reason: string; message: string };
}

/**
 * The ListenerSet-level Accepted and Programmed conditions. Reasons as the conformance tests assert them:
 * NotAllowed for both when allowedListeners does not take it (ListenerSetAllowedNamespace*); ListenersNotValid for
 * both when no listener is accepted, Accepted=True when at least one is (ListenerSetHostnameConflict).
 */
export function listenerSetConditions(set: ListenerSetVerdict, parent: ParentOutcome): { accepted: ConditionInput; programmed: ConditionInput } {
  const A = ListenerSetConditionType.Accepted;
  const P = ListenerSetConditionType.Programmed;
  if (!set.allowed) {
    const message = set.refusal ?? 'not allowed by the Gateway';
    return {
      accepted: { type: A, status: 'False', reason: ListenerSetReason.NotAllowed, message },
      programmed: { type: P, status: 'False', reason: ListenerSetReason.NotAllowed, message },
    };
  }
  if (parent.accepted.status !== 'True') {
    const message = `the parent Gateway is not accepted (${parent.accepted.reason}): ${parent.accepted.message}`;
    if (parent.accepted.status === 'Unknown') {
      return {
        accepted: { type: A, status: 'Unknown', reason: ListenerSetReason.Pending, message },
        programmed: { type: P, status: 'Unknown', reason: ListenerSetReason.Pending, message },
      };
    }
    return {
      accepted: { type: A, status: 'False', reason: ListenerSetReason.ParentNotAccepted, message },
      programmed: { type: P, status: 'False', reason: ListenerSetReason.ParentNotProgrammed, message },
    };
  }
  const valid = set.listeners.filter((l) => l.accepted).map((l) => `"${l.name}"`);
  const problems = set.listeners.flatMap((l) => l.problems);
  if (valid.length === 0) {
    const message = set.listeners.length === 0 ? 'the ListenerSet has no listeners' : `no valid listeners: ${problems.join('; ')}`;
    return {
      accepted: { type: A, status: 'False', reason: ListenerSetReason.ListenersNotValid, message },
      programmed: { type: P, status: 'False', reason: ListenerSetReason.ListenersNotValid, message },
    };
  }
  const accepted: ConditionInput =
    problems.length > 0
      ? { type: A, status: 'True', reason: ListenerSetReason.ListenersNotValid, message: `accepted listener(s) ${valid.join(', ')}; invalid: ${problems.join('; ')}` }
      : { type: A, status: 'True', reason: ListenerSetReason.Accepted, message: `attached to its Gateway with listener(s) ${valid.join(', ')}` };
  const programmed: ConditionInput =
    parent.programmed.status === 'True'
      ? { type: P, status: 'True', reason: ListenerSetReason.Programmed, message: `listener(s) ${valid.join(', ')} programmed on the Gateway's address` }
      : parent.programmed.status === 'Unknown'
        ? { type: P, status: 'Unknown', reason: ListenerSetReason.Pending, message: parent.programmed.message }
        : { type: P, status: 'False', reason: ListenerSetReason.ParentNotProgrammed, message: `the parent Gateway is not programmed (${parent.programmed.reason}): ${parent.programmed.message}` };
  return { accepted, programmed };
}

/**
 * A ListenerSet listener's Programmed condition: a conflicted listener carries the conflict's reason (conformance
 * ListenerSetHostnameConflict asserts Programmed=False/HostnameConflict), another rejected one Invalid; an accepted one
 * follows its ListenerSet's Programmed.
 */
export function listenerSetListenerProgrammed(listener: ListenerVerdict, setProgrammed: ConditionInput): ConditionInput {
  const type = ListenerConditionType.Programmed;
  if (listener.conflicted) {
    const conflict = listener.conditions.find((c) => c.type === ListenerConditionType.Conflicted);
    return { type, status: 'False', reason: conflict?.reason ?? ListenerReason.HostnameConflict, message: conflict?.message ?? 'the listener conflicts with another listener' };
  }
  if (!listener.accepted) return { type, status: 'False', reason: ListenerReason.Invalid, message: 'the listener is not accepted' };
  if (listener.supportedKinds.length === 0) return { type, status: 'False', reason: ListenerReason.Invalid, message: 'no route kind can attach to the listener' };
  if (setProgrammed.status === 'True') return { type, status: 'True', reason: ListenerReason.Programmed, message: 'programmed' };
  return { type, status: setProgrammed.status === 'Unknown' ? 'Unknown' : 'False', reason: ListenerReason.Pending, message: setProgrammed.message };
}

/** What evaluateGateway gets back for one ListenerSet. */
export interface ListenerSetOutcome {
  listenerSet: ListenerSet;
  /** Its Accepted condition is True (it counts in the Gateway's status.attachedListenerSets). */
  accepted: boolean;
  /** The complete status to write (condition types of others preserved). */
  status: NonNullable<ListenerSet['status']>;
  /** False when `status` deep-equals the stored one. */
  statusChanged: boolean;
}

/** The ListenerSets of one Gateway, evaluated before its routes are attached. */
export interface PreparedListenerSets {
  verdicts: ListenerSetVerdict[];
  /** The parentRef verdicts of a route for these ListenerSets. */
  attach(route: L4Route, kind: L4RouteKind): ParentRefVerdict[];
  /** True for a parentRef naming one of these ListenerSets: this Gateway's reconciler writes its route status. */
  inScope(ref: DefaultedParentRef): boolean;
}

/** Evaluates the ListenerSets of a Gateway (evaluateListenerSets) and binds route attachment to them. */
export function prepareListenerSets(input: ListenerSetsInput): PreparedListenerSets {
  const verdicts = evaluateListenerSets(input);
  return {
    verdicts,
    attach: (route, kind) => (verdicts.length === 0 ? [] : attachRouteToListenerSets(route, kind, verdicts, input.namespaces)),
    inScope: (ref) => verdicts.some((v) => refersToListenerSet(ref, v.ref)),
  };
}

type Attached = { kind: L4RouteKind; route: L4Route; resolution: BackendResolution };

/** What finishListenerSets needs of the Gateway's evaluation. */
export interface FinishListenerSetsInput {
  gatewayAccepted: ParentOutcome['accepted'];
  gatewayProgrammed: ParentOutcome['programmed'];
  /** Attached routes by listener name (listenerSetListenerKey for ListenerSet listeners). */
  attachedTo: ReadonlyMap<string, readonly Attached[]>;
  now: Now;
  /** The Gateway's listener outcomes; those of the ListenerSets' listeners are appended, in precedence order. */
  outcomes: ListenerOutcome[];
}

/**
 * Builds each ListenerSet's status (conditions with its own generation, listeners with supportedKinds,
 * attachedRoutes and conditions) and appends an outcome per ListenerSet listener to `outcomes`: an accepted listener
 * of an accepted ListenerSet of an accepted Gateway serves its oldest route, exactly as a Gateway listener does.
 */
export function finishListenerSets(prepared: PreparedListenerSets, input: FinishListenerSetsInput): ListenerSetOutcome[] {
  const parent: ParentOutcome = { accepted: input.gatewayAccepted, programmed: input.gatewayProgrammed };
  return prepared.verdicts.map((set) => {
    const { listenerSet } = set;
    const generation = listenerSet.metadata.generation;
    const setConditions = listenerSetConditions(set, parent);
    const setAccepted = setConditions.accepted.status === 'True';
    const previousListeners = new Map((listenerSet.status?.listeners ?? []).map((l) => [l.name, l] as const));
    const listenerStatuses: ListenerStatus[] = [];
    for (const l of set.listeners) {
      const key = listenerSetListenerKey(set.ref, l.name);
      const attached = [...(input.attachedTo.get(key) ?? [])].sort((a, b) => compareRoutePrecedence(a.route, b.route));
      const programmedCondition = listenerSetListenerProgrammed(l, setConditions.programmed);
      const outcome: ListenerOutcome = {
        name: key,
        port: l.port,
        protocol: l.protocol,
        accepted: l.accepted && setAccepted,
        programmed: programmedCondition.status === 'True',
        attachedRoutes: attached.length,
        listenerSet: { ...set.ref, listener: l.name },
        attached: attached.map((a) => ({ kind: a.kind, namespace: a.route.metadata.namespace ?? '', name: a.route.metadata.name })),
      };
      const oldest = attached[0];
      if (oldest !== undefined && l.accepted && setAccepted && l.supportedKinds.length > 0) {
        outcome.served = { kind: oldest.kind, route: oldest.route, backends: oldest.resolution.backends, rejectedWeight: oldest.resolution.rejectedWeight };
      }
      input.outcomes.push(outcome);
      if (listenerStatuses.some((s) => s.name === l.name)) continue; // status.listeners is a map keyed by name
      listenerStatuses.push({
        name: l.name,
        supportedKinds: l.supportedKinds,
        attachedRoutes: attached.length,
        conditions: mergeConditions(previousListeners.get(l.name)?.conditions, [...l.conditions, programmedCondition], {
          generation,
          now: input.now,
          owned: Object.values(ListenerConditionType),
        }),
      });
    }
    const previous = listenerSet.status ?? {};
    const status: NonNullable<ListenerSet['status']> = {
      ...previous,
      conditions: mergeConditions(previous.conditions, [setConditions.accepted, setConditions.programmed], {
        generation,
        now: input.now,
        owned: [ListenerSetConditionType.Accepted, ListenerSetConditionType.Programmed],
      }),
      listeners: listenerStatuses,
    };
    return { listenerSet, accepted: setAccepted, status, statusChanged: !isDeepStrictEqual(status, listenerSet.status) };
  });
}

/**
 * status.parents of `route` without our entries for these ListenerSets, for when a ListenerSet is deleted or moves to
 * another Gateway, or its Gateway goes (other controllers' entries and our other entries are kept).
 */
export function routeParentsWithoutListenerSets(route: L4Route, controllerName: string, sets: readonly ListenerSetRef[], now: Now): RouteParentStatus[] {
  return mergeRouteParents({ route, controllerName, inScope: (ref) => sets.some((s) => refersToListenerSet(ref, s)), desired: [], now });
}
