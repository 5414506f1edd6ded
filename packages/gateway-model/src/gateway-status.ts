// The Gateway status rules that refine evaluateGateway's status with what the controller learns beyond the snapshot:
// listener problems of the Service mapping, and address collisions with other holders (their condition, and the
// `conflicted` address outcome). Beside the rest of the status logic, so a Gateway condition has one home: here,
// gateway.ts (Accepted, Programmed, addresses), listeners.ts (listener conditions) and announcement.ts (Announced).
import { setCondition, type Now } from './conditions.js';
import { ListenerConditionType, ListenerReason } from './constants.js';
import type { AddressOutcome, GatewayEvaluation, GatewayStatus } from './gateway.js';
import type { Gateway } from './types.js';

/** Condition type set (True) while another Service or Gateway announces one of the Gateway's addresses. */
export const ADDRESS_CONFLICT_CONDITION = 'kube-vip.io/AddressConflict';

/** Reason of the AddressConflict condition. */
export const ADDRESS_CONFLICT_REASON = 'AddressInUse';

/** A problem the Service mapping found for one listener (the service-mapper's ListenerProblem, structurally). */
export interface ListenerMappingProblem {
  listener: string;
  severity: 'Error' | 'Warning';
  reason: string;
  message: string;
}

/** Another holder of one of the Gateway's addresses, as the controller's address book reports it. */
export interface AddressCollisionReport {
  address: string;
  /** `Service <ns>/<name>` or `Gateway <ns>/<name>`, sorted. */
  holders: readonly string[];
}

/**
 * The evaluation's status with the mapping's Error problems on their listeners: Programmed=False/Invalid with every
 * problem in the message (a strategy that cannot express the route, a name conflict). gateway-model knows only
 * Gateway-wide data-plane outcomes, so this refines them per listener. Warnings set no condition (Events carry them).
 */
export function withListenerProblems(gateway: Gateway, evaluation: GatewayEvaluation, problems: readonly ListenerMappingProblem[] | undefined, now: Now): GatewayStatus {
  const status = structuredClone(evaluation.status);
  if (!problems) return status;
  const errors = new Map<string, string[]>();
  for (const p of problems) {
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

/**
 * The status with the AddressConflict condition: True while another holder announces one of the Gateway's addresses,
 * absent otherwise (so a Gateway without a collision shows exactly the standard conditions). A collision is reported,
 * never resolved by moving the Gateway: its address may already be in use by clients.
 */
export function withAddressCollisions(gateway: Gateway, status: GatewayStatus, collisions: readonly AddressCollisionReport[], now: Now): GatewayStatus {
  const others = (status.conditions ?? []).filter((c) => c.type !== ADDRESS_CONFLICT_CONDITION);
  if (collisions.length === 0) return { ...status, conditions: others };
  const message = collisions.map((c) => `address ${c.address} is also announced by ${c.holders.join(', ')}`).join('; ');
  const conditions = setCondition(
    status.conditions,
    {
      type: ADDRESS_CONFLICT_CONDITION,
      status: 'True',
      reason: ADDRESS_CONFLICT_REASON,
      message: `${message}: kube-vip would announce it for both; change or remove the other object (an allocation by kube-vip-cloud-provider from the same ConfigMap, which cannot see Gateways, or a hand-set address)`,
    },
    gateway.metadata.generation,
    now,
  );
  return { ...status, conditions };
}

/**
 * An assigned outcome that another holder shares becomes `conflicted`: the Gateway keeps the address (it may be in
 * use) but is not programmed, so kube-vip announces it only for the other holder, until that one goes.
 */
export function conflictedOutcome(outcome: AddressOutcome, collisions: readonly AddressCollisionReport[]): AddressOutcome {
  if (outcome.kind !== 'assigned' || collisions.length === 0) return outcome;
  const message = collisions.map((c) => `address ${c.address} is also held by ${c.holders.join(', ')}`).join('; ');
  return {
    kind: 'conflicted',
    addresses: outcome.addresses,
    message: `${message}: not programmed, so kube-vip announces it only for the other holder; this Gateway keeps it (it may be in use) until the other holder goes`,
  };
}
