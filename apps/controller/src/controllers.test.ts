import { describe, expect, it } from 'vitest';
import type { Condition, Gateway, Service } from '@kube-vip-gw/gateway-model';
import { serviceAddresses } from './address-book.js';
import { and } from '@kube-vip-gw/controller-runtime';
import { addressReleased, gatewayClassUseChanged, slimConfigMap, waitsForAddress } from './controllers.js';

const programmed = (status: Condition['status'], reason: string): Condition => ({
  type: 'Programmed',
  status,
  reason,
  message: '',
  lastTransitionTime: '2026-01-01T00:00:00Z',
});
const gw = (addresses: string[], conditions: Condition[] = []): Gateway => ({
  metadata: { namespace: 'ns', name: 'gw' },
  spec: { gatewayClassName: 'c', listeners: [] },
  status: { addresses: addresses.map((value) => ({ type: 'IPAddress', value })), conditions },
});
const svc = (annotation?: string, ingress: string[] = []): Service => ({
  metadata: { namespace: 'ns', name: 's', ...(annotation ? { annotations: { 'kube-vip.io/loadbalancerIPs': annotation } } : {}) },
  status: { loadBalancer: { ingress: ingress.map((ip) => ({ ip })) } },
});

describe('waitsForAddress', () => {
  it.each([
    [[programmed('False', 'AddressNotAssigned')], true],
    [[programmed('False', 'AddressNotUsable')], true],
    [[programmed('False', 'Pending')], false],
    [[programmed('True', 'Programmed')], false],
    [[], false],
  ])('Programmed %j -> %s', (conditions, expected) => {
    expect(waitsForAddress(gw([], conditions))).toBe(expected);
  });
});

describe('addressReleased', () => {
  const gateways = addressReleased((g: Gateway) => (g.status?.addresses ?? []).map((a) => a.value));
  const services = addressReleased(serviceAddresses);
  it('passes a deleted object only when it held an address', () => {
    expect(gateways.delete?.(gw(['10.0.0.1']))).toBe(true);
    expect(gateways.delete?.(gw([]))).toBe(false);
    expect(services.delete?.(svc('10.0.0.1'))).toBe(true);
    expect(services.delete?.(svc(undefined, ['10.0.0.2']))).toBe(true);
    expect(services.delete?.(svc())).toBe(false);
  });
  it.each([
    [['10.0.0.1'], [], true],
    [['10.0.0.1', '10.0.0.2'], ['10.0.0.2'], true],
    [['10.0.0.1'], ['10.0.0.2'], true],
    [['10.0.0.1'], ['10.0.0.1'], false],
    [[], ['10.0.0.1'], false],
    [[], [], false],
  ])('passes an update from %j to %j only when an address was dropped: %s', (before, after, expected) => {
    expect(gateways.update?.(gw(before), gw(after))).toBe(expected);
  });
  it('never passes a creation (it frees nothing)', () => {
    expect(gateways.create?.(gw(['10.0.0.1']))).toBe(false);
  });
});

describe('gatewayClassUseChanged', () => {
  // Through and(): a predicate method that is absent lets the event through, as in the controller.
  const p = and(gatewayClassUseChanged);
  const withClass = (className: string, status: Gateway['status'] = {}): Gateway => ({ ...gw([]), spec: { gatewayClassName: className, listeners: [] }, status });
  it('passes creations and deletions (a class may gain or lose its last Gateway)', () => {
    expect(p.create?.(withClass('c'))).toBe(true);
    expect(p.delete?.(withClass('c'))).toBe(true);
  });
  it.each([
    ['a status write', withClass('c'), withClass('c', { addresses: [{ type: 'IPAddress', value: '10.0.0.1' }] }), false],
    ['a listener change', withClass('c'), { ...withClass('c'), spec: { gatewayClassName: 'c', listeners: [{ name: 'l', port: 1, protocol: 'TCP' }] } }, false],
    ['a move to another class', withClass('c'), withClass('d'), true],
  ] as const)('on %s: %s', (_, before, after, expected) => {
    expect(p.update?.(before, after)).toBe(expected);
  });
});

describe('slimConfigMap', () => {
  it('keeps name, labels, resourceVersion and data; drops managedFields, kubectl last-applied copy and other fields', () => {
    const applied = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        namespace: 'kube-system',
        name: 'kubevip',
        resourceVersion: '7',
        labels: { a: 'b' },
        annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"data":{"cidr-global":"10.0.0.0/24"}}', note: 'x' },
        managedFields: [{ manager: 'kubectl' }],
      },
      data: { 'cidr-global': '10.0.0.0/24' },
      binaryData: { blob: 'AAAA' },
    };
    expect(slimConfigMap(applied)).toEqual({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { namespace: 'kube-system', name: 'kubevip', resourceVersion: '7', labels: { a: 'b' }, annotations: { note: 'x' } },
      data: { 'cidr-global': '10.0.0.0/24' },
    });
  });
});
