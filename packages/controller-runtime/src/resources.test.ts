import { describe, expect, it } from 'vitest';
import {
  apiVersionOf,
  BUILTIN_RESOURCES,
  checkRef,
  ConfigMap,
  Gateway,
  GatewayClass,
  groupResource,
  Namespace,
  parseApiVersion,
  ReferenceGrantV1beta1,
  resourceId,
  resourcePath,
  ResourceRegistry,
  Service,
  TCPRoute,
  TCPRouteV1alpha2,
} from './resources.js';

describe('resourcePath', () => {
  it.each([
    [Service, {}, '/api/v1/services'],
    [Service, { namespace: 'ns' }, '/api/v1/namespaces/ns/services'],
    [Service, { namespace: 'ns', name: 'a' }, '/api/v1/namespaces/ns/services/a'],
    [Service, { namespace: 'ns', name: 'a', subresource: 'status' as const }, '/api/v1/namespaces/ns/services/a/status'],
    [Namespace, { name: 'kube-system' }, '/api/v1/namespaces/kube-system'],
    [Namespace, { namespace: 'ignored', name: 'x' }, '/api/v1/namespaces/x'],
    [GatewayClass, { name: 'kv', subresource: 'status' as const }, '/apis/gateway.networking.k8s.io/v1/gatewayclasses/kv/status'],
    [Gateway, { namespace: 'a b', name: 'c/d' }, '/apis/gateway.networking.k8s.io/v1/namespaces/a%20b/gateways/c%2Fd'],
    [TCPRouteV1alpha2, { namespace: 'n' }, '/apis/gateway.networking.k8s.io/v1alpha2/namespaces/n/tcproutes'],
  ])('%o %o -> %s', (res, opts, expected) => {
    expect(resourcePath(res, opts)).toBe(expected);
  });
});

describe('names', () => {
  it('formats apiVersion, ids and group-resources for core and named groups', () => {
    expect(apiVersionOf(Service)).toBe('v1');
    expect(apiVersionOf(ReferenceGrantV1beta1)).toBe('gateway.networking.k8s.io/v1beta1');
    expect(resourceId(ConfigMap)).toBe('ConfigMap.v1');
    expect(resourceId(TCPRoute)).toBe('TCPRoute.v1.gateway.networking.k8s.io');
    expect(groupResource(Service)).toBe('services');
    expect(groupResource(TCPRouteV1alpha2)).toBe('tcproutes.gateway.networking.k8s.io');
    expect(parseApiVersion('v1')).toEqual({ group: '', version: 'v1' });
    expect(parseApiVersion('discovery.k8s.io/v1')).toEqual({ group: 'discovery.k8s.io', version: 'v1' });
  });

  it('has one built-in per group/version/kind', () => {
    const ids = BUILTIN_RESOURCES.map(resourceId);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe('checkRef', () => {
  it('requires a namespace for namespaced kinds and drops it for cluster-scoped ones', () => {
    expect(checkRef(Service, { namespace: 'a', name: 'b' })).toEqual({ namespace: 'a', name: 'b' });
    expect(checkRef(GatewayClass, { namespace: 'a', name: 'b' })).toEqual({ name: 'b' });
    expect(() => checkRef(Service, { name: 'b' })).toThrow(/Service "b": a namespace is required/);
    expect(() => checkRef(Service, { namespace: 'a', name: '' })).toThrow(/Service: a name is required/);
  });
});

describe('ResourceRegistry', () => {
  it('finds built-ins by apiVersion and kind, and names unknown ones in the error', () => {
    const reg = new ResourceRegistry();
    expect(reg.find('gateway.networking.k8s.io/v1alpha2', 'TCPRoute')).toBe(TCPRouteV1alpha2);
    expect(reg.forObject({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'x' } })).toBe(Service);
    expect(() => reg.forObject({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' } })).toThrow(
      'no resource descriptor for apiVersion "apps/v1" kind "Deployment" (object "web")',
    );
    const custom = { group: 'apps', version: 'v1', kind: 'Deployment', plural: 'deployments', namespaced: true };
    expect(reg.add(custom).find('apps/v1', 'Deployment')).toBe(custom);
    expect(reg.all()).toContain(custom);
  });
});
