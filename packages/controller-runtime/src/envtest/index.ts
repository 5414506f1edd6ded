// @kube-vip-gw/controller-runtime/envtest: a real etcd + kube-apiserver on 127.0.0.1 for end-to-end tests and
// `kvgw local-cluster`, built from the Go module proxy (tools/envtest/build.sh) or taken from KUBEBUILDER_ASSETS.
export {
  ADMIN_GROUP,
  ADMIN_USER,
  DEFAULT_SERVICE_CLUSTER_IP_RANGE,
  ENVTEST_FIELD_MANAGER,
  LocalControlPlane,
  etcdArgs,
  freePort,
  kubeApiserverArgs,
} from './control-plane.js';
export type {
  ApiServerConfig,
  ControlPlaneTimings,
  GatewayApiCrdsOption,
  InstalledCrds,
  LocalControlPlaneOptions,
  StopResult,
} from './control-plane.js';
export { runLocalCluster } from './local-cluster.js';
export type { LocalClusterOptions } from './local-cluster.js';
export {
  DEFAULT_GATEWAY_API_VERSION,
  binariesIn,
  ensureBinaries,
  findEnvtestToolsDir,
  parseVersionsEnv,
  readEnvtestVersions,
} from './binaries.js';
export type { ControlPlaneBinaries, EnsureBinariesOptions, EnvtestVersions } from './binaries.js';
export { GATEWAY_API_MODULE, gatewayApiCrdDir, parseManifests, readManifestDir } from './crds.js';
export type { GatewayApiChannel, Manifest, ManifestObject } from './crds.js';
export { CertificateAuthority, MAX_NAME_LENGTH, opensslSubject, validateIdentity } from './certs.js';
export type { CertificateRequest, CertificateUsage, KeyAndCertificate } from './certs.js';
export { KUBECONFIG_CONTEXT, renderKubeconfig } from './kubeconfig.js';
export type { KubeconfigSpec } from './kubeconfig.js';
export type { ManagedProcessSpec, ProcessExit } from './process.js';
// For other long-running test processes (the data plane's kube-vip and kube-proxy) that must not outlive the run.
export { ManagedProcess, trackCleanupCommand, untrackCleanupCommand } from './process.js';
export {
  BinariesUnavailableError,
  CertificateError,
  ControlPlaneCrashedError,
  ControlPlaneRequestError,
  ControlPlaneStartError,
  ControlPlaneStoppedError,
  CrdInstallError,
  GatewayApiCrdsUnavailableError,
  InvalidIdentityError,
} from './errors.js';
export type { EnvtestError } from './errors.js';
