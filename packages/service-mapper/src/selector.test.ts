import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { InvalidSelectorError } from './errors.js';
import { parseServiceSelector, routeSelector } from './selector.js';

describe('parseServiceSelector', () => {
  it.each<[string, Record<string, string>]>([
    ['app=web', { app: 'web' }],
    ['app==web', { app: 'web' }],
    [' app = web , tier=fe ', { app: 'web', tier: 'fe' }],
    ['app.kubernetes.io/name=web', { 'app.kubernetes.io/name': 'web' }],
    ['app in (web)', { app: 'web' }],
    ['app=web,app=web', { app: 'web' }],
    ['app=', { app: '' }],
    ['{"app":"web"}', { app: 'web' }],
    ['{"matchLabels":{"app":"web"},"matchExpressions":[{"key":"tier","operator":"In","values":["fe"]}]}', { app: 'web', tier: 'fe' }],
  ])('%s', (text, selector) => {
    expect(parseServiceSelector(text)).toEqual(selector);
  });

  it.each<[string, RegExp]>([
    ['', /is empty/],
    ['app=web,', /expected a label key/],
    ['app!=web', /inequality; a Service selector can only require key=value/],
    ['tier in (a,b)', /a set of 2 values/],
    ['tier notin (a)', /"tier notin \(a\)": a Service selector/],
    ['app', /"app": an existence test/],
    ['!app', /"!app": an existence test/],
    ['app=a,app=b', /key app is required to equal both "a" and "b"/],
    ['bad key!=x', /unexpected "key" after key "bad"/],
    ['-bad=x', /"-bad" is not a valid label key/],
    ['app=has space', /expected "," at position/],
    ['app=' + 'v'.repeat(64), /is not a valid label value/],
    ['{"app":', /is not valid JSON/],
    ['{"matchLabels":"x"}', /matchLabels is not a map/],
    ['{"matchExpressions":[{"key":"a","operator":"Exists"}]}', /"a": an existence test/],
    ['{"app":1}', /the value of app must be a string/],
    ['{}', /has no requirements/],
  ])('refuses %s', (text, reason) => {
    const r = parseServiceSelector(text);
    expect(r).toBeInstanceOf(InvalidSelectorError);
    expect((r as InvalidSelectorError)._tag).toBe('InvalidSelectorError');
    expect((r as InvalidSelectorError).message).toContain(`selector ${JSON.stringify(text)}`);
    expect((r as InvalidSelectorError).message).toMatch(reason);
  });

  const key = fc.stringMatching(/^([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)?[a-z]([-a-z0-9_.]{0,20}[a-z0-9])?$/);
  const value = fc.stringMatching(/^([A-Za-z0-9]([-A-Za-z0-9_.]{0,20}[A-Za-z0-9])?)?$/);
  test.prop([fc.dictionary(key, value, { minKeys: 1, maxKeys: 5 })])('reads back any equality map, in text and in JSON', (selector) => {
    const text = Object.entries(selector).map(([k, v]) => `${k}=${v}`).join(',');
    expect(parseServiceSelector(text)).toEqual(selector);
    expect(parseServiceSelector(JSON.stringify({ matchLabels: selector }))).toEqual(selector);
  });

  test.prop([fc.string({ maxLength: 40 })])('never throws', (text) => {
    expect(() => parseServiceSelector(text)).not.toThrow();
  });
});

describe('routeSelector', () => {
  it.each<[string, Record<string, string> | undefined, Record<string, string> | undefined, Record<string, string> | undefined]>([
    ['no selector', undefined, undefined, undefined],
    ['the original labels', { selectorkey: 'run', selectorvalue: 'nginx' }, undefined, { run: 'nginx' }],
    ['the annotation over the labels', { selectorkey: 'run', selectorvalue: 'nginx' }, { 'kube-vip.io/route-selector': 'app=x' }, { app: 'x' }],
  ])('%s', (_, labels, annotations, expected) => {
    expect(routeSelector({ ...(labels ? { labels } : {}), ...(annotations ? { annotations } : {}) })).toEqual(expected);
  });

  it.each<[Record<string, string>, RegExp]>([
    [{ selectorkey: 'run' }, /must be set together/],
    [{ selectorvalue: 'x' }, /must be set together/],
    [{ selectorkey: 'bad key', selectorvalue: 'x' }, /not a valid label key/],
  ])('refuses labels %o', (labels, reason) => {
    const r = routeSelector({ labels });
    expect(r).toBeInstanceOf(InvalidSelectorError);
    expect((r as Error).message).toMatch(reason);
  });

  it('refuses an invalid annotation instead of falling back to the labels', () => {
    expect(routeSelector({ labels: { selectorkey: 'run', selectorvalue: 'x' }, annotations: { 'kube-vip.io/route-selector': 'a in (b,c)' } })).toBeInstanceOf(InvalidSelectorError);
  });
});
