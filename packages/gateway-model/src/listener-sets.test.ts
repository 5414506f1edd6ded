import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { evaluateGateway, type GatewayEvaluation, type GatewaySnapshot } from './gateway.js';
import { acceptedCondition, CONTROLLER, gateway, gatewayClass, listenerSet, namespace, NOW, route, service, tcp, udp } from './internal/fixtures.js';
import { compareListenerSetPrecedence, listenerSetListenerKey } from './listener-sets.js';
import type { AllowedListeners, Condition, Gateway, Listener, ListenerSet } from './types.js';

const echo = service('echo', [{ port: 8080 }, { port: 53, protocol: 'UDP' }]);
const teamEcho = service('echo', [{ port: 8080 }, { port: 53, protocol: 'UDP' }], 'team-a');

function allowing(from: NonNullable<AllowedListeners['namespaces']>['from'], selector?: Record<string, string>, listeners: Listener[] = [tcp('tcp', 9000)]): Gateway {
  return gateway(listeners, { allowedListeners: { namespaces: { from, ...(selector ? { selector: { matchLabels: selector } } : {}) } } });
}

function snapshot(overrides: Partial<GatewaySnapshot> = {}): GatewaySnapshot {
  return {
    controllerName: CONTROLLER,
    gateway: allowing('All'),
    gatewayClass: gatewayClass(),
    routes: {},
    namespaces: [namespace('infra'), namespace('team-a', { team: 'a' }), namespace('team-b', { team: 'b' })],
    services: [echo, teamEcho],
    referenceGrants: [],
    address: { kind: 'assigned', addresses: ['192.0.2.10'] },
    dataPlane: { kind: 'applied' },
    now: NOW,
    ...overrides,
  };
}

function setOf(e: GatewayEvaluation, name: string, ns?: string) {
  const found = e.listenerSets.find((o) => o.listenerSet.metadata.name === name && (ns === undefined || o.listenerSet.metadata.namespace === ns));
  if (found === undefined) throw new Error(`no outcome for ListenerSet ${name}`);
  return found;
}

/** "Type=Status/Reason" of the given condition types, in that order. */
function states(conditions: readonly Condition[] | undefined, ...types: string[]): string[] {
  return types.map((t) => {
    const c = conditions?.find((x) => x.type === t);
    return c === undefined ? `${t} missing` : `${t}=${c.status}/${c.reason}`;
  });
}

function setStates(e: GatewayEvaluation, name: string, ns?: string): string[] {
  return states(setOf(e, name, ns).status.conditions, 'Accepted', 'Programmed');
}

function listenerStates(e: GatewayEvaluation, set: string, listener: string): string[] {
  const l = setOf(e, set).status.listeners?.find((x) => x.name === listener);
  return states(l?.conditions, 'Accepted', 'Programmed', 'Conflicted');
}

const ACCEPTED_LISTENER = ['Accepted=True/Accepted', 'Programmed=True/Programmed', 'Conflicted missing'];
const CONFLICTED_LISTENER = ['Accepted=False/HostnameConflict', 'Programmed=False/HostnameConflict', 'Conflicted=True/HostnameConflict'];

describe('allowedListeners', () => {
  const inA = listenerSet('ls', [tcp('extra', 9100)], { namespace: 'team-a' });
  const inSame = listenerSet('ls', [tcp('extra', 9100)]);

  it('takes no ListenerSet by default (from None): Accepted and Programmed False/NotAllowed, nothing attached or served', () => {
    const e = evaluateGateway(snapshot({ gateway: gateway([tcp('tcp', 9000)]), listenerSets: [inSame] }));
    expect(setStates(e, 'ls')).toEqual(['Accepted=False/NotAllowed', 'Programmed=False/NotAllowed']);
    expect(setOf(e, 'ls').status.conditions?.find((c) => c.type === 'Accepted')?.message).toContain('from: None');
    expect(setOf(e, 'ls').status.listeners).toEqual([]);
    expect(e.listeners.map((l) => l.name)).toEqual(['tcp']);
    // A Gateway that takes none and never did keeps exactly the status it had before ListenerSets existed.
    expect(e.status.attachedListenerSets).toBeUndefined();
  });

  it.each([
    ['Same', undefined, inSame, true],
    ['Same', undefined, inA, false],
    ['All', undefined, inA, true],
    ['Selector', { team: 'a' }, inA, true],
    ['Selector', { team: 'b' }, inA, false],
  ] as const)('from %s %j: %s/%s attached = %s', (from, selector, set, attached) => {
    const e = evaluateGateway(snapshot({ gateway: allowing(from, selector), listenerSets: [set] }));
    expect(setStates(e, 'ls')).toEqual(attached ? ['Accepted=True/Accepted', 'Programmed=True/Programmed'] : ['Accepted=False/NotAllowed', 'Programmed=False/NotAllowed']);
    expect(e.status.attachedListenerSets).toBe(attached ? 1 : 0);
    expect(e.listeners.some((l) => l.listenerSet !== undefined)).toBe(attached);
  });

  it('matches the namespace by its kubernetes.io/metadata.name even when the Namespace object lacks it', () => {
    const gw = gateway([tcp('tcp', 9000)], { allowedListeners: { namespaces: { from: 'Selector', selector: { matchLabels: { 'kubernetes.io/metadata.name': 'team-a' } } } } });
    const e = evaluateGateway(snapshot({ gateway: gw, listenerSets: [inA] }));
    expect(setStates(e, 'ls')).toEqual(['Accepted=True/Accepted', 'Programmed=True/Programmed']);
  });

  it('rejects every ListenerSet, naming the problem, for Selector without a selector or with an invalid one', () => {
    const none = evaluateGateway(snapshot({ gateway: gateway([tcp('tcp', 9000)], { allowedListeners: { namespaces: { from: 'Selector' } } }), listenerSets: [inA] }));
    expect(setStates(none, 'ls')).toEqual(['Accepted=False/NotAllowed', 'Programmed=False/NotAllowed']);
    expect(setOf(none, 'ls').status.conditions?.[0]?.message).toContain('no selector');
    const bad = gateway([tcp('tcp', 9000)], { allowedListeners: { namespaces: { from: 'Selector', selector: { matchExpressions: [{ key: 'team', operator: 'In', values: [] }] } } } });
    const e = evaluateGateway(snapshot({ gateway: bad, listenerSets: [inA] }));
    expect(setOf(e, 'ls').status.conditions?.[0]?.message).toContain('invalid spec.allowedListeners.namespaces.selector');
  });

  it('ignores ListenerSets whose parentRef names another Gateway or another kind', () => {
    const other = listenerSet('other', [tcp('x', 9100)], { parent: { name: 'gw2', namespace: 'infra' } });
    const kind = listenerSet('kind', [tcp('x', 9101)], { parent: { name: 'gw', namespace: 'infra', kind: 'ListenerSet' } });
    const defaulted = listenerSet('defaulted', [tcp('x', 9102)], { parent: { name: 'gw' } });
    const e = evaluateGateway(snapshot({ listenerSets: [other, kind, defaulted] }));
    expect(e.listenerSets.map((o) => o.listenerSet.metadata.name)).toEqual(['defaulted']);
  });
});

describe('the parent Gateway', () => {
  const set = listenerSet('ls', [tcp('extra', 9100)]);
  it('not accepted: Accepted=False/ParentNotAccepted, Programmed=False/ParentNotProgrammed, nothing served', () => {
    const e = evaluateGateway(snapshot({ gatewayClass: gatewayClass({}, acceptedCondition('False', 'InvalidParameters')), listenerSets: [set], routes: { TCPRoute: [route('r', [{ kind: 'ListenerSet', name: 'ls' }])] } }));
    expect(setStates(e, 'ls')).toEqual(['Accepted=False/ParentNotAccepted', 'Programmed=False/ParentNotProgrammed']);
    expect(e.listeners.find((l) => l.listenerSet)?.served).toBeUndefined();
    expect(e.status.attachedListenerSets).toBe(0);
  });
  it('pending class: both Unknown/Pending', () => {
    const e = evaluateGateway(snapshot({ gatewayClass: gatewayClass({}, null), listenerSets: [set] }));
    expect(setStates(e, 'ls')).toEqual(['Accepted=Unknown/Pending', 'Programmed=Unknown/Pending']);
  });
  it('not programmed yet (data plane pending): Accepted, Programmed=False/ParentNotProgrammed, listeners Pending', () => {
    const e = evaluateGateway(snapshot({ dataPlane: { kind: 'pending' }, listenerSets: [set] }));
    expect(setStates(e, 'ls')).toEqual(['Accepted=True/Accepted', 'Programmed=False/ParentNotProgrammed']);
    expect(listenerStates(e, 'ls', 'extra')).toEqual(['Accepted=True/Accepted', 'Programmed=False/Pending', 'Conflicted missing']);
  });
});

describe('status', () => {
  const set = { ...listenerSet('ls', [tcp('extra', 9100), udp('dns', 53)], { generation: 7 }) };
  const e = evaluateGateway(snapshot({ listenerSets: [set], routes: { TCPRoute: [route('r', [{ kind: 'ListenerSet', name: 'ls', sectionName: 'extra' }])] } }));

  it('carries observedGeneration of the ListenerSet on every condition', () => {
    const all = [...(setOf(e, 'ls').status.conditions ?? []), ...(setOf(e, 'ls').status.listeners ?? []).flatMap((l) => l.conditions)];
    expect(all.length).toBeGreaterThan(4);
    for (const c of all) expect(c.observedGeneration).toBe(7);
  });
  it('lists every listener with supportedKinds and attachedRoutes', () => {
    expect(setOf(e, 'ls').status.listeners?.map((l) => [l.name, l.supportedKinds, l.attachedRoutes])).toEqual([
      ['extra', [{ group: 'gateway.networking.k8s.io', kind: 'TCPRoute' }], 1],
      ['dns', [{ group: 'gateway.networking.k8s.io', kind: 'UDPRoute' }], 0],
    ]);
    for (const name of ['extra', 'dns']) expect(listenerStates(e, 'ls', name)).toEqual(ACCEPTED_LISTENER);
  });
  it('is unchanged when evaluated again on its own output', () => {
    const again = evaluateGateway(snapshot({ listenerSets: [{ ...set, status: setOf(e, 'ls').status }], routes: { TCPRoute: [route('r', [{ kind: 'ListenerSet', name: 'ls', sectionName: 'extra' }])] } }));
    expect(setOf(again, 'ls').statusChanged).toBe(false);
    expect(setOf(e, 'ls').statusChanged).toBe(true);
  });
  it('keeps conditions of other types', () => {
    const foreign: Condition = { type: 'example.com/Audited', status: 'True', reason: 'Yes', message: '', lastTransitionTime: NOW };
    const again = evaluateGateway(snapshot({ listenerSets: [{ ...set, status: { conditions: [foreign] } }] }));
    expect(setOf(again, 'ls').status.conditions?.map((c) => c.type)).toEqual(['example.com/Audited', 'Accepted', 'Programmed']);
  });
  it('reports an unsupported protocol and still accepts the set for its other listeners (Accepted=True/ListenersNotValid)', () => {
    const mixed = listenerSet('ls', [tcp('extra', 9100), { name: 'web', port: 443, protocol: 'HTTPS' }]);
    const m = evaluateGateway(snapshot({ listenerSets: [mixed] }));
    expect(setStates(m, 'ls')).toEqual(['Accepted=True/ListenersNotValid', 'Programmed=True/Programmed']);
    expect(listenerStates(m, 'ls', 'web')).toEqual(['Accepted=False/UnsupportedProtocol', 'Programmed=False/Invalid', 'Conflicted missing']);
    expect(setOf(m, 'ls').status.listeners?.find((l) => l.name === 'web')?.supportedKinds).toEqual([]);
  });
});

describe('precedence and conflicts (conformance ListenerSetHostnameConflict, with TCP)', () => {
  // The Gateway holds 80; set-1 (older) adds 81 and tries 80; set-2 tries 80 and 81 only.
  const gw = allowing('All', undefined, [tcp('gateway-listener', 8000), tcp('conflict-with-gateway', 80)]);
  const set1 = listenerSet('set-1', [tcp('listener-set-1-listener', 8001), tcp('conflict-with-gateway', 80), tcp('conflict-with-set', 81)], { created: '2026-01-01T00:00:01Z' });
  const set2 = listenerSet('set-2', [tcp('conflict-with-gateway', 80)], { created: '2026-01-01T00:00:02Z' });
  const set3 = listenerSet('set-3', [tcp('listener-set-3-listener', 8003), tcp('conflict-with-set', 81)], { created: '2026-01-01T00:00:03Z' });
  const set4 = listenerSet('set-4', [tcp('conflict-with-set', 81)], { created: '2026-01-01T00:00:04Z' });
  const e = evaluateGateway(snapshot({ gateway: gw, listenerSets: [set4, set2, set3, set1] }));

  it("leaves the Gateway's listeners accepted", () => {
    for (const name of ['gateway-listener', 'conflict-with-gateway']) {
      expect(states(e.status.listeners?.find((l) => l.name === name)?.conditions, 'Accepted', 'Programmed', 'Conflicted')).toEqual(ACCEPTED_LISTENER);
    }
  });
  it('marks the later listener Conflicted and not accepted, the older one unaffected', () => {
    expect(listenerStates(e, 'set-1', 'listener-set-1-listener')).toEqual(ACCEPTED_LISTENER);
    expect(listenerStates(e, 'set-1', 'conflict-with-gateway')).toEqual(CONFLICTED_LISTENER);
    expect(listenerStates(e, 'set-1', 'conflict-with-set')).toEqual(ACCEPTED_LISTENER);
    expect(listenerStates(e, 'set-3', 'conflict-with-set')).toEqual(CONFLICTED_LISTENER);
    expect(setOf(e, 'set-1').status.listeners?.find((l) => l.name === 'conflict-with-gateway')?.conditions.find((c) => c.type === 'Conflicted')?.message).toContain('listener "conflict-with-gateway" of Gateway "infra/gw"');
    expect(setOf(e, 'set-3').status.listeners?.find((l) => l.name === 'conflict-with-set')?.conditions.find((c) => c.type === 'Conflicted')?.message).toContain('ListenerSet "infra/set-1"');
  });
  it('accepts a set with at least one valid listener and rejects one with none (ListenersNotValid)', () => {
    expect(states(setOf(e, 'set-1').status.conditions, 'Accepted', 'Programmed')).toEqual(['Accepted=True/ListenersNotValid', 'Programmed=True/Programmed']);
    expect(setStates(e, 'set-3')).toEqual(['Accepted=True/ListenersNotValid', 'Programmed=True/Programmed']);
    expect(setStates(e, 'set-2')).toEqual(['Accepted=False/ListenersNotValid', 'Programmed=False/ListenersNotValid']);
    expect(setStates(e, 'set-4')).toEqual(['Accepted=False/ListenersNotValid', 'Programmed=False/ListenersNotValid']);
    expect(e.status.attachedListenerSets).toBe(2);
  });
  it('lists outcomes in precedence order: the Gateway, then ListenerSets oldest first', () => {
    expect(e.listenerSets.map((o) => o.listenerSet.metadata.name)).toEqual(['set-1', 'set-2', 'set-3', 'set-4']);
    expect(e.listeners.filter((l) => l.accepted).map((l) => l.name)).toEqual([
      'gateway-listener',
      'conflict-with-gateway',
      'infra/set-1/listener-set-1-listener',
      'infra/set-1/conflict-with-set',
      'infra/set-3/listener-set-3-listener',
    ]);
  });
  it('does not conflict TCP with UDP on one port', () => {
    const u = evaluateGateway(snapshot({ gateway: gw, listenerSets: [listenerSet('dns', [udp('dns', 80)])] }));
    expect(listenerStates(u, 'dns', 'dns')).toEqual(ACCEPTED_LISTENER);
  });
  it('breaks a creationTimestamp tie by namespace/name, and does not name a sibling in another namespace', () => {
    const a = listenerSet('a', [tcp('x', 81)], { namespace: 'team-b' });
    const b = listenerSet('b', [tcp('x', 81)], { namespace: 'team-a' });
    const t = evaluateGateway(snapshot({ listenerSets: [a, b] }));
    expect(setStates(t, 'b', 'team-a')[0]).toBe('Accepted=True/Accepted');
    expect(setStates(t, 'a', 'team-b')[0]).toBe('Accepted=False/ListenersNotValid');
    const message = setOf(t, 'a', 'team-b').status.listeners?.[0]?.conditions.find((c) => c.type === 'Conflicted')?.message;
    expect(message).toContain('a listener of an older ListenerSet');
    expect(message).not.toContain('team-a');
  });
  it('lets no rejected ListenerSet hold a port: a newer allowed one takes it', () => {
    const gwSame = allowing('Same', undefined, [tcp('tcp', 9000)]);
    const notAllowed = listenerSet('old', [tcp('x', 81)], { namespace: 'team-a', created: '2025-01-01T00:00:00Z' });
    const allowed = listenerSet('new', [tcp('x', 81)]);
    const t = evaluateGateway(snapshot({ gateway: gwSame, listenerSets: [notAllowed, allowed] }));
    expect(setStates(t, 'new')[0]).toBe('Accepted=True/Accepted');
  });
});

describe('precedence properties', () => {
  const ports = [80, 81, 82];
  const setArb = fc.record({
    name: fc.constantFrom('a', 'b', 'c', 'd'),
    namespace: fc.constantFrom('infra', 'team-a'),
    created: fc.constantFrom('2026-01-01T00:00:01Z', '2026-01-01T00:00:02Z', 'not-a-time'),
    listeners: fc.uniqueArray(fc.record({ port: fc.constantFrom(...ports), protocol: fc.constantFrom('TCP', 'UDP') }), { minLength: 1, maxLength: 4, selector: (l) => `${l.port}/${l.protocol}` }),
  });
  const setsArb = fc.uniqueArray(setArb, { minLength: 1, maxLength: 5, selector: (s) => `${s.namespace}/${s.name}` }).map((specs) =>
    specs.map((s) => listenerSet(s.name, s.listeners.map((l, i) => ({ name: `l${i}`, port: l.port, protocol: l.protocol })), { namespace: s.namespace, created: s.created })),
  );
  const gw = allowing('All', undefined, [tcp('gw-tcp', 80)]);

  function winners(e: GatewayEvaluation): string[] {
    return e.listeners.filter((l) => l.accepted).map((l) => `${l.name}@${l.port}/${l.protocol}`);
  }

  test.prop([setsArb, fc.integer({ min: 0, max: 1000 })])('the outcome does not depend on the order ListenerSets are given in', (sets, seed) => {
    const shuffled = [...sets].sort((x, y) => ((x.metadata.name.charCodeAt(0) * 31 + seed) % 7) - ((y.metadata.name.charCodeAt(0) * 31 + seed) % 7));
    const a = evaluateGateway(snapshot({ gateway: gw, listenerSets: sets }));
    const b = evaluateGateway(snapshot({ gateway: gw, listenerSets: [...shuffled].reverse() }));
    expect(b.listenerSets.map((o) => o.status)).toEqual(a.listenerSets.map((o) => o.status));
    expect(winners(b)).toEqual(winners(a));
  });

  test.prop([setsArb])('each protocol/port is served by exactly one listener, the first in precedence order', (sets) => {
    const e = evaluateGateway(snapshot({ gateway: gw, listenerSets: sets }));
    const ordered = [...sets].sort(compareListenerSetPrecedence);
    const expected = new Map<string, string>([['80/TCP', 'gw-tcp']]);
    for (const s of ordered) {
      for (const l of s.spec.listeners) {
        const key = `${l.port}/${l.protocol}`;
        if (!expected.has(key)) expected.set(key, listenerSetListenerKey({ namespace: s.metadata.namespace ?? '', name: s.metadata.name }, l.name));
      }
    }
    const accepted = e.listeners.filter((l) => l.accepted);
    expect(new Map(accepted.map((l) => [`${l.port}/${l.protocol}`, l.name]))).toEqual(expected);
    expect(accepted).toHaveLength(expected.size);
    // Every rejected listener is Conflicted, and attachedListenerSets counts the sets with a winner.
    const withWinner = new Set(accepted.filter((l) => l.listenerSet).map((l) => `${l.listenerSet?.namespace}/${l.listenerSet?.name}`));
    expect(e.status.attachedListenerSets).toBe(withWinner.size);
  });
});

describe('routes on ListenerSets', () => {
  const set = listenerSet('ls', [tcp('extra', 9100), tcp('more', 9101), udp('dns', 53)], { namespace: 'team-a' });
  const ref = (extra: Record<string, unknown> = {}) => ({ group: 'gateway.networking.k8s.io', kind: 'ListenerSet', name: 'ls', ...extra });
  const r = (name: string, parentRefs: Parameters<typeof route>[1], opts: Parameters<typeof route>[3] = {}) => route(name, parentRefs, [{ name: 'echo', port: 8080 }], { namespace: 'team-a', ...opts });

  function parent(e: GatewayEvaluation, name: string, index = 0) {
    return e.routes.find((x) => x.route.metadata.name === name)?.parents[index];
  }

  it('attaches by sectionName, writes status.parents naming the ListenerSet, counts and serves it', () => {
    const e = evaluateGateway(snapshot({ listenerSets: [set], routes: { TCPRoute: [r('r', [ref({ sectionName: 'extra' })])] } }));
    expect(parent(e, 'r')).toMatchObject({
      parentRef: { group: 'gateway.networking.k8s.io', kind: 'ListenerSet', namespace: 'team-a', name: 'ls', sectionName: 'extra' },
      controllerName: CONTROLLER,
    });
    expect(states(parent(e, 'r')?.conditions, 'Accepted', 'ResolvedRefs')).toEqual(['Accepted=True/Accepted', 'ResolvedRefs=True/ResolvedRefs']);
    const served = e.listeners.find((l) => l.name === 'team-a/ls/extra');
    expect(served).toMatchObject({ port: 9100, protocol: 'TCP', accepted: true, attachedRoutes: 1, listenerSet: { namespace: 'team-a', name: 'ls', listener: 'extra' } });
    expect(served?.served?.route.metadata.name).toBe('r');
    expect(served?.served?.backends.map((b) => `${b.ref.namespace}/${b.ref.name}:${b.port.port}`)).toEqual(['team-a/echo:8080']);
    // The Gateway's own listener gets nothing from it.
    expect(e.listeners.find((l) => l.name === 'tcp')?.attachedRoutes).toBe(0);
  });
  it('attaches by port, or to every listener of its kind with neither', () => {
    const e = evaluateGateway(snapshot({ listenerSets: [set], routes: { TCPRoute: [r('by-port', [ref({ port: 9101 })]), r('whole', [ref()], { created: '2026-02-01T00:00:00Z' })] } }));
    expect(setOf(e, 'ls').status.listeners?.map((l) => [l.name, l.attachedRoutes])).toEqual([
      ['extra', 1],
      ['more', 2],
      ['dns', 0],
    ]);
    expect(e.listeners.find((l) => l.name === 'team-a/ls/more')?.served?.route.metadata.name).toBe('by-port');
  });
  it('NoMatchingParent for a sectionName or port the ListenerSet lacks, even when the Gateway has it', () => {
    const e = evaluateGateway(snapshot({ listenerSets: [set], routes: { TCPRoute: [r('name', [ref({ sectionName: 'tcp' })]), r('port', [ref({ port: 9000 })])] } }));
    expect(parent(e, 'name')?.conditions[0]).toMatchObject({ status: 'False', reason: 'NoMatchingParent', message: 'ListenerSet "team-a/ls" has no listener named "tcp"' });
    expect(parent(e, 'port')?.conditions[0]).toMatchObject({ status: 'False', reason: 'NoMatchingParent' });
  });
  it("a Gateway parentRef never finds a ListenerSet's listener (conformance ListenerSetGatewayParentSectionNameNotFound)", () => {
    const e = evaluateGateway(snapshot({ listenerSets: [set], routes: { TCPRoute: [r('r', [{ name: 'gw', namespace: 'infra', sectionName: 'extra' }])] } }));
    expect(parent(e, 'r')?.conditions[0]).toMatchObject({ status: 'False', reason: 'NoMatchingParent' });
    expect(parent(e, 'r')?.parentRef.kind).toBe('Gateway');
  });
  it("allowedRoutes Same means the ListenerSet's namespace, not the Gateway's", () => {
    const fromInfra = route('infra-route', [{ kind: 'ListenerSet', name: 'ls', namespace: 'team-a' }]);
    const e = evaluateGateway(snapshot({ listenerSets: [set], routes: { TCPRoute: [fromInfra, r('team-route', [ref()])] } }));
    expect(parent(e, 'infra-route')?.conditions[0]).toMatchObject({ status: 'False', reason: 'NotAllowedByListeners' });
    expect(parent(e, 'infra-route')?.conditions[0]?.message).toContain(`the ListenerSet's namespace "team-a"`);
    expect(parent(e, 'team-route')?.conditions[0]).toMatchObject({ status: 'True', reason: 'Accepted' });
  });
  it('NotAllowedByListeners for a ListenerSet the Gateway does not take, and nothing served', () => {
    const e = evaluateGateway(snapshot({ gateway: allowing('Same'), listenerSets: [set], routes: { TCPRoute: [r('r', [ref()])] } }));
    expect(parent(e, 'r')?.conditions[0]).toMatchObject({ status: 'False', reason: 'NotAllowedByListeners' });
    expect(parent(e, 'r')?.conditions[0]?.message).toContain('not attached to its Gateway');
    expect(e.listeners.every((l) => l.listenerSet === undefined)).toBe(true);
  });
  it('a conflicted listener counts its routes but serves none', () => {
    const clash = listenerSet('ls', [tcp('extra', 9000), tcp('ok', 9100)], { namespace: 'team-a' });
    const e = evaluateGateway(snapshot({ listenerSets: [clash], routes: { TCPRoute: [r('r', [ref({ sectionName: 'extra' })])] } }));
    const l = e.listeners.find((x) => x.name === 'team-a/ls/extra');
    expect(l).toMatchObject({ accepted: false, attachedRoutes: 1 });
    expect(l?.served).toBeUndefined();
  });
  it('evaluates Gateway and ListenerSet parentRefs independently (conformance ListenerSetDualParentRefIndependence)', () => {
    const e = evaluateGateway(snapshot({ listenerSets: [set], routes: { TCPRoute: [r('r', [{ name: 'gw', namespace: 'infra' }, ref({ sectionName: 'extra' })])] } }));
    // The Gateway's listener allows routes from its own namespace only; the ListenerSet's from team-a.
    expect(e.routes[0]?.parents.map((p) => `${p.parentRef.kind}:${p.conditions[0]?.status}/${p.conditions[0]?.reason}`)).toEqual([
      'Gateway:False/NotAllowedByListeners',
      'ListenerSet:True/Accepted',
    ]);
  });
  it('removes our entry for a ListenerSet the route no longer names, keeping others', () => {
    const stale = r('r', [{ name: 'gw', namespace: 'infra' }]);
    stale.status = {
      parents: [
        { parentRef: { group: 'gateway.networking.k8s.io', kind: 'ListenerSet', namespace: 'team-a', name: 'ls' }, controllerName: CONTROLLER, conditions: [] },
        { parentRef: { group: 'gateway.networking.k8s.io', kind: 'ListenerSet', namespace: 'team-a', name: 'ls' }, controllerName: 'example.com/other', conditions: [] },
      ],
    };
    const e = evaluateGateway(snapshot({ listenerSets: [set], routes: { TCPRoute: [stale] } }));
    expect(e.routes[0]?.parents.map((p) => `${p.controllerName}:${p.parentRef.kind}`)).toEqual(['example.com/other:ListenerSet', `${CONTROLLER}:Gateway`]);
  });
});

describe('ListenerSet types', () => {
  it('accepts objects without status or with an empty listener list', () => {
    const empty: ListenerSet = { ...listenerSet('ls', []), status: undefined };
    const e = evaluateGateway(snapshot({ listenerSets: [empty] }));
    expect(setStates(e, 'ls')).toEqual(['Accepted=False/ListenersNotValid', 'Programmed=False/ListenersNotValid']);
  });
});
