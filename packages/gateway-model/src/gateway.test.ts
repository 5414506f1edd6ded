import { describe, expect, it } from 'vitest';
import { NotOurGatewayError } from './errors.js';
import { evaluateGateway, requestedAddresses, routeParentsWithoutGateway, type GatewayEvaluation, type GatewaySnapshot } from './gateway.js';
import { acceptedCondition, CONTROLLER, gateway, gatewayClass, LATER, namespace, NOW, referenceGrant, route, service, tcp, udp } from './internal/fixtures.js';
import type { Condition, Gateway, L4Route } from './types.js';

const echo = service('echo', [{ port: 8080 }, { port: 53, protocol: 'UDP' }]);

function snapshot(overrides: Partial<GatewaySnapshot> = {}): GatewaySnapshot {
  return {
    controllerName: CONTROLLER,
    gateway: gateway([tcp('tcp', 9000)]),
    gatewayClass: gatewayClass(),
    routes: {},
    namespaces: [namespace('infra'), namespace('web')],
    services: [echo],
    referenceGrants: [],
    address: { kind: 'assigned', addresses: ['192.0.2.10'] },
    dataPlane: { kind: 'applied' },
    now: NOW,
    ...overrides,
  };
}

function gwCondition(e: GatewayEvaluation, type: string): Condition | undefined {
  return e.status.conditions?.find((c) => c.type === type);
}

function listenerCondition(e: GatewayEvaluation, listener: string, type: string): Condition | undefined {
  return e.status.listeners?.find((l) => l.name === listener)?.conditions.find((c) => c.type === type);
}

function parentCondition(e: GatewayEvaluation, routeName: string, type: string, index = 0): Condition | undefined {
  return e.routes.find((r) => r.route.metadata.name === routeName)?.parents[index]?.conditions.find((c) => c.type === type);
}

describe('evaluateGateway: a working TCP Gateway', () => {
  const e = evaluateGateway(snapshot({ routes: { TCPRoute: [route('r', [{ name: 'gw', sectionName: 'tcp' }])] } }));

  it('is Accepted and Programmed with observedGeneration', () => {
    expect(gwCondition(e, 'Accepted')).toMatchObject({ status: 'True', reason: 'Accepted', observedGeneration: 3, lastTransitionTime: NOW });
    expect(gwCondition(e, 'Programmed')).toMatchObject({ status: 'True', reason: 'Programmed', observedGeneration: 3 });
    expect(e.accepted && e.programmed).toBe(true);
  });
  it('writes status.addresses with an explicit type', () => {
    expect(e.status.addresses).toEqual([{ type: 'IPAddress', value: '192.0.2.10' }]);
    expect(e.addresses).toEqual(['192.0.2.10']);
  });
  it('writes listener status: kinds, attached routes, Accepted/ResolvedRefs/Programmed True, no Conflicted', () => {
    expect(e.status.listeners).toHaveLength(1);
    expect(e.status.listeners?.[0]).toMatchObject({ name: 'tcp', supportedKinds: [{ group: 'gateway.networking.k8s.io', kind: 'TCPRoute' }], attachedRoutes: 1 });
    for (const type of ['Accepted', 'ResolvedRefs', 'Programmed']) expect(listenerCondition(e, 'tcp', type)).toMatchObject({ status: 'True', observedGeneration: 3 });
    expect(listenerCondition(e, 'tcp', 'Conflicted')).toBeUndefined();
  });
  it('writes the route parent entry with explicit group/kind and the route generation', () => {
    const [update] = e.routes;
    expect(update?.changed).toBe(true);
    expect(update?.parents).toEqual([
      {
        parentRef: { group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: 'infra', name: 'gw', sectionName: 'tcp' },
        controllerName: CONTROLLER,
        conditions: [
          expect.objectContaining({ type: 'Accepted', status: 'True', reason: 'Accepted', observedGeneration: 2 }),
          expect.objectContaining({ type: 'ResolvedRefs', status: 'True', reason: 'ResolvedRefs', observedGeneration: 2 }),
        ],
      },
    ]);
  });
  it('serves the route with its resolved backend', () => {
    const served = e.listeners[0]?.served;
    expect(served?.route.metadata.name).toBe('r');
    expect(served?.kind).toBe('TCPRoute');
    expect(served?.backends.map((b) => [b.service.metadata.name, b.port.port, b.weight])).toEqual([['echo', 8080, 1]]);
    expect(e.listeners[0]).toMatchObject({ name: 'tcp', port: 9000, protocol: 'TCP', accepted: true, programmed: true, attachedRoutes: 1 });
  });
  it('is a fixed point: re-evaluating its own output changes nothing', () => {
    const routes = e.routes.map((u) => ({ ...u.route, status: { parents: u.parents } }));
    const again = evaluateGateway(snapshot({ gateway: { ...gateway([tcp('tcp', 9000)]), status: e.status }, routes: { TCPRoute: routes }, now: LATER }));
    expect(again.statusChanged).toBe(false);
    expect(again.routes.map((r) => r.changed)).toEqual([false]);
    expect(again.status).toEqual(e.status);
  });
});

describe('Gateway Accepted', () => {
  it.each<[string, Partial<GatewaySnapshot>, string, string, RegExp]>([
    // GatewayListenerUnsupportedProtocol, first half: no accepted listener.
    ['only an INVALID listener', { gateway: gateway([{ name: 'bad', port: 80, protocol: 'INVALID' }]) }, 'False', 'ListenersNotValid', /no valid listeners: listener "bad": protocol "INVALID"/],
    // ... second half: at least one accepted listener.
    ['HTTP + TCP listeners', { gateway: gateway([{ name: 'http', port: 80, protocol: 'HTTP' }, tcp('tcp', 9000)]) }, 'True', 'ListenersNotValid', /accepted listener\(s\) "tcp"; invalid: listener "http"/],
    ['only conflicted listeners', { gateway: gateway([tcp('a', 1), tcp('b', 1)]) }, 'False', 'ListenersNotValid', /no valid listeners/],
    ['a listener with invalid kinds', { gateway: gateway([tcp('a', 1, { allowedRoutes: { kinds: [{ kind: 'InvalidRoute' }] } })]) }, 'True', 'ListenersNotValid', /InvalidRoute/],
    ['no listeners', { gateway: gateway([]) }, 'False', 'Invalid', /no listeners/],
    ['class rejected', { gatewayClass: gatewayClass({}, acceptedCondition('False', 'InvalidParameters')) }, 'False', 'Invalid', /GatewayClass "kube-vip" is not accepted: InvalidParameters/],
    ['class not evaluated yet', { gatewayClass: gatewayClass({}, null) }, 'Unknown', 'Pending', /waiting for GatewayClass "kube-vip"/],
    // GatewayInvalidParametersRef
    [
      'infrastructure.parametersRef to an unsupported kind',
      { gateway: gateway([tcp('tcp', 9000)], { infrastructure: { parametersRef: { group: 'invalid.io', kind: 'InvalidParameters', name: 'x' } } }) },
      'False',
      'InvalidParameters',
      /spec\.infrastructure\.parametersRef invalid\.io\/InvalidParameters "x": unsupported kind/,
    ],
    [
      'infrastructure.parametersRef to a missing ConfigMap',
      { gateway: gateway([tcp('tcp', 9000)], { infrastructure: { parametersRef: { group: '', kind: 'ConfigMap', name: 'p' } } }), parameters: { found: false } },
      'False',
      'InvalidParameters',
      /ConfigMap "p": not found/,
    ],
    [
      'infrastructure.parametersRef to an existing ConfigMap',
      {
        gateway: gateway([tcp('tcp', 9000)], { infrastructure: { parametersRef: { group: '', kind: 'ConfigMap', name: 'p' } } }),
        parameters: { found: true, object: { metadata: { name: 'p', namespace: 'infra' } } },
      },
      'True',
      'Accepted',
      /accepted/,
    ],
    // GatewayStaticAddresses, first step.
    ['an unsupported address type', { address: { kind: 'unsupportedType', addresses: [{ type: 'test/fake-invalid-type', value: '10.0.0.1' }] } }, 'False', 'UnsupportedAddress', /test\/fake-invalid-type "10\.0\.0\.1"; only IPAddress/],
  ])('%s -> Accepted=%s/%s', (_name, overrides, status, reason, message) => {
    const e = evaluateGateway(snapshot(overrides));
    const c = gwCondition(e, 'Accepted');
    expect(c).toMatchObject({ status, reason, observedGeneration: 3 });
    expect(c?.message).toMatch(message);
    expect(e.accepted).toBe(status === 'True');
  });

  it('reports the unsupported listener per GatewayListenerUnsupportedProtocol', () => {
    const e = evaluateGateway(snapshot({ gateway: gateway([{ name: 'bad', port: 80, protocol: 'INVALID' }]) }));
    expect(e.status.listeners?.[0]).toMatchObject({ name: 'bad', supportedKinds: [], attachedRoutes: 0 });
    expect(listenerCondition(e, 'bad', 'Accepted')).toMatchObject({ status: 'False', reason: 'UnsupportedProtocol' });
    expect(listenerCondition(e, 'bad', 'Programmed')).toMatchObject({ status: 'False', reason: 'Invalid' });
  });
});

describe('Gateway Programmed', () => {
  it.each<[string, Partial<GatewaySnapshot>, string, string, RegExp, string[]]>([
    ['assigned and applied', {}, 'True', 'Programmed', /192\.0\.2\.10 assigned and Services applied/, ['192.0.2.10']],
    ['dual-stack', { address: { kind: 'assigned', addresses: ['192.0.2.10', '2001:db8::10'] } }, 'True', 'Programmed', /192\.0\.2\.10, 2001:db8::10/, ['192.0.2.10', '2001:db8::10']],
    // GatewayStaticAddresses, second step.
    ['unusable address', { address: { kind: 'notUsable', message: 'address "198.51.100.1" is in no pool' } }, 'False', 'AddressNotUsable', /198\.51\.100\.1/, []],
    ['unusable with one usable kept', { address: { kind: 'notUsable', message: 'x', addresses: ['192.0.2.10'] } }, 'False', 'AddressNotUsable', /x/, ['192.0.2.10']],
    ['pool exhausted', { address: { kind: 'notAssigned', reason: 'pool "cidr-global" is exhausted' } }, 'False', 'AddressNotAssigned', /exhausted/, []],
    // Another holder carries the address: kept in status (never moved once announced), but not programmed.
    ['address conflict', { address: { kind: 'conflicted', addresses: ['192.0.2.10'], message: 'address 192.0.2.10 is also held by Service b/web' } }, 'False', 'AddressNotUsable', /Service b\/web/, ['192.0.2.10']],
    ['Services not applied yet', { dataPlane: { kind: 'pending' } }, 'False', 'Pending', /waiting for the Services/, ['192.0.2.10']],
    ['apply failed', { dataPlane: { kind: 'failed', message: 'admission webhook denied' } }, 'False', 'Pending', /failed, will retry: admission webhook denied/, ['192.0.2.10']],
    ['not accepted', { gateway: gateway([{ name: 'h', port: 80, protocol: 'HTTP' }]) }, 'False', 'Invalid', /not accepted \(ListenersNotValid\)/, ['192.0.2.10']],
    ['unsupported address', { address: { kind: 'unsupportedType', addresses: [{ type: 'Hostname', value: 'a.example' }] } }, 'False', 'Invalid', /UnsupportedAddress/, []],
    ['class pending', { gatewayClass: gatewayClass({}, null) }, 'Unknown', 'Pending', /waiting for GatewayClass/, ['192.0.2.10']],
  ])('%s -> Programmed=%s/%s', (_name, overrides, status, reason, message, addresses) => {
    const e = evaluateGateway(snapshot(overrides));
    const c = gwCondition(e, 'Programmed');
    expect(c).toMatchObject({ status, reason, observedGeneration: 3 });
    expect(c?.message).toMatch(message);
    expect(e.status.addresses).toEqual(addresses.map((value) => ({ type: 'IPAddress', value })));
    expect(e.programmed).toBe(status === 'True');
  });

  it('listeners follow: Pending while the Gateway is not programmed', () => {
    const e = evaluateGateway(snapshot({ address: { kind: 'notAssigned', reason: 'exhausted' } }));
    expect(listenerCondition(e, 'tcp', 'Programmed')).toMatchObject({ status: 'False', reason: 'Pending', message: 'exhausted' });
    expect(listenerCondition(e, 'tcp', 'Accepted')?.status).toBe('True');
  });
  it('a listener whose only kind is invalid is not programmed', () => {
    const e = evaluateGateway(snapshot({ gateway: gateway([tcp('a', 1, { allowedRoutes: { kinds: [{ kind: 'InvalidRoute' }] } }), tcp('b', 2)]) }));
    expect(listenerCondition(e, 'a', 'Programmed')).toMatchObject({ status: 'False', reason: 'Invalid' });
    expect(listenerCondition(e, 'a', 'ResolvedRefs')).toMatchObject({ status: 'False', reason: 'InvalidRouteKinds' });
    expect(e.status.listeners?.[0]?.supportedKinds).toEqual([]);
    expect(listenerCondition(e, 'b', 'Programmed')?.status).toBe('True');
  });
});

describe('attachedRoutes and the served route', () => {
  // TCPRouteMultipleRoutesAttachment / UDPRouteMultipleRoutesAttachment
  it('two routes on one listener: both Accepted, attachedRoutes 2, only the oldest is served', () => {
    const newer = route('newer', [{ name: 'gw', sectionName: 'tcp' }], undefined, { created: '2026-01-01T00:00:10Z' });
    const older = route('older', [{ name: 'gw', sectionName: 'tcp' }], undefined, { created: '2026-01-01T00:00:05Z' });
    const e = evaluateGateway(snapshot({ routes: { TCPRoute: [newer, older] } }));
    expect(parentCondition(e, 'newer', 'Accepted')?.status).toBe('True');
    expect(parentCondition(e, 'older', 'Accepted')?.status).toBe('True');
    expect(e.status.listeners?.[0]?.attachedRoutes).toBe(2);
    expect(e.listeners[0]?.served?.route.metadata.name).toBe('older');
    expect(e.listeners[0]?.attached.map((r) => r.name)).toEqual(['older', 'newer']);
  });
  it('equal timestamps fall back to namespace/name', () => {
    const grant = { allowedRoutes: { namespaces: { from: 'All' as const } } };
    const b = route('b', [{ name: 'gw', namespace: 'infra' }], undefined, { namespace: 'apps' });
    const a = route('a', [{ name: 'gw', namespace: 'infra' }], undefined, { namespace: 'web' });
    const e = evaluateGateway(snapshot({ gateway: gateway([tcp('tcp', 9000, grant)]), routes: { TCPRoute: [a, b] } }));
    expect(e.listeners[0]?.served?.route.metadata.namespace).toBe('apps');
  });
  // UDPRouteParentRefAttachAllListeners
  it('a parentRef without sectionName or port attaches to every UDP listener', () => {
    const gw = gateway([udp('u1', 5300), udp('u2', 5301), udp('u3', 5302), tcp('t', 5303)]);
    const e = evaluateGateway(snapshot({ gateway: gw, routes: { UDPRoute: [route('dns', [{ name: 'gw' }], [{ name: 'echo', port: 53 }], { kind: 'UDPRoute' })] } }));
    expect(e.status.listeners?.map((l) => [l.name, l.attachedRoutes, l.supportedKinds[0]?.kind])).toEqual([
      ['u1', 1, 'UDPRoute'],
      ['u2', 1, 'UDPRoute'],
      ['u3', 1, 'UDPRoute'],
      ['t', 0, 'TCPRoute'],
    ]);
    for (const l of ['u1', 'u2', 'u3']) {
      expect(listenerCondition(e, l, 'Accepted')?.status).toBe('True');
      expect(listenerCondition(e, l, 'ResolvedRefs')?.status).toBe('True');
    }
    expect(e.listeners.map((l) => l.served?.backends[0]?.port.protocol)).toEqual(['UDP', 'UDP', 'UDP', undefined]);
  });
  it('counts a route once per listener even when two of its parentRefs select it', () => {
    const r = route('r', [{ name: 'gw', sectionName: 'tcp' }, { name: 'gw', port: 9000 }]);
    const e = evaluateGateway(snapshot({ routes: { TCPRoute: [r] } }));
    expect(e.status.listeners?.[0]?.attachedRoutes).toBe(1);
    expect(e.routes[0]?.parents).toHaveLength(2);
  });
  it('does not count routes that are not accepted (TCPRouteInvalidNonTCPListener: zero attached routes)', () => {
    const gw = gateway([{ name: 'http', port: 80, protocol: 'HTTP', allowedRoutes: { kinds: [{ kind: 'HTTPRoute' }] } }]);
    const e = evaluateGateway(snapshot({ gateway: gw, routes: { TCPRoute: [route('r', [{ name: 'gw', sectionName: 'http' }])] } }));
    expect(e.status.listeners?.[0]?.attachedRoutes).toBe(0);
    expect(parentCondition(e, 'r', 'Accepted')).toMatchObject({ status: 'False', reason: 'NotAllowedByListeners' });
  });
  it('counts accepted routes on a rejected listener, but serves nothing there', () => {
    const e = evaluateGateway(snapshot({ gateway: gateway([tcp('a', 1), tcp('b', 1), tcp('c', 2)]), routes: { TCPRoute: [route('r', [{ name: 'gw' }])] } }));
    expect(e.status.listeners?.map((l) => l.attachedRoutes)).toEqual([1, 1, 1]);
    expect(e.listeners.map((l) => l.served !== undefined)).toEqual([false, false, true]);
  });
  it('a route with a missing backend stays Accepted and counted (TCPRouteInvalidBackendRefNonexistent)', () => {
    const e = evaluateGateway(snapshot({ routes: { TCPRoute: [route('r', [{ name: 'gw', sectionName: 'tcp' }], [{ name: 'nonexistent-service', port: 8080 }])] } }));
    expect(parentCondition(e, 'r', 'Accepted')?.status).toBe('True');
    expect(parentCondition(e, 'r', 'ResolvedRefs')).toMatchObject({ status: 'False', reason: 'BackendNotFound', observedGeneration: 2 });
    expect(e.status.listeners?.[0]?.attachedRoutes).toBe(1);
    expect(e.listeners[0]?.served).toMatchObject({ backends: [], rejectedWeight: 1 });
  });
  it('cross-namespace backend: RefNotPermitted without a grant, resolved with one (TCPRouteReferenceGrant)', () => {
    const remote = service('remote', [{ port: 8080 }], 'web');
    const r = route('r', [{ name: 'gw', sectionName: 'tcp' }], [{ name: 'remote', namespace: 'web', port: 8080 }]);
    const without = evaluateGateway(snapshot({ services: [remote], routes: { TCPRoute: [r] } }));
    expect(parentCondition(without, 'r', 'ResolvedRefs')).toMatchObject({ status: 'False', reason: 'RefNotPermitted' });
    expect(parentCondition(without, 'r', 'Accepted')?.status).toBe('True');
    const withGrant = evaluateGateway(snapshot({ services: [remote], routes: { TCPRoute: [r] }, referenceGrants: [referenceGrant('web', 'TCPRoute', 'infra')] }));
    expect(parentCondition(withGrant, 'r', 'ResolvedRefs')?.status).toBe('True');
    expect(withGrant.listeners[0]?.served?.backends[0]?.service.metadata.namespace).toBe('web');
  });
  it('serves nothing while the Gateway is not accepted', () => {
    const e = evaluateGateway(snapshot({ gatewayClass: gatewayClass({}, null), routes: { TCPRoute: [route('r', [{ name: 'gw' }])] } }));
    expect(e.listeners[0]?.served).toBeUndefined();
    expect(e.listeners[0]?.attachedRoutes).toBe(1);
  });
  it('reports a v1alpha2 route with several rules as PartiallyInvalid, serving the first rule', () => {
    const r = route('r', [{ name: 'gw' }]);
    r.spec.rules.push({ backendRefs: [{ name: 'echo', port: 53 }] });
    const e = evaluateGateway(snapshot({ routes: { TCPRoute: [r] } }));
    expect(parentCondition(e, 'r', 'PartiallyInvalid')).toMatchObject({ status: 'True', reason: 'UnsupportedValue' });
    expect(e.listeners[0]?.served?.backends.map((b) => b.port.port)).toEqual([8080]);
  });
});

describe('route status ownership', () => {
  const foreign = { parentRef: { name: 'gw' }, controllerName: 'example.com/other', conditions: [acceptedCondition()] };
  it('removes our entry when the route no longer references the Gateway, keeping others', () => {
    const r: L4Route = route('r', [{ name: 'elsewhere' }]);
    r.status = { parents: [foreign, { parentRef: { name: 'gw', group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: 'infra' }, controllerName: CONTROLLER, conditions: [acceptedCondition()] }] };
    const e = evaluateGateway(snapshot({ routes: { TCPRoute: [r] } }));
    expect(e.routes[0]?.parents).toEqual([foreign]);
    expect(e.routes[0]?.changed).toBe(true);
  });
  it('routeParentsWithoutGateway drops our entries for a deleted Gateway only', () => {
    const r: L4Route = route('r', [{ name: 'gw' }]);
    const ours = { parentRef: { name: 'gw' }, controllerName: CONTROLLER, conditions: [acceptedCondition()] };
    const oursElsewhere = { parentRef: { name: 'gw2' }, controllerName: CONTROLLER, conditions: [acceptedCondition()] };
    r.status = { parents: [ours, foreign, oursElsewhere] };
    expect(routeParentsWithoutGateway(r, CONTROLLER, gateway([]), NOW)).toEqual([foreign, oursElsewhere]);
  });
  it('evaluates each input route once, even if listed twice', () => {
    const r = route('r', [{ name: 'gw' }]);
    expect(evaluateGateway(snapshot({ routes: { TCPRoute: [r, r] } })).routes).toHaveLength(1);
  });
  it('a TCPRoute and a UDPRoute with the same name are different routes', () => {
    const e = evaluateGateway(
      snapshot({
        gateway: gateway([tcp('t', 53), udp('u', 53)]),
        routes: {
          TCPRoute: [route('dns', [{ name: 'gw' }], [{ name: 'echo', port: 8080 }])],
          UDPRoute: [route('dns', [{ name: 'gw' }], [{ name: 'echo', port: 53 }], { kind: 'UDPRoute' })],
        },
      }),
    );
    expect(e.routes.map((r) => r.kind)).toEqual(['TCPRoute', 'UDPRoute']);
    expect(e.listeners.map((l) => l.served?.kind)).toEqual(['TCPRoute', 'UDPRoute']);
  });
});

describe('status bookkeeping', () => {
  it('tracks the Gateway generation (GatewayObservedGenerationBump) and keeps lastTransitionTime', () => {
    const first = evaluateGateway(snapshot());
    const bumped: Gateway = { ...gateway([tcp('tcp', 9000), udp('udp', 9001)]), status: first.status };
    bumped.metadata.generation = 4;
    const second = evaluateGateway(snapshot({ gateway: bumped, now: LATER }));
    expect(second.status.conditions?.every((c) => c.observedGeneration === 4)).toBe(true);
    expect(second.status.listeners?.flatMap((l) => l.conditions).every((c) => c.observedGeneration === 4)).toBe(true);
    expect(gwCondition(second, 'Accepted')?.lastTransitionTime).toBe(NOW);
    expect(listenerCondition(second, 'udp', 'Accepted')?.lastTransitionTime).toBe(LATER);
  });
  it("keeps other condition types and status fields, drops removed listeners' status", () => {
    const g = gateway([tcp('tcp', 9000)]);
    g.status = {
      conditions: [{ type: 'example.com/Other', status: 'True', reason: 'X', message: '', lastTransitionTime: NOW }],
      listeners: [{ name: 'gone', supportedKinds: [], attachedRoutes: 0, conditions: [] }],
      attachedListenerSets: 0,
    };
    const e = evaluateGateway(snapshot({ gateway: g }));
    expect(e.status.conditions?.map((c) => c.type)).toEqual(['example.com/Other', 'Accepted', 'Programmed']);
    expect(e.status.listeners?.map((l) => l.name)).toEqual(['tcp']);
    expect(e.status.attachedListenerSets).toBe(0);
  });
  it('drops a Conflicted condition once the conflict is gone', () => {
    const conflicted = evaluateGateway(snapshot({ gateway: gateway([tcp('a', 1), tcp('b', 1)]) }));
    expect(listenerCondition(conflicted, 'a', 'Conflicted')?.status).toBe('True');
    const fixed = gateway([tcp('a', 1), tcp('b', 2)]);
    fixed.status = conflicted.status;
    fixed.metadata.generation = 4;
    const e = evaluateGateway(snapshot({ gateway: fixed }));
    expect(listenerCondition(e, 'a', 'Conflicted')).toBeUndefined();
    expect(listenerCondition(e, 'a', 'Accepted')?.status).toBe('True');
  });
  it('writes the kube-vip.io/Announced condition only when told', () => {
    expect(gwCondition(evaluateGateway(snapshot()), 'kube-vip.io/Announced')).toBeUndefined();
    const e = evaluateGateway(snapshot({ announcement: { status: 'False', reason: 'Split', message: 'two nodes' } }));
    expect(gwCondition(e, 'kube-vip.io/Announced')).toMatchObject({ status: 'False', reason: 'Split', message: 'two nodes' });
    const yes = evaluateGateway(snapshot({ announcement: { status: 'True', reason: 'Announced', message: 'announced by node-1' } }));
    expect(gwCondition(yes, 'kube-vip.io/Announced')).toMatchObject({ status: 'True', reason: 'Announced' });
  });
  it('writes one listener status per name when a hand-made Gateway repeats one', () => {
    const e = evaluateGateway(snapshot({ gateway: gateway([tcp('x', 1), udp('x', 2)]) }));
    expect(e.status.listeners?.map((l) => l.name)).toEqual(['x']);
    expect(e.listeners).toHaveLength(2);
  });
});

describe('evaluateGateway preconditions', () => {
  it.each<[string, Partial<GatewaySnapshot>, RegExp]>([
    ['a class of another controller', { gatewayClass: gatewayClass({ spec: { controllerName: 'example.com/other' } }) }, /belongs to "example\.com\/other", not "kube-vip\.io\/controller"/],
    ['a class that is not the Gateway\'s', { gatewayClass: gatewayClass({ metadata: { name: 'other' } }) }, /gatewayClassName is "kube-vip", not "other"/],
  ])('throws NotOurGatewayError for %s', (_name, overrides, message) => {
    expect(() => evaluateGateway(snapshot(overrides))).toThrow(NotOurGatewayError);
    expect(() => evaluateGateway(snapshot(overrides))).toThrow(message);
  });
});

describe('requestedAddresses', () => {
  it.each<[Gateway['spec']['addresses'], ReturnType<typeof requestedAddresses>]>([
    [undefined, { unsupported: [], static: [], unspecified: 0 }],
    [[{ value: '10.0.0.1' }], { unsupported: [], static: ['10.0.0.1'], unspecified: 0 }],
    // GatewayOptionalAddressValue
    [[{ type: 'IPAddress' }], { unsupported: [], static: [], unspecified: 1 }],
    [[{ type: 'IPAddress', value: '' }, { type: 'IPAddress', value: 'fd00::1' }], { unsupported: [], static: ['fd00::1'], unspecified: 1 }],
    // GatewayStaticAddresses
    [
      [{ type: 'test/fake-invalid-type', value: 'x' }, { type: 'Hostname', value: 'a.example' }, { value: '10.0.0.2' }],
      { unsupported: [{ type: 'test/fake-invalid-type', value: 'x' }, { type: 'Hostname', value: 'a.example' }], static: ['10.0.0.2'], unspecified: 0 },
    ],
  ])('%j', (addresses, expected) => {
    expect(requestedAddresses(gateway([], addresses === undefined ? {} : { addresses }))).toEqual(expected);
  });
});
