// @kube-vip-gw/dataplane: a real kube-vip + kube-proxy data plane in network namespaces, for tests and the demo.
export * from './addresses.js';
export { startApiRelay, type ApiRelay } from './api-relay.js';
export { KUBE_PROXY_IDENTITY, KUBE_VIP_IDENTITY, kubeVipRbac, nodeName, nodeObject, nodeStatus } from './cluster-objects.js';
export { DataPlane } from './dataplane.js';
export type { DataPlaneNode, DataPlaneOptions, EchoReply, ProbeResult, Protocol } from './dataplane.js';
export { DATAPLANE_BUILD_SCRIPT, ensureDataPlaneBinaries } from './binaries.js';
export type { DataPlaneBinaries, DataPlaneBinaryName } from './binaries.js';
export { DataPlaneBinariesError, DataPlaneProcessError, DataPlaneUnavailableError, NetnsCommandError } from './errors.js';
export type { DataPlaneError } from './errors.js';
export {
  NETNS_PREFIX,
  assertDataPlaneSupported,
  dataPlaneUnsupportedReason,
  listNamespaces,
  removeStaleNamespaces,
} from './netns.js';
export { KUBE_VIP_CLOUD_PROVIDER_IDENTITY, kubeVipCloudProviderRbac, startKubeVipCloudProvider } from './cloud-provider.js';
