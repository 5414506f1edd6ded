import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import {
  fieldSelectorString,
  formatLabelSelector,
  type LabelSelector,
  labelSelectorString,
  matchesFields,
  matchesLabels,
  parseFieldSelector,
  parseLabelSelector,
  toLabelRequirements,
} from './selectors.js';

const labels = { app: 'web', tier: 'front', 'example.com/zone': 'a', count: '7' };

describe('parseLabelSelector + matchesLabels', () => {
  it.each([
    ['', true],
    ['app=web', true],
    ['app==web', true],
    ['app = web , tier=front', true],
    ['app=db', false],
    ['app!=db', true],
    ['app!=web', false],
    ['missing!=x', true],
    ['app in (web,db)', true],
    ['app in (db)', false],
    ['app notin (db)', true],
    ['app notin (web)', false],
    ['missing notin (web)', true],
    ['missing in (web)', false],
    ['app', true],
    ['missing', false],
    ['!missing', true],
    ['!app', false],
    ['example.com/zone=a', true],
    ['count>5', true],
    ['count<5', false],
    ['app>5', false],
    ['app=web,!tier', false],
  ])('%j on %o -> %s', (selector, expected) => {
    expect(matchesLabels(parseLabelSelector(selector), labels)).toBe(expected);
  });

  it.each([
    ['app in (web', /expected "," or "\)"/],
    ['app in web', /expected "\(" after "in"/],
    ['=web', /expected a label key/],
    ['app=web,', /expected a label key/],
    ['app=web tier=x', /expected ","/],
    ['bad key=x', /unexpected "key"/],
    ['-bad=x', /"-bad" is not a valid label key/],
    ['app=-x', /"-x" is not a valid label value/],
    ['app>x', /"x" is not an integer/],
    ['app frob (x)', /unexpected "frob"/],
  ])('rejects %j with InvalidLabelSelectorError naming the selector', (selector, why) => {
    let err: unknown;
    try {
      parseLabelSelector(selector);
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ _tag: 'InvalidLabelSelectorError', selector });
    expect((err as Error).message).toContain(`invalid label selector "${selector}"`);
    expect((err as Error).message).toMatch(why);
  });

  it('treats no labels as an empty set', () => {
    expect(matchesLabels(parseLabelSelector('!a'), undefined)).toBe(true);
    expect(matchesLabels(parseLabelSelector('a'), undefined)).toBe(false);
  });
});

describe('formatLabelSelector', () => {
  it('formats matchLabels and every operator, sorted so equal selectors give equal strings', () => {
    const sel: LabelSelector = {
      matchLabels: { b: '2', a: '1' },
      matchExpressions: [
        { key: 'c', operator: 'In', values: ['y', 'x'] },
        { key: 'd', operator: 'NotIn', values: ['z'] },
        { key: 'e', operator: 'Exists' },
        { key: 'f', operator: 'DoesNotExist' },
      ],
    };
    expect(formatLabelSelector(sel)).toBe('a=1,b=2,c in (x,y),d notin (z),e,!f');
    expect(labelSelectorString(sel)).toBe(formatLabelSelector(sel));
    expect(labelSelectorString('x=y')).toBe('x=y');
    expect(labelSelectorString(undefined)).toBe('');
    expect(formatLabelSelector({})).toBe('');
  });

  it.each([
    [{ matchExpressions: [{ key: 'a', operator: 'In' as const, values: [] }] }, /matchExpressions\[0\] operator In needs at least one value/],
    [{ matchExpressions: [{ key: 'a', operator: 'Near' as never }] }, /unknown operator "Near"/],
    [{ matchLabels: { 'bad key': 'x' } }, /not a valid label key/],
  ])('rejects %o', (sel, why) => {
    expect(() => formatLabelSelector(sel)).toThrow(why);
  });

  const key = fc.stringMatching(/^[a-z][a-z0-9]{0,8}$/);
  const value = fc.stringMatching(/^[a-z0-9]{1,6}$/);
  const selectorArb = fc.record(
    {
      matchLabels: fc.dictionary(key, value, { maxKeys: 3 }),
      matchExpressions: fc.array(
        fc.oneof(
          fc.record({ key, operator: fc.constantFrom('In' as const, 'NotIn' as const), values: fc.uniqueArray(value, { minLength: 1, maxLength: 3 }) }),
          fc.record({ key, operator: fc.constantFrom('Exists' as const, 'DoesNotExist' as const) }),
        ),
        { maxLength: 3 },
      ),
    },
    { requiredKeys: [] },
  );

  test.prop([selectorArb, fc.dictionary(key, value, { maxKeys: 5 })])(
    'the string form matches exactly the label sets the object form means',
    (sel, set) => {
      const expected =
        Object.entries(sel.matchLabels ?? {}).every(([k, v]) => set[k] === v) &&
        (sel.matchExpressions ?? []).every((e) => {
          const has = Object.prototype.hasOwnProperty.call(set, e.key);
          switch (e.operator) {
            case 'In':
              return has && e.values.includes(set[e.key]!);
            case 'NotIn':
              return !has || !e.values.includes(set[e.key]!);
            case 'Exists':
              return has;
            case 'DoesNotExist':
              return !has;
          }
        });
      expect(matchesLabels(toLabelRequirements(sel), set)).toBe(expected);
      expect(parseLabelSelector(formatLabelSelector(sel))).toEqual(toLabelRequirements(formatLabelSelector(sel)));
    },
  );
});

describe('field selectors', () => {
  const obj = { metadata: { name: 'a', namespace: 'ns' }, spec: { type: 'LoadBalancer', port: 80 } };

  it.each([
    ['metadata.name=a', true],
    ['metadata.name==a', true],
    ['metadata.name!=a', false],
    ['metadata.name=a,metadata.namespace=ns', true],
    ['metadata.name=a,metadata.namespace=other', false],
    ['spec.type=LoadBalancer', true],
    ['spec.port=80', true],
    ['spec.missing=', true],
    ['', true],
  ])('%j -> %s', (selector, expected) => {
    expect(matchesFields(parseFieldSelector(selector), obj)).toBe(expected);
  });

  it('accepts the object form and formats it back', () => {
    expect(parseFieldSelector({ 'metadata.name': 'a' })).toEqual([{ field: 'metadata.name', op: '=', value: 'a' }]);
    expect(fieldSelectorString({ 'metadata.name': 'a', 'metadata.namespace': 'b' })).toBe('metadata.name=a,metadata.namespace=b');
    expect(fieldSelectorString(undefined)).toBe('');
  });

  it('rejects a term without an operator, naming the selector', () => {
    expect(() => parseFieldSelector('metadata.name')).toThrow('invalid field selector "metadata.name": cannot parse "metadata.name"');
  });
});
