// Shared bundling for the two apps: one self-contained ESM file per binary that runs with plain `node`.
import type { Options } from 'tsup';
import { fileURLToPath } from 'node:url';

const undiciLeftOut = fileURLToPath(new URL('./tools/bundle/undici-left-out.mjs', import.meta.url));

/** tsup options for an app binary: everything bundled, sibling packages taken from source. */
export function appBundle(entry: Record<string, string>): Options {
  return {
    entry,
    format: ['esm'],
    platform: 'node',
    target: 'node24',
    outDir: 'dist',
    clean: true,
    sourcemap: true,
    splitting: false,
    // Bundle every dependency, so the image needs only the file and node.
    noExternal: [/.*/],
    // CommonJS dependencies (pino, node-fetch, ...) call require() for built-ins; ESM bundles have none.
    banner: { js: "import { createRequire as __kvgwCreateRequire } from 'node:module'; const require = __kvgwCreateRequire(import.meta.url);" },
    esbuildOptions(options) {
      options.conditions = ['@kube-vip-gw/source', 'node', 'import'];
      options.mainFields = ['module', 'main'];
      // client-node 2's undici import is never called by the apps (tools/bundle/undici-left-out.mjs says why).
      options.alias = { ...options.alias, undici: undiciLeftOut };
    },
  };
}
