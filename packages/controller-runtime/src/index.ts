// @kube-vip-gw/controller-runtime: the project's only I/O layer. See README.md for the API overview.

export * from './errors.js';
export * from './object.js';
export * from './time.js';
export * from './resources.js';
export * from './client/patch.js';
// The pure parts the runtime's API is written in (selectors, patches, JSON equality), for programs that use only it.
export {
  applyJsonPatch,
  applyMergePatch,
  createMergePatch,
  formatLabelSelector,
  isEmptyPatch,
  jsonEqual,
  labelSelectorString,
  matchesFields,
  matchesLabels,
  parseFieldSelector,
  parseLabelSelector,
  toLabelRequirements,
  type FieldSelectorInput,
  type JsonPatchOperation,
  type JsonValue,
  type LabelSelector,
  type LabelSelectorInput,
  type LabelSelectorRequirement,
} from '@kube-vip-gw/kube-core';
export * from './client/client.js';
export { KubeClient, loadKubeConfig, type KubeClientOptions, type KubeConfigSource } from './client/kube-client.js';
export * from './logging.js';
export * from './backoff.js';
export * from './cache/store.js';
export * from './cache/informer.js';
export * from './cache/string-pool.js';
export * from './workqueue/rate-limiter.js';
export * from './workqueue/workqueue.js';
export * from './metrics.js';
export * from './controller/predicates.js';
export * from './cache/informer-factory.js';
export * from './controller/controller.js';
export * from './controller/finalizer.js';
export * from './leader-election/leader-election.js';
export * from './events/events.js';
export * from './manager/http-server.js';
export * from './manager/manager.js';
export * from './client/retry.js';
export * from './client/own-writes.js';
