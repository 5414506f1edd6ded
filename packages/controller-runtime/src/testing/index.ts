// Test helpers for code built on the controller runtime: the shared Client contract suite, an HTTP front-end for
// MemoryCluster, and a fault-injecting client wrapper. Imported from `@kube-vip-gw/controller-runtime/testing`.

export { collectEvents, describeClientContract, eventually, uniqueSuffix, type ContractContext } from './client-contract.js';
export {
  serveMemoryCluster,
  type InterceptedRequest,
  type InterceptResponse,
  type MemoryApiServer,
  type MemoryApiServerOptions,
} from './memory-api-server.js';
export { FaultyClient, type RecordedCall, type Verb } from './faulty-client.js';
