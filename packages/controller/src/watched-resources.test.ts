import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { PARENT_KINDS, ROUTE_KINDS, SERVED_ROUTE_KINDS, type Gateway, type KubeObject } from '@kube-vip-gw/gateway-model';
import { RENDER_RESOURCES, RenderInputError, renderOffline } from './render.js';
import { WATCHED_RESOURCES, routeDescriptors, watchPermissions } from './watched-resources.js';

const RBAC = new URL('../../../deploy/01-rbac.yaml', import.meta.url);

describe('the watched-resources table', () => {
  it('watches every served route kind (v1 first, v1alpha2 on older installs) and every parent kind, and no unserved kind', () => {
    const stores = WATCHED_RESOURCES.map((w) => w.store);
    for (const k of [...SERVED_ROUTE_KINDS, ...PARENT_KINDS]) expect(stores).toContain(k.kind);
    expect(stores).not.toContain('TLSRoute');
    expect(routeDescriptors('TCPRoute').map((d) => `${d.group}/${d.version} ${d.plural}`)).toEqual(['gateway.networking.k8s.io/v1 tcproutes', 'gateway.networking.k8s.io/v1alpha2 tcproutes']);
    expect(ROUTE_KINDS.filter((k) => k.serving.kind === 'unsupported').map((k) => k.kind)).toEqual(['TLSRoute']);
  });

  it('renders the kinds in the order the output has always had', () => {
    expect(RENDER_RESOURCES.map((r) => r.kind)).toEqual(['Namespace', 'ConfigMap', 'GatewayClass', 'Gateway', 'ListenerSet', 'TCPRoute', 'UDPRoute', 'ReferenceGrant', 'Service', 'EndpointSlice']);
  });

  it('every permission the table implies (list, watch; status update where the reconciler writes it) is granted by deploy/01-rbac.yaml', () => {
    const docs = parseAllDocuments(readFileSync(RBAC, 'utf8')).map((d) => d.toJSON() as KubeObject & { rules?: { apiGroups: string[]; resources: string[]; verbs: string[] }[] });
    const granted = new Set<string>();
    for (const rule of docs.find((d) => d.kind === 'ClusterRole')?.rules ?? []) {
      for (const g of rule.apiGroups) for (const r of rule.resources) for (const v of rule.verbs) granted.add(`${g} ${r} ${v}`);
    }
    const needed = watchPermissions();
    expect(needed).toContain('gateway.networking.k8s.io udproutes/status update');
    expect(needed.filter((p) => !granted.has(p))).toEqual([]);
  });
});

describe('TLSRoute, a known kind that is not served, in an offline render', () => {
  const GW = 'gateway.networking.k8s.io/v1';
  const inputs = (): KubeObject[] => [
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kubevip', namespace: 'kube-system' }, data: { 'cidr-global': '192.0.2.0/28' } } as KubeObject,
    { apiVersion: GW, kind: 'GatewayClass', metadata: { name: 'kube-vip' }, spec: { controllerName: 'kube-vip.io/controller' } } as KubeObject,
    {
      apiVersion: GW,
      kind: 'Gateway',
      metadata: { name: 'gw', namespace: 'default' },
      spec: {
        gatewayClassName: 'kube-vip',
        listeners: [
          { name: 'tcp', port: 5432, protocol: 'TCP' },
          { name: 'tls', port: 443, protocol: 'TLS', tls: { mode: 'Passthrough' } },
        ],
      },
    } as KubeObject,
  ];

  it('reports the TLS listener UnsupportedProtocol with no supported kinds; the TCP listener is served', async () => {
    const { objects } = await renderOffline(inputs(), { now: new Date('2026-03-01T00:00:00Z') });
    const gw = objects.find((o) => o.kind === 'Gateway') as Gateway;
    const tls = gw.status?.listeners?.find((l) => l.name === 'tls');
    expect(tls?.supportedKinds).toEqual([]);
    expect(tls?.conditions.find((c) => c.type === 'Accepted')).toMatchObject({ status: 'False', reason: 'UnsupportedProtocol', message: expect.stringContaining('TLSRoute is not served') });
    expect(gw.status?.listeners?.find((l) => l.name === 'tcp')?.supportedKinds).toEqual([{ group: 'gateway.networking.k8s.io', kind: 'TCPRoute' }]);
    expect(objects.some((o) => o.kind === 'Service' && (o as { spec?: { ports?: { port: number }[] } }).spec?.ports?.some((p) => p.port === 5432))).toBe(true);
  });

  it('refuses a TLSRoute manifest, naming the kinds it renders', async () => {
    const tlsRoute = { apiVersion: GW, kind: 'TLSRoute', metadata: { name: 'r', namespace: 'default' }, spec: { parentRefs: [{ name: 'gw' }], rules: [] } } as unknown as KubeObject;
    const error = await renderOffline([...inputs(), tlsRoute]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RenderInputError);
    expect((error as Error).message).toMatch(/^TLSRoute default\/r: unsupported apiVersion\/kind gateway\.networking\.k8s\.io\/v1\/TLSRoute \(supported: Namespace, ConfigMap, GatewayClass, Gateway, ListenerSet, TCPRoute, UDPRoute,/);
  });
});
