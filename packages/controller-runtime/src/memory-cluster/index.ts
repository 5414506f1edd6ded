// @kube-vip-gw/controller-runtime/memory: an in-process cluster implementing the Client contract (tests, offline
// render). On its own export path so programs that talk to a real API server do not load it.
export { MemoryCluster, compareKubeVersions, type AdmissionHook, type MemoryClusterOptions } from './memory-cluster.js';
