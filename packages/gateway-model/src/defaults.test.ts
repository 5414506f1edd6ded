import { describe, expect, it } from 'vitest';
import {
  defaultAllowedRoutes,
  defaultBackendRef,
  defaultGatewayAddress,
  defaultParentRef,
  parentRefKey,
  routeKindForProtocol,
  routeKindsForProtocol,
} from './defaults.js';

describe('defaultParentRef', () => {
  it.each([
    [{ name: 'gw' }, { group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: 'apps', name: 'gw' }],
    [{ name: 'gw', namespace: '' }, { group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: 'apps', name: 'gw' }],
    [{ name: 'gw', namespace: 'infra', sectionName: 'tcp', port: 9000 }, { group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: 'infra', name: 'gw', sectionName: 'tcp', port: 9000 }],
    // An explicit empty group is the core group, not a missing one.
    [{ name: 'svc', group: '', kind: 'Service' }, { group: '', kind: 'Service', namespace: 'apps', name: 'svc' }],
    [{ name: 'gw', sectionName: '' }, { group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: 'apps', name: 'gw' }],
  ])('%j in namespace apps -> %j', (ref, expected) => {
    expect(defaultParentRef(ref, 'apps')).toEqual(expected);
  });

  it('keys equal refs equally whether defaults are written or not', () => {
    expect(parentRefKey({ name: 'gw' }, 'apps')).toBe(parentRefKey({ name: 'gw', namespace: 'apps', group: 'gateway.networking.k8s.io', kind: 'Gateway' }, 'apps'));
  });
  it.each([
    [{ name: 'gw', sectionName: 'a' }, { name: 'gw', sectionName: 'b' }],
    [{ name: 'gw', port: 1 }, { name: 'gw', port: 2 }],
    [{ name: 'gw' }, { name: 'gw', namespace: 'other' }],
    [{ name: 'gw' }, { name: 'gw', kind: 'ListenerSet' }],
    [{ name: 'gw', sectionName: 'a' }, { name: 'gw', port: 1 }],
  ])('keys %j and %j differently', (a, b) => {
    expect(parentRefKey(a, 'apps')).not.toBe(parentRefKey(b, 'apps'));
  });
});

describe('defaultAllowedRoutes', () => {
  it.each([
    [undefined, { namespaces: { from: 'Same' } }],
    [{}, { namespaces: { from: 'Same' } }],
    [{ namespaces: {} }, { namespaces: { from: 'Same' } }],
    [{ namespaces: { from: 'All' as const } }, { namespaces: { from: 'All' } }],
    [{ namespaces: { from: 'Selector' as const, selector: { matchLabels: { a: 'b' } } } }, { namespaces: { from: 'Selector', selector: { matchLabels: { a: 'b' } } } }],
    [{ kinds: [{ kind: 'TCPRoute' }] }, { namespaces: { from: 'Same' }, kinds: [{ group: 'gateway.networking.k8s.io', kind: 'TCPRoute' }] }],
    [{ kinds: [{ group: 'example.io', kind: 'X' }] }, { namespaces: { from: 'Same' }, kinds: [{ group: 'example.io', kind: 'X' }] }],
  ])('%j -> %j', (input, expected) => {
    expect(defaultAllowedRoutes(input)).toEqual(expected);
  });
});

describe('defaultGatewayAddress', () => {
  it.each([
    [{}, { type: 'IPAddress' }],
    [{ value: '10.0.0.1' }, { type: 'IPAddress', value: '10.0.0.1' }],
    [{ value: '' }, { type: 'IPAddress' }],
    [{ type: 'Hostname', value: 'a.example' }, { type: 'Hostname', value: 'a.example' }],
  ])('%j -> %j', (input, expected) => {
    expect(defaultGatewayAddress(input)).toEqual(expected);
  });
});

describe('defaultBackendRef', () => {
  it.each([
    [{ name: 'echo', port: 80 }, { group: '', kind: 'Service', namespace: 'apps', name: 'echo', port: 80, weight: 1 }],
    [{ name: 'echo', port: 80, weight: 0 }, { group: '', kind: 'Service', namespace: 'apps', name: 'echo', port: 80, weight: 0 }],
    [{ name: 'echo', namespace: 'web', weight: 70 }, { group: '', kind: 'Service', namespace: 'web', name: 'echo', weight: 70 }],
    [{ name: 'x', group: 'multicluster.x-k8s.io', kind: 'ServiceImport' }, { group: 'multicluster.x-k8s.io', kind: 'ServiceImport', namespace: 'apps', name: 'x', weight: 1 }],
  ])('%j -> %j', (input, expected) => {
    expect(defaultBackendRef(input, 'apps')).toEqual(expected);
  });
});

describe('route kinds per protocol', () => {
  it.each([
    ['TCP', 'TCPRoute'],
    ['UDP', 'UDPRoute'],
    ['HTTP', undefined],
    ['HTTPS', undefined],
    ['TLS', undefined],
    ['tcp', undefined],
    ['example.com/custom', undefined],
  ])('%s -> %s', (protocol, kind) => {
    expect(routeKindForProtocol(protocol)).toBe(kind);
    expect(routeKindsForProtocol(protocol)).toEqual(kind === undefined ? [] : [{ group: 'gateway.networking.k8s.io', kind }]);
  });
});
