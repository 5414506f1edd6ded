import { describe, expect, it } from 'vitest';
import { CLUSTER_CIDR, POOL_V4, nodeAddresses } from './addresses.js';
import { KUBE_VIP_IDENTITY, kubeVipRbac, nodeStatus } from './cluster-objects.js';

describe('cluster objects', () => {
  it('kube-vip gets only what it uses: Services read+update, EndpointSlices read, Leases get/create/update', () => {
    const [role, binding] = kubeVipRbac() as [{ rules: { resources: string[]; verbs: string[] }[] }, { subjects: { name: string }[] }];
    expect(role.rules.map((r) => `${r.resources.join()}:${r.verbs.join()}`)).toEqual([
      'services:get,list,watch,update',
      'services/status:update',
      'endpointslices:get,list,watch',
      'leases:get,create,update',
    ]);
    expect(binding.subjects[0]!.name).toBe(KUBE_VIP_IDENTITY.user);
  });

  it('a node reports both InternalIPs of its lan side (kube-proxy reads them)', () => {
    const status = nodeStatus(2) as { status: { addresses: { type: string; address: string }[] } };
    expect(status.status.addresses.filter((a) => a.type === 'InternalIP').map((a) => a.address)).toEqual([nodeAddresses(2).lanV4, nodeAddresses(2).lanV6]);
  });

  it('the pool is on the client segment and outside the cluster CIDR (so client traffic is masqueraded)', () => {
    expect(POOL_V4.first.startsWith('10.77.0.')).toBe(true);
    expect(CLUSTER_CIDR).toBe('10.78.0.0/24,fd78::/64');
  });
});
