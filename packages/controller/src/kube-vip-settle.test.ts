import { describe, expect, it } from 'vitest';
import type { LeaseObject, Service } from '@kube-vip-gw/gateway-model';
import type { ChangePlan } from '@kube-vip-gw/service-mapper';
import { deferredRetryMs, kubeVipPlanOptions } from './kube-vip-settle.js';

const NOW = new Date('2026-12-02T02:00:10Z');
const lease = (namespace: string, name: string, renewTime: string, holderIdentity = 'node1'): LeaseObject => ({
  apiVersion: 'coordination.k8s.io/v1',
  kind: 'Lease',
  metadata: { namespace, name },
  spec: { holderIdentity, renewTime, leaseDurationSeconds: 5 },
});
const view = (...leases: LeaseObject[]) => ({ lease: (ns: string, n: string) => leases.find((l) => l.metadata.namespace === ns && l.metadata.name === n) });
const svc: Service = { apiVersion: 'v1', kind: 'Service', metadata: { namespace: 'infra', name: 'kvgateway-infra-gw' } };

describe('kubeVipPlanOptions', () => {
  it('waits for kube-vip only while its services lease is current', () => {
    expect(kubeVipPlanOptions(view(), [svc], NOW)).toEqual({});
    expect(kubeVipPlanOptions(view(lease('kube-system', 'plndr-svcs-lock', '2026-12-02T02:00:08.000000Z')), [svc], NOW)).toEqual({ kubeVip: { nowMs: NOW.getTime() } });
    // Expired (kube-vip stopped renewing): nobody takes the Service up, nothing to wait for.
    expect(kubeVipPlanOptions(view(lease('kube-system', 'plndr-svcs-lock', '2026-12-02T02:00:01.000000Z')), [svc], NOW)).toEqual({});
    expect(kubeVipPlanOptions(view(lease('kube-system', 'plndr-svcs-lock', '2026-12-02T02:00:08.000000Z', '')), [svc], NOW)).toEqual({});
  });

  it('with svc_election=true: the per-Service lease kubevip-<service> of one of the Gateway\u2019s Services', () => {
    const perService = view(lease('infra', 'kubevip-kvgateway-infra-gw', '2026-12-02T02:00:09.000000Z'));
    expect(kubeVipPlanOptions(perService, [svc], NOW)).toEqual({ kubeVip: { nowMs: NOW.getTime() } });
    expect(kubeVipPlanOptions(perService, [], NOW)).toEqual({});
  });

  it('follows configured lease settings', () => {
    const moved = view(lease('kube-vip', 'svcs', '2026-12-02T02:00:09.000000Z'));
    expect(kubeVipPlanOptions(moved, [svc], NOW, { mode: 'global', global: { namespace: 'kube-vip', name: 'svcs' } })).toEqual({ kubeVip: { nowMs: NOW.getTime() } });
    expect(kubeVipPlanOptions(moved, [svc], NOW)).toEqual({});
  });
});

describe('deferredRetryMs', () => {
  const plan = (...untilMs: number[]): ChangePlan => ({
    create: [],
    patch: [],
    replace: [],
    delete: [],
    problems: [],
    deferred: untilMs.map((u) => ({ object: { apiVersion: 'v1', kind: 'Service', namespace: 'infra', name: 's' }, why: 'test', untilMs: u })),
  });
  it('is undefined without holds, at most 1 s, and just past the earliest hold end', () => {
    expect(deferredRetryMs(plan(), NOW)).toBeUndefined();
    expect(deferredRetryMs(plan(NOW.getTime() + 30_000), NOW)).toBe(1_000);
    expect(deferredRetryMs(plan(NOW.getTime() + 30_000, NOW.getTime() + 200), NOW)).toBe(250);
    expect(deferredRetryMs(plan(NOW.getTime() - 5), NOW)).toBe(50);
  });
});
