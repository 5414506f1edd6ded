import { DEFAULT_CONTROLLER_NAME } from './index.js';

console.log(`gateway-api-controller (${DEFAULT_CONTROLLER_NAME}): not wired yet`);
