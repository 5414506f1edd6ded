import { fc, test as propTest } from '@fast-check/vitest';
import { Service as ServiceResource, type KubeObject } from '@kube-vip-gw/controller-runtime';
import { MemoryCluster } from '@kube-vip-gw/controller-runtime/memory';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { RenderFailedError } from './errors.js';
import { parseManifests, type LoadedManifest } from './manifests.js';
import {
  compareObjects,
  DEFAULT_RENDER_TIME,
  deterministicUid,
  normaliseObject,
  renderManifests,
  toListDocument,
  type RenderOffline,
  type RenderOfflineOptions,
} from './render.js';

// A stand-in for the controller's renderOffline, with the volatility of the real thing: a MemoryCluster with random
// uids, and a "reconcile" that gives every Gateway a Service it owns and a condition stamped with the wall clock.
const standIn: RenderOffline = async (objects, options) => {
  const cluster = new MemoryCluster({ now: () => options.now ?? new Date() });
  const loaded = await cluster.load(objects);
  for (const gw of loaded.filter((o) => o.kind === 'Gateway')) {
    await cluster.create(ServiceResource, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        name: `${gw.metadata.name}-lb`,
        namespace: gw.metadata.namespace!,
        annotations: { record: JSON.stringify({ gateway: { uid: gw.metadata.uid } }) },
        ownerReferences: [{ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', name: gw.metadata.name, uid: gw.metadata.uid!, controller: true }],
      },
      spec: { type: 'LoadBalancer', ports: [{ port: 80 }] },
    } as KubeObject);
  }
  const out = cluster.objects().map((o) =>
    o.kind === 'Gateway'
      ? { ...o, status: { conditions: [{ type: 'Programmed', status: 'True', reason: 'Programmed', message: '', lastTransitionTime: new Date().toISOString() }] } }
      : o,
  );
  return { objects: out, iterations: 2 };
};

const INPUT = `
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: web, namespace: shop}
spec: {gatewayClassName: kube-vip, listeners: [{name: tcp, protocol: TCP, port: 80}]}
---
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: kube-vip}
spec: {controllerName: kube-vip.io/controller}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: kubevip, namespace: kube-system}
data: {range-global: 10.0.0.1-10.0.0.9}
---
apiVersion: gateway.networking.k8s.io/v1
kind: TCPRoute
metadata: {name: web, namespace: shop}
spec: {parentRefs: [{name: web}], rules: [{backendRefs: [{name: web, port: 80}]}]}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec: {ports: [{port: 80}]}
`;

const manifests = (): LoadedManifest[] => parseManifests(INPUT, 'in.yaml');

describe('normaliseObject', () => {
  const object = {
    status: { conditions: [{ type: 'Accepted', status: 'True', lastTransitionTime: '2031-05-06T07:08:09Z' }], listeners: [{ name: 'l', conditions: [{ type: 'Programmed', lastTransitionTime: '2031-05-06T07:08:09Z' }] }] },
    spec: { a: 1 },
    metadata: {
      labels: { x: 'y' },
      resourceVersion: '42',
      uid: 'random',
      creationTimestamp: '2031-05-06T07:08:09Z',
      managedFields: [{ manager: 'm' }],
      generation: 3,
      namespace: 'ns',
      name: 'svc',
      ownerReferences: [{ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', name: 'gw', uid: 'random-owner', controller: true }],
    },
    kind: 'Service',
    apiVersion: 'v1',
  } as unknown as KubeObject;
  const out = normaliseObject(object, new Date('2020-02-03T04:05:06.789Z')) as unknown as Record<string, unknown> & { metadata: Record<string, unknown> };

  it('drops server-set volatile metadata and keeps the rest', () => {
    expect(out.metadata).toEqual({
      name: 'svc',
      namespace: 'ns',
      uid: deterministicUid('', 'Service', 'ns', 'svc'),
      labels: { x: 'y' },
      generation: 3,
      ownerReferences: [{ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', name: 'gw', uid: deterministicUid('gateway.networking.k8s.io', 'Gateway', 'ns', 'gw'), controller: true }],
    });
  });

  it('sets every condition time under status to the render time (seconds, as the API server writes)', () => {
    expect(JSON.stringify(out['status'])).not.toContain('2031');
    expect((out['status'] as { conditions: { lastTransitionTime: string }[] }).conditions[0]!.lastTransitionTime).toBe('2020-02-03T04:05:06Z');
  });

  it('orders fields apiVersion, kind, metadata, spec..., status', () => {
    expect(Object.keys(out)).toEqual(['apiVersion', 'kind', 'metadata', 'spec', 'status']);
    expect(Object.keys(out.metadata).slice(0, 3)).toEqual(['name', 'namespace', 'uid']);
  });

  it('maps uids of other objects wherever they appear, through the uid map', () => {
    const original = '0a1b2c3d-0000-4000-8000-000000000001';
    const mapped = normaliseObject(
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 's', namespace: 'n', annotations: { a: `{"uid":"${original}"}`, b: 'no uid' } }, spec: { note: original } } as KubeObject,
      DEFAULT_RENDER_TIME,
      new Map([[original, 'mapped-uid']]),
    ) as KubeObject & { spec: { note: string } };
    expect(mapped.metadata.annotations).toEqual({ a: '{"uid":"mapped-uid"}', b: 'no uid' });
    expect(mapped.spec.note).toBe('mapped-uid');
  });

  it('gives an owner and its dependents matching uids, also for cluster-scoped owners', () => {
    const owner = normaliseObject({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', metadata: { name: 'k', uid: 'a' } }, DEFAULT_RENDER_TIME);
    const dependent = normaliseObject(
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'n', ownerReferences: [{ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', name: 'k', uid: 'b' }] } },
      DEFAULT_RENDER_TIME,
    );
    expect(dependent.metadata.ownerReferences![0]!.uid).toBe(owner.metadata.uid);
  });
});

describe('deterministicUid', () => {
  it('is UUID-shaped and differs when any part of the identity differs', () => {
    const base = deterministicUid('g', 'Kind', 'ns', 'name');
    expect(base).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-8[0-9a-f]{3}-[0-9a-f]{12}$/);
    const variants = [deterministicUid('h', 'Kind', 'ns', 'name'), deterministicUid('g', 'Other', 'ns', 'name'), deterministicUid('g', 'Kind', 'ns2', 'name'), deterministicUid('g', 'Kind', 'ns', 'name2'), deterministicUid('g', 'Kind', undefined, 'name')];
    expect(new Set([base, ...variants]).size).toBe(6);
    expect(deterministicUid('g', 'Kind', 'ns', 'name')).toBe(base);
  });
});

describe('compareObjects and toListDocument', () => {
  const o = (kind: string, name: string, namespace?: string): KubeObject => ({ apiVersion: 'v1', kind, metadata: { name, ...(namespace ? { namespace } : {}) } });

  it('sorts by kind order, then namespace, then name; unknown kinds last, by kind', () => {
    const input = [o('Service', 'b', 'a'), o('Zeta', 'a', 'a'), o('Gateway', 'a', 'b'), o('Service', 'a', 'b'), o('Alpha', 'z'), o('Namespace', 'b'), o('Gateway', 'b', 'a'), o('Namespace', 'a'), o('Service', 'a', 'a')];
    expect(input.sort(compareObjects).map((x) => `${x.kind}:${x.metadata.namespace ?? ''}/${x.metadata.name}`)).toEqual([
      'Namespace:/a',
      'Namespace:/b',
      'Gateway:a/b',
      'Gateway:b/a',
      'Service:a/a',
      'Service:a/b',
      'Service:b/a',
      'Alpha:/z',
      'Zeta:a/a',
    ]);
  });

  it('leaves Events and Leases out', () => {
    const list = toListDocument([o('Event', 'e', 'n'), o('Lease', 'l', 'n'), o('Service', 's', 'n')], DEFAULT_RENDER_TIME);
    expect(list.items.map((i) => i.kind)).toEqual(['Service']);
    expect(list).toMatchObject({ apiVersion: 'v1', kind: 'List' });
  });
});

describe('renderManifests', () => {
  it('prints a kind: List in kubectl style, items sorted, status included', async () => {
    const out = await renderManifests(manifests(), { format: 'yaml' }, standIn);
    expect(out.text.startsWith('apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Namespace\n')).toBe(true);
    expect(out.list.items.map((i) => `${i.kind}/${i.metadata.name}`)).toEqual([
      'Namespace/shop',
      'ConfigMap/kubevip',
      'GatewayClass/kube-vip',
      'Gateway/web',
      'TCPRoute/web',
      'Service/web',
      'Service/web-lb',
    ]);
    expect(out.iterations).toBe(2);
    expect(parse(out.text)).toEqual(out.list);
    expect(out.text).toContain("lastTransitionTime: 1970-01-01T00:00:00Z\n");
    expect(out.text).not.toMatch(/resourceVersion|creationTimestamp|managedFields/);
  });

  it('prints JSON that parses back to the same list', async () => {
    const out = await renderManifests(manifests(), { format: 'json' }, standIn);
    expect(JSON.parse(out.text)).toEqual(out.list);
  });

  it('is byte-for-byte stable across runs although the renderer uses random uids and the wall clock', async () => {
    const a = await renderManifests(manifests(), { format: 'yaml' }, standIn);
    const b = await renderManifests(manifests(), { format: 'yaml' }, standIn);
    expect(b.text).toBe(a.text);
    const svc = a.list.items.find((i) => i.metadata.name === 'web-lb')!;
    const gw = a.list.items.find((i) => i.kind === 'Gateway')!;
    expect(svc.metadata.ownerReferences![0]!.uid).toBe(gw.metadata.uid);
    expect(svc.metadata.annotations!['record']).toBe(JSON.stringify({ gateway: { uid: gw.metadata.uid } }));
  });

  propTest.prop([fc.shuffledSubarray([0, 1, 2, 3, 4, 5], { minLength: 6, maxLength: 6 })], { numRuns: 15 })(
    'does not depend on the order of the input manifests',
    async (order) => {
      const base = manifests();
      const shuffled = order.map((i) => base[i]!);
      const [a, b] = await Promise.all([renderManifests(base, { format: 'yaml' }, standIn), renderManifests(shuffled, { format: 'yaml' }, standIn)]);
      expect(b.text).toBe(a.text);
    },
  );

  it('passes the flags and the clock to the renderer, and gives it copies of the input', async () => {
    let seen: RenderOfflineOptions | undefined;
    let received: KubeObject[] = [];
    const input = manifests();
    const spy: RenderOffline = async (objects, options) => {
      seen = options;
      received = objects;
      objects[0]!.metadata.name = 'mutated';
      return { objects: [], iterations: 1 };
    };
    const now = new Date('2024-01-01T00:00:00Z');
    await renderManifests(input, { format: 'yaml', controllerName: 'example.com/x', ipamConfigMap: 'ns/cm', serviceBehaviour: 'endpoints', now }, spy);
    expect(seen).toEqual({ controllerName: 'example.com/x', ipamConfigMap: 'ns/cm', serviceBehaviour: 'endpoints', now });
    expect(received).toHaveLength(6);
    expect(input[0]!.object.metadata.name).toBe('web');
    await renderManifests(input, { format: 'yaml' }, spy);
    expect(seen).toEqual({ now: DEFAULT_RENDER_TIME });
  });

  it('turns a renderer failure into a RenderFailedError that also names the file of the object', async () => {
    const failing: RenderOffline = async () => {
      throw new Error('did not converge after 50 passes: Gateway shop/web keeps changing');
    };
    const error = await renderManifests(manifests(), { format: 'yaml' }, failing).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RenderFailedError);
    expect((error as Error).message).toBe('render: did not converge after 50 passes: Gateway shop/web keeps changing (from in.yaml document 1)');
  });
});
