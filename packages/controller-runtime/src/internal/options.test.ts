import { expect, it } from 'vitest';
import { withDefaults } from './options.js';

it('keeps defaults for options that are undefined and takes every other value, falsy ones included', () => {
  expect(withDefaults({ a: 1, b: 2, c: true }, { a: undefined, b: 0, c: false, d: 'x' })).toEqual({ a: 1, b: 0, c: false, d: 'x' });
});
