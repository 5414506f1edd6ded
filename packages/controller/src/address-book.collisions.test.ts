// Collisions: another holder announcing a Gateway's address (kube-vip-cloud-provider allocating from the same
// ConfigMap without seeing Gateways, or a hand-set address). Found, named, and forgotten when resolved.
import { describe, expect, it } from 'vitest';
import type { ConfigMap, Gateway, Service } from '@kube-vip-gw/gateway-model';
import { AddressBook } from './address-book.js';

const cm = (data: Record<string, string>): ConfigMap => ({ metadata: { name: 'kubevip', namespace: 'kube-system' }, data });

function gateway(name: string, addresses: string[], port = 80): Gateway {
  return {
    metadata: { name, namespace: 'gw', uid: `uid-${name}` },
    spec: { gatewayClassName: 'kube-vip', listeners: [{ name: 'tcp', protocol: 'TCP', port }] },
    status: { addresses: addresses.map((value) => ({ type: 'IPAddress', value })) },
  };
}

function plainService(ns: string, name: string, address: string, port = 443): Service {
  return {
    metadata: { namespace: ns, name, labels: { implementation: 'kube-vip' }, annotations: { 'kube-vip.io/loadbalancerIPs': address } },
    spec: { type: 'LoadBalancer', ports: [{ port, protocol: 'TCP' }] },
  };
}

function ownService(gw: Gateway, address: string): Service {
  return {
    metadata: {
      namespace: 'gw',
      name: `kvgw-${gw.metadata.name}-tcp`,
      labels: { 'app.kubernetes.io/managed-by': 'kube-vip-gateway-api', 'gateway.networking.k8s.io/gateway-name': gw.metadata.name },
      annotations: { 'kube-vip.io/loadbalancerIPs': address },
      ownerReferences: [{ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', name: gw.metadata.name, uid: gw.metadata.uid!, controller: true }],
    },
    spec: { type: 'LoadBalancer', ports: [{ port: 80, protocol: 'TCP' }] },
  };
}

function book(data: Record<string, string> = { 'range-global': '10.0.0.1-10.0.0.50,fd00::1-fd00::50' }): AddressBook {
  const b = new AddressBook();
  b.setConfigMap(cm(data));
  return b;
}

describe('AddressBook.collisions', () => {
  it('names a plain Service that announces a Gateway address, and forgets it once the Service goes', () => {
    const b = book();
    const gw = gateway('a', ['10.0.0.5']);
    b.observeGateway(gw);
    b.observeService(ownService(gw, '10.0.0.5'));
    expect(b.collisions('gw', 'a')).toEqual([]);
    b.observeService(plainService('apps', 'web', '10.0.0.5'));
    expect(b.collisions('gw', 'a')).toMatchObject([{ address: '10.0.0.5', holders: ['Service apps/web'] }]);
    expect(b.gatewaysHolding(['10.0.0.5'])).toEqual(['gw/a']);
    b.forgetService('apps', 'web');
    expect(b.collisions('gw', 'a')).toEqual([]);
  });

  it('follows a Service whose annotation moves to another address', () => {
    const b = book();
    b.observeGateway(gateway('a', ['10.0.0.5']));
    b.observeService(plainService('apps', 'web', '10.0.0.5'));
    b.observeService(plainService('apps', 'web', '10.0.0.6'));
    expect(b.collisions('gw', 'a')).toEqual([]);
    expect(b.gatewaysHolding(['10.0.0.6'])).toEqual([]);
  });

  it.each([
    ['fd00::5', 'fd00:0:0::5'],
    ['fd00::5', ' FD00::5'],
  ])('sees %s and %s as one address', (mine, theirs) => {
    const b = book();
    b.observeGateway(gateway('a', [mine]));
    b.observeService(plainService('apps', 'web', theirs));
    expect(b.collisions('gw', 'a')).toMatchObject([{ address: 'fd00::5', holders: ['Service apps/web'] }]);
  });

  it('names another Gateway once per Gateway, however many of its sources hold the address', () => {
    const b = book();
    const other = gateway('b', ['10.0.0.5']);
    b.observeGateway(gateway('a', ['10.0.0.5']));
    b.observeGateway(other);
    b.observeService(ownService(other, '10.0.0.5'));
    expect(b.collisions('gw', 'a')).toEqual([{ address: '10.0.0.5', holders: ['Gateway gw/b'], refs: [{ kind: 'Gateway', namespace: 'gw', name: 'b' }] }]);
  });

  it.each([
    { share: 'true', port: 443, collides: false },
    { share: 'true', port: 80, collides: true },
    { share: 'false', port: 443, collides: true },
  ])('allow-share-global=$share, other port $port: collision $collides', ({ share, port, collides }) => {
    const b = book({ 'range-global': '10.0.0.1-10.0.0.50', 'allow-share-global': share });
    b.observeGateway(gateway('a', ['10.0.0.5'], 80));
    b.observeService(plainService('apps', 'web', '10.0.0.5', port));
    expect(b.collisions('gw', 'a').length > 0).toBe(collides);
  });
});
