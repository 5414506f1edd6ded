import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputFileError, ManifestError } from './errors.js';
import { loadManifests, parseManifests, SUPPORTED_KINDS } from './manifests.js';

const gw = (name: string, ns?: string): string =>
  `apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata:\n  name: ${name}\n${ns ? `  namespace: ${ns}\n` : ''}spec:\n  gatewayClassName: kube-vip\n  listeners: []\n`;

describe('parseManifests accepts', () => {
  it.each([
    ['one document', gw('a', 'x'), [['Gateway', 'x', 'a']]],
    ['several documents, empty and comment-only ones skipped', `${gw('a', 'x')}---\n---\n# only a comment\n---\n${gw('b', 'y')}`, [['Gateway', 'x', 'a'], ['Gateway', 'y', 'b']]],
    ['a namespaced object without namespace (goes to default)', gw('a'), [['Gateway', 'default', 'a']]],
    ['a cluster-scoped object with a stray namespace (dropped)', 'apiVersion: v1\nkind: Namespace\nmetadata: {name: shop, namespace: x}\n', [['Namespace', undefined, 'shop']]],
    [
      'JSON',
      JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's', namespace: 'n' }, spec: { ports: [{ port: 80 }] } }),
      [['Service', 'n', 's']],
    ],
    [
      'a JSON List (items expanded)',
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'List',
        items: [
          { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'kube-system' } },
          { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', metadata: { name: 'k' }, spec: { controllerName: 'kube-vip.io/controller' } },
        ],
      }),
      [['ConfigMap', 'kube-system', 'c'], ['GatewayClass', undefined, 'k']],
    ],
    ['a typed list (ServiceList)', 'apiVersion: v1\nkind: ServiceList\nitems:\n- {apiVersion: v1, kind: Service, metadata: {name: s, namespace: n}}\n', [['Service', 'n', 's']]],
    ['v1alpha2 routes and v1beta1 ReferenceGrants', 'apiVersion: gateway.networking.k8s.io/v1alpha2\nkind: UDPRoute\nmetadata: {name: u, namespace: n}\n---\napiVersion: gateway.networking.k8s.io/v1beta1\nkind: ReferenceGrant\nmetadata: {name: g, namespace: n}\n', [['UDPRoute', 'n', 'u'], ['ReferenceGrant', 'n', 'g']]],
    ['an empty file', '', []],
  ])('%s', (_, text, expected) => {
    const got = parseManifests(text, 'in.yaml').map((m) => [m.object.kind, m.object.metadata.namespace, m.object.metadata.name]);
    expect(got).toEqual(expected);
  });

  it('records the document and list item each object came from', () => {
    const text = `${gw('a', 'x')}---\napiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: Namespace, metadata: {name: n1}}\n- {apiVersion: v1, kind: Namespace, metadata: {name: n2}}\n`;
    expect(parseManifests(text, 'f.yaml').map((m) => m.source)).toEqual([
      { file: 'f.yaml', document: 1 },
      { file: 'f.yaml', document: 2, item: 1 },
      { file: 'f.yaml', document: 2, item: 2 },
    ]);
  });

  it('keeps status and unknown fields as given', () => {
    const [m] = parseManifests(`${gw('a', 'x')}status:\n  addresses: [{type: IPAddress, value: 10.0.0.1}]\n  future: {x: 1}\n`, 'f.yaml');
    expect((m!.object as unknown as { status: unknown }).status).toEqual({ addresses: [{ type: 'IPAddress', value: '10.0.0.1' }], future: { x: 1 } });
  });
});

describe('parseManifests rejects, naming file and document', () => {
  it.each([
    ['bad YAML', `${gw('a', 'x')}---\nkind: Gateway\n  metadata: [\n`, /^f\.yaml document 2: invalid YAML: .*line \d+/s],
    ['a duplicate key', 'apiVersion: v1\nkind: Namespace\nkind: Service\nmetadata: {name: a}\n', /^f\.yaml document 1: invalid YAML: .*[Mm]ap keys must be unique/s],
    ['a scalar document', 'just text\n', /^f\.yaml document 1: expected a Kubernetes object \(a mapping\), got a string$/],
    ['a list document', '- a\n- b\n', /^f\.yaml document 1: expected a Kubernetes object \(a mapping\), got a list$/],
    ['a missing kind', 'apiVersion: v1\nmetadata: {name: a}\n', /^f\.yaml document 1: kind is missing$/],
    ['a missing apiVersion', 'kind: Service\nmetadata: {name: a}\n', /^f\.yaml document 1: Service: apiVersion is missing$/],
    ['an unsupported kind', 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n', /^f\.yaml document 1: unsupported kind "Deployment" \(apiVersion apps\/v1\); render reads Namespace, .* \(--ignore-unknown-kinds skips such objects\)$/],
    ['an unsupported apiVersion', 'apiVersion: gateway.networking.k8s.io/v1beta1\nkind: Gateway\nmetadata: {name: a}\n', /^f\.yaml document 1: Gateway: apiVersion "gateway\.networking\.k8s\.io\/v1beta1" is not supported; use gateway\.networking\.k8s\.io\/v1$/],
    ['a missing metadata', 'apiVersion: v1\nkind: Service\n', /^f\.yaml document 1: Service: metadata is missing$/],
    ['a missing name', 'apiVersion: v1\nkind: Service\nmetadata: {namespace: a}\n', /^f\.yaml document 1: Service: metadata\.name is missing$/],
    ['generateName', 'apiVersion: v1\nkind: Service\nmetadata: {generateName: web-}\n', /metadata\.name is missing \(generateName is not supported: objects need a fixed name\)$/],
    ['an empty name', 'apiVersion: v1\nkind: Service\nmetadata: {name: ""}\n', /metadata\.name is missing$/],
    ['a non-string namespace', 'apiVersion: v1\nkind: Service\nmetadata: {name: a, namespace: 3}\n', /^f\.yaml document 1: Service "a": metadata\.namespace must be a non-empty string$/],
    ['a bad item of a List', 'apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: Namespace, metadata: {name: ok}}\n- {apiVersion: v1, kind: Namespace}\n', /^f\.yaml document 1 item 2: Namespace: metadata is missing$/],
  ])('%s', (_, text, message) => {
    let caught: unknown;
    try {
      parseManifests(text, 'f.yaml');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ManifestError);
    expect((caught as ManifestError)._tag).toBe('ManifestError');
    expect((caught as Error).message).toMatch(message);
  });

  it('skips unsupported kinds with a warning when asked to', () => {
    const warnings: string[] = [];
    const got = parseManifests(`apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n---\n${gw('a', 'x')}`, 'f.yaml', {
      ignoreUnknownKinds: true,
      onWarning: (w) => warnings.push(w),
    });
    expect(got.map((m) => m.object.metadata.name)).toEqual(['a']);
    expect(warnings).toEqual([expect.stringMatching(/^f\.yaml document 1: skipped: unsupported kind "Deployment"/)]);
  });

  it('still rejects a bad supported object when unknown kinds are skipped', () => {
    expect(() => parseManifests('apiVersion: v1\nkind: Service\nmetadata: {}\n', 'f.yaml', { ignoreUnknownKinds: true })).toThrow(/metadata\.name is missing/);
  });

  it('lists every kind in the error of an unsupported one', () => {
    expect(() => parseManifests('apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n', 'f.yaml')).toThrow(Object.keys(SUPPORTED_KINDS).join(', '));
  });
});

describe('loadManifests', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'kvgw-manifests-'));
    await mkdir(path.join(dir, 'tree', 'nested', 'deeper'), { recursive: true });
    await mkdir(path.join(dir, 'tree', '.hidden'));
    await mkdir(path.join(dir, 'empty'));
    await writeFile(path.join(dir, 'tree', 'b.yaml'), gw('b', 'x'));
    await writeFile(path.join(dir, 'tree', 'a.yml'), gw('a', 'x'));
    await writeFile(path.join(dir, 'tree', 'README.md'), '# not a manifest: kind: Gateway');
    await writeFile(path.join(dir, 'tree', 'notes.txt'), 'not yaml: [');
    await writeFile(path.join(dir, 'tree', 'nested', 'c.json'), JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'c' } }));
    await writeFile(path.join(dir, 'tree', 'nested', 'deeper', 'd.YAML'), 'apiVersion: v1\nkind: Namespace\nmetadata: {name: d}\n');
    await writeFile(path.join(dir, 'tree', '.hidden', 'e.yaml'), 'broken: [');
    await writeFile(path.join(dir, 'dup.yaml'), `${gw('a', 'x')}`);
    await writeFile(path.join(dir, 'dup-v1alpha2.yaml'), 'apiVersion: gateway.networking.k8s.io/v1alpha2\nkind: TCPRoute\nmetadata: {name: r, namespace: x}\n---\napiVersion: gateway.networking.k8s.io/v1\nkind: TCPRoute\nmetadata: {name: r, namespace: x}\n');
    await writeFile(path.join(dir, 'plain.txt'), gw('p', 'x'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads a directory recursively in name order, only *.yaml, *.yml and *.json, skipping hidden entries', async () => {
    const got = await loadManifests(['tree'], { cwd: dir });
    expect(got.map((m) => [m.source.file, m.object.metadata.name])).toEqual([
      [path.join('tree', 'a.yml'), 'a'],
      [path.join('tree', 'b.yaml'), 'b'],
      [path.join('tree', 'nested', 'c.json'), 'c'],
      [path.join('tree', 'nested', 'deeper', 'd.YAML'), 'd'],
    ]);
  });

  it('reads an explicitly named file whatever its extension', async () => {
    const got = await loadManifests(['plain.txt'], { cwd: dir });
    expect(got.map((m) => m.object.metadata.name)).toEqual(['p']);
  });

  it('reads stdin for -', async () => {
    const got = await loadManifests(['-'], { cwd: dir, readStdin: async () => gw('s', 'x') });
    expect(got.map((m) => [m.source.file, m.object.metadata.name])).toEqual([['(stdin)', 's']]);
  });

  it.each([
    [['missing.yaml'], /^missing\.yaml: no such file or directory$/, InputFileError],
    [['empty'], /^empty: the directory has no \.yaml\/\.yml\/\.json files$/, InputFileError],
    [['tree', 'dup.yaml'], /^dup\.yaml document 1: Gateway x\/a is already defined in tree\/a\.yml document 1$/, ManifestError],
    [['dup-v1alpha2.yaml'], /^dup-v1alpha2\.yaml document 2: TCPRoute x\/r is already defined in dup-v1alpha2\.yaml document 1$/, ManifestError],
  ])('fails on %j', async (paths, message, type) => {
    await expect(loadManifests(paths, { cwd: dir })).rejects.toThrow(message);
    await expect(loadManifests(paths, { cwd: dir })).rejects.toBeInstanceOf(type);
  });

  it('loads every file of examples/ (the render and demo input)', async () => {
    const got = await loadManifests(['examples'], { cwd: path.resolve(import.meta.dirname, '../../..') });
    const kinds = new Set(got.map((m) => m.object.kind));
    expect([...kinds].sort()).toEqual(['ConfigMap', 'EndpointSlice', 'Gateway', 'GatewayClass', 'ListenerSet', 'Namespace', 'ReferenceGrant', 'Service', 'TCPRoute', 'UDPRoute']);
    expect(got.filter((m) => m.object.kind === 'Gateway').length).toBeGreaterThanOrEqual(5);
  });
});
