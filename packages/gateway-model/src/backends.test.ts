import { describe, expect, it } from 'vitest';
import { indexBackends, isReferenceGranted, resolveBackends } from './backends.js';
import { referenceGrant, route, service } from './internal/fixtures.js';
import type { L4Route, ReferenceGrant, Service } from './types.js';

const services: Service[] = [
  service('echo', [{ port: 8080 }]),
  service('dns', [{ port: 53, protocol: 'TCP' }, { port: 53, protocol: 'UDP' }]),
  service('tcp-only', [{ port: 53 }]),
  service('remote', [{ port: 8080 }], 'web'),
  service('external', [{ port: 80 }], 'infra', 'ExternalName'),
];

function resolve(backendRefs: Parameters<typeof route>[2], kind: 'TCPRoute' | 'UDPRoute' = 'TCPRoute', grants: ReferenceGrant[] = []) {
  return resolveBackends(route('r', [{ name: 'gw' }], backendRefs, { kind }), kind, indexBackends(services, grants));
}

describe('backend resolution (route parent ResolvedRefs)', () => {
  it.each<[string, Parameters<typeof route>[2], 'TCPRoute' | 'UDPRoute', string, string, RegExp]>([
    ['existing Service port', [{ name: 'echo', port: 8080 }], 'TCPRoute', 'True', 'ResolvedRefs', /all backendRefs resolved/],
    // TCPRouteInvalidBackendRefNonexistent / UDPRouteInvalidBackendRefNonexistent
    ['missing Service', [{ name: 'nonexistent-service', port: 8080 }], 'TCPRoute', 'False', 'BackendNotFound', /Service "infra\/nonexistent-service" port 8080: Service not found/],
    ['missing Service (UDP)', [{ name: 'nonexistent-service', port: 53 }], 'UDPRoute', 'False', 'BackendNotFound', /Service not found/],
    ['port not on the Service', [{ name: 'echo', port: 9999 }], 'TCPRoute', 'False', 'BackendNotFound', /Service has no port 9999/],
    ['no port', [{ name: 'echo' }], 'TCPRoute', 'False', 'BackendNotFound', /port is required/],
    ['unknown kind', [{ name: 'x', port: 1, group: 'example.io', kind: 'Backend' }], 'TCPRoute', 'False', 'InvalidKind', /example\.io\/Backend .*only core Services/],
    ['ServiceImport', [{ name: 'x', port: 1, group: 'multicluster.x-k8s.io', kind: 'ServiceImport' }], 'TCPRoute', 'False', 'InvalidKind', /only core Services/],
    ['ExternalName Service', [{ name: 'external', port: 80 }], 'TCPRoute', 'False', 'InvalidKind', /ExternalName Services are not supported/],
    ['UDPRoute to a TCP-only port', [{ name: 'tcp-only', port: 53 }], 'UDPRoute', 'False', 'UnsupportedProtocol', /port 53 is TCP, but a UDPRoute needs UDP/],
    ['UDPRoute to a port with both protocols', [{ name: 'dns', port: 53 }], 'UDPRoute', 'True', 'ResolvedRefs', /resolved/],
    // TCPRouteInvalidCrossNamespaceBackendRef / UDPRouteInvalidCrossNamespaceBackendRef
    ['cross-namespace without grant', [{ name: 'remote', namespace: 'web', port: 8080 }], 'TCPRoute', 'False', 'RefNotPermitted', /no ReferenceGrant in namespace "web" allows TCPRoutes from "infra"/],
    ['no backendRefs', [], 'TCPRoute', 'True', 'ResolvedRefs', /no backendRefs: connections are rejected/],
  ])('%s -> %s/%s', (_name, refs, kind, status, reason, message) => {
    const r = resolve(refs, kind);
    expect(r.resolvedRefs).toMatchObject({ type: 'ResolvedRefs', status, reason });
    expect(r.resolvedRefs.message).toMatch(message);
  });

  it('picks the Service port entry with the route protocol', () => {
    expect(resolve([{ name: 'dns', port: 53 }], 'UDPRoute').backends[0]?.port).toMatchObject({ port: 53, protocol: 'UDP' });
    expect(resolve([{ name: 'dns', port: 53 }], 'TCPRoute').backends[0]?.port).toMatchObject({ port: 53, protocol: 'TCP' });
  });

  it('reports the first failure reason and every failing backend', () => {
    const r = resolve([{ name: 'echo', port: 8080 }, { name: 'gone', port: 1 }, { name: 'remote', namespace: 'web', port: 8080 }]);
    expect(r.resolvedRefs.reason).toBe('BackendNotFound');
    expect(r.resolvedRefs.message).toMatch(/gone.*; .*remote/);
    expect(r.outcomes.map((o) => o.ok)).toEqual([true, false, false]);
  });
});

describe('ReferenceGrant (TCPRouteReferenceGrant / UDPRouteReferenceGrant)', () => {
  const ref = [{ name: 'remote', namespace: 'web', port: 8080 }];
  it.each<[string, ReferenceGrant[], 'TCPRoute' | 'UDPRoute', boolean]>([
    ['grant for all Services', [referenceGrant('web', 'TCPRoute', 'infra')], 'TCPRoute', true],
    ['grant for this Service', [referenceGrant('web', 'TCPRoute', 'infra', 'remote')], 'TCPRoute', true],
    ['grant for another Service', [referenceGrant('web', 'TCPRoute', 'infra', 'other')], 'TCPRoute', false],
    ['grant from another namespace', [referenceGrant('web', 'TCPRoute', 'apps')], 'TCPRoute', false],
    ['grant for the other route kind', [referenceGrant('web', 'UDPRoute', 'infra')], 'TCPRoute', false],
    ['grant in the wrong namespace', [referenceGrant('infra', 'TCPRoute', 'infra')], 'TCPRoute', false],
    ['no grant (deleted)', [], 'TCPRoute', false],
  ])('%s -> granted=%s', (_name, grants, kind, granted) => {
    const r = resolve(ref, kind, grants);
    if (granted) expect(r.resolvedRefs.status).toBe('True');
    else expect(r.resolvedRefs.status).toBe('False');
  });
  it('a UDP grant lets a UDPRoute through to the protocol check', () => {
    const r = resolve(ref, 'UDPRoute', [referenceGrant('web', 'UDPRoute', 'infra')]);
    expect(r.resolvedRefs.reason).toBe('UnsupportedProtocol'); // granted; the Service only has a TCP port
  });
  it('ignores malformed grants', () => {
    const broken = { metadata: { name: 'g', namespace: 'web' }, spec: {} } as ReferenceGrant;
    expect(isReferenceGranted([broken], 'TCPRoute', 'infra', 'remote')).toBe(false);
  });
  it('grants with a to entry of another kind do not count', () => {
    const g = referenceGrant('web', 'TCPRoute', 'infra');
    g.spec.to = [{ group: '', kind: 'Secret' }];
    expect(isReferenceGranted([g], 'TCPRoute', 'infra', 'remote')).toBe(false);
  });
});

describe('weights (TCPRouteWeightedRouting / UDPRouteWeightedRouting)', () => {
  const svcs = [service('a', [{ port: 1 }]), service('b', [{ port: 1 }]), service('c', [{ port: 1 }])];
  const idx = indexBackends(svcs, []);
  it('keeps weights, defaults to 1, and excludes weight 0', () => {
    const r = resolveBackends(route('r', [{ name: 'gw' }], [{ name: 'a', port: 1, weight: 70 }, { name: 'b', port: 1, weight: 30 }, { name: 'c', port: 1, weight: 0 }]), 'TCPRoute', idx);
    expect(r.backends.map((b) => [b.service.metadata.name, b.weight])).toEqual([
      ['a', 70],
      ['b', 30],
    ]);
    expect(r.rejectedWeight).toBe(0);
    expect(r.resolvedRefs.status).toBe('True');
    expect(resolveBackends(route('r', [{ name: 'gw' }], [{ name: 'a', port: 1 }]), 'TCPRoute', idx).backends[0]?.weight).toBe(1);
  });
  it('counts the weight of unresolvable backends as rejected', () => {
    const r = resolveBackends(route('r', [{ name: 'gw' }], [{ name: 'a', port: 1, weight: 3 }, { name: 'gone', port: 1, weight: 2 }]), 'TCPRoute', idx);
    expect(r.backends).toHaveLength(1);
    expect(r.rejectedWeight).toBe(2);
  });
  it.each([
    [-5, 0],
    [2_000_000, 1_000_000],
    [2.7, 2],
    [Number.NaN, 1],
  ])('sanitises weight %s to %s', (weight, expected) => {
    const r = resolveBackends(route('r', [{ name: 'gw' }], [{ name: 'a', port: 1, weight }]), 'TCPRoute', idx);
    const outcome = r.outcomes[0];
    expect(outcome?.ok).toBe(true);
    if (outcome?.ok) expect(outcome.backend.weight).toBe(expected);
  });
});

describe('rules', () => {
  const idx = indexBackends(services, []);
  it('serves the first rule of a v1alpha2 route with several and reports the others as dropped', () => {
    const r: L4Route = route('r', [{ name: 'gw' }], [{ name: 'echo', port: 8080 }]);
    r.spec.rules.push({ backendRefs: [{ name: 'dns', port: 53 }] }, { backendRefs: [{ name: 'gone', port: 1 }] });
    const res = resolveBackends(r, 'TCPRoute', idx);
    expect(res.backends.map((b) => b.service.metadata.name)).toEqual(['echo']);
    expect(res.resolvedRefs.status).toBe('True');
    expect(res.partiallyInvalid).toMatchObject({ type: 'PartiallyInvalid', status: 'True', reason: 'UnsupportedValue' });
    expect(res.partiallyInvalid?.message).toMatch(/^Dropped Rule\(s\): 2 rule\(s\)/);
  });
  it('a single rule is not partially invalid', () => {
    expect(resolveBackends(route('r', [{ name: 'gw' }]), 'TCPRoute', idx).partiallyInvalid).toBeUndefined();
  });
  it('a route without rules resolves to nothing without crashing', () => {
    const r = route('r', [{ name: 'gw' }]);
    r.spec.rules = [];
    expect(resolveBackends(r, 'TCPRoute', idx)).toMatchObject({ backends: [], rejectedWeight: 0 });
    expect(resolveBackends({ metadata: { name: 'x' } } as L4Route, 'TCPRoute', idx).backends).toEqual([]);
  });
});
