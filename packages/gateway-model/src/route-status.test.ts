import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import type { ConditionInput } from './conditions.js';
import { defaultParentRef, parentRefKey, type DefaultedParentRef } from './defaults.js';
import { CONTROLLER, LATER, NOW, route } from './internal/fixtures.js';
import { mergeRouteParents, type DesiredRouteParent } from './route-status.js';
import type { Condition, L4Route, RouteParentStatus } from './types.js';

const OTHER = 'example.com/other-controller';
const accepted: ConditionInput = { type: 'Accepted', status: 'True', reason: 'Accepted', message: 'ok' };
const resolved: ConditionInput = { type: 'ResolvedRefs', status: 'True', reason: 'ResolvedRefs', message: 'ok' };
const inGw = (ref: DefaultedParentRef) => ref.kind === 'Gateway' && ref.namespace === 'infra' && ref.name === 'gw';

function cond(type: string, status: Condition['status'], generation = 1): Condition {
  return { type, status, reason: type, message: '', lastTransitionTime: '2025-01-01T00:00:00Z', observedGeneration: generation };
}

function withParents(parents: RouteParentStatus[], generation = 2): L4Route {
  const r = route('r', [{ name: 'gw' }], undefined, { generation });
  r.status = { parents };
  return r;
}

function desired(sectionName?: string, conditions: ConditionInput[] = [accepted, resolved]): DesiredRouteParent {
  return { parentRef: defaultParentRef({ name: 'gw', ...(sectionName === undefined ? {} : { sectionName }) }, 'infra'), conditions };
}

describe('mergeRouteParents', () => {
  const foreign: RouteParentStatus = { parentRef: { name: 'gw' }, controllerName: OTHER, conditions: [cond('Accepted', 'False')] };
  const oursOtherGateway: RouteParentStatus = { parentRef: { name: 'other-gw' }, controllerName: CONTROLLER, conditions: [cond('Accepted', 'True')] };

  it('adds our entry with explicit group, kind and namespace and observedGeneration', () => {
    const parents = mergeRouteParents({ route: withParents([]), controllerName: CONTROLLER, inScope: inGw, desired: [desired()], now: NOW });
    expect(parents).toEqual([
      {
        parentRef: { group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: 'infra', name: 'gw' },
        controllerName: CONTROLLER,
        conditions: [
          { ...accepted, observedGeneration: 2, lastTransitionTime: NOW },
          { ...resolved, observedGeneration: 2, lastTransitionTime: NOW },
        ],
      },
    ]);
  });

  it("leaves other controllers' entries and our entries for other Gateways untouched and in place", () => {
    const parents = mergeRouteParents({ route: withParents([foreign, oursOtherGateway]), controllerName: CONTROLLER, inScope: inGw, desired: [desired()], now: NOW });
    expect(parents[0]).toBe(foreign);
    expect(parents[1]).toBe(oursOtherGateway);
    expect(parents).toHaveLength(3);
  });

  it('replaces our entry in place, matching refs whose defaults were left out, keeping lastTransitionTime', () => {
    const ours: RouteParentStatus = { parentRef: { name: 'gw' }, controllerName: CONTROLLER, conditions: [cond('Accepted', 'True'), cond('PartiallyInvalid', 'True')] };
    const parents = mergeRouteParents({ route: withParents([ours, foreign]), controllerName: CONTROLLER, inScope: inGw, desired: [desired()], now: NOW });
    expect(parents).toHaveLength(2);
    expect(parents[0]?.parentRef).toEqual({ group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: 'infra', name: 'gw' });
    expect(parents[0]?.conditions.map((c) => [c.type, c.lastTransitionTime, c.observedGeneration])).toEqual([
      ['Accepted', '2025-01-01T00:00:00Z', 2],
      ['ResolvedRefs', NOW, 2],
    ]); // PartiallyInvalid is no longer reported, so it is gone
    expect(parents[1]).toBe(foreign);
  });

  it('removes our stale entries for this Gateway (route detached, or sectionName changed)', () => {
    const stale: RouteParentStatus = { parentRef: { name: 'gw', sectionName: 'old' }, controllerName: CONTROLLER, conditions: [cond('Accepted', 'True')] };
    const parents = mergeRouteParents({ route: withParents([stale, foreign]), controllerName: CONTROLLER, inScope: inGw, desired: [desired('new')], now: NOW });
    expect(parents.map((p) => [p.controllerName, p.parentRef.sectionName])).toEqual([
      [OTHER, undefined],
      [CONTROLLER, 'new'],
    ]);
    expect(mergeRouteParents({ route: withParents([stale]), controllerName: CONTROLLER, inScope: inGw, desired: [], now: NOW })).toEqual([]);
  });

  it('never overwrites a condition written for a newer route generation', () => {
    const newer: RouteParentStatus = { parentRef: { name: 'gw' }, controllerName: CONTROLLER, conditions: [cond('Accepted', 'False', 7)] };
    const parents = mergeRouteParents({ route: withParents([newer], 2), controllerName: CONTROLLER, inScope: inGw, desired: [desired()], now: NOW });
    expect(parents[0]?.conditions[0]).toEqual(cond('Accepted', 'False', 7));
  });

  it('drops duplicates of our entries and keeps malformed foreign-looking entries as they are', () => {
    const dup: RouteParentStatus = { parentRef: { name: 'gw', namespace: 'infra' }, controllerName: CONTROLLER, conditions: [cond('Accepted', 'True')] };
    const malformed = { controllerName: CONTROLLER } as unknown as RouteParentStatus;
    const parents = mergeRouteParents({ route: withParents([dup, dup, malformed]), controllerName: CONTROLLER, inScope: inGw, desired: [desired()], now: NOW });
    expect(parents).toHaveLength(2);
    expect(parents[1]).toBe(malformed);
  });

  it('never grows status.parents past 32 entries, and never drops others to make room', () => {
    const others = Array.from({ length: 32 }, (_, i): RouteParentStatus => ({ parentRef: { name: `g${i}` }, controllerName: OTHER, conditions: [cond('Accepted', 'True')] }));
    const parents = mergeRouteParents({ route: withParents(others), controllerName: CONTROLLER, inScope: inGw, desired: [desired()], now: NOW });
    expect(parents).toEqual(others);
  });
});

describe('mergeRouteParents properties', () => {
  const controller = fc.constantFrom(CONTROLLER, OTHER, 'example.net/third');
  const refArb = fc.record(
    {
      name: fc.constantFrom('gw', 'other'),
      namespace: fc.constantFrom('infra', 'apps'),
      sectionName: fc.constantFrom('a', 'b'),
      port: fc.constantFrom(1, 2),
    },
    { requiredKeys: ['name'] },
  );
  const conditionArb = fc.record({
    type: fc.constantFrom('Accepted', 'ResolvedRefs', 'PartiallyInvalid'),
    status: fc.constantFrom<Condition['status']>('True', 'False'),
    reason: fc.constantFrom('X', 'Y'),
    message: fc.constant(''),
    lastTransitionTime: fc.constant('2025-01-01T00:00:00Z'),
    observedGeneration: fc.integer({ min: 0, max: 4 }),
  });
  const entryArb = fc.record({
    parentRef: refArb,
    controllerName: controller,
    conditions: fc.uniqueArray(conditionArb, { selector: (c) => c.type, minLength: 1, maxLength: 3 }),
  });
  const existingArb = fc.array(entryArb, { maxLength: 8 });
  const desiredArb = fc.uniqueArray(
    fc.record({
      sectionName: fc.constantFrom('a', 'b', undefined),
      status: fc.constantFrom<Condition['status']>('True', 'False'),
    }),
    { selector: (d) => d.sectionName ?? '', maxLength: 3 },
  );
  const toDesired = (d: { sectionName: string | undefined; status: Condition['status'] }[]) =>
    d.map((x) => desired(x.sectionName, [{ ...accepted, status: x.status }]));

  test.prop([existingArb, desiredArb, fc.integer({ min: 0, max: 4 })])("never loses or alters another controller's entries, and keeps their order", (existing, d, generation) => {
    const out = mergeRouteParents({ route: withParents(existing, generation), controllerName: CONTROLLER, inScope: inGw, desired: toDesired(d), now: NOW });
    const othersBefore = existing.filter((e) => e.controllerName !== CONTROLLER);
    const othersAfter = out.filter((e) => e.controllerName !== CONTROLLER);
    expect(othersAfter).toEqual(othersBefore);
  });

  test.prop([existingArb, desiredArb, fc.integer({ min: 0, max: 4 })])('keeps our out-of-scope entries untouched', (existing, d, generation) => {
    const out = mergeRouteParents({ route: withParents(existing, generation), controllerName: CONTROLLER, inScope: inGw, desired: toDesired(d), now: NOW });
    const outOfScope = (e: RouteParentStatus) => e.controllerName === CONTROLLER && !inGw(defaultParentRef(e.parentRef, 'infra'));
    expect(out.filter(outOfScope)).toEqual(existing.filter(outOfScope));
  });

  test.prop([existingArb, desiredArb, fc.integer({ min: 0, max: 4 })])('our in-scope entries are exactly the desired ones, once each', (existing, d, generation) => {
    const out = mergeRouteParents({ route: withParents(existing, generation), controllerName: CONTROLLER, inScope: inGw, desired: toDesired(d), now: NOW });
    const ours = out.filter((e) => e.controllerName === CONTROLLER && inGw(defaultParentRef(e.parentRef, 'infra')));
    const keys = ours.map((e) => parentRefKey(e.parentRef, 'infra'));
    expect(new Set(keys).size).toBe(keys.length);
    expect([...keys].sort()).toEqual(toDesired(d).map((x) => parentRefKey(x.parentRef, 'infra')).sort());
    for (const e of ours) {
      expect(e.parentRef.group).toBe('gateway.networking.k8s.io');
      expect(e.parentRef.kind).toBe('Gateway');
    }
  });

  test.prop([existingArb, desiredArb, fc.integer({ min: 0, max: 4 })])('is idempotent', (existing, d, generation) => {
    const once = mergeRouteParents({ route: withParents(existing, generation), controllerName: CONTROLLER, inScope: inGw, desired: toDesired(d), now: NOW });
    const twice = mergeRouteParents({ route: withParents(once, generation), controllerName: CONTROLLER, inScope: inGw, desired: toDesired(d), now: LATER });
    expect(twice).toEqual(once);
  });
});
