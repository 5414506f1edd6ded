// Public entry of @kube-vip-gw/cli: the kvgw command tree and its commands as functions, for embedding and tests.
export { buildProgram, defaultRenderOffline, processIo, runCli, type CliDeps } from './program.js';
export * from './errors.js';
export { colourEnabled, Printer, Styler, type CliIo, type OutputStream, type Style } from './io.js';
export { formatData, type DataFormat } from './output.js';
export { formatTable } from './table.js';
export {
  DEFAULT_NAMESPACE,
  describeObjectName,
  loadManifests,
  MANIFEST_EXTENSIONS,
  objectIdentity,
  parseManifests,
  SUPPORTED_KINDS,
  type LoadedManifest,
  type LoadOptions,
  type ManifestOptions,
  type SupportedKind,
} from './manifests.js';
export {
  compareObjects,
  DEFAULT_RENDER_TIME,
  deterministicUid,
  KIND_ORDER,
  normaliseObject,
  OMITTED_KINDS,
  renderManifests,
  toListDocument,
  type ObjectListDocument,
  type RenderOffline,
  type RenderOfflineOptions,
  type RenderOfflineResult,
  type RenderOptions,
  type RenderOutput,
} from './render.js';
export { ipamAllocate, parseUsedList, poolKeyFor, readConfigMapData, type AllocateCommandOptions } from './ipam-allocate.js';
export {
  checkIpamData,
  formatCheckReport,
  intersectRanges,
  ipamCheck,
  type CheckCommandOptions,
  type ConfigMapReport,
  type FamilyReport,
  type PoolReport,
  type Problem,
} from './ipam-check.js';
export {
  collectUsage,
  computeUsage,
  formatUsage,
  ipamUsage,
  percentUsed,
  type AddressUsage,
  type PoolUsage,
  type UsageCommandOptions,
  type UsageReport,
} from './ipam-usage.js';
export {
  collectStatus,
  formatCondition,
  formatStatus,
  LOADBALANCER_IPS_ANNOTATION,
  status,
  summariseGateways,
  VIP_HOST_ANNOTATION,
  type ConditionSummary,
  type GatewaySummary,
  type ListenerSummary,
  type ServiceSummary,
  type StatusCommandOptions,
} from './status.js';
export { closeClient, connectKubeClient, hasDefaultKubeconfig, kubeClientConnector, listIfServed, listRequired, parseConfigMapRef, type ClusterConnector } from './cluster.js';
export { DUAL_STACK_SERVICE_RANGES, localCluster, stopAfterReady, type StopAfterReady, type CrdChannel, type LocalClusterCommandOptions, type LocalClusterRunner } from './local-cluster.js';
export {
  applyManifests,
  defaultControllerBundle,
  defaultExamplesDir,
  demo,
  DEMO_FIELD_MANAGER,
  formatServices,
  notProgrammed,
  dataPlaneDemoSet,
  type DemoDeps,
  type DemoOptions,
} from './demo.js';
export {
  DATA_PLANE_DEMO_GATEWAYS,
  DATA_PLANE_DEMO_POOLS,
  dataPlaneDemoManifests,
  decideDataPlane,
  exchangeThroughGateways,
  formatExchanges,
  notAnnounced,
  type DataPlaneDecision,
  type DataPlaneMode,
  type DataPlaneProbes,
  type DemoGateway,
  type DemoListener,
  type Exchange,
} from './demo-dataplane.js';
