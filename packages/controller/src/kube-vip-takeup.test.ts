import { describe, expect, it } from 'vitest';
import type { LeaseObject, Service } from '@kube-vip-gw/gateway-model';
import { kubeVipTakeUp } from './kube-vip-takeup.js';

const NOW = new Date('2026-12-02T02:00:10Z');
const lease = (namespace: string, name: string, renewTime: string, holderIdentity = 'node1'): LeaseObject => ({
  apiVersion: 'coordination.k8s.io/v1',
  kind: 'Lease',
  metadata: { namespace, name },
  spec: { holderIdentity, renewTime, leaseDurationSeconds: 5 },
});
const view = (...leases: LeaseObject[]) => ({ lease: (ns: string, n: string) => leases.find((l) => l.metadata.namespace === ns && l.metadata.name === n) });
const svc: Service = { apiVersion: 'v1', kind: 'Service', metadata: { namespace: 'infra', name: 'kvgw-gw', creationTimestamp: '2026-12-02T02:00:00Z' } };
const GLOBAL = { namespace: 'kube-system', name: 'plndr-svcs-lock' };

describe('kubeVipTakeUp', () => {
  it('no kube-vip lease: nothing taken up (a yield is still possible)', () => {
    expect(kubeVipTakeUp(view(), NOW)(svc)).toBe(false);
  });

  it('svc_election=false: every Service while the global services lease is current, none once it expired', () => {
    expect(kubeVipTakeUp(view(lease('kube-system', 'plndr-svcs-lock', '2026-12-02T02:00:08.000000Z')), NOW)(svc)).toBe(true);
    expect(kubeVipTakeUp(view(lease('kube-system', 'plndr-svcs-lock', '2026-12-02T02:00:01.000000Z')), NOW)(svc)).toBe(false);
    expect(kubeVipTakeUp(view(lease('kube-system', 'plndr-svcs-lock', '2026-12-02T02:00:08.000000Z', '')), NOW)(svc)).toBe(false);
  });

  it('svc_election=true: the Service\u2019s own held lease, not one left by an earlier Service of the same name', () => {
    expect(kubeVipTakeUp(view(lease('infra', 'kubevip-kvgw-gw', '2026-12-02T02:00:09.000000Z')), NOW)(svc)).toBe(true);
    // Expired but renewed after the Service was created: it was taken up (kube-vip may have died holding it).
    expect(kubeVipTakeUp(view(lease('infra', 'kubevip-kvgw-gw', '2026-12-02T02:00:02.000000Z')), NOW)(svc)).toBe(true);
    expect(kubeVipTakeUp(view(lease('infra', 'kubevip-kvgw-gw', '2026-12-02T01:59:00.000000Z')), NOW)(svc)).toBe(false);
    // Released on cancel (kube-vip empties the holder).
    expect(kubeVipTakeUp(view(lease('infra', 'kubevip-kvgw-gw', '2026-12-02T02:00:09.000000Z', '')), NOW)(svc)).toBe(false);
  });

  it('follows the configured lease mode', () => {
    const perService = view(lease('infra', 'kubevip-kvgw-gw', '2026-12-02T02:00:09.000000Z'));
    expect(kubeVipTakeUp(perService, NOW, { mode: 'global', global: GLOBAL })(svc)).toBe(false);
    // mode service: kube-vip's lease write may be ahead of the cache, so every Service counts.
    expect(kubeVipTakeUp(view(), NOW, { mode: 'service', global: GLOBAL })(svc)).toBe(true);
  });
});
