// The Gateway API CRDs on a real apiserver: installed and discoverable, our four kinds creatable through
// @kubernetes/client-node, CEL validation enforced (what MemoryCluster cannot do), the status subresource honoured,
// and the bundle's ValidatingAdmissionPolicy active.
import {
  ApiextensionsV1Api,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
} from '@kubernetes/client-node';
import {
  GATEWAY_API_MODULE,
  gatewayApiCrdDir,
  readEnvtestVersions,
  readManifestDir,
} from '@kube-vip-gw/controller-runtime/envtest';
import { beforeAll, describe, expect, it } from 'vitest';
import { apiFailure, createNamespace, kubeConfigFrom, uniqueName, useControlPlane } from './harness.js';

const GROUP = 'gateway.networking.k8s.io';
const CONTROLLER = 'kube-vip.io/controller';
const STANDARD_CRDS = [
  'backendtlspolicies',
  'gatewayclasses',
  'gateways',
  'grpcroutes',
  'httproutes',
  'listenersets',
  'referencegrants',
  'tcproutes',
  'tlsroutes',
  'udproutes',
].map((plural) => `${plural}.${GROUP}`);

type Obj = Record<string, unknown> & { metadata?: { name?: string; generation?: number; resourceVersion?: string } };

const plane = useControlPlane({ gatewayApiCrds: 'standard' });
let kc: KubeConfig;
let objects: CustomObjectsApi;
let namespace: string;

beforeAll(async () => {
  kc = kubeConfigFrom(plane().kubeconfig);
  objects = kc.makeApiClient(CustomObjectsApi);
  namespace = await createNamespace(kc, 'gwapi');
});

const gateway = (name: string, listeners: unknown[], gatewayClassName = 'kube-vip'): Obj => ({
  apiVersion: `${GROUP}/v1`,
  kind: 'Gateway',
  metadata: { name },
  spec: { gatewayClassName, listeners },
});
const tcp = (name: string, port: number, extra: Record<string, unknown> = {}): Record<string, unknown> => ({ name, protocol: 'TCP', port, ...extra });
const route = (kind: 'TCPRoute' | 'UDPRoute', name: string, parentRefs: unknown[], backendRefs: unknown[]): Obj => ({
  apiVersion: `${GROUP}/v1`,
  kind,
  metadata: { name },
  spec: { parentRefs, rules: [{ backendRefs }] },
});

const create = (plural: string, body: Obj): Promise<Obj> =>
  objects.createNamespacedCustomObject({ group: GROUP, version: 'v1', namespace, plural, body }) as Promise<Obj>;

describe('Gateway API CRDs', () => {
  it('installs every standard CRD, Established and discoverable', async () => {
    const list = await kc.makeApiClient(ApiextensionsV1Api).listCustomResourceDefinition();
    const ours = list.items.filter((c) => c.spec.group === GROUP);
    expect(ours.map((c) => c.metadata?.name).sort()).toEqual([...STANDARD_CRDS].sort());
    for (const crd of ours) {
      expect(crd.status?.conditions?.find((c) => c.type === 'Established')?.status, crd.metadata?.name).toBe('True');
      expect(crd.metadata?.annotations?.['gateway.networking.k8s.io/bundle-version']).toBe((await readEnvtestVersions())?.gatewayApi);
    }
    const timing = plane().timings.crdInstallMs ?? 0;
    expect(timing).toBeGreaterThan(0);
    console.info(`[e2e] Gateway API standard CRD install ${(timing / 1000).toFixed(2)} s`);
  });

  it('serves TCPRoute and UDPRoute at v1 in the standard channel', async () => {
    const res = (await objects.listNamespacedCustomObject({ group: GROUP, version: 'v1', namespace, plural: 'tcproutes' })) as { items: unknown[] };
    expect(res.items).toEqual([]);
    const udp = (await objects.listNamespacedCustomObject({ group: GROUP, version: 'v1', namespace, plural: 'udproutes' })) as { items: unknown[] };
    expect(udp.items).toEqual([]);
  });
});

describe('creating our kinds through CustomObjectsApi', () => {
  it('creates a GatewayClass, a Gateway, a TCPRoute and a UDPRoute, with schema defaults applied', async () => {
    const className = uniqueName('kube-vip');
    const gc = (await objects.createClusterCustomObject({
      group: GROUP,
      version: 'v1',
      plural: 'gatewayclasses',
      body: { apiVersion: `${GROUP}/v1`, kind: 'GatewayClass', metadata: { name: className }, spec: { controllerName: CONTROLLER } },
    })) as Obj & { status?: { conditions?: Array<{ type: string; status: string; reason: string }> } };
    expect(gc.metadata?.generation).toBe(1);
    // The CRD defaults a fresh class's status to Accepted=Unknown/Pending until a controller answers.
    expect(gc.status?.conditions?.[0]).toMatchObject({ type: 'Accepted', status: 'Unknown', reason: 'Pending' });

    const gw = (await create('gateways', gateway('gw', [tcp('db', 5432), { name: 'dns', protocol: 'UDP', port: 53 }], className))) as Obj & { spec: { listeners: Array<{ allowedRoutes?: { namespaces?: { from?: string } } }> } };
    expect(gw.spec.listeners[0]?.allowedRoutes?.namespaces?.from).toBe('Same');

    const tcpRoute = await create('tcproutes', route('TCPRoute', 'db', [{ name: 'gw', sectionName: 'db' }], [{ name: 'postgres', port: 5432 }]));
    const udpRoute = await create('udproutes', route('UDPRoute', 'dns', [{ name: 'gw', sectionName: 'dns' }], [{ name: 'coredns', port: 53 }]));
    expect(tcpRoute.metadata?.generation).toBe(1);
    expect(udpRoute.metadata?.generation).toBe(1);

    const read = (await objects.getNamespacedCustomObject({ group: GROUP, version: 'v1', namespace, plural: 'tcproutes', name: 'db' })) as {
      spec: { parentRefs: Array<{ group?: string; kind?: string; name: string }> };
    };
    // parentRef group/kind are defaulted by the schema.
    expect(read.spec.parentRefs[0]).toMatchObject({ group: GROUP, kind: 'Gateway', name: 'gw', sectionName: 'db' });
  });

  it('keeps status behind the status subresource: spec writes bump generation, status writes do not', async () => {
    const name = uniqueName('status');
    const created = await create('gateways', gateway(name, [tcp('a', 8000)]));
    const patched = (await objects.patchNamespacedCustomObjectStatus(
      { group: GROUP, version: 'v1', namespace, plural: 'gateways', name, body: { status: { addresses: [{ type: 'IPAddress', value: '192.0.2.10' }] } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    )) as Obj & { status?: { addresses?: unknown[] } };
    expect(patched.metadata?.generation).toBe(created.metadata?.generation);
    expect(patched.status?.addresses).toEqual([{ type: 'IPAddress', value: '192.0.2.10' }]);

    // A status change sent to the main resource is dropped; the spec change is kept and bumps generation.
    const replaced = (await objects.replaceNamespacedCustomObject({
      group: GROUP,
      version: 'v1',
      namespace,
      plural: 'gateways',
      name,
      body: { ...patched, spec: { gatewayClassName: 'kube-vip', listeners: [tcp('a', 8001)] }, status: { addresses: [] } },
    })) as Obj & { status?: { addresses?: unknown[] } };
    expect(replaced.metadata?.generation).toBe((created.metadata?.generation ?? 0) + 1);
    expect(replaced.status?.addresses).toEqual([{ type: 'IPAddress', value: '192.0.2.10' }]);
  });
});

describe('CEL validation by the apiserver', () => {
  const HOSTNAME_RULE = "hostname must not be specified for protocols ['TCP', 'UDP']";

  it.each([
    ['a TCP listener with a hostname', 'gateways', gateway('bad-tcp', [tcp('t', 80, { hostname: 'example.com' })]), HOSTNAME_RULE],
    ['a UDP listener with a hostname', 'gateways', gateway('bad-udp', [{ name: 'u', protocol: 'UDP', port: 53, hostname: 'dns.example.com' }]), HOSTNAME_RULE],
    ['two listeners with one name', 'gateways', gateway('dup-name', [tcp('same', 80), tcp('same', 81)]), 'Listener name must be unique within the Gateway'],
    ['two listeners on one port and protocol', 'gateways', gateway('dup-port', [tcp('a', 80), tcp('b', 80)]), 'Combination of port, protocol and hostname must be unique for each listener'],
    ['a TCPRoute backend Service without a port', 'tcproutes', route('TCPRoute', 'no-port', [{ name: 'gw' }], [{ name: 'svc' }]), 'Must have port for Service reference'],
    ['a UDPRoute backend Service without a port', 'udproutes', route('UDPRoute', 'no-port', [{ name: 'gw' }], [{ name: 'svc' }]), 'Must have port for Service reference'],
    [
      'two refs to one Gateway, one without sectionName',
      'tcproutes',
      route('TCPRoute', 'ambiguous', [{ name: 'gw' }, { name: 'gw', sectionName: 'db' }], [{ name: 'svc', port: 1 }]),
      'sectionName must be specified when parentRefs includes 2 or more references to the same parent',
    ],
  ])('rejects %s with 422 and the rule message', async (_, plural, body, message) => {
    const failure = await apiFailure(() => create(plural, body));
    expect(failure.code).toBe(422);
    expect(failure.reason).toBe('Invalid');
    expect(failure.message).toContain(message);
    expect(failure.message).toContain(String(body.metadata?.name));
  });

  it.each([
    ['an HTTP listener with a hostname', 'gateways', gateway('http-host', [{ name: 'h', protocol: 'HTTP', port: 80, hostname: 'example.com' }])],
    ['TCP and UDP listeners sharing a port', 'gateways', gateway('tcp-udp', [tcp('t', 53), { name: 'u', protocol: 'UDP', port: 53 }])],
    ['two refs to one Gateway with distinct sectionNames', 'tcproutes', route('TCPRoute', 'two-sections', [{ name: 'gw', sectionName: 'a' }, { name: 'gw', sectionName: 'b' }], [{ name: 'svc', port: 1 }])],
  ])('accepts %s', async (_, plural, body) => {
    const created = await create(plural, body);
    expect(created.metadata?.name).toBe(body.metadata?.name);
  });
});

describe('the bundle ValidatingAdmissionPolicy', () => {
  it('refuses experimental CRDs over the standard ones', async () => {
    const version = (await readEnvtestVersions())?.gatewayApi ?? '';
    const experimental = await readManifestDir(await gatewayApiCrdDir(version, 'experimental'));
    const tcpRoutes = experimental.find((m) => m.object.metadata.name === `tcproutes.${GROUP}`);
    expect(tcpRoutes, `experimental tcproutes CRD in ${GATEWAY_API_MODULE}`).toBeDefined();
    const failure = await apiFailure(() =>
      kc.makeApiClient(ApiextensionsV1Api).patchCustomResourceDefinition(
        { name: `tcproutes.${GROUP}`, body: tcpRoutes?.object, fieldManager: 'e2e', force: true },
        setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply),
      ),
    );
    expect(failure.code).toBe(422);
    expect(failure.message).toContain('Installing experimental CRDs on top of standard channel CRDs is prohibited');
  });
});

describe('experimental channel', () => {
  const experimental = useControlPlane({ gatewayApiCrds: 'experimental' });

  it('installs the experimental bundle, serving TCPRoute v1alpha2 and the x-k8s.io kinds', async () => {
    const ekc = kubeConfigFrom(experimental().kubeconfig);
    const list = await ekc.makeApiClient(ApiextensionsV1Api).listCustomResourceDefinition();
    const names = list.items.map((c) => c.metadata?.name);
    expect(names).toContain('xbackendtrafficpolicies.gateway.networking.x-k8s.io');
    const tcpRoutes = list.items.find((c) => c.metadata?.name === `tcproutes.${GROUP}`);
    expect(tcpRoutes?.metadata?.annotations?.['gateway.networking.k8s.io/channel']).toBe('experimental');
    expect(tcpRoutes?.spec.versions.filter((v) => v.served).map((v) => v.name).sort()).toEqual(['v1', 'v1alpha2']);
    const ns = await createNamespace(ekc, 'exp');
    const alpha = (await ekc.makeApiClient(CustomObjectsApi).createNamespacedCustomObject({
      group: GROUP,
      version: 'v1alpha2',
      namespace: ns,
      plural: 'tcproutes',
      body: { apiVersion: `${GROUP}/v1alpha2`, kind: 'TCPRoute', metadata: { name: 'old-style' }, spec: { parentRefs: [{ name: 'gw' }], rules: [{ backendRefs: [{ name: 'svc', port: 1 }] }] } },
    })) as Obj;
    expect(alpha.metadata?.name).toBe('old-style');
  });
});
