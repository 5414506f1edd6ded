// @kube-vip-gw/service-mapper: from a Gateway's served listeners to the Services (and EndpointSlices) kube-vip
// announces, with pluggable strategies, and the minimal plan of writes to get there. Pure: no I/O, no clock.

export * from './constants.js';
export * from './errors.js';
export type * from './types.js';
export { applyMergePatch, createMergePatch, isEmptyPatch, type JsonObject, type JsonValue } from '@kube-vip-gw/kube-core';
export { parseServiceSelector, routeSelector, type ServiceSelector } from './selector.js';
export { isProblem, listenerPortName, type ServiceOptions, type ServiceStrategy, type StrategyContext } from './strategy.js';
export { AUTO_STRATEGY, BUILT_IN_STRATEGIES, createStrategyRegistry, StrategyRegistry } from './registry.js';
export { resolveStrategyName, type StrategyChoice, type StrategySource } from './resolve.js';
export { createStrategy } from './strategies/create.js';
export { duplicateStrategy } from './strategies/duplicate.js';
export { ENDPOINTS_PER_SLICE, endpointsStrategy } from './strategies/endpoints.js';
export { updateStrategy } from './strategies/update.js';
export { desiredForGateway, mapListener } from './mapper.js';
export { GATEWAY_SERVICE_STRATEGY } from './gateway-service.js';
export {
  hasDeferredWrites,
  hasPendingGiveBack,
  kubeVipSettled,
  DEFAULT_KUBE_VIP_SETTLE_TIMEOUT_MS,
  isEmptyPlan,
  planChanges,
  planRelease,
  type ActualObjects,
  type ChangePlan,
  type DeferredWrite,
  type PlanOptions,
  type ObjectPatch,
  type ObjectRef,
  type ObjectReplacement,
  type PlanProblem,
} from './plan.js';
export {
  adoptService,
  giveBackService,
  readUpdateRecord,
  RECORDED_SPEC_FIELDS,
  restoreService,
  writeUpdateRecord,
  type AdoptionOutcome,
  type GiveBackOutcome,
  type GiveBackStep,
  type PortKey,
  type RecordedSpecField,
  type UpdateRecord,
} from './update-record.js';
export { gatewayServiceName, leaseName, listenerServiceName, servicePortNames } from './internal/envelope.js';
