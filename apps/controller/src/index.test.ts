import { expect, it } from 'vitest';
import { DEFAULT_CONTROLLER_NAME, parseControllerOptions } from './index.js';

it('serves the documented default controller name', () => {
  expect(parseControllerOptions([]).controllerName).toBe(DEFAULT_CONTROLLER_NAME);
});
