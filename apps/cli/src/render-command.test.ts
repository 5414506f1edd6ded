// `kvgw render` end to end in-process, with the controller's real offline reconciler.
import { readdirSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { captureIo } from './internal/capture.js';
import { runCli, type CliDeps } from './program.js';
import type { ObjectListDocument } from './render.js';

const REPO = path.resolve(import.meta.dirname, '../../..');

async function render(args: string[], options: { cwd?: string; stdin?: string; deps?: CliDeps; tty?: boolean } = {}) {
  const io = captureIo({ cwd: options.cwd ?? REPO, stdin: options.stdin, ...(options.tty ? { tty: true, env: { NO_COLOR: '1' } } : {}) });
  const code = await runCli(['render', ...args], io, options.deps);
  return { code, out: io.out(), err: io.err() };
}

type Item = ObjectListDocument['items'][number] & { status?: Record<string, unknown>; spec?: Record<string, unknown> };
const items = (out: string): Item[] => (parse(out) as ObjectListDocument).items as Item[];
const find = (list: Item[], kind: string, name: string): Item => list.find((i) => i.kind === kind && i.metadata.name === name)!;
const condition = (obj: Item, type: string): { status: string; reason: string } | undefined =>
  ((obj.status?.['conditions'] as { type: string; status: string; reason: string }[] | undefined) ?? []).find((c) => c.type === type);

// The one warning the examples give, on purpose: strategies.yaml shows the original controller's per-route Services,
// three Services on one address, which needs kube-vip with svc_election=false (the warning says so).
const STRATEGIES_WARNING = /^warning: Gateway strategies\/legacy: MultipleServicesForAddress: address \S+ is on 3 Services \(strategies\/kvgw-legacy-create, strategies\/kvgw-legacy-duplicate, strategies\/api\).*svc_election=false.*\n$/;
/** stderr split into warning lines and the rest (the Gateway summary, which follows them). */
const splitErr = (err: string): { warnings: string; summary: string } => {
  const lines = err.split(/(?<=\n)/);
  const warnings = lines.filter((l) => l.startsWith('warning: ')).join('');
  return { warnings, summary: lines.filter((l) => !l.startsWith('warning: ')).join('') };
};

describe('kvgw render -f examples/', () => {
  it('matches the reviewed snapshot', async () => {
    const r = await render(['-f', 'examples/']);
    const { warnings, summary } = splitErr(r.err);
    expect(warnings).toMatch(STRATEGIES_WARNING);
    expect(r.code).toBe(0);
    await expect(r.out).toMatchFileSnapshot('../test/snapshots/examples.yaml');
    // stdout is not a terminal: the objects alone there (parseable), the Gateway summary on stderr after the warnings.
    expect(r.err.indexOf(summary)).toBe(warnings.length);
    await expect(summary).toMatchFileSnapshot('../test/snapshots/examples.summary.txt');
  });

  it('prints the Gateway table after the objects on a terminal, and alone with -o table', async () => {
    const tty = await render(['-f', 'examples/'], { tty: true });
    const plain = await render(['-f', 'examples/']);
    expect(tty.code).toBe(0);
    const table = await render(['-f', 'examples/', '-o', 'table']);
    expect(table.code).toBe(0);
    await expect(table.out).toMatchFileSnapshot('../test/snapshots/examples.table.txt');
    expect(tty.out).toBe(`${plain.out}\n${table.out}`);
    // No summary on stderr then (the table is it), and none with -o table: only the warning.
    expect(tty.err).toMatch(STRATEGIES_WARNING);
    expect(table.err).toMatch(STRATEGIES_WARNING);
    expect(table.out).not.toContain('apiVersion');
  });

  it('--no-summary prints only the objects', async () => {
    const quiet = await render(['-f', 'examples/', '--no-summary']);
    expect(quiet.err).toMatch(STRATEGIES_WARNING);
    const tty = await render(['-f', 'examples/', '--no-summary'], { tty: true });
    expect(tty.out).toBe(quiet.out);
  });

  // One snapshot per scenario too (with the shared GatewayClass and IPAM ConfigMap), so a change shows up in the
  // scenario it concerns; a new example file without a reviewed snapshot fails in CI.
  const scenarios = readdirSync(path.join(REPO, 'examples')).filter((f) => f.endsWith('.yaml') && !/^\d\d-/.test(f));
  it.each(scenarios)('matches the reviewed snapshot of %s alone', async (file) => {
    const r = await render(['-f', 'examples/00-gatewayclass.yaml', '-f', 'examples/01-ipam-configmap.yaml', '-f', `examples/${file}`]);
    const { warnings, summary } = splitErr(r.err);
    if (file === 'strategies.yaml') expect(warnings).toMatch(STRATEGIES_WARNING);
    else expect(warnings).toBe('');
    expect(summary).toMatch(/^kvgw render: 1 Gateway, /);
    expect(r.code).toBe(0);
    await expect(r.out).toMatchFileSnapshot(`../test/snapshots/examples/${file}`);
  });

  it('gives every example Gateway an address and Programmed=True, and makes their Services', async () => {
    const list = items((await render(['-f', 'examples/'])).out);
    const gateways = list.filter((i) => i.kind === 'Gateway');
    expect(gateways.length).toBeGreaterThanOrEqual(5);
    for (const gw of gateways) {
      expect(condition(gw, 'Accepted')?.status, `${gw.metadata.name} Accepted`).toBe('True');
      expect(condition(gw, 'Programmed')?.status, `${gw.metadata.name} Programmed`).toBe('True');
      expect((gw.status?.['addresses'] as unknown[]).length).toBeGreaterThan(0);
    }
    const addresses = gateways.flatMap((gw) => (gw.status?.['addresses'] as { value: string }[]).map((a) => a.value));
    expect(new Set(addresses).size).toBe(addresses.length);
    expect((find(list, 'Gateway', 'web').status?.['addresses'] as { value: string }[]).map((a) => a.value)).toEqual(['fd00:10::10', '192.168.1.240']);
    expect(list.filter((i) => i.kind === 'Service' && i.metadata.labels?.['gateway.networking.k8s.io/gateway-name']).length).toBeGreaterThanOrEqual(6);
  });

  it('applies files in the order given, as kubectl would: only what age decides (who gets an address first) differs', async () => {
    const files = (await readdir(path.join(REPO, 'examples'))).filter((f) => f.endsWith('.yaml')).map((f) => `examples/${f}`);
    const forward = await render(files.flatMap((f) => ['-f', f]));
    const again = await render(files.flatMap((f) => ['-f', f]));
    const backward = await render([...files].reverse().flatMap((f) => ['-f', f]));
    expect(forward.code).toBe(0);
    expect(again.out).toBe(forward.out);
    // Same objects, same conditions; the addresses of pool-assigned Gateways follow the order they were created in.
    const summary = (out: string) =>
      items(out).map((i) => [i.kind, i.metadata.namespace, i.metadata.name, ((i.status?.['conditions'] as { type: string; status: string; reason: string }[] | undefined) ?? []).map((c) => `${c.type}=${c.status}/${c.reason}`)]);
    expect(summary(backward.out)).toEqual(summary(forward.out));
    const address = (out: string, name: string) => (find(items(out), 'Gateway', name).status?.['addresses'] as { value: string }[]).map((a) => a.value);
    const firstForward = files.find((f) => !/\/0\d-/.test(f) && !f.includes('dual-stack'))!;
    expect(firstForward).toBe('examples/cross-namespace.yaml');
    expect(address(forward.out, 'db')).toEqual(['192.168.1.220']);
    expect(address(backward.out, 'db')).not.toEqual(['192.168.1.220']);
  });

  it('prints JSON with -o json', async () => {
    const yaml = await render(['-f', 'examples/']);
    const json = await render(['-f', 'examples/', '-o', 'json']);
    expect(JSON.parse(json.out)).toEqual(parse(yaml.out));
  });
});

describe('kvgw render flags', () => {
  const CLASS = 'apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata: {name: c}\nspec: {controllerName: example.com/other}\n';
  const GW = 'apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: g, namespace: n}\nspec:\n  gatewayClassName: c\n  listeners: [{name: l, protocol: TCP, port: 80}]\n';
  const CM = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: pools, namespace: n}\ndata: {range-global: 10.1.1.5-10.1.1.9}\n';

  it('serves another controllerName with --controller-name and reads --ipam-configmap', async () => {
    const input = [CLASS, GW, CM].join('---\n');
    const theirs = items((await render(['-f', '-', '--controller-name', 'example.com/other', '--ipam-configmap', 'n/pools'], { stdin: input })).out);
    expect(condition(find(theirs, 'GatewayClass', 'c'), 'Accepted')?.status).toBe('True');
    expect(find(theirs, 'Gateway', 'g').status?.['addresses']).toEqual([{ type: 'IPAddress', value: '10.1.1.5' }]);
    const ours = items((await render(['-f', '-'], { stdin: input })).out);
    expect(condition(find(ours, 'GatewayClass', 'c'), 'Accepted')).toBeUndefined();
    expect(find(ours, 'Gateway', 'g').status).toBeUndefined();
  });

  it('stamps condition times with --now', async () => {
    const r = await render(['-f', 'examples/00-gatewayclass.yaml', '--now', '2024-05-06T07:08:09Z']);
    expect(r.out).toContain('lastTransitionTime: 2024-05-06T07:08:09Z\n');
    expect(r.out).not.toContain('1970');
  });

  it('skips unknown kinds with --ignore-unknown-kinds, warning on stderr', async () => {
    const input = `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: n}\n---\n${CLASS}`;
    const failing = await render(['-f', '-'], { stdin: input });
    expect(failing.code).toBe(1);
    expect(failing.err).toMatch(/^kvgw: \(stdin\) document 1: unsupported kind "Deployment"/);
    const skipping = await render(['-f', '-', '--ignore-unknown-kinds'], { stdin: input });
    expect(skipping.code).toBe(0);
    expect(skipping.err).toMatch(/^warning: \(stdin\) document 1: skipped: unsupported kind "Deployment"/);
    expect(items(skipping.out).map((i) => i.kind)).toEqual(['GatewayClass']);
  });
});

describe('kvgw render failures', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'kvgw-render-'));
    await writeFile(path.join(dir, 'bad.yaml'), 'apiVersion: v1\nkind: Namespace\nmetadata: {name: ok}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: x\n');
    await writeFile(path.join(dir, 'noname.json'), JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [{ apiVersion: 'v1', kind: 'Service', metadata: {} }] }));
    await writeFile(path.join(dir, 'invalid-name.yaml'), 'apiVersion: v1\nkind: Service\nmetadata: {name: Not_Valid, namespace: n}\n');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it.each([
    [['-f', 'bad.yaml'], 1, /^kvgw: bad\.yaml document 2: invalid YAML: /],
    [['-f', 'noname.json'], 1, /^kvgw: noname\.json document 1 item 1: Service: metadata\.name is missing\n$/],
    [['-f', 'invalid-name.yaml'], 1, /^kvgw: render: Service n\/Not_Valid: .*\(from invalid-name\.yaml document 1\)\n$/],
    [['-f', 'missing/'], 1, /^kvgw: missing\/: no such file or directory\n$/],
    [[], 2, /required option '-f, --filename <path\.\.\.>' not specified/],
    [['-f', 'bad.yaml', '-o', 'xml'], 2, /Allowed choices are yaml, json, table/],
    [['-f', 'bad.yaml', '--now', 'yesterday'], 2, /expected an RFC 3339 time/],
  ])('%j', async (args, code, message) => {
    const r = await render(args, { cwd: dir });
    expect(r.code).toBe(code);
    expect(r.out).toBe('');
    expect(r.err).toMatch(message);
  });

  it('reports a renderer that does not converge, naming the object and its file', async () => {
    const r = await render(['-f', path.join(REPO, 'examples/tcp-echo.yaml')], {
      deps: {
        renderOffline: async () => {
          throw new Error('no fixed point after 20 rounds; still changing: Gateway echo/echo');
        },
      },
    });
    expect(r).toMatchObject({ code: 1, out: '' });
    expect(r.err).toBe(`kvgw: render: no fixed point after 20 rounds; still changing: Gateway echo/echo (from ${path.join(REPO, 'examples/tcp-echo.yaml')} document 3)\n`);
  });

  it('shows the Warning events of the reconcile on stderr', async () => {
    const r = await render(['-f', path.join(REPO, 'examples/00-gatewayclass.yaml')], {
      deps: {
        renderOffline: async () => ({ objects: [], iterations: 1, events: [{ object: 'Gateway a/b', type: 'Warning', reason: 'AddressNotAssigned', message: 'pool exhausted' }, { object: 'Gateway a/b', type: 'Normal', reason: 'Programmed', message: 'ok' }] }),
      },
    });
    expect(r.code).toBe(0);
    expect(r.err).toBe('warning: Gateway a/b: AddressNotAssigned: pool exhausted\nkvgw render: 0 Gateways, 0 problems (0 objects from 1 manifest, 1 reconcile pass)\n');
  });
});
