// The kinds table drives listener validation and route evaluation. TLSRoute is an entry with stub semantics (known,
// not served): this is what adding a route kind looks like before its serving semantics exist.
import { describe, expect, it } from 'vitest';
import { evaluateGateway } from './gateway.js';
import { gateway, gatewayClass, namespace, route, service, tcp } from './internal/fixtures.js';
import { PARENT_KINDS, ROUTE_KINDS, SERVED_PROTOCOLS, SERVED_ROUTE_KINDS, backendProtocolOf, routeKindEntry, servedRouteKindForProtocol, unservedRouteKindForProtocol } from './kinds.js';
import { routeKindsForProtocol } from './defaults.js';
import { evaluateListeners } from './listeners.js';

const NOW = new Date('2026-03-01T00:00:00Z');

describe('route kinds table', () => {
  it('serves TCPRoute on TCP and UDPRoute on UDP listeners, carrying their own protocol to the backends', () => {
    expect(SERVED_ROUTE_KINDS.map((k) => k.kind)).toEqual(['TCPRoute', 'UDPRoute']);
    expect(SERVED_PROTOCOLS).toEqual(['TCP', 'UDP']);
    expect(servedRouteKindForProtocol('TCP')?.kind).toBe('TCPRoute');
    expect(servedRouteKindForProtocol('UDP')?.kind).toBe('UDPRoute');
    expect(backendProtocolOf('UDPRoute')).toBe('UDP');
    expect(routeKindsForProtocol('TCP')).toEqual([{ group: 'gateway.networking.k8s.io', kind: 'TCPRoute' }]);
  });

  it('knows TLSRoute (Gateway API v1.6.1: v1, v1alpha2 on older installs) but serves it nowhere', () => {
    expect(routeKindEntry('TLSRoute')).toMatchObject({ plural: 'tlsroutes', versions: ['v1', 'v1alpha2'], listenerProtocols: ['TLS'], serving: { kind: 'unsupported' } });
    expect(servedRouteKindForProtocol('TLS')).toBeUndefined();
    expect(unservedRouteKindForProtocol('TLS')?.kind).toBe('TLSRoute');
    expect(routeKindsForProtocol('TLS')).toEqual([]);
    expect(ROUTE_KINDS.map((k) => k.kind)).toContain('TLSRoute');
  });

  it('has Gateway and ListenerSet as parent kinds, ListenerSet optional', () => {
    expect(PARENT_KINDS.map((p) => [p.kind, p.optional])).toEqual([
      ['Gateway', false],
      ['ListenerSet', true],
    ]);
  });
});

describe('a TLS listener (TLSRoute: stub semantics)', () => {
  const tls = { name: 'tls', port: 443, protocol: 'TLS', tls: { mode: 'Passthrough' }, allowedRoutes: { kinds: [{ kind: 'TLSRoute' }] } };

  it('is Accepted=False/UnsupportedProtocol naming its unserved route kind, and lists TLSRoute as an unsupported kind', () => {
    const [v] = evaluateListeners(gateway([tls]));
    expect(v?.supportedKinds).toEqual([]);
    const accepted = v?.conditions.find((c) => c.type === 'Accepted');
    expect(accepted).toMatchObject({ status: 'False', reason: 'UnsupportedProtocol' });
    expect(accepted?.message).toBe('listener "tls": protocol "TLS" is not supported (its route kind TLSRoute is not served); this implementation serves TCP and UDP only');
    expect(v?.conditions.find((c) => c.type === 'ResolvedRefs')).toMatchObject({ status: 'False', reason: 'InvalidRouteKinds', message: expect.stringContaining('unsupported route kind(s) TLSRoute') });
  });

  it('a TCP listener that allows only TLSRoute takes no route kind: ResolvedRefs=False/InvalidRouteKinds', () => {
    const [v] = evaluateListeners(gateway([{ name: 'tcp', port: 5000, protocol: 'TCP', allowedRoutes: { kinds: [{ kind: 'TLSRoute' }] } }]));
    expect(v?.supportedKinds).toEqual([]);
    expect(v?.conditions.find((c) => c.type === 'ResolvedRefs')).toMatchObject({ status: 'False', reason: 'InvalidRouteKinds', message: 'unsupported route kind(s) TLSRoute; supported: none' });
  });

  it('beside a TCP listener: the Gateway is Accepted=False/ListenersNotValid, its TCP listener still serves its route', () => {
    const e = evaluateGateway({
      controllerName: 'kube-vip.io/controller',
      gateway: gateway([tcp('tcp', 9000), tls]),
      gatewayClass: gatewayClass(),
      routes: { TCPRoute: [route('r', [{ name: 'gw', sectionName: 'tcp' }])] },
      namespaces: [namespace('infra')],
      services: [service('echo', [{ port: 8080 }])],
      address: { kind: 'assigned', addresses: ['192.0.2.10'] },
      dataPlane: { kind: 'applied' },
      now: NOW,
    });
    const byName = new Map((e.status.listeners ?? []).map((l) => [l.name, l]));
    expect(byName.get('tls')?.supportedKinds).toEqual([]);
    expect(byName.get('tls')?.conditions.find((c) => c.type === 'Accepted')).toMatchObject({ status: 'False', reason: 'UnsupportedProtocol' });
    expect(byName.get('tcp')?.attachedRoutes).toBe(1);
    expect(e.listeners.find((l) => l.name === 'tcp')?.served?.kind).toBe('TCPRoute');
  });
});
