import { describe, expect, it } from 'vitest';
import { holderKeeps, mayHaveBeenAnnounced, yieldsAddress } from './address-conflict.js';
import type { Gateway, Service } from './types.js';

const gw = (conditions: NonNullable<Gateway['status']>['conditions'] = [], created = '2026-12-01T10:00:00Z', name = 'gw'): Gateway => ({
  metadata: { namespace: 'app', name, creationTimestamp: created },
  spec: { gatewayClassName: 'kube-vip', listeners: [] },
  status: { conditions },
});
const cond = (reason: string, status: 'True' | 'False' = 'False') => ({ type: 'kube-vip.io/Announced', status, reason, message: '', lastTransitionTime: '2026-12-01T10:00:00Z' });
const own = (opts: { ingress?: boolean; host?: boolean } = {}): Service => ({
  metadata: { namespace: 'app', name: 'kvgw-gw', annotations: { 'kube-vip.io/loadbalancerIPs': '10.0.0.10', ...(opts.host ? { 'kube-vip.io/vipHost': 'node1' } : {}) } },
  spec: { type: 'LoadBalancer' },
  ...(opts.ingress ? { status: { loadBalancer: { ingress: [{ ip: '10.0.0.10' }] } } } : {}),
});
const service = { kind: 'Service' as const, namespace: 'other', name: 'web', creationTimestamp: '2026-12-01T11:00:00Z' };

describe('mayHaveBeenAnnounced', () => {
  it.each<[string, Gateway, Service[], boolean]>([
    ['no Service, no condition', gw(), [], false],
    ['a Service carries it, kube-vip has not reported it', gw([cond('Pending')]), [own()], false],
    ['ingress on its Service', gw(), [own({ ingress: true })], true],
    ['vipHost on its Service (kube-vip claimed it, status not written yet)', gw(), [own({ host: true })], true],
    ['Announced was True once (now LeaseExpired)', gw([cond('LeaseExpired')]), [], true],
    ['Announced True', gw([cond('Announced', 'True')]), [], true],
  ])('%s -> %s', (_n, g, services, expected) => {
    expect(mayHaveBeenAnnounced(g, services, '10.0.0.10')).toBe(expected);
  });
});

describe('yieldsAddress', () => {
  it('a never-announced Gateway yields to a Service, whatever their ages', () => {
    expect(yieldsAddress({ gateway: gw(), ownServices: [own()], address: '10.0.0.10', requested: false, holders: [service] })).toBe(true);
  });
  it('keeps an address that may have been announced, or that spec.addresses asks for', () => {
    expect(yieldsAddress({ gateway: gw(), ownServices: [own({ ingress: true })], address: '10.0.0.10', requested: false, holders: [service] })).toBe(false);
    expect(yieldsAddress({ gateway: gw(), ownServices: [], address: '10.0.0.10', requested: true, holders: [service] })).toBe(false);
  });
  it('keeps an address whose Service kube-vip may have taken up before writing its status', () => {
    // kube-vip v1.0.0 adds the VIP, then writes vipHost and ingress: the Service shows neither yet.
    const takenUp = (s: Service) => s.metadata.name === 'kvgw-gw';
    expect(yieldsAddress({ gateway: gw(), ownServices: [own()], address: '10.0.0.10', requested: false, holders: [service], takenUp })).toBe(false);
    expect(mayHaveBeenAnnounced(gw(), [own()], '10.0.0.10', takenUp)).toBe(true);
    // Only a Service that carries the address counts.
    expect(mayHaveBeenAnnounced(gw(), [own()], '10.0.0.11', takenUp)).toBe(false);
    expect(yieldsAddress({ gateway: gw(), ownServices: [own()], address: '10.0.0.10', requested: false, holders: [service], takenUp: () => false })).toBe(true);
  });
  it('of two Gateways, the younger yields (name breaks a tie)', () => {
    const older = { kind: 'Gateway' as const, namespace: 'app', name: 'a', creationTimestamp: '2026-12-01T09:00:00Z' };
    const younger = { kind: 'Gateway' as const, namespace: 'app', name: 'z', creationTimestamp: '2026-12-01T11:00:00Z' };
    expect(yieldsAddress({ gateway: gw(), ownServices: [], address: '10.0.0.10', requested: false, holders: [older] })).toBe(true);
    expect(yieldsAddress({ gateway: gw(), ownServices: [], address: '10.0.0.10', requested: false, holders: [younger] })).toBe(false);
    const same = '2026-12-01T10:00:00Z';
    expect(holderKeeps(gw([], same, 'b'), { kind: 'Gateway', namespace: 'app', name: 'a', creationTimestamp: same })).toBe(true);
    expect(holderKeeps(gw([], same, 'a'), { kind: 'Gateway', namespace: 'app', name: 'b', creationTimestamp: same })).toBe(false);
  });
});
