import { describe, expect, it } from 'vitest';
import type { ConfigMap, Gateway, Service } from '@kube-vip-gw/gateway-model';
import { AddressBook, serviceAddresses, serviceOwner } from './address-book.js';

const cm = (data: Record<string, string>): ConfigMap => ({ metadata: { name: 'kubevip', namespace: 'kube-system' }, data });

function gateway(name: string, opts: { ns?: string; addresses?: { type?: string; value?: string }[]; status?: string[]; port?: number } = {}): Gateway {
  return {
    metadata: { name, namespace: opts.ns ?? 'default', uid: `uid-${name}`, generation: 1 },
    spec: {
      gatewayClassName: 'kube-vip',
      listeners: [{ name: 'tcp', protocol: 'TCP', port: opts.port ?? 80 }],
      ...(opts.addresses ? { addresses: opts.addresses } : {}),
    },
    ...(opts.status ? { status: { addresses: opts.status.map((value) => ({ type: 'IPAddress', value })) } } : {}),
  };
}

function book(data: Record<string, string>): AddressBook {
  const b = new AddressBook();
  b.setConfigMap(cm(data));
  return b;
}

describe('AddressBook.decide', () => {
  it('allocates from the namespace pool and never hands one address out twice', () => {
    const b = book({ 'range-global': '10.0.0.10-10.0.0.11' });
    const first = b.decide(gateway('a'));
    const second = b.decide(gateway('b'));
    expect(first.outcome).toEqual({ kind: 'assigned', addresses: ['10.0.0.10'] });
    expect(second.outcome).toEqual({ kind: 'assigned', addresses: ['10.0.0.11'] });
    expect(first.allocated?.key).toBe('range-global');
  });

  it('keeps a Gateway\'s address on every later decision', () => {
    const b = book({ 'range-global': '10.0.0.10-10.0.0.20' });
    const a1 = b.decide(gateway('a'));
    const a2 = b.decide(gateway('a'));
    expect(a2.outcome).toEqual(a1.outcome);
    expect(a2.allocated).toBeUndefined();
  });

  it('rebuilds from the cluster after a restart: same addresses, nothing moved', () => {
    const before = book({ 'range-global': '10.0.0.10-10.0.0.20' });
    const gws = ['a', 'b', 'c'].map((n) => gateway(n));
    const assigned = gws.map((g) => (before.decide(g).outcome as { addresses?: readonly string[] }).addresses ?? []);
    // A fresh controller only sees the Gateways' status.
    const after = book({ 'range-global': '10.0.0.10-10.0.0.20' });
    gws.forEach((g, i) => after.observeGateway({ ...g, status: { addresses: assigned[i]!.map((value) => ({ type: 'IPAddress', value })) } }));
    gws.forEach((g, i) => expect(after.decide(g).outcome).toEqual({ kind: 'assigned', addresses: assigned[i] }));
    expect(after.decide(gateway('d')).outcome).toEqual({ kind: 'assigned', addresses: ['10.0.0.13'] });
  });

  it('counts addresses of other LoadBalancer Services as used (kube-vip-cloud-provider\'s)', () => {
    const b = book({ 'range-global': '10.0.0.10-10.0.0.11' });
    b.observeService({ metadata: { name: 'web', namespace: 'x', annotations: { 'kube-vip.io/loadbalancerIPs': '10.0.0.10' } }, spec: { type: 'LoadBalancer' } });
    expect(b.decide(gateway('a')).outcome).toEqual({ kind: 'assigned', addresses: ['10.0.0.11'] });
    b.forgetService('x', 'web');
    expect(b.decide(gateway('b')).outcome).toEqual({ kind: 'assigned', addresses: ['10.0.0.10'] });
  });

  it('reports an exhausted pool as notAssigned, and recovers when an address is freed', () => {
    const b = book({ 'range-global': '10.0.0.10-10.0.0.10' });
    b.decide(gateway('a'));
    const d = b.decide(gateway('b'));
    expect(d.outcome.kind).toBe('notAssigned');
    expect(d.failure?._tag).toBe('PoolExhaustedError');
    b.forgetGateway('default', 'a');
    expect(b.decide(gateway('b')).outcome).toEqual({ kind: 'assigned', addresses: ['10.0.0.10'] });
  });

  it('validates static addresses: usable, in use, outside the pool', () => {
    const b = book({ 'range-global': '10.0.0.10-10.0.0.20' });
    expect(b.decide(gateway('a', { addresses: [{ value: '10.0.0.15' }] })).outcome).toEqual({ kind: 'assigned', addresses: ['10.0.0.15'] });
    const inUse = b.decide(gateway('b', { addresses: [{ type: 'IPAddress', value: '10.0.0.15' }] })).outcome;
    expect(inUse.kind).toBe('notUsable');
    expect(inUse.kind === 'notUsable' && inUse.message).toMatch(/10\.0\.0\.15/);
    const outside = b.decide(gateway('c', { addresses: [{ value: '192.168.9.9' }, { value: '10.0.0.16' }] })).outcome;
    expect(outside).toMatchObject({ kind: 'notUsable', addresses: ['10.0.0.16'] });
  });

  it('lets a Gateway\'s own Services carry its static address without a conflict', () => {
    const b = book({ 'range-global': '10.0.0.10-10.0.0.20' });
    const svc: Service = {
      metadata: {
        name: 'a-tcp',
        namespace: 'default',
        labels: { 'gateway.networking.k8s.io/gateway-name': 'a', 'app.kubernetes.io/managed-by': 'kube-vip-gateway-api' },
        annotations: { 'kube-vip.io/loadbalancerIPs': '10.0.0.15' },
        ownerReferences: [{ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', name: 'a', uid: 'uid-a', controller: true }],
      },
      spec: { type: 'LoadBalancer', ports: [{ port: 80, protocol: 'TCP' }] },
    };
    b.observeService(svc);
    expect(serviceOwner(svc)).toBe('Gateway/default/a');
    expect(b.decide(gateway('a', { addresses: [{ value: '10.0.0.15' }] })).outcome).toEqual({ kind: 'assigned', addresses: ['10.0.0.15'] });
  });

  it('reports unsupported address types', () => {
    const b = book({ 'range-global': '10.0.0.10-10.0.0.20' });
    expect(b.decide(gateway('a', { addresses: [{ type: 'Hostname', value: 'x.example' }] })).outcome.kind).toBe('unsupportedType');
  });

  it('allocates an empty-value IPAddress entry from the pool (GatewayAddressEmpty)', () => {
    const b = book({ 'range-global': '10.0.0.10-10.0.0.20' });
    expect(b.decide(gateway('a', { addresses: [{ type: 'IPAddress' }] })).outcome).toEqual({ kind: 'assigned', addresses: ['10.0.0.10'] });
  });

  it('gives dual-stack pairs primary family first, and adds a missing family without moving the other', () => {
    const b = book({ 'range-global': '10.0.0.10-10.0.0.20,fd00::10-fd00::20' });
    const single = b.decide(gateway('a')).outcome;
    expect(single).toEqual({ kind: 'assigned', addresses: ['10.0.0.10'] });
    const dual = b.decide(gateway('a'), { ipFamilyPolicy: 'RequireDualStack', ipFamilies: ['IPv6', 'IPv4'] }).outcome;
    expect(dual).toEqual({ kind: 'assigned', addresses: ['fd00::10', '10.0.0.10'] });
  });

  it('keeps an address that a ConfigMap change put outside every pool (addresses never move)', () => {
    const b = book({ 'range-global': '10.0.0.10-10.0.0.20' });
    b.decide(gateway('a'));
    b.setConfigMap(cm({ 'range-global': '10.9.0.10-10.9.0.20' }));
    expect(b.decide(gateway('a')).outcome).toEqual({ kind: 'assigned', addresses: ['10.0.0.10'] });
    expect(b.decide(gateway('b')).outcome).toEqual({ kind: 'assigned', addresses: ['10.9.0.10'] });
  });

  it('says which IPAM ConfigMap is missing', () => {
    const b = new AddressBook();
    b.setConfigMap(undefined, 'kube-system/kubevip');
    const d = b.decide(gateway('a')).outcome;
    expect(d.kind === 'notAssigned' && d.reason).toMatch(/IPAM ConfigMap kube-system\/kubevip not found/);
    b.setConfigMap(cm({ 'range-global': '10.0.0.10-10.0.0.11' }));
    expect(b.decide(gateway('a')).outcome.kind).toBe('assigned');
  });

  it('reports ConfigMap problems without blocking other pools', () => {
    const b = book({ 'range-global': '10.0.0.9-10.0.0.1', 'range-ok': '10.1.0.10-10.1.0.11' });
    expect(b.problems.join('\n')).toMatch(/range-global/);
    expect(b.decide(gateway('a', { ns: 'ok' })).outcome).toEqual({ kind: 'assigned', addresses: ['10.1.0.10'] });
    expect(b.decide(gateway('b')).outcome.kind).toBe('notAssigned');
  });
});

describe('serviceAddresses', () => {
  it('reads the annotation, spec.loadBalancerIP and status ingress, trimmed and deduplicated', () => {
    expect(
      serviceAddresses({
        metadata: { name: 's', annotations: { 'kube-vip.io/loadbalancerIPs': '10.0.0.1, fd00::1' } },
        spec: { loadBalancerIP: '10.0.0.1' },
        status: { loadBalancer: { ingress: [{ ip: '10.0.0.2' }, { hostname: 'x' }] } },
      }),
    ).toEqual(['10.0.0.1', 'fd00::1', '10.0.0.2']);
  });
});
