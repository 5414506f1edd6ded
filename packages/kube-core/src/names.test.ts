import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import {
  dns1035LabelProblem,
  isDns1035Label,
  isDns1123Label,
  isDns1123Subdomain,
  isLabelValue,
  isQualifiedName,
  labelValueProblem,
  qualifiedNameProblem,
} from './names.js';

describe('name validation (apimachinery util/validation)', () => {
  it.each<[string, boolean, boolean, boolean]>([
    // name, DNS-1123 label, DNS-1035 label, DNS-1123 subdomain
    ['web', true, true, true],
    ['1web', true, false, true],
    ['web-1', true, true, true],
    ['-web', false, false, false],
    ['web-', false, false, false],
    ['Web', false, false, false],
    ['a.b', false, false, true],
    ['a..b', false, false, false],
    ['', false, false, false],
    ['a'.repeat(63), true, true, true],
    ['a'.repeat(64), false, false, true],
    [`${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(61)}`, false, false, true],
    [`${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(62)}`, false, false, false],
  ])('%j: label %s, 1035 %s, subdomain %s', (name, label, dns1035, subdomain) => {
    expect(isDns1123Label(name)).toBe(label);
    expect(isDns1035Label(name)).toBe(dns1035);
    expect(isDns1123Subdomain(name)).toBe(subdomain);
  });

  it.each<[string, boolean]>([
    ['app', true],
    ['app.kubernetes.io/name', true],
    ['kube-vip.io/route-selector', true],
    ['A_b.c-d', true],
    ['/name', false],
    ['Example.com/name', false],
    ['a/b/c', false],
    ['example.com/', false],
    ['-app', false],
    ['a'.repeat(63), true],
    ['a'.repeat(64), false],
    [`${'p'.repeat(253)}/name`, true],
    [`${'p'.repeat(254)}/name`, false],
  ])('label key %j -> %s', (key, valid) => {
    expect(isQualifiedName(key)).toBe(valid);
    expect(qualifiedNameProblem(key) === undefined).toBe(valid);
  });

  it.each<[string, boolean]>([
    ['', true],
    ['v1', true],
    ['a_b.c-d', true],
    ['-a', false],
    ['a-', false],
    ['a b', false],
    ['10.0.0.1', true],
    ['fd00::1', false],
    ['a'.repeat(63), true],
    ['a'.repeat(64), false],
  ])('label value %j -> %s', (value, valid) => {
    expect(isLabelValue(value)).toBe(valid);
  });

  it("says why, in the API server's words", () => {
    expect(dns1035LabelProblem('1a')).toMatch(/start with an alphabetic character/);
    expect(labelValueProblem(7)).toBe('must be a string');
    expect(labelValueProblem('a'.repeat(64))).toBe('must be no more than 63 characters');
    expect(qualifiedNameProblem('UPPER.example/x')).toBe('prefix part must be a lowercase RFC 1123 subdomain');
  });

  test.prop([fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/)])('every DNS-1123 label is a subdomain, a label key and a label value', (name) => {
    expect(isDns1123Label(name)).toBe(true);
    expect(isDns1123Subdomain(name)).toBe(true);
    expect(isQualifiedName(name)).toBe(true);
    expect(isLabelValue(name)).toBe(true);
  });
});
