import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { beforeAll, describe, expect, it } from 'vitest';
import { projects } from './boundaries.js';

// Lints imports as if they stood in a file of the named package (the file need not exist: the rule classifies it by
// its path and resolves its imports from there), with the workspace's own eslint.config.js. Type-aware rules are off:
// a file outside tsconfig.json has no program, and the boundary rules need none.
const ROOT = path.resolve(import.meta.dirname, '../..');
let eslint: ESLint;

beforeAll(() => {
  eslint = new ESLint({ cwd: ROOT, overrideConfig: [tseslint.configs.disableTypeChecked] });
});

async function violations(file: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(source, { filePath: path.join(ROOT, file) });
  return (result?.messages ?? []).map((m) => `${m.ruleId ?? 'fatal'}: ${m.message}`);
}

describe('the dependency direction (tools/lint/boundaries.js)', () => {
  it.each([
    ['packages/ipam/src/fixture.ts', "export { evaluateGateway } from '@kube-vip-gw/gateway-model';", 'boundaries/dependencies', 'ipam may import only kube-core'],
    ['packages/ipam/src/fixture.ts', "export { plan } from '../../service-mapper/src/index.js';", 'boundaries/dependencies', 'ipam may import only kube-core'],
    ['packages/gateway-model/src/fixture.ts', "export { KubeClient } from '@kube-vip-gw/controller-runtime';", 'boundaries/dependencies', 'gateway-model may import only'],
    ['packages/service-mapper/src/fixture.ts', "export { KubeClient } from '@kube-vip-gw/controller-runtime';", 'boundaries/dependencies', 'service-mapper may import only'],
    ['packages/controller-runtime/src/fixture.ts', "export * from '../../../apps/controller/src/options.js';", 'boundaries/dependencies', 'controller-runtime may import only'],
    ['packages/controller-runtime/src/fixture.ts', "export * from '@kube-vip-gw/gateway-model';", 'boundaries/dependencies', 'controller-runtime may import only'],
    ['apps/controller/src/fixture.ts', "export * from '@kube-vip-gw/test-support';", 'boundaries/dependencies', 'may not import test-only code'],
    ['packages/service-mapper/src/fixture.ts', "import { readFileSync } from 'node:fs';\nexport const f = readFileSync;", 'no-restricted-imports', 'pure packages do no I/O'],
    ['packages/gateway-model/src/fixture.ts', "import { request } from 'node:https';\nexport const f = request;", 'no-restricted-imports', 'pure packages do no I/O'],
    ['packages/gateway-model/src/fixture.ts', "import { KubeConfig } from '@kubernetes/client-node';\nexport const f = KubeConfig;", 'no-restricted-imports', 'pure packages do no I/O'],
  ])('%s: %s is rejected', async (file, source, rule, message) => {
    const found = await violations(file, source);
    expect(found).toHaveLength(1);
    expect(found[0]).toContain(rule);
    expect(found[0]).toContain(message);
  });

  it.each([
    ['packages/gateway-model/src/fixture.ts', "export { parseAddress } from '@kube-vip-gw/ipam';"],
    ['packages/service-mapper/src/fixture.ts', "export * from '@kube-vip-gw/gateway-model';\nexport * from '@kube-vip-gw/ipam';"],
    ['packages/gateway-model/src/fixture.ts', "import { createHash } from 'node:crypto';\nexport const f = createHash;"],
    ['packages/service-mapper/src/fixture.test.ts', "import { readFileSync } from 'node:fs';\nexport const f = readFileSync;"],
    ['apps/controller/src/fixture.ts', "export * from '@kube-vip-gw/service-mapper';\nexport * from '@kube-vip-gw/controller-runtime';"],
    ['apps/controller/test/e2e/fixture.ts', "export * from '@kube-vip-gw/test-support';"],
    ['tools/conformance/fixture.ts', "export * from '@kube-vip-gw/dataplane';"],
  ])('%s: %s is allowed', async (file, source) => {
    expect(await violations(file, source)).toEqual([]);
  });
});

describe('project tags', () => {
  it.each(projects.filter((p) => existsSync(path.join(ROOT, p.folder, 'package.json'))))(
    "$folder/package.json's nx.tags are the linter's ($tags)",
    ({ folder, tags }) => {
      const manifest = JSON.parse(readFileSync(path.join(ROOT, folder, 'package.json'), 'utf8')) as { nx?: { tags?: string[] } };
      expect(manifest.nx?.tags).toEqual(tags);
    },
  );
});
