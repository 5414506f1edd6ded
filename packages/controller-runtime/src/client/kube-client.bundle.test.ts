import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'tsup';
import { describe, expect, it } from 'vitest';

// The apps bundle every dependency into one file. KubeClient needs only KubeConfig from @kubernetes/client-node; if
// the package's whole namespace ends up in a bundle (as with `await import('@kubernetes/client-node')`), the generated
// API clients add ~13 MB of code and ~90 MiB of resident memory to the controller (docs/benchmarks.md, controller-scale).

const here = path.dirname(fileURLToPath(import.meta.url));

/** Bytes each input contributes to a bundle of `entry` built the way the apps are built (tsup.shared.ts). */
async function bundleInputs(entry: string): Promise<Record<string, number>> {
  const outDir = await mkdtemp(path.join(os.tmpdir(), 'kvgw-bundle-test-'));
  try {
    await build({
      config: false,
      silent: true,
      entry: { bundle: entry },
      format: ['esm'],
      platform: 'node',
      target: 'node24',
      outDir,
      splitting: false,
      metafile: true,
      noExternal: [/.*/],
      esbuildOptions(options) {
        options.conditions = ['@kube-vip-gw/source', 'node', 'import'];
        options.mainFields = ['module', 'main'];
      },
    });
    const metafile = (await readdir(outDir)).find((f) => f.startsWith('metafile') && f.endsWith('.json'));
    if (!metafile) throw new Error(`tsup wrote no metafile into ${outDir}`);
    const meta = JSON.parse(await readFile(path.join(outDir, metafile), 'utf8')) as {
      outputs: Record<string, { inputs: Record<string, { bytesInOutput: number }> }>;
    };
    const output = Object.entries(meta.outputs).find(([file]) => file.endsWith('bundle.js'));
    if (!output) throw new Error('the metafile names no bundle.js');
    return Object.fromEntries(Object.entries(output[1].inputs).map(([file, v]) => [file, v.bytesInOutput]));
  } finally {
    await rm(outDir, { recursive: true, force: true });
  }
}

describe('KubeClient in a bundle', () => {
  it('keeps only what KubeConfig uses of @kubernetes/client-node, not its generated API clients', async () => {
    const inputs = await bundleInputs(path.join(here, 'kube-client.ts'));
    const bytesUnder = (part: string) => Object.entries(inputs).reduce((n, [file, bytes]) => (file.includes(part) ? n + bytes : n), 0);
    // KubeConfig itself must be there (the bundle would not work otherwise)...
    expect(bytesUnder('@kubernetes/client-node/dist/config.js')).toBeGreaterThan(10_000);
    // ...but not the generated per-group API classes (CoreV1Api & co.: ~6 MB with the whole namespace, ~16 KB of
    // module stubs without) nor their typed wrappers (~6.6 MB); the models KubeConfig's imports reach stay (~0.9 MB).
    expect(bytesUnder('@kubernetes/client-node/dist/gen/apis/')).toBeLessThan(100_000);
    expect(bytesUnder('@kubernetes/client-node/dist/gen/types/')).toBeLessThan(100_000);
    // client-node's own files (its dependencies may be installed below it: node_modules/@kubernetes/client-node/node_modules).
    const own = Object.entries(inputs).reduce((n, [file, bytes]) => (/@kubernetes\/client-node\/(?!node_modules\/)/.test(file) ? n + bytes : n), 0);
    expect(own).toBeLessThan(2 * 2 ** 20);
    // client-node 2 imports the undici package (not Node's built-in fetch) for its own API clients' transport: ~1.35 MB
    // in a plain bundle although KubeClient sends requests over node:http(s). Bounded so that growth is noticed; the
    // apps' bundles alias it to tools/bundle/undici-left-out.mjs (tools/ci/app-bundle.test.ts).
    expect(bytesUnder('/undici/')).toBeLessThan(1.6 * 2 ** 20);
  }, 60_000);
});
