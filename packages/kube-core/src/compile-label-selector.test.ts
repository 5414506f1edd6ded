import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { InvalidLabelSelectorError } from './errors.js';
import { compileLabelSelector, type LabelSelector, matchesLabelSelector } from './selectors.js';

const labels = { env: 'prod', team: 'net', 'kubernetes.io/metadata.name': 'apps' };

describe('matchesLabelSelector', () => {
  it.each<[string, LabelSelector, boolean]>([
    ['empty selector matches everything', {}, true],
    ['matchLabels equal', { matchLabels: { env: 'prod' } }, true],
    ['matchLabels all must match', { matchLabels: { env: 'prod', team: 'web' } }, false],
    ['matchLabels missing key', { matchLabels: { zone: 'a' } }, false],
    ['by namespace name label', { matchLabels: { 'kubernetes.io/metadata.name': 'apps' } }, true],
    ['In: value listed', { matchExpressions: [{ key: 'env', operator: 'In', values: ['dev', 'prod'] }] }, true],
    ['In: value not listed', { matchExpressions: [{ key: 'env', operator: 'In', values: ['dev'] }] }, false],
    ['In: key missing', { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }, false],
    ['NotIn: value listed', { matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['prod'] }] }, false],
    ['NotIn: value not listed', { matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['dev'] }] }, true],
    ['NotIn: key missing matches', { matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['a'] }] }, true],
    ['Exists: present', { matchExpressions: [{ key: 'team', operator: 'Exists' }] }, true],
    ['Exists: absent', { matchExpressions: [{ key: 'zone', operator: 'Exists' }] }, false],
    ['DoesNotExist: absent', { matchExpressions: [{ key: 'zone', operator: 'DoesNotExist' }] }, true],
    ['DoesNotExist: present', { matchExpressions: [{ key: 'team', operator: 'DoesNotExist' }] }, false],
    ['labels and expressions are ANDed', { matchLabels: { env: 'prod' }, matchExpressions: [{ key: 'team', operator: 'DoesNotExist' }] }, false],
  ])('%s', (_name, selector, expected) => {
    expect(matchesLabelSelector(selector, labels)).toBe(expected);
  });
});

describe('compileLabelSelector rejects what the API server rejects', () => {
  it.each<[string, unknown, RegExp]>([
    ['unknown operator', { matchExpressions: [{ key: 'a', operator: 'Equals', values: ['b'] }] }, /matchExpressions\[0\] has unknown operator "Equals"/],
    ['In without values', { matchExpressions: [{ key: 'a', operator: 'In' }] }, /operator In needs at least one value/],
    ['NotIn with empty values', { matchExpressions: [{ key: 'a', operator: 'NotIn', values: [] }] }, /operator NotIn needs at least one value/],
    ['Exists with values', { matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] }, /operator Exists takes no values/],
    ['missing key', { matchExpressions: [{ operator: 'Exists' }] }, /has no key/],
    ['non-string label value', { matchLabels: { a: 1 } }, /matchLabels\["a"\] is not a string/],
    ['not an object', null, /not an object/],
  ])('%s', (_name, selector, message) => {
    const result = compileLabelSelector(selector as LabelSelector);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error).toBeInstanceOf(InvalidLabelSelectorError);
      expect(result.error._tag).toBe('InvalidLabelSelectorError');
      expect(result.error.message).toMatch(message);
    }
    expect(matchesLabelSelector(selector as LabelSelector, labels)).toBe(false);
  });
});

describe('selector properties', () => {
  const key = fc.constantFrom('a', 'b', 'c');
  const value = fc.constantFrom('1', '2', '3');
  const labelsArb = fc.dictionary(key, value);
  test.prop([labelsArb, key, fc.array(value, { minLength: 1, maxLength: 3 })])('NotIn is the complement of In', (l, k, values) => {
    const inSel = matchesLabelSelector({ matchExpressions: [{ key: k, operator: 'In', values }] }, l);
    const notIn = matchesLabelSelector({ matchExpressions: [{ key: k, operator: 'NotIn', values }] }, l);
    expect(notIn).toBe(!inSel);
  });
  test.prop([labelsArb, key])('DoesNotExist is the complement of Exists', (l, k) => {
    expect(matchesLabelSelector({ matchExpressions: [{ key: k, operator: 'DoesNotExist' }] }, l)).toBe(
      !matchesLabelSelector({ matchExpressions: [{ key: k, operator: 'Exists' }] }, l),
    );
  });
  test.prop([labelsArb])('a selector built from the labels themselves matches them', (l) => {
    expect(matchesLabelSelector({ matchLabels: l }, l)).toBe(true);
  });
});
