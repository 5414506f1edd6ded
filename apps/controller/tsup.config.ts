import { defineConfig } from 'tsup';
import { appBundle } from '../../tsup.shared.ts';

export default defineConfig(appBundle({ 'gateway-api-controller': 'src/main.ts' }));
