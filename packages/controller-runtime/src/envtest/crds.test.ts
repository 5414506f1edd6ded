import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fc, test as fcTest } from '@fast-check/vitest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  applyManifests,
  applyPath,
  gatewayApiCrdDir,
  inApplyOrder,
  parseManifests,
  readManifestDir,
  waitForCrds,
  type AdminRequest,
  type Manifest,
} from './crds.js';
import { CrdInstallError, GatewayApiCrdsUnavailableError } from './errors.js';
import type { HttpResponse } from './http.js';

const crd = (name: string, group = 'example.com', plural = name.split('.')[0] ?? name, versions = ['v1']): Manifest => ({
  source: `${name}.yaml`,
  object: {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name },
    spec: { group, names: { plural }, versions: versions.map((v) => ({ name: v, served: true })) },
  },
});
const policy: Manifest = {
  source: 'vap.yaml',
  object: { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicy', metadata: { name: 'safe' } },
};
const binding: Manifest = {
  source: 'vap.yaml',
  object: { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicyBinding', metadata: { name: 'safe' } },
};
const ok = (body: unknown, status = 200): HttpResponse => ({ status, text: JSON.stringify(body) });

let tmp: string;
beforeEach(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'kvgw-crds-test-'));
});
afterEach(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('parseManifests', () => {
  it('reads every object of a multi-document file and skips empty documents', () => {
    const text = '---\napiVersion: v1\nkind: A\nmetadata: {name: a}\n---\n# only a comment\n---\napiVersion: v1\nkind: B\nmetadata:\n  name: b\n';
    expect(parseManifests(text, 'f.yaml').map((m) => [m.source, m.object.kind, m.object.metadata.name])).toEqual([
      ['f.yaml', 'A', 'a'],
      ['f.yaml', 'B', 'b'],
    ]);
  });

  it.each([
    ['key: [unclosed', 'f.yaml: invalid YAML'],
    ['- just\n- a list\n', 'f.yaml: a document is not a Kubernetes object'],
    ['apiVersion: v1\nkind: A\nmetadata: {}\n', 'f.yaml: a document is not a Kubernetes object'],
  ])('refuses %j naming the file', (text, message) => {
    expect(() => parseManifests(text, 'f.yaml')).toThrow(CrdInstallError);
    expect(() => parseManifests(text, 'f.yaml')).toThrow(message);
  });
});

describe('readManifestDir', () => {
  it('reads *.yaml in name order, without kustomization.yaml', async () => {
    await writeFile(path.join(tmp, 'b.yaml'), 'apiVersion: v1\nkind: B\nmetadata: {name: b}\n');
    await writeFile(path.join(tmp, 'a.yaml'), 'apiVersion: v1\nkind: A\nmetadata: {name: a}\n');
    await writeFile(path.join(tmp, 'kustomization.yaml'), 'resources: [a.yaml]\n');
    await writeFile(path.join(tmp, 'notes.txt'), 'not yaml');
    expect((await readManifestDir(tmp)).map((m) => m.source)).toEqual(['a.yaml', 'b.yaml']);
  });
});

describe('applyPath and inApplyOrder', () => {
  it.each([
    [crd('gateways.gateway.networking.k8s.io'), '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/gateways.gateway.networking.k8s.io'],
    [policy, '/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicies/safe'],
    [binding, '/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicybindings/safe'],
  ])('%#: maps to %s', (manifest, expected) => {
    expect(applyPath(manifest)).toBe(expected);
  });

  it.each([
    [{ source: 'x.yaml', object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } } }, 'ConfigMap c (x.yaml): unsupported kind'],
    [{ source: 'y.yaml', object: { apiVersion: 'apiextensions.k8s.io/v1beta1', kind: 'CustomResourceDefinition', metadata: { name: 'old' } } }, 'apiextensions.k8s.io/v1beta1'],
  ])('%#: refuses kinds a CRD bundle should not hold', (manifest, message) => {
    expect(() => applyPath(manifest)).toThrow(message);
  });

  const kinds = fc.constantFrom(crd('a.example.com'), crd('b.example.com'), policy, binding);
  fcTest.prop([fc.array(kinds, { maxLength: 12 })])('puts CRDs before policies before bindings, keeping each kind in order', (manifests) => {
    const ordered = inApplyOrder(manifests);
    const rank = { CustomResourceDefinition: 0, ValidatingAdmissionPolicy: 1, ValidatingAdmissionPolicyBinding: 2 } as Record<string, number>;
    expect(ordered).toHaveLength(manifests.length);
    for (let i = 1; i < ordered.length; i++) {
      expect(rank[ordered[i - 1]!.object.kind]).toBeLessThanOrEqual(rank[ordered[i]!.object.kind]!);
    }
    for (const kind of Object.keys(rank)) {
      expect(ordered.filter((m) => m.object.kind === kind)).toEqual(manifests.filter((m) => m.object.kind === kind));
    }
  });
});

describe('applyManifests', () => {
  it('server-side applies CRDs first, then the policy, then its binding, forcing ownership', async () => {
    const calls: Array<{ method: string; path: string; contentType: string | undefined; body: unknown }> = [];
    const request: AdminRequest = async (method, apiPath, body, contentType) => {
      calls.push({ method, path: apiPath, contentType, body: body === undefined ? undefined : JSON.parse(body) });
      return ok({}, 201);
    };
    await applyManifests(request, [binding, policy, crd('a.example.com')], 'mgr');
    expect(calls.map((c) => c.path)).toEqual([
      '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/a.example.com?fieldManager=mgr&force=true',
      '/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicies/safe?fieldManager=mgr&force=true',
      '/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicybindings/safe?fieldManager=mgr&force=true',
    ]);
    expect(calls.every((c) => c.method === 'PATCH' && c.contentType === 'application/apply-patch+yaml')).toBe(true);
    expect(calls[0]?.body).toEqual(crd('a.example.com').object);
  });

  it('names the refused object and the server message', async () => {
    const request: AdminRequest = async () => ok({ kind: 'Status', message: 'spec.versions: Invalid value' }, 422);
    await expect(applyManifests(request, [crd('a.example.com')], 'mgr')).rejects.toThrow(
      'CustomResourceDefinition a.example.com (a.example.com.yaml): apply refused: HTTP 422: spec.versions: Invalid value',
    );
  });

  it('changes nothing when any object has an unsupported kind', async () => {
    let calls = 0;
    const request: AdminRequest = async () => (calls++, ok({}));
    const bad: Manifest = { source: 'x.yaml', object: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' } } };
    await expect(applyManifests(request, [crd('a.example.com'), bad], 'mgr')).rejects.toThrow('Secret s (x.yaml)');
    expect(calls).toBe(0);
  });
});

describe('waitForCrds', () => {
  const established = { status: { conditions: [{ type: 'NamesAccepted', status: 'True' }, { type: 'Established', status: 'True' }] } };

  it('waits until Established, listed in discovery of every served version, and listable', async () => {
    let crdReads = 0;
    let discoveryReads = 0;
    let listReads = 0;
    const request: AdminRequest = async (_method, apiPath) => {
      if (apiPath.startsWith('/apis/apiextensions.k8s.io/')) {
        crdReads++;
        return ok(crdReads < 3 ? { status: { conditions: [{ type: 'Established', status: 'False' }] } } : established);
      }
      if (apiPath.endsWith('/widgets?limit=1')) {
        listReads++;
        return listReads < 3 ? ok({ message: 'storage is (re)initializing' }, 429) : ok({ items: [] });
      }
      discoveryReads++;
      if (apiPath === '/apis/example.com/v1beta1' && discoveryReads < 4) return ok({}, 404);
      return ok({ resources: [{ name: 'widgets' }, { name: 'widgets/status' }] });
    };
    await waitForCrds(request, [crd('widgets.example.com', 'example.com', 'widgets', ['v1', 'v1beta1'])], 5_000);
    expect(crdReads).toBeGreaterThanOrEqual(4);
    expect(discoveryReads).toBeGreaterThanOrEqual(4);
    expect(listReads).toBeGreaterThanOrEqual(4);
  });

  it('times out naming a resource whose storage never serves lists', async () => {
    const request: AdminRequest = async (_m, apiPath) =>
      apiPath.startsWith('/apis/apiextensions.k8s.io/')
        ? ok(established)
        : apiPath.includes('?limit=1')
          ? ok({ message: 'storage is (re)initializing' }, 429)
          : ok({ resources: [{ name: 'widgets' }] });
    await expect(waitForCrds(request, [crd('widgets.example.com')], 150)).rejects.toThrow(
      'not ready after 150 ms: Established, but listing widgets fails in example.com/v1 (HTTP 429)',
    );
  });

  it('times out naming the CRD and what it was waiting for', async () => {
    const request: AdminRequest = async (_m, apiPath) =>
      apiPath.startsWith('/apis/apiextensions.k8s.io/') ? ok(established) : ok({ resources: [{ name: 'others' }] });
    await expect(waitForCrds(request, [crd('widgets.example.com')], 150)).rejects.toThrow(
      'CustomResourceDefinition widgets.example.com: not ready after 150 ms: Established, but widgets not yet in discovery of example.com/v1',
    );
  });
});

describe('gatewayApiCrdDir', () => {
  it('uses KVGW_GATEWAY_API_DIR instead of the Go module cache', async () => {
    await mkdir(path.join(tmp, 'config', 'crd', 'standard'), { recursive: true });
    expect(await gatewayApiCrdDir('v1.6.1', 'standard', { KVGW_GATEWAY_API_DIR: tmp })).toBe(path.join(tmp, 'config', 'crd', 'standard'));
  });

  it('names the missing channel directory', async () => {
    const attempt = gatewayApiCrdDir('v1.6.1', 'experimental', { KVGW_GATEWAY_API_DIR: tmp });
    await expect(attempt).rejects.toThrow(GatewayApiCrdsUnavailableError);
    await expect(attempt).rejects.toThrow(`Gateway API CRDs from ${tmp}: no experimental channel directory`);
  });

  it('reports a version the module proxy does not have', async () => {
    const attempt = gatewayApiCrdDir('v0.0.0-does-not-exist', 'standard', { ...process.env, KVGW_GATEWAY_API_DIR: '' });
    await expect(attempt).rejects.toThrow(/Gateway API CRDs from sigs\.k8s\.io\/gateway-api@v0\.0\.0-does-not-exist: /);
  });
});
