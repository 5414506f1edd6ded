// Public entry of @kube-vip-gw/gateway-model: the pure Gateway API model shared by the controller, the CLI and tests.
export type * from './types.js';
export { boundedLabelValue, boundedName, MAX_NAME_LENGTH } from './names.js';
export * from './constants.js';
export * from './errors.js';
export * from './conditions.js';
export * from './defaults.js';
export * from './kinds.js';
export * from './selectors.js';
export * from './parameters.js';
export * from './gatewayclass.js';
export * from './listeners.js';
export * from './attachment.js';
export * from './backends.js';
export * from './route-status.js';
export * from './gateway.js';
export * from './announcement.js';
export * from './address-conflict.js';
export * from './listener-sets.js';
