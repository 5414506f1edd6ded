// @kube-vip-gw/controller-runtime: the project's only I/O layer. See README.md for the API overview.

export * from './errors.js';
export * from './object.js';
export * from './time.js';
export * from './resources.js';
export * from './selectors.js';
export * from './patch.js';
export * from './client.js';
export { MemoryCluster, compareKubeVersions, type AdmissionHook, type MemoryClusterOptions } from './memory-cluster.js';
export { KubeClient, loadKubeConfig, type KubeClientOptions, type KubeConfigSource } from './kube-client.js';
export * from './logging.js';
export * from './backoff.js';
export * from './store.js';
export * from './informer.js';
export * from './rate-limiter.js';
export * from './workqueue.js';
export * from './metrics.js';
export * from './predicates.js';
export * from './informer-factory.js';
export * from './controller.js';
export * from './leader-election.js';
export * from './events.js';
export * from './http-server.js';
export * from './manager.js';
export * from './retry.js';
export * from './own-writes.js';
