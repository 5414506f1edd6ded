// @kube-vip-gw/controller: the kube-vip Gateway API controller's reconcilers and wiring, exported so the CLI (and
// anyone embedding the controller) runs exactly the code the binary runs.
export { AddressBook, gatewayOwner, gatewayPorts, serviceAddresses, serviceOwner, type AddressDecision, type AddressPolicy } from './address-book.js';
export { CacheView, Index, VIEW_INDEXERS, type ViewStores } from './cache-view.js';
export {
  DEFAULT_CONTROLLER_NAME,
  DEFAULT_IPAM_CONFIGMAP,
  InvalidFlagError,
  controllerCommand,
  normaliseGoStyleFlags,
  parseBindAddress,
  parseConfigMapRef,
  parseControllerOptions,
  type ControllerOptions,
  type LogFormat,
} from './options.js';
export { InvalidParametersError, PARAMETER_KEYS, mergeParameters, parseGatewayParameters, type GatewayParameters } from './parameters.js';
export { GATEWAY_CLEANUP_FINALIZER, applyPlan, reconcileGateway, type EventSink, type EventType, type GatewayReconcilerDeps, type ReconcileOutcome } from './reconcile-gateway.js';
export { reconcileGatewayClass, type GatewayClassReconcilerDeps } from './reconcile-gatewayclass.js';
export { RENDER_RESOURCES, RenderInputError, RenderNotConvergedError, renderOffline, type RenderOptions, type RenderResult, type RenderedEvent } from './render.js';
export { GATEWAY_API_BUNDLE_VERSION } from './version.js';
export type { ClusterView } from './view.js';

