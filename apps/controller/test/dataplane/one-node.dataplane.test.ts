// The data-plane scenarios that need one node, on one environment (control plane, controller, data plane: about
// 20 s to start on 2 cores, so they share it): traffic and strategies, lifecycle, the upgrade to the Gateway Service, restarts
// (kube-vip-cloud-provider has a file of its own: cloud-provider.dataplane.test.ts).
// Each scenario uses namespaces and addresses of its own. docs/dataplane.md.
import { describe } from 'vitest';
import { lifecycleScenarios } from './scenarios/lifecycle.js';
import { RIDE_OUT_RESTARTS, restartScenarios } from './scenarios/restarts.js';
import { STICKY_MODULE, trafficScenarios } from './scenarios/traffic.js';
import { upgradeScenarios } from './scenarios/upgrade.js';
import { DATAPLANE_SKIP_REASON, useDataPlaneEnvironment } from './support/environment.js';

describe.skipIf(DATAPLANE_SKIP_REASON)('data plane, one node', () => {
  const env = useDataPlaneEnvironment({ controllerArgs: ['--strategy-module', STICKY_MODULE], kubeVipEnv: RIDE_OUT_RESTARTS });
  trafficScenarios(env);
  lifecycleScenarios(env);
  upgradeScenarios(env);
  // Last: it restarts the controller and the API server and kills kube-vip.
  restartScenarios(env);
});
