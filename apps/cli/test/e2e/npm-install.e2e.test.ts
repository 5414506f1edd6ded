// kvgw without a clone: the CLI and the workspace packages it depends on are packed (`npm pack`, what `npm publish`
// uploads) and installed offline into an empty directory, then run through npx from there, as a user who ran
// `npm install @kube-vip-gw/cli` (or `npx @kube-vip-gw/cli`) would. No cluster and no network: the third-party
// packages come from npm's cache at the repository's locked versions.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { installFromTarballs } from './support/tarball-install.js';

const REPO_ROOT = path.resolve(import.meta.dirname, '../../../..');
const scratch = mkdtempSync(path.join(os.tmpdir(), 'kvgw-npm-install-'));
let tarballs = new Map<string, string>();
let failed = false;

function npx(args: readonly string[]): { status: number | null; stdout: string; stderr: string } {
  // cwd is the scratch directory, outside the repository: npx finds kvgw in its node_modules/.bin, nothing else.
  const r = spawnSync('npx', ['--offline', '--no-install', ...args], { cwd: scratch, encoding: 'utf8', timeout: 60_000, env: { ...process.env, npm_config_update_notifier: 'false' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  // The packages' dist/ (what `files` ships): nx builds the CLI and, first, every workspace package it depends on.
  const build = spawnSync('npx', ['nx', 'run', '@kube-vip-gw/cli:build', '--outputStyle=static'], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 600_000 });
  if (build.status !== 0) throw new Error(`nx run @kube-vip-gw/cli:build exited ${build.status}:\n${build.stdout}${build.stderr}`.slice(-4000));
  tarballs = installFromTarballs(REPO_ROOT, '@kube-vip-gw/cli', scratch);
}, 900_000);

afterEach((ctx) => {
  if (ctx.task.result?.state === 'fail') failed = true;
});

afterAll(() => {
  if (failed) console.error(`[e2e] scratch install kept in ${scratch}`);
  else rmSync(scratch, { recursive: true, force: true });
});

describe('the kvgw package installed from its tarballs', () => {
  it('packs the CLI with only what it needs at run time', () => {
    const cli = JSON.parse(readFileSync(path.join(scratch, 'node_modules/@kube-vip-gw/cli/package.json'), 'utf8')) as { bin: Record<string, string>; files: string[] };
    expect(cli.bin).toEqual({ kvgw: 'bin/kvgw.js' });
    expect([...tarballs.keys()]).toContain('@kube-vip-gw/cli');
    const tar = spawnSync('tar', ['-tzf', path.join(scratch, 'tarballs', tarballs.get('@kube-vip-gw/cli')!)], { encoding: 'utf8' });
    const files = tar.stdout.trim().split('\n').sort();
    expect(files).toEqual(expect.arrayContaining(['package/bin/kvgw.js', 'package/dist/kvgw.js', 'package/package.json', 'package/README.md']));
    // No sources, tests or snapshots in what users download.
    expect(files.filter((f) => /^package\/(src|test)\//.test(f))).toEqual([]);
  });

  it('npx kvgw --help lists the commands', () => {
    const r = npx(['kvgw', '--help']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    for (const command of ['render', 'ipam', 'status', 'local-cluster', 'demo']) expect(r.stdout).toContain(command);
  });

  it('npx kvgw render -f <example> renders the Gateway offline, as from the clone', () => {
    const examples = ['examples/00-gatewayclass.yaml', 'examples/01-ipam-configmap.yaml', 'examples/tcp-echo.yaml'].map((f) => path.join(REPO_ROOT, f));
    const installed = npx(['kvgw', 'render', ...examples.flatMap((f) => ['-f', f])]);
    expect(installed.status).toBe(0);
    // One List of the input objects (with their status) and the objects the controller would create.
    const [list] = parseAllDocuments(installed.stdout).map((d) => d.toJS() as { kind: string; items: { kind: string; metadata: { name: string } }[] });
    expect(list?.kind).toBe('List');
    expect(list?.items.some((o) => o.kind === 'Service' && o.metadata.name === 'kvgateway-echo-echo')).toBe(true);
    // The same output as the workspace's own build of kvgw.
    const fromClone = spawnSync(process.execPath, [path.join(REPO_ROOT, 'apps/cli/bin/kvgw.js'), 'render', ...examples.flatMap((f) => ['-f', f])], { encoding: 'utf8', cwd: scratch });
    expect(installed.stdout).toBe(fromClone.stdout);
  });
});
