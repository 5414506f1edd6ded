import { expect, it } from 'vitest';
import { DEFAULT_CONTROLLER_NAME, GATEWAY_NAME_LABEL } from './index.js';

it('exposes the default controller name and labels', () => {
  expect(DEFAULT_CONTROLLER_NAME).toBe('kube-vip.io/controller');
  expect(GATEWAY_NAME_LABEL).toMatch(/gateway-name$/);
});
