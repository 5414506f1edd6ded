import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { boundedLabelValue, boundedName } from './names.js';

const dns1123Label = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const labelValue = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

describe('boundedName', () => {
  it('keeps short valid names as they are', () => {
    expect(boundedName(['gw', 'tcp', '8080'])).toBe('gw-tcp-8080');
  });
  it('cuts a 253-character Gateway name to 63 characters with a stable hash', () => {
    const long = 'a'.repeat(253);
    const name = boundedName([long, 'tcp']);
    expect(name).toHaveLength(63);
    expect(name).toMatch(dns1123Label);
    expect(boundedName([long, 'tcp'])).toBe(name);
    expect(boundedName([long, 'udp'])).not.toBe(name);
  });
  it('hashes ambiguous joins, so ["a-b","c"] and ["a","b-c"] differ', () => {
    expect(boundedName(['a-b', 'c'])).not.toBe(boundedName(['a', 'b-c']));
  });
  it('hashes when sanitising changed the text, so "a.b" and "a-b" differ', () => {
    expect(boundedName(['a.b'])).not.toBe(boundedName(['a-b']));
  });
  test.prop([fc.array(fc.string({ maxLength: 300 }), { minLength: 1, maxLength: 4 })])('always valid, stable', (parts) => {
    const name = boundedName(parts);
    expect(name.length).toBeLessThanOrEqual(63);
    expect(name).toMatch(dns1123Label);
    expect(boundedName(parts)).toBe(name);
  });
  test.prop([fc.array(fc.string(), { minLength: 1, maxLength: 3 }), fc.array(fc.string(), { minLength: 1, maxLength: 3 })])(
    'distinct inputs give distinct names',
    (a, b) => {
      fc.pre(JSON.stringify(a) !== JSON.stringify(b));
      expect(boundedName(a)).not.toBe(boundedName(b));
    },
  );
});

describe('boundedLabelValue', () => {
  it('keeps valid values and bounds long ones', () => {
    expect(boundedLabelValue('my-gateway')).toBe('my-gateway');
    const v = boundedLabelValue('x'.repeat(253));
    expect(v.length).toBeLessThanOrEqual(63);
    expect(v).toMatch(labelValue);
  });
  test.prop([fc.string({ maxLength: 300 })])('always a valid label value', (s) => {
    expect(boundedLabelValue(s)).toMatch(labelValue);
    expect(boundedLabelValue(s).length).toBeLessThanOrEqual(63);
  });
});
