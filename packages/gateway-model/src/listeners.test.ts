import { describe, expect, it } from 'vitest';
import { gateway, namespace, tcp, udp } from './internal/fixtures.js';
import { evaluateListeners, listenerRefusal, namespaceLabels, type ListenerVerdict } from './listeners.js';
import type { Listener } from './types.js';

function one(listener: Listener): ListenerVerdict {
  const [v] = evaluateListeners(gateway([listener]));
  if (v === undefined) throw new Error('no verdict');
  return v;
}

function cond(v: ListenerVerdict, type: string) {
  return v.conditions.find((c) => c.type === type);
}

describe('listener protocol', () => {
  it.each([
    ['TCP', 'TCPRoute'],
    ['UDP', 'UDPRoute'],
  ])('%s listeners are accepted with supportedKinds [%s]', (protocol, kind) => {
    const v = one({ name: 'l', port: 5000, protocol });
    expect(v.accepted).toBe(true);
    expect(v.supportedKinds).toEqual([{ group: 'gateway.networking.k8s.io', kind }]);
    expect(cond(v, 'Accepted')).toMatchObject({ status: 'True', reason: 'Accepted' });
    expect(cond(v, 'ResolvedRefs')).toMatchObject({ status: 'True', reason: 'ResolvedRefs' });
    expect(cond(v, 'Conflicted')).toBeUndefined();
    expect(v.problems).toEqual([]);
  });

  // GatewayListenerUnsupportedProtocol: Accepted=False/UnsupportedProtocol and supportedKinds [].
  it.each(['HTTP', 'HTTPS', 'TLS', 'INVALID', 'example.com/turn', 'tcp'])('%s listeners are UnsupportedProtocol with no kinds', (protocol) => {
    const v = one({ name: 'l', port: 80, protocol, allowedRoutes: { kinds: [{ kind: 'HTTPRoute' }] } });
    expect(v.accepted).toBe(false);
    expect(v.supportedKinds).toEqual([]);
    expect(cond(v, 'Accepted')).toMatchObject({ status: 'False', reason: 'UnsupportedProtocol' });
    expect(cond(v, 'Accepted')?.message).toContain(`protocol "${protocol}" is not supported`);
    expect(v.problems).toHaveLength(1);
  });
});

describe('ResolvedRefs on listeners with an unsupported protocol', () => {
  // GatewayInvalidRouteKind, subtest 1: an HTTP listener with kinds [InvalidRoute] -> ResolvedRefs=False/InvalidRouteKinds
  // and supportedKinds []. A listener we do not serve supports no kind, so any listed kind is invalid.
  it.each<[string, { group?: string; kind: string }[], RegExp]>([
    ['kinds [InvalidRoute]', [{ kind: 'InvalidRoute' }], /unsupported route kind\(s\) InvalidRoute: protocol "HTTP"/],
    ['kinds [InvalidRoute, HTTPRoute]', [{ kind: 'InvalidRoute' }, { kind: 'HTTPRoute' }], /InvalidRoute, HTTPRoute/],
    ['kinds [TCPRoute] on HTTP', [{ kind: 'TCPRoute' }], /TCPRoute/],
    ['a kind of another group', [{ group: 'example.io', kind: 'FooRoute' }], /example\.io\/FooRoute/],
  ])('%s -> ResolvedRefs=False/InvalidRouteKinds, supportedKinds []', (_name, kinds, message) => {
    const v = one({ name: 'http', port: 80, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'All' }, kinds } });
    expect(v.supportedKinds).toEqual([]);
    expect(cond(v, 'Accepted')).toMatchObject({ status: 'False', reason: 'UnsupportedProtocol' });
    expect(cond(v, 'ResolvedRefs')).toMatchObject({ status: 'False', reason: 'InvalidRouteKinds' });
    expect(cond(v, 'ResolvedRefs')?.message).toMatch(message);
  });

  it.each<[string, Listener]>([
    ['kinds unset', { name: 'x', port: 1111, protocol: 'INVALID' }],
    ['kinds empty', { name: 'x', port: 1111, protocol: 'INVALID', allowedRoutes: { kinds: [] } }],
  ])('%s -> ResolvedRefs=True: nothing is referenced', (_name, listener) => {
    expect(cond(one(listener), 'ResolvedRefs')).toMatchObject({ status: 'True', reason: 'ResolvedRefs' });
  });

  it('a repeated kind is named once', () => {
    const v = one({ name: 'h', port: 80, protocol: 'HTTP', allowedRoutes: { kinds: [{ kind: 'HTTPRoute' }, { kind: 'HTTPRoute' }] } });
    expect(cond(v, 'ResolvedRefs')?.message).toMatch(/kind\(s\) HTTPRoute: /);
  });
});

describe('listener fields TCP/UDP must not carry, and bad ports', () => {
  it.each<[string, Listener, string, RegExp]>([
    ['hostname on TCP', tcp('l', 5000, { hostname: 'a.example' }), 'UnsupportedValue', /hostname "a\.example" must not be set for protocol TCP/],
    ['tls on UDP', udp('l', 5000, { tls: { mode: 'Terminate' } }), 'UnsupportedValue', /tls must not be set for protocol UDP/],
    ['port 0', tcp('l', 0), 'PortUnavailable', /port 0 is not in 1-65535/],
    ['port 70000', tcp('l', 70000), 'PortUnavailable', /port 70000/],
    ['from None', tcp('l', 5000, { allowedRoutes: { namespaces: { from: 'None' } } }), 'UnsupportedValue', /from "None" is not one of All, Same, Selector/],
    ['Selector without selector', tcp('l', 5000, { allowedRoutes: { namespaces: { from: 'Selector' } } }), 'UnsupportedValue', /no selector is set/],
    [
      'Selector with a bad operator',
      tcp('l', 5000, { allowedRoutes: { namespaces: { from: 'Selector', selector: { matchExpressions: [{ key: 'a', operator: 'Is' as 'In' }] } } } }),
      'UnsupportedValue',
      /selector is invalid: matchExpressions\[0\] has unknown operator "Is"/,
    ],
  ])('%s -> Accepted=False/%s', (_name, listener, reason, message) => {
    const v = one(listener);
    expect(v.accepted).toBe(false);
    expect(cond(v, 'Accepted')).toMatchObject({ status: 'False', reason });
    expect(cond(v, 'Accepted')?.message).toMatch(message);
    expect(v.problems.join(' ')).toMatch(message);
  });

  it('empty hostname is not a hostname', () => {
    expect(one(tcp('l', 5000, { hostname: '' })).accepted).toBe(true);
  });
});

describe('supportedKinds and InvalidRouteKinds', () => {
  it.each<[string, { group?: string; kind: string }[], string[], string, RegExp | undefined]>([
    ['kinds unset', [], ['TCPRoute'], 'True', undefined],
    ['TCPRoute listed', [{ kind: 'TCPRoute' }], ['TCPRoute'], 'True', undefined],
    ['TCPRoute with explicit group', [{ group: 'gateway.networking.k8s.io', kind: 'TCPRoute' }], ['TCPRoute'], 'True', undefined],
    // GatewayInvalidRouteKind: kinds [InvalidRoute] -> ResolvedRefs=False/InvalidRouteKinds, supportedKinds [].
    ['only an invalid kind', [{ kind: 'InvalidRoute' }], [], 'False', /unsupported route kind\(s\) InvalidRoute; supported: none/],
    // ... with [InvalidRoute, <valid>] the valid kind is still listed.
    ['invalid and valid', [{ kind: 'InvalidRoute' }, { kind: 'TCPRoute' }], ['TCPRoute'], 'False', /InvalidRoute; supported: TCPRoute/],
    ['UDPRoute on a TCP listener', [{ kind: 'UDPRoute' }], [], 'False', /UDPRoute/],
    ['TCPRoute of another group', [{ group: 'example.io', kind: 'TCPRoute' }], [], 'False', /example\.io\/TCPRoute/],
  ])('%s', (_name, kinds, supported, resolved, message) => {
    const v = one(tcp('l', 5000, kinds.length === 0 ? {} : { allowedRoutes: { kinds } }));
    expect(v.supportedKinds.map((k) => k.kind)).toEqual(supported);
    expect(cond(v, 'ResolvedRefs')?.status).toBe(resolved);
    if (message !== undefined) {
      expect(cond(v, 'ResolvedRefs')?.reason).toBe('InvalidRouteKinds');
      expect(cond(v, 'ResolvedRefs')?.message).toMatch(message);
      expect(v.problems.length).toBeGreaterThan(0);
    }
    expect(v.accepted).toBe(true); // a kinds problem is reported by ResolvedRefs, not Accepted
  });
});

describe('port conflicts', () => {
  it('TCP and UDP on one port are distinct and both accepted (GEP-2644/2645)', () => {
    const vs = evaluateListeners(gateway([tcp('dns-tcp', 53), udp('dns-udp', 53)]));
    expect(vs.map((v) => [v.accepted, v.conflicted])).toEqual([
      [true, false],
      [true, false],
    ]);
  });
  it.each([
    ['two TCP', [tcp('a', 9000), tcp('b', 9000)]],
    ['two UDP', [udp('a', 9000), udp('b', 9000)]],
  ])('%s listeners on one port both conflict; no winner is picked', (_name, listeners) => {
    const vs = evaluateListeners(gateway(listeners));
    for (const v of vs) {
      expect(v.accepted).toBe(false);
      expect(v.conflicted).toBe(true);
      expect(cond(v, 'Conflicted')).toMatchObject({ status: 'True', reason: 'HostnameConflict' });
      expect(cond(v, 'Accepted')).toMatchObject({ status: 'False', reason: 'PortUnavailable' });
    }
    expect(cond(vs[0] as ListenerVerdict, 'Conflicted')?.message).toContain('"b"');
  });
  it('conflicts leave the other listeners alone', () => {
    const vs = evaluateListeners(gateway([tcp('a', 9000), tcp('b', 9000), tcp('c', 9001)]));
    expect(vs.map((v) => v.accepted)).toEqual([false, false, true]);
  });
  it('a TCP listener sharing a port with an (unsupported) HTTP listener is not conflicted', () => {
    const vs = evaluateListeners(gateway([tcp('t', 80), { name: 'h', port: 80, protocol: 'HTTP' }]));
    expect(vs[0]).toMatchObject({ accepted: true, conflicted: false });
    expect(vs[1]).toMatchObject({ accepted: false, conflicted: false });
  });
  it('duplicate listener names are rejected', () => {
    const vs = evaluateListeners(gateway([tcp('same', 1), udp('same', 2)]));
    expect(vs.every((v) => !v.accepted)).toBe(true);
    expect(cond(vs[0] as ListenerVerdict, 'Accepted')?.message).toMatch(/name is used by more than one listener/);
  });
  it('a Gateway without listeners has no verdicts, and a malformed one does not crash', () => {
    expect(evaluateListeners(gateway([]))).toEqual([]);
    expect(evaluateListeners({ metadata: { name: 'x' } } as never)).toEqual([]);
  });
});

describe('listenerRefusal: allowedRoutes namespaces and kinds', () => {
  const namespaces = new Map([
    ['infra', namespace('infra')],
    ['apps', namespace('apps', { team: 'a', env: 'prod' })],
    ['web', namespace('web', { team: 'b' })],
  ]);
  const selector = (sel: object) => tcp('l', 5000, { allowedRoutes: { namespaces: { from: 'Selector', selector: sel } } });
  it.each<[string, Listener, 'TCPRoute' | 'UDPRoute', string, RegExp | undefined]>([
    ['Same (default), same namespace', tcp('l', 5000), 'TCPRoute', 'infra', undefined],
    ['Same (default), other namespace', tcp('l', 5000), 'TCPRoute', 'apps', /only allows routes from the Gateway's namespace "infra", not "apps"/],
    ['All, other namespace', tcp('l', 5000, { allowedRoutes: { namespaces: { from: 'All' } } }), 'TCPRoute', 'apps', undefined],
    ['Selector matchLabels match', selector({ matchLabels: { team: 'a' } }), 'TCPRoute', 'apps', undefined],
    ['Selector matchLabels no match', selector({ matchLabels: { team: 'a' } }), 'TCPRoute', 'web', /"web" does not match/],
    ['Selector In', selector({ matchExpressions: [{ key: 'team', operator: 'In', values: ['a', 'b'] }] }), 'TCPRoute', 'web', undefined],
    ['Selector NotIn', selector({ matchExpressions: [{ key: 'team', operator: 'NotIn', values: ['b'] }] }), 'TCPRoute', 'web', /does not match/],
    ['Selector Exists', selector({ matchExpressions: [{ key: 'env', operator: 'Exists' }] }), 'TCPRoute', 'apps', undefined],
    ['Selector DoesNotExist', selector({ matchExpressions: [{ key: 'env', operator: 'DoesNotExist' }] }), 'TCPRoute', 'apps', /does not match/],
    ['Selector by metadata.name of an unlisted namespace', selector({ matchLabels: { 'kubernetes.io/metadata.name': 'ghost' } }), 'TCPRoute', 'ghost', undefined],
    ['Selector, namespace missing from the snapshot', selector({ matchLabels: { team: 'a' } }), 'TCPRoute', 'ghost', /does not match/],
    ['wrong kind', tcp('l', 5000), 'UDPRoute', 'infra', /does not allow UDPRoute \(allowed kinds: TCPRoute\)/],
    ['HTTP listener', { name: 'l', port: 80, protocol: 'HTTP' }, 'TCPRoute', 'infra', /\(HTTP\) does not allow TCPRoute \(allowed kinds: none\)/],
    ['invalid from', tcp('l', 5000, { allowedRoutes: { namespaces: { from: 'None' } } }), 'TCPRoute', 'infra', /allows no routes/],
  ])('%s', (_name, listener, kind, routeNamespace, refusal) => {
    const result = listenerRefusal(one(listener), kind, routeNamespace, 'infra', namespaces);
    if (refusal === undefined) expect(result).toBeUndefined();
    else expect(result).toMatch(refusal);
  });

  it('namespaceLabels always carries the name label', () => {
    expect(namespaceLabels(namespaces, 'apps')).toEqual({ team: 'a', env: 'prod', 'kubernetes.io/metadata.name': 'apps' });
    expect(namespaceLabels(namespaces, 'ghost')).toEqual({ 'kubernetes.io/metadata.name': 'ghost' });
  });
});
