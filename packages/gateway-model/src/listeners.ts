// Listener validation for an L4 implementation: TCP and UDP are served; HTTP, HTTPS, TLS and custom protocols are
// reported as UnsupportedProtocol with no supported kinds. Only the spec is looked at here; Programmed depends on the
// address and data plane and is added by evaluateGateway.
import type { ConditionInput } from './conditions.js';
import {
  FromNamespaces,
  GATEWAY_API_GROUP,
  ListenerConditionType,
  ListenerReason,
  NAMESPACE_NAME_LABEL,
} from './constants.js';
import { defaultAllowedRoutes, routeKindForProtocol } from './defaults.js';
import { SERVED_PROTOCOLS, unservedRouteKindForProtocol } from './kinds.js';
import { compileLabelSelector, type LabelPredicate } from '@kube-vip-gw/kube-core';
import type { Gateway, L4RouteKind, Listener, Namespace, RouteGroupKind } from './types.js';

/** Which namespaces a listener takes routes from, compiled. `invalid` admits none. */
export type AllowedNamespaces =
  | { from: 'Same' }
  | { from: 'All' }
  | { from: 'Selector'; matches: LabelPredicate }
  | { from: 'invalid'; problem: string };

/** The spec-level verdict on one listener. */
export interface ListenerVerdict {
  listener: Listener;
  name: string;
  port: number;
  protocol: string;
  /** The route kind the protocol serves (TCPRoute for TCP, UDPRoute for UDP), or undefined for other protocols. */
  routeKind: L4RouteKind | undefined;
  /** The listener's Accepted condition is True. */
  accepted: boolean;
  /** The listener is indistinct from another one (Conflicted=True). */
  conflicted: boolean;
  /** Route kinds that may attach: what the protocol serves, narrowed by allowedRoutes.kinds. */
  supportedKinds: Required<RouteGroupKind>[];
  allowedNamespaces: AllowedNamespaces;
  /** Accepted, ResolvedRefs and, when conflicted, Conflicted. */
  conditions: ConditionInput[];
  /** What is wrong, for the Gateway's ListenersNotValid message; empty for a valid listener. */
  problems: string[];
}

function isValidPort(port: unknown): port is number {
  return typeof port === 'number' && Number.isInteger(port) && port >= 1 && port <= 65535;
}

function kindName(k: Required<RouteGroupKind>): string {
  return k.group === GATEWAY_API_GROUP ? k.kind : `${k.group}/${k.kind}`;
}

function compileAllowedNamespaces(listener: Listener): AllowedNamespaces {
  const { namespaces } = defaultAllowedRoutes(listener.allowedRoutes);
  switch (namespaces.from) {
    case FromNamespaces.Same:
      return { from: 'Same' };
    case FromNamespaces.All:
      return { from: 'All' };
    case FromNamespaces.Selector: {
      if (namespaces.selector === undefined) return { from: 'invalid', problem: 'allowedRoutes.namespaces.from is Selector but no selector is set' };
      const compiled = compileLabelSelector(namespaces.selector);
      if (!compiled.ok) return { from: 'invalid', problem: `allowedRoutes.namespaces.selector is invalid: ${compiled.error.problem}` };
      return { from: 'Selector', matches: compiled.value };
    }
    default:
      return { from: 'invalid', problem: `allowedRoutes.namespaces.from "${namespaces.from}" is not one of All, Same, Selector` };
  }
}

/**
 * Evaluates every listener of `gateway` from its spec: protocol support, port validity, fields TCP/UDP must not
 * carry, allowedRoutes, supported kinds (ResolvedRefs=False/InvalidRouteKinds for kinds we cannot serve, still listing
 * the valid ones) and conflicts. TCP and UDP listeners are distinguished by port only, so two TCP (or two UDP)
 * listeners on one port conflict (the CRD rejects that; a hand-made object may not), while TCP and UDP on one port
 * are distinct and compatible (GEP-2644/2645).
 */
export function evaluateListeners(gateway: Gateway): ListenerVerdict[] {
  const listeners = Array.isArray(gateway.spec?.listeners) ? gateway.spec.listeners : [];
  const nameCounts = new Map<string, number>();
  for (const l of listeners) nameCounts.set(l.name, (nameCounts.get(l.name) ?? 0) + 1);
  // Conflicts are only among listeners we serve: the rule that HTTP/HTTPS/TLS listeners sharing a port with a TCP
  // listener are indistinct applies to implementations that support both, and we reject the former anyway.
  const byProtocolPort = new Map<string, string[]>();
  for (const l of listeners) {
    if (routeKindForProtocol(l.protocol) === undefined || !isValidPort(l.port)) continue;
    const key = `${l.port}/${l.protocol}`;
    const names = byProtocolPort.get(key) ?? [];
    names.push(l.name);
    byProtocolPort.set(key, names);
  }

  return listeners.map((listener) => {
    const routeKind = routeKindForProtocol(listener.protocol);
    const problems: string[] = [];
    const conditions: ConditionInput[] = [];
    const allowedNamespaces = compileAllowedNamespaces(listener);
    const label = `listener "${listener.name}"`;

    if (routeKind === undefined) {
      const known = unservedRouteKindForProtocol(listener.protocol);
      const message = `${label}: protocol "${listener.protocol}" is not supported${known ? ` (its route kind ${known.kind} is not served)` : ''}; this implementation serves ${SERVED_PROTOCOLS.join(' and ')} only`;
      problems.push(message);
      // A listener we do not serve supports no route kind, so every kind it lists is one "the implementation does not
      // support" (AllowedRoutes.kinds godoc: ResolvedRefs=False/InvalidRouteKinds; conformance GatewayInvalidRouteKind
      // checks exactly this on an HTTP listener with kinds [InvalidRoute]). Unset or empty kinds name nothing.
      const listed = (defaultAllowedRoutes(listener.allowedRoutes).kinds ?? []).map((k) => kindName(k as Required<RouteGroupKind>));
      const resolvedRefs: ConditionInput =
        listed.length === 0
          ? { type: ListenerConditionType.ResolvedRefs, status: 'True', reason: ListenerReason.ResolvedRefs, message: 'no references to resolve' }
          : {
              type: ListenerConditionType.ResolvedRefs,
              status: 'False',
              reason: ListenerReason.InvalidRouteKinds,
              message: `unsupported route kind(s) ${[...new Set(listed)].join(', ')}: protocol "${listener.protocol}" serves no route kind here; supported: none`,
            };
      return {
        listener,
        name: listener.name,
        port: listener.port,
        protocol: listener.protocol,
        routeKind,
        accepted: false,
        conflicted: false,
        supportedKinds: [],
        allowedNamespaces,
        conditions: [
          { type: ListenerConditionType.Accepted, status: 'False', reason: ListenerReason.UnsupportedProtocol, message },
          resolvedRefs,
        ],
        problems,
      };
    }

    // Accepted: the first applicable reason wins, the message lists every problem.
    let acceptedReason: string | undefined;
    const rejections: string[] = [];
    const reject = (reason: string, message: string) => {
      acceptedReason ??= reason;
      rejections.push(`${label}: ${message}`);
    };
    if (!isValidPort(listener.port)) reject(ListenerReason.PortUnavailable, `port ${JSON.stringify(listener.port)} is not in 1-65535`);
    if ((nameCounts.get(listener.name) ?? 0) > 1) reject(ListenerReason.UnsupportedValue, 'name is used by more than one listener');
    if (listener.hostname !== undefined && listener.hostname !== '') reject(ListenerReason.UnsupportedValue, `hostname "${listener.hostname}" must not be set for protocol ${listener.protocol}`);
    if (listener.tls !== undefined && listener.tls !== null) reject(ListenerReason.UnsupportedValue, `tls must not be set for protocol ${listener.protocol}`);
    if (allowedNamespaces.from === 'invalid') reject(ListenerReason.UnsupportedValue, allowedNamespaces.problem);

    const sharing = isValidPort(listener.port) ? (byProtocolPort.get(`${listener.port}/${listener.protocol}`) ?? []) : [];
    const conflicted = sharing.length > 1;
    if (conflicted) {
      // The Gateway godoc says indistinct listeners MUST NOT be accepted; GEP-2644's example shows them Accepted=True
      // and Conflicted=True. We follow the specification (the godoc): not accepted, and no winner is picked.
      const others = sharing.filter((n) => n !== listener.name).map((n) => `"${n}"`);
      reject(ListenerReason.PortUnavailable, `port ${listener.port}/${listener.protocol} is also used by listener(s) ${others.join(', ') || `"${listener.name}"`}; ${listener.protocol} listeners are told apart by port only`);
    }

    // Supported kinds: from the protocol, narrowed by allowedRoutes.kinds; unknown kinds are dropped and reported.
    const served = { group: GATEWAY_API_GROUP, kind: routeKind };
    const { kinds } = defaultAllowedRoutes(listener.allowedRoutes);
    let supportedKinds: Required<RouteGroupKind>[] = [served];
    const invalidKinds: string[] = [];
    if (kinds !== undefined) {
      supportedKinds = kinds.some((k) => k.group === served.group && k.kind === served.kind) ? [served] : [];
      for (const k of kinds) if (!(k.group === served.group && k.kind === served.kind)) invalidKinds.push(kindName(k as Required<RouteGroupKind>));
      if (kinds.length === 0) supportedKinds = [served]; // an empty list means "not restricted", like an unset one
    }
    problems.push(...rejections);
    if (invalidKinds.length > 0) {
      problems.push(`${label}: route kind(s) ${invalidKinds.join(', ')} cannot attach to a ${listener.protocol} listener (supported: ${routeKind})`);
    }

    const accepted = acceptedReason === undefined;
    conditions.push(
      accepted
        ? { type: ListenerConditionType.Accepted, status: 'True', reason: ListenerReason.Accepted, message: `${listener.protocol} listener on port ${listener.port} accepted` }
        : { type: ListenerConditionType.Accepted, status: 'False', reason: acceptedReason as string, message: rejections.join('; ') },
    );
    conditions.push(
      invalidKinds.length === 0
        ? { type: ListenerConditionType.ResolvedRefs, status: 'True', reason: ListenerReason.ResolvedRefs, message: 'all references resolved' }
        : {
            type: ListenerConditionType.ResolvedRefs,
            status: 'False',
            reason: ListenerReason.InvalidRouteKinds,
            message: `unsupported route kind(s) ${invalidKinds.join(', ')}; supported: ${supportedKinds.map(kindName).join(', ') || 'none'}`,
          },
    );
    if (conflicted) {
      // Same protocol and port with no hostname to tell them apart: a hostname conflict in the specification's terms
      // (ProtocolConflict is for the same port with conflicting protocols).
      conditions.push({
        type: ListenerConditionType.Conflicted,
        status: 'True',
        reason: ListenerReason.HostnameConflict,
        message: `port ${listener.port}/${listener.protocol} is shared with ${sharing.filter((n) => n !== listener.name).map((n) => `"${n}"`).join(', ')}`,
      });
    }
    return {
      listener,
      name: listener.name,
      port: listener.port,
      protocol: listener.protocol,
      routeKind,
      accepted,
      conflicted,
      supportedKinds,
      allowedNamespaces,
      conditions,
      problems,
    };
  });
}

/** A namespace's labels, with kubernetes.io/metadata.name added when missing (the API server always sets it). */
export function namespaceLabels(namespaces: ReadonlyMap<string, Namespace>, name: string): Record<string, string> {
  return { ...(namespaces.get(name)?.metadata.labels ?? {}), [NAMESPACE_NAME_LABEL]: name };
}

/** Why a listener does not take routes of `routeKind` from `routeNamespace`, or undefined when it does. */
export function listenerRefusal(
  verdict: ListenerVerdict,
  routeKind: L4RouteKind,
  routeNamespace: string,
  gatewayNamespace: string,
  namespaces: ReadonlyMap<string, Namespace>,
): string | undefined {
  const label = `listener "${verdict.name}"`;
  if (!verdict.supportedKinds.some((k) => k.group === GATEWAY_API_GROUP && k.kind === routeKind)) {
    const kinds = verdict.supportedKinds.map(kindName).join(', ');
    return `${label} (${verdict.protocol}) does not allow ${routeKind} (allowed kinds: ${kinds || 'none'})`;
  }
  const allowed = verdict.allowedNamespaces;
  switch (allowed.from) {
    case 'All':
      return undefined;
    case 'Same':
      return routeNamespace === gatewayNamespace ? undefined : `${label} only allows routes from the Gateway's namespace "${gatewayNamespace}", not "${routeNamespace}"`;
    case 'Selector':
      return allowed.matches(namespaceLabels(namespaces, routeNamespace))
        ? undefined
        : `${label} only allows routes from namespaces matching its selector; "${routeNamespace}" does not match`;
    case 'invalid':
      return `${label} allows no routes: ${allowed.problem}`;
  }
}
