// kube-vip-cloud-provider beside the controller, on an environment of its own: when kube-vip's update of a Service
// conflicts with kube-vip-cloud-provider's, kube-vip v1.0.0 was seen retrying for about a minute and announcing
// nothing else meanwhile (docs/dataplane.md), which would stall the scenarios sharing its kube-vip.
import { describe } from 'vitest';
import { cloudProviderScenarios } from './scenarios/cloud-provider.js';
import { DATAPLANE_SKIP_REASON, useDataPlaneEnvironment } from './support/environment.js';

describe.skipIf(DATAPLANE_SKIP_REASON)('data plane, with kube-vip-cloud-provider', () => {
  const env = useDataPlaneEnvironment();
  cloudProviderScenarios(env);
});
