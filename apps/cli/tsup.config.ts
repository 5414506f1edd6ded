import { defineConfig } from 'tsup';
import { appBundle } from '../../tsup.shared.ts';

export default defineConfig(appBundle({ 'kvgw': 'src/main.ts', index: 'src/index.ts' }));
