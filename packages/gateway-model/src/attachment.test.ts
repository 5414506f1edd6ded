import { describe, expect, it } from 'vitest';
import { attachRoute, compareRoutePrecedence, refersToGateway } from './attachment.js';
import { defaultParentRef } from './defaults.js';
import { gateway, namespace, route, tcp, udp } from './internal/fixtures.js';
import { evaluateListeners } from './listeners.js';
import type { Gateway, L4Route, ParentReference } from './types.js';

const namespaces = new Map([
  ['infra', namespace('infra')],
  ['apps', namespace('apps', { allowed: 'yes' })],
]);

function attach(gw: Gateway, parentRefs: ParentReference[], options: { namespace?: string; kind?: 'TCPRoute' | 'UDPRoute' } = {}) {
  const kind = options.kind ?? 'TCPRoute';
  return attachRoute({ gateway: gw, listeners: evaluateListeners(gw), route: route('r', parentRefs, undefined, { ...options, kind }), routeKind: kind, namespaces });
}

// TCPRouteParentRefPortAndSectionName / UDPRouteParentRefPortAndSectionName / TCPRouteParentRefAttachAll.
const fourTcp = gateway([tcp('one', 9310), tcp('two', 9311), tcp('three', 9312), tcp('four', 9313)]);

describe('parentRef matching', () => {
  it.each<[string, ParentReference, string, string, string[] | RegExp]>([
    ['neither: the whole Gateway', { name: 'gw' }, 'True', 'Accepted', ['one', 'two', 'three', 'four']],
    ['by sectionName', { name: 'gw', sectionName: 'two' }, 'True', 'Accepted', ['two']],
    ['by port', { name: 'gw', port: 9312 }, 'True', 'Accepted', ['three']],
    ['by both, agreeing', { name: 'gw', sectionName: 'four', port: 9313 }, 'True', 'Accepted', ['four']],
    ['sectionName matches nothing', { name: 'gw', sectionName: 'nope' }, 'False', 'NoMatchingParent', /Gateway "infra\/gw" has no listener named "nope"/],
    ['port matches nothing', { name: 'gw', port: 1 }, 'False', 'NoMatchingParent', /has no listener on port 1/],
    ['sectionName and port disagree', { name: 'gw', sectionName: 'one', port: 9313 }, 'False', 'NoMatchingParent', /listener "one" of Gateway "infra\/gw" is on port 9310, not 9313/],
    ['both, unknown name', { name: 'gw', sectionName: 'x', port: 9313 }, 'False', 'NoMatchingParent', /no listener named "x"/],
  ])('%s -> Accepted=%s/%s', (_name, ref, status, reason, expected) => {
    const [v, ...rest] = attach(fourTcp, [ref]);
    expect(rest).toEqual([]);
    expect(v?.accepted).toMatchObject({ type: 'Accepted', status, reason });
    if (Array.isArray(expected)) expect(v?.listeners).toEqual(expected);
    else {
      expect(v?.listeners).toEqual([]);
      expect(v?.accepted.message).toMatch(expected);
    }
  });

  it('writes group, kind and namespace explicitly in the verdict parentRef', () => {
    expect(attach(fourTcp, [{ name: 'gw', sectionName: 'one' }])[0]?.parentRef).toEqual({
      group: 'gateway.networking.k8s.io',
      kind: 'Gateway',
      namespace: 'infra',
      name: 'gw',
      sectionName: 'one',
    });
  });

  it('ignores parentRefs to other parents, and evaluates each ref to this Gateway separately', () => {
    const vs = attach(fourTcp, [
      { name: 'other' },
      { name: 'gw', namespace: 'elsewhere' },
      { name: 'gw', kind: 'ListenerSet' },
      { name: 'gw', group: 'example.io' },
      { name: 'gw', sectionName: 'one' },
      { name: 'gw', sectionName: 'nope' },
    ]);
    expect(vs.map((v) => [v.parentRef.sectionName, v.accepted.reason])).toEqual([
      ['one', 'Accepted'],
      ['nope', 'NoMatchingParent'],
    ]);
  });
  it('counts an explicit namespace equal to the route namespace as this Gateway', () => {
    expect(attach(fourTcp, [{ name: 'gw', namespace: 'infra' }])).toHaveLength(1);
  });
  it('keeps one verdict for duplicated parentRefs', () => {
    expect(attach(fourTcp, [{ name: 'gw', sectionName: 'one' }, { name: 'gw', sectionName: 'one', namespace: 'infra' }])).toHaveLength(1);
  });
});

describe('NotAllowedByListeners', () => {
  // TCPRouteInvalidNonTCPListener: TCPRoute -> HTTP listener by sectionName.
  it('a TCPRoute on an HTTP listener', () => {
    const gw = gateway([{ name: 'http', port: 80, protocol: 'HTTP', allowedRoutes: { kinds: [{ kind: 'HTTPRoute' }] } }]);
    const [v] = attach(gw, [{ name: 'gw', sectionName: 'http' }]);
    expect(v?.accepted).toMatchObject({ status: 'False', reason: 'NotAllowedByListeners' });
    expect(v?.listeners).toEqual([]);
  });
  // UDPRouteNotAllowedByListeners: UDPRoute -> TLS listener.
  it('a UDPRoute on a TLS listener', () => {
    const gw = gateway([{ name: 'tls', port: 443, protocol: 'TLS', tls: { mode: 'Passthrough' } }]);
    const [v] = attach(gw, [{ name: 'gw', sectionName: 'tls' }], { kind: 'UDPRoute' });
    expect(v?.accepted).toMatchObject({ status: 'False', reason: 'NotAllowedByListeners' });
  });
  it.each<[string, Gateway, ParentReference, { namespace?: string; kind?: 'TCPRoute' | 'UDPRoute' }, string, RegExp | string[]]>([
    ['UDPRoute to a TCP listener', gateway([tcp('t', 53)]), { name: 'gw', sectionName: 't' }, { kind: 'UDPRoute' }, 'NotAllowedByListeners', /does not allow UDPRoute/],
    ['port shared by TCP and UDP picks the UDP one for a UDPRoute', gateway([tcp('t', 53), udp('u', 53)]), { name: 'gw', port: 53 }, { kind: 'UDPRoute' }, 'Accepted', ['u']],
    ['whole Gateway, only UDP listeners, TCPRoute', gateway([udp('u', 53)]), { name: 'gw' }, {}, 'NotAllowedByListeners', /does not allow TCPRoute/],
    ['cross-namespace route, listener from Same', gateway([tcp('t', 1)]), { name: 'gw', namespace: 'infra' }, { namespace: 'apps' }, 'NotAllowedByListeners', /only allows routes from the Gateway's namespace/],
    ['cross-namespace route, listener from All', gateway([tcp('t', 1, { allowedRoutes: { namespaces: { from: 'All' } } })]), { name: 'gw', namespace: 'infra' }, { namespace: 'apps' }, 'Accepted', ['t']],
    [
      'cross-namespace route, selector matches',
      gateway([tcp('t', 1, { allowedRoutes: { namespaces: { from: 'Selector', selector: { matchLabels: { allowed: 'yes' } } } } })]),
      { name: 'gw', namespace: 'infra' },
      { namespace: 'apps' },
      'Accepted',
      ['t'],
    ],
    [
      'same-namespace route, selector does not match',
      gateway([tcp('t', 1, { allowedRoutes: { namespaces: { from: 'Selector', selector: { matchLabels: { allowed: 'yes' } } } } })]),
      { name: 'gw' },
      {},
      'NotAllowedByListeners',
      /"infra" does not match/,
    ],
    ['kinds exclude TCPRoute', gateway([tcp('t', 1, { allowedRoutes: { kinds: [{ kind: 'InvalidRoute' }] } })]), { name: 'gw' }, {}, 'NotAllowedByListeners', /allowed kinds: none/],
  ])('%s -> %s', (_name, gw, ref, options, reason, expected) => {
    const [v] = attach(gw, [ref], options);
    expect(v?.accepted.reason).toBe(reason);
    if (Array.isArray(expected)) expect(v?.listeners).toEqual(expected);
    else expect(v?.accepted.message).toMatch(expected);
  });

  it('a route attaches to a rejected (conflicted) listener: attachment depends only on parentRefs and allowedRoutes', () => {
    const [v] = attach(gateway([tcp('a', 1), tcp('b', 1)]), [{ name: 'gw', sectionName: 'a' }]);
    expect(v?.accepted.status).toBe('True');
    expect(v?.listeners).toEqual(['a']);
  });

  it('a route without rules is not accepted', () => {
    const gw = gateway([tcp('t', 1)]);
    const r = route('r', [{ name: 'gw' }]);
    r.spec.rules = [];
    const [v] = attachRoute({ gateway: gw, listeners: evaluateListeners(gw), route: r, routeKind: 'TCPRoute', namespaces });
    expect(v?.accepted).toMatchObject({ status: 'False', reason: 'UnsupportedValue' });
  });

  it('tolerates malformed routes', () => {
    const gw = gateway([tcp('t', 1)]);
    const broken = { metadata: { name: 'x', namespace: 'infra' }, spec: { parentRefs: [null, { nope: 1 }, { name: 'gw' }] } } as unknown as L4Route;
    const vs = attachRoute({ gateway: gw, listeners: evaluateListeners(gw), route: broken, routeKind: 'TCPRoute', namespaces });
    expect(vs.map((v) => v.accepted.reason)).toEqual(['UnsupportedValue']);
  });
});

describe('refersToGateway', () => {
  const gw = gateway([]);
  it.each<[ParentReference, string, boolean]>([
    [{ name: 'gw' }, 'infra', true],
    [{ name: 'gw' }, 'apps', false],
    [{ name: 'gw', namespace: 'infra' }, 'apps', true],
    [{ name: 'other' }, 'infra', false],
    [{ name: 'gw', kind: 'Service', group: '' }, 'infra', false],
  ])('%j from namespace %s -> %s', (ref, ns, expected) => {
    expect(refersToGateway(defaultParentRef(ref, ns), gw)).toBe(expected);
  });
});

describe('compareRoutePrecedence', () => {
  const r = (name: string, ns: string, created?: string) => {
    const x = route(name, [], [], { namespace: ns, ...(created === undefined ? {} : { created }) });
    if (created === undefined) delete x.metadata.creationTimestamp;
    return x;
  };
  it('orders by creationTimestamp, then namespace/name; missing or invalid timestamps last', () => {
    const routes = [
      r('z', 'a', 'invalid'),
      r('b', 'a', '2026-01-02T00:00:00Z'),
      r('a', 'b', '2026-01-01T00:00:00Z'),
      r('a', 'a', '2026-01-01T00:00:00Z'),
      r('y', 'a'),
    ];
    expect(routes.sort(compareRoutePrecedence).map((x) => `${x.metadata.namespace}/${x.metadata.name}`)).toEqual(['a/a', 'b/a', 'a/b', 'a/y', 'a/z']);
  });
});
