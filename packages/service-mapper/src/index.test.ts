import { expect, it } from 'vitest';
import { GATEWAY_NAME_LABEL } from './index.js';

it('uses the GEP-1762 gateway-name label', () => {
  expect(GATEWAY_NAME_LABEL).toBe('gateway.networking.k8s.io/gateway-name');
});
