import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { applyMergePatch, createMergePatch, isEmptyPatch } from './merge-patch.js';

describe('createMergePatch', () => {
  it.each<[string, Record<string, unknown>, Record<string, unknown>, Record<string, unknown>]>([
    ['nothing changed', { a: 1, b: { c: [1, 2] } }, { a: 1, b: { c: [1, 2] } }, {}],
    ['a changed value', { a: 1 }, { a: 2 }, { a: 2 }],
    ['an added key', { a: 1 }, { a: 1, b: 'x' }, { b: 'x' }],
    ['a removed key becomes null', { a: 1, b: 2 }, { a: 1 }, { b: null }],
    ['nested maps patch only what changed', { m: { a: '1', b: '2' } }, { m: { a: '1', b: '3', c: '4' } }, { m: { b: '3', c: '4' } }],
    ['arrays are replaced whole', { l: [1, 2, 3] }, { l: [1, 2] }, { l: [1, 2] }],
    ['undefined counts as absent', { a: 1, b: undefined }, { a: 1, c: undefined }, {}],
    ['key order does not matter', { m: { a: 1, b: 2 } }, { m: { b: 2, a: 1 } }, {}],
  ])('%s', (_, from, to, patch) => {
    expect(createMergePatch(from, to)).toEqual(patch);
  });
});

describe('applyMergePatch', () => {
  it('applies RFC 7386 semantics without touching its input', () => {
    const target = { a: 'b', c: { d: 'e', f: 'g' } };
    expect(applyMergePatch(target, { a: 'z', c: { f: null } })).toEqual({ a: 'z', c: { d: 'e' } });
    expect(target).toEqual({ a: 'b', c: { d: 'e', f: 'g' } });
  });

  it('keeps existing keys in place', () => {
    expect(Object.keys(applyMergePatch({ a: 1, b: 2, c: 3 }, { b: 9, d: 4 }))).toEqual(['a', 'b', 'c', 'd']);
  });

  // Merge patches cannot set a value to null, so generated documents carry none.
  const doc = fc.dictionary(
    fc.constantFrom('a', 'b', 'c', 'd'),
    fc.oneof(fc.integer(), fc.string({ maxLength: 3 }), fc.array(fc.integer(), { maxLength: 3 }), fc.dictionary(fc.constantFrom('x', 'y'), fc.integer(), { maxKeys: 2 })),
    { maxKeys: 4 },
  );
  test.prop([doc, doc])('apply(from, create(from, to)) is to', (from, to) => {
    expect(applyMergePatch(from, createMergePatch(from, to))).toEqual(to);
  });
  test.prop([doc])('create(x, x) is empty', (x) => {
    expect(isEmptyPatch(createMergePatch(x, structuredClone(x)))).toBe(true);
  });
});
