import { describe, expect, it } from 'vitest';
import { StringPool } from './string-pool.js';

// Whether two equal strings are one heap object is not observable from JavaScript; %HaveSameMap-style natives are
// off in tests. What the pool owes is observable: the values are unchanged, repeated values come from the table, the
// table stays bounded.
describe('StringPool', () => {
  it('leaves every value equal and the shape unchanged', () => {
    const a = JSON.parse('{"apiVersion":"gateway.networking.k8s.io/v1","items":[{"m":"attached to listener(s) \\"l0\\"","n":1,"b":true,"z":null}],"s":"short"}') as unknown;
    const before = structuredClone(a);
    expect(new StringPool().intern(a)).toEqual(before);
  });

  it('holds one entry per distinct value longer than ten characters and at most maxLength', () => {
    const pool = new StringPool({ maxLength: 40 });
    for (let i = 0; i < 3; i += 1) pool.intern(JSON.parse('{"k":"gateway.networking.k8s.io","l":["discovery.k8s.io/v1","discovery.k8s.io/v1"],"s":"TCP","long":"' + 'x'.repeat(41) + '"}'));
    expect(pool.size).toBe(2);
    expect(pool.string('discovery.k8s.io/v1')).toBe('discovery.k8s.io/v1');
  });

  it('starts over when full, so values seen once do not pile up', () => {
    const pool = new StringPool({ capacity: 100 });
    for (let i = 0; i < 1_000; i += 1) pool.string(`uid-0000-${String(i).padStart(6, '0')}`);
    expect(pool.size).toBeLessThanOrEqual(100);
    expect(pool.size).toBeGreaterThan(0);
  });
});
