import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { IntervalSet } from './interval-set.js';

type Op = { kind: 'add' | 'delete'; value: number };
const op = fc.record({ kind: fc.constantFrom<'add' | 'delete'>('add', 'add', 'delete'), value: fc.integer({ min: 0, max: 200 }) });

function check(set: IntervalSet, model: Set<number>): void {
  const intervals = [...set.entries()];
  expect(set.intervals).toBe(intervals.length);
  for (let i = 1; i < intervals.length; i++) expect(intervals[i]!.start > intervals[i - 1]!.end + 1n).toBe(true);
  for (let v = 0; v <= 202; v++) {
    const x = BigInt(v);
    expect(set.has(x)).toBe(model.has(v));
    let nf = v;
    while (model.has(nf)) nf++;
    expect(set.nextFree(x)).toBe(BigInt(nf));
    let pf = v;
    while (model.has(pf)) pf--;
    expect(set.prevFree(x)).toBe(BigInt(pf));
  }
  let inside = 0;
  for (const v of model) if (v >= 50 && v <= 150) inside++;
  expect(set.countIn(50n, 150n)).toBe(BigInt(inside));
}

describe('IntervalSet', () => {
  it('coalesces touching values into one interval and splits on delete', () => {
    const s = new IntervalSet();
    for (const v of [5n, 7n, 6n]) s.add(v);
    expect([...s.entries()]).toEqual([{ start: 5n, end: 7n }]);
    expect(s.nextFree(5n)).toBe(8n);
    expect(s.prevFree(7n)).toBe(4n);
    s.delete(6n);
    expect([...s.entries()]).toEqual([
      { start: 5n, end: 5n },
      { start: 7n, end: 7n },
    ]);
    expect(s.add(5n)).toBe(false);
    expect(s.delete(6n)).toBe(false);
  });

  test.prop([fc.array(op, { maxLength: 300 })])('behaves like a plain set (model-based)', (ops: Op[]) => {
    const set = new IntervalSet();
    const model = new Set<number>();
    for (const o of ops) {
      const had = model.has(o.value);
      if (o.kind === 'add') {
        expect(set.add(BigInt(o.value))).toBe(!had);
        model.add(o.value);
      } else {
        expect(set.delete(BigInt(o.value))).toBe(had);
        model.delete(o.value);
      }
    }
    check(set, model);
  });

  test.prop([fc.array(fc.integer({ min: 0, max: 200 }), { maxLength: 200 }), fc.array(op, { maxLength: 100 })])('assign then edit matches the model', (initial, ops: Op[]) => {
    const set = new IntervalSet();
    set.assign(initial.map(BigInt));
    const model = new Set(initial);
    for (const o of ops) {
      if (o.kind === 'add') {
        set.add(BigInt(o.value));
        model.add(o.value);
      } else {
        set.delete(BigInt(o.value));
        model.delete(o.value);
      }
    }
    check(set, model);
  });

  it('stays correct across chunk splits (thousands of separate intervals)', () => {
    const set = new IntervalSet();
    const model = new Set<number>();
    // Every third value, inserted in a scrambled order, gives 2,000 one-value intervals over several chunks.
    for (let k = 0; k < 2000; k++) {
      const v = ((k * 7919) % 2000) * 3;
      set.add(BigInt(v));
      model.add(v);
    }
    expect(set.intervals).toBe(2000);
    for (let v = 0; v < 6000; v += 1) expect(set.has(BigInt(v))).toBe(model.has(v));
    // Filling the gaps merges everything into one interval.
    for (let v = 0; v < 5998; v++) set.add(BigInt(v));
    expect([...set.entries()]).toEqual([{ start: 0n, end: 5997n }]);
  });
});
