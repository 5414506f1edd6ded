// The data-plane scenarios that need two kube-vip nodes on one segment, on one environment: per-Service election
// (kube-vip restarted with svc_election=true for it), the kube-vip.io/Announced condition against kube-vip (its 5 s
// leases here make an expired lease quick to see), then fail-over with kube-vip's default single election (last: it
// takes a node off the segment). docs/dataplane.md.
import { describe } from 'vitest';
import { announcedScenarios } from './scenarios/announced.js';
import { electionScenarios } from './scenarios/election.js';
import { failoverScenarios } from './scenarios/failover.js';
import { DATAPLANE_SKIP_REASON, useDataPlaneEnvironment } from './support/environment.js';

describe.skipIf(DATAPLANE_SKIP_REASON)('data plane, two nodes', () => {
  const env = useDataPlaneEnvironment({ nodes: 2 });
  electionScenarios(env);
  announcedScenarios(env);
  failoverScenarios(env);
});
