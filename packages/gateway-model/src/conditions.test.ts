import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { findCondition, isConditionTrue, mergeConditions, setCondition, toTimestamp, type ConditionInput } from './conditions.js';
import { InvalidTimestampError } from './errors.js';
import type { Condition } from './types.js';

const T0 = '2026-01-01T00:00:00Z';
const T1 = '2026-01-01T01:00:00Z';

function stored(type: string, status: Condition['status'], observedGeneration?: number, extra: Partial<Condition> = {}): Condition {
  return {
    type,
    status,
    reason: 'R',
    message: 'm',
    lastTransitionTime: T0,
    ...(observedGeneration === undefined ? {} : { observedGeneration }),
    ...extra,
  };
}

describe('toTimestamp', () => {
  it.each([
    [new Date('2026-05-06T07:08:09.123Z'), '2026-05-06T07:08:09Z'],
    ['2026-05-06T07:08:09Z', '2026-05-06T07:08:09Z'],
    ['2026-05-06T09:08:09+02:00', '2026-05-06T07:08:09Z'],
  ])('formats %s as metav1.Time', (input, expected) => {
    expect(toTimestamp(input)).toBe(expected);
  });
  it.each(['yesterday', '', new Date('nope')])('rejects %s naming the input', (input) => {
    expect(() => toTimestamp(input)).toThrow(InvalidTimestampError);
    try {
      toTimestamp(input);
    } catch (e) {
      expect((e as InvalidTimestampError)._tag).toBe('InvalidTimestampError');
      expect((e as Error).message).toMatch(/now "/);
    }
  });
});

describe('setCondition / mergeConditions rules', () => {
  const accepted: ConditionInput = { type: 'Accepted', status: 'True', reason: 'Accepted', message: 'ok' };

  it('adds a missing condition with now and observedGeneration', () => {
    expect(setCondition([], accepted, 4, T1)).toEqual([{ ...accepted, observedGeneration: 4, lastTransitionTime: T1 }]);
  });
  it('keeps lastTransitionTime when the status does not change, but updates reason, message and generation', () => {
    const out = setCondition([stored('Accepted', 'True', 3)], accepted, 4, T1);
    expect(out).toEqual([{ ...accepted, observedGeneration: 4, lastTransitionTime: T0 }]);
  });
  it('moves lastTransitionTime when the status changes', () => {
    const out = setCondition([stored('Accepted', 'False', 3)], accepted, 3, T1);
    expect(out[0]?.lastTransitionTime).toBe(T1);
    expect(out[0]?.status).toBe('True');
  });
  it('never overwrites a condition written for a newer generation', () => {
    const newer = stored('Accepted', 'False', 9);
    expect(setCondition([newer], accepted, 4, T1)).toEqual([newer]);
  });
  it('overwrites a condition of the same generation', () => {
    expect(setCondition([stored('Accepted', 'False', 4)], accepted, 4, T1)[0]?.status).toBe('True');
  });
  it('omits observedGeneration when the generation is unknown', () => {
    expect(setCondition([], accepted, undefined, T1)[0]).not.toHaveProperty('observedGeneration');
  });
  it('leaves other types alone and keeps their order', () => {
    const other = stored('example.com/Custom', 'True', 1);
    const out = mergeConditions([other, stored('Accepted', 'False', 1)], [accepted], { generation: 2, now: T1 });
    expect(out[0]).toBe(other);
    expect(out.map((c) => c.type)).toEqual(['example.com/Custom', 'Accepted']);
  });
  it('removes owned types that are not updated, but not newer ones', () => {
    const out = mergeConditions([stored('Conflicted', 'True', 1), stored('Accepted', 'True', 1)], [accepted], {
      generation: 2,
      now: T1,
      owned: ['Accepted', 'Conflicted'],
    });
    expect(out.map((c) => c.type)).toEqual(['Accepted']);
    const kept = mergeConditions([stored('Conflicted', 'True', 5)], [accepted], { generation: 2, now: T1, owned: ['Conflicted'] });
    expect(kept.map((c) => c.type)).toEqual(['Conflicted', 'Accepted']);
  });
  it('drops duplicate types a hand-made object carries', () => {
    const out = mergeConditions([stored('Accepted', 'True', 1), stored('Accepted', 'False', 1)], [], { generation: 1, now: T1 });
    expect(out).toHaveLength(1);
  });
  it('cuts messages to what the API server accepts', () => {
    const out = setCondition([], { ...accepted, message: 'x'.repeat(40_000) }, 1, T1);
    expect(out[0]?.message.length).toBe(32_768);
  });
  it('finds conditions by type', () => {
    const list = [stored('Accepted', 'True', 1), stored('Programmed', 'False', 1)];
    expect(findCondition(list, 'Programmed')?.status).toBe('False');
    expect(findCondition(list, 'Missing')).toBeUndefined();
    expect(isConditionTrue(list, 'Accepted')).toBe(true);
    expect(isConditionTrue(list, 'Programmed')).toBe(false);
    expect(isConditionTrue(undefined, 'Accepted')).toBe(false);
  });
});

describe('mergeConditions properties', () => {
  const types = ['Accepted', 'Programmed', 'ResolvedRefs', 'example.com/Other', 'Conflicted'];
  const status = fc.constantFrom<Condition['status']>('True', 'False', 'Unknown');
  const conditionArb = fc.record({
    type: fc.constantFrom(...types),
    status,
    reason: fc.constantFrom('A', 'B'),
    message: fc.string({ maxLength: 5 }),
    lastTransitionTime: fc.constantFrom(T0, '2025-01-01T00:00:00Z'),
    observedGeneration: fc.integer({ min: 0, max: 6 }),
  });
  const existingArb = fc.uniqueArray(conditionArb, { selector: (c) => c.type, maxLength: 5 });
  const updateArb = fc.uniqueArray(
    fc.record({ type: fc.constantFrom(...types.filter((t) => !t.includes('/'))), status, reason: fc.constantFrom('A', 'C'), message: fc.string({ maxLength: 5 }) }),
    { selector: (c) => c.type, maxLength: 4 },
  );
  const generationArb = fc.integer({ min: 0, max: 6 });

  test.prop([existingArb, updateArb, generationArb])('is idempotent', (existing, updates, generation) => {
    const once = mergeConditions(existing, updates, { generation, now: T1, owned: ['Conflicted'] });
    const twice = mergeConditions(once, updates, { generation, now: '2030-01-01T00:00:00Z', owned: ['Conflicted'] });
    expect(twice).toEqual(once);
  });

  test.prop([existingArb, updateArb, generationArb])('never loses or changes types it was not asked to write', (existing, updates, generation) => {
    const out = mergeConditions(existing, updates, { generation, now: T1 });
    const updated = new Set(updates.map((u) => u.type));
    for (const c of existing.filter((e) => !updated.has(e.type))) expect(out).toContainEqual(c);
  });

  test.prop([existingArb, updateArb, generationArb])('never overwrites a newer generation, writes every other update', (existing, updates, generation) => {
    const out = mergeConditions(existing, updates, { generation, now: T1 });
    for (const u of updates) {
      const before = existing.find((e) => e.type === u.type);
      const after = out.find((c) => c.type === u.type);
      if (before !== undefined && (before.observedGeneration ?? 0) > generation) expect(after).toEqual(before);
      else {
        expect(after).toMatchObject({ ...u, observedGeneration: generation });
        expect(after?.lastTransitionTime).toBe(before !== undefined && before.status === u.status ? before.lastTransitionTime : T1);
      }
    }
  });

  test.prop([existingArb, updateArb, generationArb])('keeps types unique', (existing, updates, generation) => {
    const out = mergeConditions(existing, updates, { generation, now: T1 });
    expect(new Set(out.map((c) => c.type)).size).toBe(out.length);
  });
});
