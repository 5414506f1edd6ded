// The keys other programs read (kube-vip, kube-vip-cloud-provider, kube-proxy, Gateway API tooling) are contracts:
// a typo here silently breaks announcement or address accounting, so they are pinned through the public entry.
import { describe, expect, it } from 'vitest';
import * as api from './index.js';

describe('public contract keys', () => {
  it.each([
    ['GATEWAY_NAME_LABEL', 'gateway.networking.k8s.io/gateway-name'],
    ['GATEWAY_CLASS_NAME_LABEL', 'gateway.networking.k8s.io/gateway-class-name'],
    ['IMPLEMENTATION_LABEL', 'implementation'],
    ['IMPLEMENTATION_VALUE', 'kube-vip'],
    ['MANAGED_BY_LABEL', 'app.kubernetes.io/managed-by'],
    ['LOADBALANCER_IPS_ANNOTATION', 'kube-vip.io/loadbalancerIPs'],
    ['LEASE_NAME_ANNOTATION', 'kube-vip.io/leaseName'],
    ['SERVICE_NAME_LABEL', 'kubernetes.io/service-name'],
    ['ENDPOINT_SLICE_MANAGED_BY_LABEL', 'endpointslice.kubernetes.io/managed-by'],
    ['SERVICE_BEHAVIOUR_LABEL', 'serviceBehaviour'],
    ['SELECTOR_KEY_LABEL', 'selectorkey'],
    ['SELECTOR_VALUE_LABEL', 'selectorvalue'],
  ] as const)('%s is %s', (name, value) => {
    expect(api[name]).toBe(value);
  });

  it('never lets anything set what kube-vip writes', () => {
    expect(api.KUBE_VIP_WRITTEN_ANNOTATIONS).toEqual(['kube-vip.io/vipHost', 'kube-vip.io/hwaddr', 'kube-vip.io/requestedIP']);
    for (const key of api.KUBE_VIP_WRITTEN_ANNOTATIONS) expect(api.RESERVED_ANNOTATIONS).toContain(key);
  });

  it('exports the four built-in strategies under their names', () => {
    expect(api.BUILT_IN_STRATEGIES.map((s) => s.name)).toEqual(['create', 'duplicate', 'endpoints', 'update']);
    expect([api.createStrategy, api.duplicateStrategy, api.endpointsStrategy, api.updateStrategy]).toEqual(api.BUILT_IN_STRATEGIES);
  });
});
