import { expect, it } from 'vitest';
import { DEFAULT_CONTROLLER_NAME } from '@kube-vip-gw/controller';
import { parseControllerOptions } from './options.js';

it('serves the documented default controller name', () => {
  expect(parseControllerOptions([]).controllerName).toBe(DEFAULT_CONTROLLER_NAME);
});
