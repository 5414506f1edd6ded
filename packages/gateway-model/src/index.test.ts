import { expect, it } from 'vitest';
import { addressFamilies } from './index.js';

it('lists address families in order', () => {
  expect(addressFamilies([{ value: 'fd00::1' }, { value: '10.0.0.1' }])).toEqual(['IPv6', 'IPv4']);
});
