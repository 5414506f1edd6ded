import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { applyJsonPatch, type JsonPatchOperation } from './json-patch.js';
import { jsonEqual } from './json.js';
import { applyMergePatch, createMergePatch, isEmptyPatch } from './merge-patch.js';

describe('applyMergePatch (RFC 7386 appendix A)', () => {
  it.each([
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [['a', 'b'], ['c', 'd'], ['c', 'd']],
    [{ a: 'b' }, ['c'], ['c']],
    [{ a: 'foo' }, null, null],
    [{ a: 'foo' }, 'bar', 'bar'],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: 'b', c: null }, { a: 'b' }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ])('%j + %j = %j', (target, patch, expected) => {
    const before = structuredClone(target);
    expect(applyMergePatch(target, patch)).toEqual(expected);
    expect(target).toEqual(before);
  });
});

describe('applyJsonPatch (RFC 6902 appendix A)', () => {
  it.each<[unknown, JsonPatchOperation[], unknown]>([
    [{ foo: 'bar' }, [{ op: 'add', path: '/baz', value: 'qux' }], { baz: 'qux', foo: 'bar' }],
    [{ foo: ['bar', 'baz'] }, [{ op: 'add', path: '/foo/1', value: 'qux' }], { foo: ['bar', 'qux', 'baz'] }],
    [{ baz: 'qux', foo: 'bar' }, [{ op: 'remove', path: '/baz' }], { foo: 'bar' }],
    [{ foo: ['bar', 'qux', 'baz'] }, [{ op: 'remove', path: '/foo/1' }], { foo: ['bar', 'baz'] }],
    [{ baz: 'qux', foo: 'bar' }, [{ op: 'replace', path: '/baz', value: 'boo' }], { baz: 'boo', foo: 'bar' }],
    [
      { foo: { bar: 'baz', waldo: 'fred' }, qux: { corge: 'grault' } },
      [{ op: 'move', from: '/foo/waldo', path: '/qux/thud' }],
      { foo: { bar: 'baz' }, qux: { corge: 'grault', thud: 'fred' } },
    ],
    [{ foo: ['all', 'grass', 'cows', 'eat'] }, [{ op: 'move', from: '/foo/1', path: '/foo/3' }], { foo: ['all', 'cows', 'eat', 'grass'] }],
    [{ baz: 'qux', foo: ['a', 2, 'c'] }, [{ op: 'test', path: '/baz', value: 'qux' }, { op: 'test', path: '/foo/1', value: 2 }], { baz: 'qux', foo: ['a', 2, 'c'] }],
    [{ foo: 'bar' }, [{ op: 'add', path: '/child', value: { grandchild: {} } }], { foo: 'bar', child: { grandchild: {} } }],
    [{ foo: ['bar'] }, [{ op: 'add', path: '/foo/-', value: ['abc', 'def'] }], { foo: ['bar', ['abc', 'def']] }],
    [{ '/': 9, '~1': 10 }, [{ op: 'test', path: '/~01', value: 10 }, { op: 'copy', from: '/~1', path: '/x' }], { '/': 9, '~1': 10, x: 9 }],
    [{ a: 1 }, [{ op: 'replace', path: '', value: { b: 2 } }], { b: 2 }],
  ])('%j with %j = %j', (doc, ops, expected) => {
    const before = structuredClone(doc);
    expect(applyJsonPatch(doc, ops)).toEqual(expected);
    expect(doc).toEqual(before);
  });

  it.each<[unknown, JsonPatchOperation[], RegExp]>([
    [{ baz: 'qux' }, [{ op: 'test', path: '/baz', value: 'bar' }], /test failed: value at "\/baz" differs/],
    [{ foo: 'bar' }, [{ op: 'add', path: '/baz/bat', value: 'qux' }], /path does not exist/],
    [{ foo: [] }, [{ op: 'add', path: '/foo/5', value: 1 }], /index 5 is out of bounds/],
    [{ foo: [] }, [{ op: 'remove', path: '/foo/0' }], /index 0 is out of bounds/],
    [{ foo: 1 }, [{ op: 'remove', path: '/bar' }], /path does not exist/],
    [{ foo: 1 }, [{ op: 'replace', path: '/bar', value: 2 }], /path does not exist/],
    [{ foo: 1 }, [{ op: 'add', path: 'foo', value: 2 }], /a path must start with "\/"/],
    [{ foo: { a: 1 } }, [{ op: 'move', from: '/foo', path: '/foo/b' }], /cannot move a value into itself/],
    [{ foo: 1 }, [{ op: 'frob', path: '/foo' } as never], /unknown op "frob"/],
    [{ foo: [1] }, [{ op: 'replace', path: '/foo/x', value: 2 }], /"x" is not an array index/],
  ])('%j with %j fails with JsonPatchError', (doc, ops, why) => {
    let err: unknown;
    try {
      applyJsonPatch(doc, ops);
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ _tag: 'JsonPatchError' });
    expect((err as Error).message).toMatch(why);
  });
});

describe('createMergePatch', () => {
  it('is empty for equal values and minimal otherwise', () => {
    expect(isEmptyPatch(createMergePatch({ a: 1, b: { c: 2 } }, { b: { c: 2 }, a: 1 }))).toBe(true);
    expect(createMergePatch({ a: 1, b: { c: 2, d: 3 } }, { a: 1, b: { c: 2 } })).toEqual({ b: { d: null } });
    expect(createMergePatch({ a: [1, 2] }, { a: [1] })).toEqual({ a: [1] });
    expect(isEmptyPatch(createMergePatch({ a: 1 }, { a: 1, b: undefined }))).toBe(true);
  });

  // JSON without nulls (merge patches cannot express "set to null").
  const json: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: 'small' },
      fc.string({ maxLength: 3 }),
      fc.integer(),
      fc.boolean(),
      fc.array(tie('value'), { maxLength: 3 }),
      fc.dictionary(fc.string({ maxLength: 3 }), tie('value'), { maxKeys: 4 }),
    ),
  })).value;
  const object = fc.dictionary(fc.constantFrom('a', 'b', 'c', 'd'), json, { maxKeys: 4 });

  test.prop([object, object])('applying the patch from a to b gives b', (a, b) => {
    const patch = createMergePatch(a, b);
    const result = applyMergePatch(a, patch);
    expect(jsonEqual(result, b)).toBe(true);
    expect(isEmptyPatch(patch)).toBe(jsonEqual(a, b));
  });
});

describe('jsonEqual', () => {
  it.each([
    [{ a: 1, b: [1, { c: 2 }] }, { b: [1, { c: 2 }], a: 1 }, true],
    [{ a: 1 }, { a: 1, b: undefined }, true],
    [{ a: 1 }, { a: 2 }, false],
    [[1, 2], [2, 1], false],
    [[1], { 0: 1 }, false],
    [null, {}, false],
    [{ a: undefined }, { b: undefined }, true],
    ['1', 1, false],
  ])('%j vs %j -> %s', (a, b, expected) => {
    expect(jsonEqual(a, b)).toBe(expected);
    expect(jsonEqual(b, a)).toBe(expected);
  });
});

describe('independence of results', () => {
  it('merge and JSON patch results share nothing with their inputs', () => {
    const target = { metadata: { name: 'a', labels: { x: '1' } }, spec: { list: [{ a: 1 }] } };
    const merged = applyMergePatch(target, { spec: { other: 1 } }) as typeof target;
    merged.metadata.labels.x = 'changed';
    merged.spec.list[0]!.a = 2;
    const json = applyJsonPatch(target, [{ op: 'add', path: '/spec/other', value: 1 }]) as typeof target;
    json.metadata.name = 'changed';
    expect(target).toEqual({ metadata: { name: 'a', labels: { x: '1' } }, spec: { list: [{ a: 1 }] } });
  });
});
