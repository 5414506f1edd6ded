import { expect, it } from 'vitest';
import { objectKey } from './index.js';

it('keys namespaced and cluster-scoped objects', () => {
  expect(objectKey({ namespace: 'ns', name: 'a' })).toBe('ns/a');
  expect(objectKey({ name: 'a' })).toBe('a');
});
