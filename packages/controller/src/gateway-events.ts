// The Gateway reconciler's Event job: Events and metrics for the transitions a reconcile made.
import { ADDRESS_CONFLICT_CONDITION, GatewayConditionType, ListenerConditionType, ListenerReason, findCondition, type Gateway } from '@kube-vip-gw/gateway-model';
import type { GatewayDesired } from '@kube-vip-gw/service-mapper';
import type { AddressBook } from './address-book.js';
import type { GatewayReconcilerDeps } from './gateway-deps.js';

/**
 * Records what changed between the Gateway's stored status and the new one: an allocation (Event, metric), a new or
 * changed AddressConflict, a Programmed=False with a new reason or message (Event, and the allocation failure metric),
 * and every listener newly not programmed for a mapping problem.
 */
export function reportTransitions(deps: GatewayReconcilerDeps, gateway: Gateway, status: NonNullable<Gateway['status']>, decision: ReturnType<AddressBook['decide']>): void {
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

/** Records the mapping's warnings: one Event per warning of a listener or route, and one per Gateway-wide warning. */
export function reportMappingWarnings(deps: GatewayReconcilerDeps, gateway: Gateway, desired: GatewayDesired): void {
  for (const p of desired.problems) {
    const route = p.route ? ` (${p.route.kind} ${p.route.namespace}/${p.route.name})` : '';
    if (p.severity === 'Warning') deps.events.event(gateway, 'Warning', p.reason, `listener ${p.listener}${route}: ${p.message}`);
  }
  for (const p of desired.gatewayProblems) deps.events.event(gateway, 'Warning', p.reason, p.message);
}
