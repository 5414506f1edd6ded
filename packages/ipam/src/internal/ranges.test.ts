import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { cidrRange, countRanges, mergeRanges, prefixesOfRange, subtractRanges, type Range } from './ranges.js';

const r = (start: number, end: number): Range => ({ start: BigInt(start), end: BigInt(end) });
const members = (ranges: readonly Range[]): Set<number> => {
  const s = new Set<number>();
  for (const x of ranges) for (let v = Number(x.start); v <= Number(x.end); v++) s.add(v);
  return s;
};
const smallRange = fc.tuple(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 0, max: 8 })).map(([s, n]) => r(s, s + n));

describe('mergeRanges', () => {
  it.each([
    [[], []],
    [[r(5, 6), r(1, 2)], [r(1, 2), r(5, 6)]],
    [[r(1, 2), r(3, 4)], [r(1, 4)]],
    [[r(1, 5), r(2, 3)], [r(1, 5)]],
    [[r(1, 2), r(4, 5)], [r(1, 2), r(4, 5)]],
  ])('merge case %#', (input, want) => {
    expect(mergeRanges(input)).toEqual(want);
  });
  test.prop([fc.array(smallRange, { maxLength: 8 })])('same members, sorted, neither overlapping nor touching', (input) => {
    const out = mergeRanges(input);
    expect(members(out)).toEqual(members(input));
    for (let i = 1; i < out.length; i++) expect(out[i]!.start > out[i - 1]!.end + 1n).toBe(true);
  });
});

describe('subtractRanges', () => {
  it.each([
    [[r(1, 10)], [r(3, 4)], [r(1, 2), r(5, 10)]],
    [[r(1, 10)], [r(0, 20)], []],
    [[r(1, 3), r(7, 9)], [r(3, 7)], [r(1, 2), r(8, 9)]],
    [[r(1, 3)], [], [r(1, 3)]],
  ])('subtract case %#', (a, b, want) => {
    expect(subtractRanges(a, b)).toEqual(want);
  });
  test.prop([fc.array(smallRange, { maxLength: 6 }), fc.array(smallRange, { maxLength: 6 })])('is set difference', (a, b) => {
    const out = subtractRanges(mergeRanges(a), mergeRanges(b));
    const want = new Set([...members(a)].filter((v) => !members(b).has(v)));
    expect(members(out)).toEqual(want);
    expect(countRanges(out)).toBe(BigInt(want.size));
  });
});

describe('cidrRange', () => {
  it('masks host bits (192.168.1.1/24 is 192.168.1.0/24)', () => {
    expect(cidrRange(0xc0a80101n, 24, 32)).toEqual({ start: 0xc0a80100n, end: 0xc0a801ffn });
  });
  it('a /0 of IPv6 is all 2^128 addresses', () => {
    expect(cidrRange(5n, 0, 128)).toEqual({ start: 0n, end: (1n << 128n) - 1n });
  });
});

describe('prefixesOfRange (netipx IPSet.Prefixes decomposition)', () => {
  it.each([
    [r(0, 255), [[0, 24]]],
    [r(4, 15), [[4, 30], [8, 29]]],
    [r(1, 6), [[1, 32], [2, 31], [4, 31], [6, 32]]],
  ])('decomposition case %#', (range, want) => {
    expect(prefixesOfRange(range, 32).map((p) => [Number(p.start), p.length])).toEqual(want);
  });
  test.prop([fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 300 })])('covers exactly, aligned, and no two neighbours merge', (a, n) => {
    const range = r(a, a + n);
    const ps = prefixesOfRange(range, 32);
    let next = range.start;
    for (const p of ps) {
      const size = 1n << BigInt(32 - p.length);
      expect(p.start).toBe(next);
      expect(p.start % size).toBe(0n);
      next = p.start + size;
    }
    expect(next).toBe(range.end + 1n);
    for (let i = 1; i < ps.length; i++) {
      const x = ps[i - 1]!;
      const y = ps[i]!;
      const size = 1n << BigInt(32 - x.length);
      // Two equal-size siblings that form an aligned block would be one shorter prefix in a minimal decomposition.
      expect(x.length === y.length && x.start % (size * 2n) === 0n).toBe(false);
    }
  });
});
