import { describe, expect, it } from 'vitest';
import type { EndpointSlice, Gateway, KubeObject, L4Route, ListenerSet, Service } from '@kube-vip-gw/gateway-model';
import { RenderInputError, renderOffline } from './render.js';

const now = new Date('2026-11-26T00:00:00Z');

function world(extra: KubeObject[] = []): KubeObject[] {
  return [
    { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', metadata: { name: 'kube-vip' }, spec: { controllerName: 'kube-vip.io/controller' } },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kubevip', namespace: 'kube-system' }, data: { 'range-global': '10.0.0.10-10.0.0.12' } },
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'echo', namespace: 'app' }, spec: { selector: { app: 'echo' }, ports: [{ name: 'echo', port: 7, targetPort: 7007 }] } },
    {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: 'echo-x1', namespace: 'app', labels: { 'kubernetes.io/service-name': 'echo' } },
      addressType: 'IPv4',
      endpoints: [{ addresses: ['10.1.0.5'], conditions: { ready: true }, nodeName: 'node-a' }],
      ports: [{ name: 'echo', protocol: 'TCP', port: 7007 }],
    } as KubeObject,
    {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      metadata: { name: 'gw', namespace: 'app' },
      spec: { gatewayClassName: 'kube-vip', listeners: [{ name: 'echo', protocol: 'TCP', port: 7 }] },
    },
    {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'TCPRoute',
      metadata: { name: 'echo', namespace: 'app' },
      spec: { parentRefs: [{ name: 'gw' }], rules: [{ backendRefs: [{ name: 'echo', port: 7 }] }] },
    },
    ...extra,
  ];
}

const find = <T extends KubeObject>(objects: KubeObject[], kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name) as T | undefined;
const condition = (o: { status?: { conditions?: { type: string; status: string; reason: string }[] } } | undefined, type: string) =>
  o?.status?.conditions?.find((c) => c.type === type);

describe('renderOffline', () => {
  it('programs a Gateway: address from the pool, status, route parent status, one LoadBalancer Service', async () => {
    const { objects } = await renderOffline(world(), { now });
    const gw = find<Gateway>(objects, 'Gateway', 'gw')!;
    expect(gw.status?.addresses).toEqual([{ type: 'IPAddress', value: '10.0.0.10' }]);
    expect(condition(gw, 'Accepted')).toMatchObject({ status: 'True', reason: 'Accepted' });
    expect(condition(gw, 'Programmed')).toMatchObject({ status: 'True', reason: 'Programmed' });
    expect(gw.status?.listeners?.[0]).toMatchObject({ name: 'echo', attachedRoutes: 1 });
    const route = find<L4Route>(objects, 'TCPRoute', 'echo')!;
    expect(route.status?.parents).toHaveLength(1);
    expect(route.status?.parents?.[0]).toMatchObject({ controllerName: 'kube-vip.io/controller', parentRef: { group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'gw' } });
    const services = objects.filter((o): o is Service => o.kind === 'Service' && o.metadata.labels?.['gateway.networking.k8s.io/gateway-name'] === 'gw');
    expect(services).toHaveLength(1);
    // The Gateway Service: selector-less, its endpoints are the backend's, mirrored with the resolved target port.
    expect(services[0]!.metadata.name).toBe('kvgateway-app-gw');
    expect(services[0]!.spec).toMatchObject({ type: 'LoadBalancer', ports: [{ name: 'echo', port: 7, targetPort: 7, protocol: 'TCP' }] });
    expect(services[0]!.spec?.selector).toBeUndefined();
    expect(services[0]!.metadata.annotations?.['kube-vip.io/loadbalancerIPs']).toBe('10.0.0.10');
    const slices = objects.filter((o): o is EndpointSlice => o.kind === 'EndpointSlice' && o.metadata.labels?.['kubernetes.io/service-name'] === 'kvgateway-app-gw');
    expect(slices.map((s) => [s.ports, s.endpoints.map((e) => e.addresses[0])])).toEqual([[[{ name: 'echo', protocol: 'TCP', port: 7007 }], ['10.1.0.5']]]);
    expect(find(objects, 'GatewayClass', 'kube-vip')?.metadata.finalizers).toContain('gateway-exists-finalizer.gateway.networking.k8s.io');
  });

  it('is stable: rendering its own output again changes nothing and moves no address', async () => {
    const first = await renderOffline(world(), { now });
    const again = await renderOffline(first.objects.map((o) => ({ ...o, metadata: { ...o.metadata, resourceVersion: undefined, uid: undefined } })) as KubeObject[], { now });
    expect(find<Gateway>(again.objects, 'Gateway', 'gw')?.status?.addresses).toEqual(find<Gateway>(first.objects, 'Gateway', 'gw')?.status?.addresses);
    expect(again.objects.filter((o) => o.kind === 'Service')).toHaveLength(first.objects.filter((o) => o.kind === 'Service').length);
  });

  it('reports pool exhaustion as Programmed=False/AddressNotAssigned with an Event naming the pool', async () => {
    const more = [1, 2, 3].map((i) => ({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      metadata: { name: `gw${i}`, namespace: 'app' },
      spec: { gatewayClassName: 'kube-vip', listeners: [{ name: 'tcp', protocol: 'TCP', port: 80 }] },
    }));
    const { objects, events } = await renderOffline(world(more), { now });
    const gateways = objects.filter((o): o is Gateway => o.kind === 'Gateway');
    const unassigned = gateways.filter((g) => condition(g, 'Programmed')?.reason === 'AddressNotAssigned');
    expect(unassigned).toHaveLength(1);
    expect(new Set(gateways.flatMap((g) => g.status?.addresses ?? []).map((a) => a.value)).size).toBe(3);
    expect(events.some((e) => e.reason === 'AddressNotAssigned' && /range-global/.test(e.message))).toBe(true);
  });

  it('leaves Gateways of other classes alone', async () => {
    const other: KubeObject = {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      metadata: { name: 'theirs', namespace: 'app' },
      spec: { gatewayClassName: 'someone-else', listeners: [{ name: 'tcp', protocol: 'TCP', port: 80 }] },
    };
    const { objects } = await renderOffline(world([other]), { now });
    expect(find<Gateway>(objects, 'Gateway', 'theirs')?.status).toBeUndefined();
  });

  describe('parameter allocateLoadBalancerNodePorts', () => {
    const configMap = (namespace: string, name: string, value: string): KubeObject =>
      ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { namespace, name }, data: { allocateLoadBalancerNodePorts: value } }) as KubeObject;
    const withRefs = (objects: KubeObject[], refs: { gatewayClass?: string; gateway?: string }) =>
      objects.map((o) => {
        const spec = (o as { spec?: Record<string, unknown> }).spec;
        if (o.kind === 'GatewayClass' && refs.gatewayClass)
          return { ...o, spec: { ...spec, parametersRef: { group: '', kind: 'ConfigMap', namespace: 'app', name: refs.gatewayClass } } } as KubeObject;
        if (o.kind === 'Gateway' && refs.gateway)
          return { ...o, spec: { ...spec, infrastructure: { parametersRef: { group: '', kind: 'ConfigMap', name: refs.gateway } } } } as KubeObject;
        return o;
      });
    const rendered = async (objects: KubeObject[]) => {
      const out = (await renderOffline(objects, { now })).objects;
      const services = out.filter((o): o is Service => o.kind === 'Service' && o.metadata.labels?.['gateway.networking.k8s.io/gateway-name'] === 'gw');
      return { gateway: find<Gateway>(out, 'Gateway', 'gw')!, nodePorts: services.map((s) => s.spec?.allocateLoadBalancerNodePorts) };
    };

    it('no node ports without parameters', async () => {
      expect((await rendered(world())).nodePorts).toEqual([false]);
    });

    it('the class can turn node ports back on, and a Gateway\'s false wins over its class\'s true', async () => {
      const classOn = withRefs(world([configMap('app', 'class-params', 'true')]), { gatewayClass: 'class-params' });
      expect((await rendered(classOn)).nodePorts).toEqual([true]);
      const gatewayOff = withRefs(world([configMap('app', 'class-params', 'true'), configMap('app', 'gw-params', 'false')]), { gatewayClass: 'class-params', gateway: 'gw-params' });
      expect((await rendered(gatewayOff)).nodePorts).toEqual([false]);
    });

    it('a value that is not true or false makes the Gateway InvalidParameters, naming the value, and makes no Service', async () => {
      const { gateway, nodePorts } = await rendered(withRefs(world([configMap('app', 'gw-params', 'yes')]), { gateway: 'gw-params' }));
      expect(nodePorts).toEqual([]);
      expect(condition(gateway, 'Accepted')).toMatchObject({ status: 'False', reason: 'InvalidParameters' });
      expect((condition(gateway, 'Accepted') as { message?: string }).message).toMatch(/ConfigMap.*gw-params.*allocateLoadBalancerNodePorts "yes" must be true or false/);
    });
  });

  it('leaves the caller\'s objects untouched', async () => {
    const input = world();
    const before = structuredClone(input);
    await renderOffline(input, { now });
    expect(input).toEqual(before);
  });

  it('names the object it cannot load', async () => {
    await expect(renderOffline([{ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x', namespace: 'a' } }])).rejects.toThrow(RenderInputError);
    await expect(renderOffline([{ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x', namespace: 'a' } }])).rejects.toThrow(/Deployment a\/x/);
  });
});

describe('renderOffline: creationTimestamp, so precedence by age comes out as on a cluster', () => {
  const asking = (name: string, creationTimestamp?: string): KubeObject => ({
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: { name, namespace: 'app', ...(creationTimestamp ? { creationTimestamp } : {}) },
    spec: { gatewayClassName: 'kube-vip', listeners: [{ name: 'echo', protocol: 'TCP', port: 7 }], addresses: [{ type: 'IPAddress', value: '10.0.0.11' }] },
  });
  const holder = (objects: KubeObject[]) =>
    objects.filter((o): o is Gateway => o.kind === 'Gateway' && (o as Gateway).status?.addresses?.some((a) => a.value === '10.0.0.11') === true).map((g) => g.metadata.name);

  it('keeps the input timestamps: of two Gateways asking for one address, the older gets it whatever the names', async () => {
    const { objects } = await renderOffline(world([asking('a-newer', '2026-03-01T00:00:00Z'), asking('z-older', '2026-01-01T00:00:00Z')]), { now });
    expect(holder(objects)).toEqual(['z-older']);
    expect(find(objects, 'Gateway', 'z-older')?.metadata.creationTimestamp).toBe('2026-01-01T00:00:00Z');
    const loser = find<Gateway>(objects, 'Gateway', 'a-newer');
    expect(condition(loser, 'Programmed')).toMatchObject({ status: 'False', reason: 'AddressNotUsable' });
  });

  it('stamps objects without one in document order, one second apart and before the render time', async () => {
    const { objects } = await renderOffline(world([asking('z-first'), asking('a-second')]), { now });
    expect(holder(objects)).toEqual(['z-first']);
    const first = Date.parse(find(objects, 'Gateway', 'z-first')?.metadata.creationTimestamp ?? '');
    const second = Date.parse(find(objects, 'Gateway', 'a-second')?.metadata.creationTimestamp ?? '');
    expect(second - first).toBe(1000);
    expect(second).toBeLessThan(now.getTime());
    // Objects the controller makes are created at the render time.
    const made = objects.filter((o) => o.kind === 'Service' && o.metadata.labels?.['app.kubernetes.io/managed-by']);
    expect(made.map((o) => o.metadata.labels?.['gateway.networking.k8s.io/gateway-name'])).toContain('z-first');
    expect(new Set(made.map((o) => o.metadata.creationTimestamp))).toEqual(new Set(['2026-11-26T00:00:00Z']));
  });

  it('decides ListenerSet precedence by the input timestamps', async () => {
    const gw: KubeObject = {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      metadata: { name: 'shared', namespace: 'app' },
      spec: { gatewayClassName: 'kube-vip', listeners: [{ name: 'base', protocol: 'TCP', port: 9000 }], allowedListeners: { namespaces: { from: 'Same' } } },
    };
    const set = (name: string, creationTimestamp: string): KubeObject => ({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'ListenerSet',
      metadata: { name, namespace: 'app', creationTimestamp },
      spec: { parentRef: { name: 'shared' }, listeners: [{ name: 'echo', protocol: 'TCP', port: 9001 }] },
    });
    const { objects } = await renderOffline(world([gw, set('a-newer', '2026-03-01T00:00:00Z'), set('z-older', '2026-01-01T00:00:00Z')]), { now });
    expect(condition(find<ListenerSet>(objects, 'ListenerSet', 'z-older'), 'Accepted')).toMatchObject({ status: 'True', reason: 'Accepted' });
    expect(condition(find<ListenerSet>(objects, 'ListenerSet', 'a-newer'), 'Accepted')).toMatchObject({ status: 'False', reason: 'ListenersNotValid' });
  });
});
