import { expect, it } from 'vitest';
import { buildProgram } from './index.js';

it('names the program kvgw', () => {
  expect(buildProgram().name()).toBe('kvgw');
});
