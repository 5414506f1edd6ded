import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { binariesIn, ensureBinaries, findEnvtestToolsDir, parseVersionsEnv, readEnvtestVersions } from './binaries.js';
import { BinariesUnavailableError } from './errors.js';

let tmp: string;
beforeEach(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'kvgw-binaries-test-'));
});
afterEach(async () => {
  await rm(tmp, { recursive: true, force: true });
});

async function fakeAssets(dir: string, executable = true): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const name of ['kube-apiserver', 'etcd']) {
    await writeFile(path.join(dir, name), '#!/bin/sh\n');
    await chmod(path.join(dir, name), executable ? 0o755 : 0o644);
  }
}

async function fakeToolsDir(script: string): Promise<string> {
  const dir = path.join(tmp, 'tools');
  await mkdir(dir);
  await writeFile(path.join(dir, 'build.sh'), script);
  return dir;
}

describe('parseVersionsEnv', () => {
  it('reads the three pinned versions, ignoring comments, blanks and quotes', () => {
    const text = '# comment\n\nK8S_VERSION=v1.36.3\nETCD_VERSION="v3.6.16"\n  GATEWAY_API_VERSION=\'v1.6.1\'\n';
    expect(parseVersionsEnv(text)).toEqual({ kubernetes: 'v1.36.3', etcd: 'v3.6.16', gatewayApi: 'v1.6.1' });
  });

  it.each([
    ['ETCD_VERSION=v3.6.16\nGATEWAY_API_VERSION=v1.6.1', 'K8S_VERSION'],
    ['K8S_VERSION=v1.36.3\nGATEWAY_API_VERSION=v1.6.1', 'ETCD_VERSION'],
    ['K8S_VERSION=v1.36.3\nETCD_VERSION=v3.6.16\nGATEWAY_API_VERSION=', 'GATEWAY_API_VERSION'],
  ])('names the missing key in %j', (text, key) => {
    expect(() => parseVersionsEnv(text)).toThrow(`versions.env has no ${key}`);
  });

  it('matches the repository versions.env', async () => {
    const versions = await readEnvtestVersions();
    expect(versions?.kubernetes).toMatch(/^v1\.\d+\.\d+$/);
    expect(versions?.etcd).toMatch(/^v3\.\d+\.\d+$/);
    expect(versions?.gatewayApi).toMatch(/^v1\.\d+\.\d+$/);
  });
});

describe('findEnvtestToolsDir', () => {
  it('finds tools/envtest of this checkout', () => {
    const dir = findEnvtestToolsDir({});
    expect(dir && path.basename(dir)).toBe('envtest');
  });

  it('honours KVGW_ENVTEST_TOOLS_DIR only when it holds build.sh', async () => {
    expect(findEnvtestToolsDir({ KVGW_ENVTEST_TOOLS_DIR: tmp })).toBeUndefined();
    const tools = await fakeToolsDir('exit 0\n');
    expect(findEnvtestToolsDir({ KVGW_ENVTEST_TOOLS_DIR: tools })).toBe(tools);
  });
});

describe('binariesIn', () => {
  it('returns both executables', async () => {
    await fakeAssets(tmp);
    expect(await binariesIn(tmp, 'KUBEBUILDER_ASSETS')).toEqual({
      dir: tmp,
      kubeApiserver: path.join(tmp, 'kube-apiserver'),
      etcd: path.join(tmp, 'etcd'),
    });
  });

  it.each([
    ['missing', async () => undefined],
    ['not executable', async () => fakeAssets(tmp, false)],
  ])('refuses binaries that are %s, naming the directory', async (_, prepare) => {
    await prepare();
    await expect(binariesIn(tmp, 'KUBEBUILDER_ASSETS')).rejects.toThrow(`KUBEBUILDER_ASSETS=${tmp} has no executable kube-apiserver`);
  });
});

describe('ensureBinaries', () => {
  it('uses KUBEBUILDER_ASSETS without running the build', async () => {
    await fakeAssets(tmp);
    const tools = await fakeToolsDir('echo must-not-run >&2; exit 1\n');
    const progress: string[] = [];
    const found = await ensureBinaries({ env: { KUBEBUILDER_ASSETS: tmp }, toolsDir: tools, onProgress: (l) => progress.push(l) });
    expect(found.dir).toBe(tmp);
    expect(progress).toEqual([]);
  });

  it('runs build.sh, forwards its progress and takes the last stdout line as the assets directory', async () => {
    const assets = path.join(tmp, 'assets');
    await fakeAssets(assets);
    const tools = await fakeToolsDir(`echo '[envtest] building' >&2\necho noise\necho '[envtest] done' >&2\necho '${assets}'\n`);
    const progress: string[] = [];
    const found = await ensureBinaries({ env: { PATH: process.env['PATH'] }, toolsDir: tools, onProgress: (l) => progress.push(l) });
    expect(found.etcd).toBe(path.join(assets, 'etcd'));
    expect(progress).toEqual(['[envtest] building', '[envtest] done']);
  });

  it('turns a failed build into BinariesUnavailableError with its reason and output', async () => {
    const tools = await fakeToolsDir(`echo 'go: downloading k8s.io/api' >&2\necho '[envtest] FAILED: go is not installed' >&2\nexit 1\n`);
    const attempt = ensureBinaries({ env: { PATH: process.env['PATH'] }, toolsDir: tools, onProgress: () => undefined });
    await expect(attempt).rejects.toThrow(BinariesUnavailableError);
    await expect(attempt).rejects.toThrow(/control plane binaries unavailable: go is not installed\n--- build output \(last lines\) ---\ngo: downloading k8s.io\/api/);
  });

  it('refuses a build that prints a directory without the binaries', async () => {
    const tools = await fakeToolsDir(`echo '${tmp}/empty'\n`);
    await expect(ensureBinaries({ env: { PATH: process.env['PATH'] }, toolsDir: tools, onProgress: () => undefined })).rejects.toThrow(
      `build.sh output=${tmp}/empty has no executable kube-apiserver`,
    );
  });
});
