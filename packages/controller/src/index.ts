// @kube-vip-gw/controller: the kube-vip Gateway API controller's reconcilers and wiring, exported so the binary, the CLI
// (and anyone embedding the controller) run exactly the same code.
export { AddressBook, gatewayOwner, gatewayPorts, serviceAddresses, serviceOwner, type AddressDecision, type AddressPolicy } from './address-book.js';
export { CacheView, Index, ROUTE_INDEXERS, type Indexer, type StoreKey, type ViewStores } from './cache-view.js';
export {
  GATEWAY_RESOURCE,
  LISTENER_SET_RESOURCE,
  VIEW_INDEXERS,
  WATCHED_RESOURCES,
  descriptorsOf,
  listViewStores,
  routeDescriptors,
  viewStores,
  watchPermissions,
  type WatchedResource,
} from './watched-resources.js';
export { gatewayReconciler, gatewayReconcilerDeps, type GatewayReconcilerInput } from './reconciler-deps.js';
export { BatchedForeignAddresses, FOREIGN_SERVICES_SELECTOR, freshForeignAddresses, type ForeignAddressReader } from './fresh-read.js';
export { setupGatewayControllers, type GatewayControllers, type GatewayControllersOptions } from './controllers.js';
export { DEFAULT_CONTROLLER_NAME, DEFAULT_IPAM_CONFIGMAP, InvalidFlagError, parseConfigMapRef } from './defaults.js';
export { InvalidParametersError, PARAMETER_KEYS, mergeParameters, parseGatewayParameters, type GatewayParameters } from './parameters.js';
export { GATEWAY_CLEANUP_FINALIZER, applyPlan, reconcileGateway, type EventSink, type EventType, type GatewayReconcilerDeps, type ReconcileOutcome } from './reconcile-gateway.js';
export { reconcileGatewayClass, type GatewayClassReconcilerDeps } from './reconcile-gatewayclass.js';
export { RENDER_RESOURCES, RenderInputError, RenderNotConvergedError, renderOffline, type RenderOptions, type RenderResult, type RenderedEvent } from './render.js';
export { StallGuard, fenceWrites, type StallGuardOptions } from './stall-guard.js';
export { GATEWAY_API_BUNDLE_VERSION } from './version.js';
export type { ClusterView } from './view.js';
