// ListenerSets through the Gateway reconciler on an in-memory cluster (renderOffline): status written to the
// ListenerSet, the route's status.parents naming it, and its port served on the Gateway's address.
import { describe, expect, it } from 'vitest';
import type { Gateway, KubeObject, L4Route, ListenerSet, Service } from '@kube-vip-gw/gateway-model';
import { renderOffline } from './render.js';

const now = new Date('2026-11-26T00:00:00Z');
const GW = 'gateway.networking.k8s.io/v1';

function world(from: string, extra: KubeObject[] = []): KubeObject[] {
  return [
    { apiVersion: GW, kind: 'GatewayClass', metadata: { name: 'kube-vip' }, spec: { controllerName: 'kube-vip.io/controller' } },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kubevip', namespace: 'kube-system' }, data: { 'range-global': '10.0.0.10-10.0.0.12' } },
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'infra' } },
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team', labels: { 'gateway-access': 'yes' } } },
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'echo', namespace: 'team' }, spec: { selector: { app: 'echo' }, ports: [{ name: 'echo', port: 7, targetPort: 7007 }] } },
    {
      apiVersion: GW,
      kind: 'Gateway',
      metadata: { name: 'gw', namespace: 'infra' },
      spec: {
        gatewayClassName: 'kube-vip',
        listeners: [{ name: 'base', protocol: 'TCP', port: 7000 }],
        allowedListeners: { namespaces: { from, selector: { matchLabels: { 'gateway-access': 'yes' } } } },
      },
    },
    {
      apiVersion: GW,
      kind: 'ListenerSet',
      metadata: { name: 'team-ports', namespace: 'team' },
      spec: { parentRef: { name: 'gw', namespace: 'infra' }, listeners: [{ name: 'echo', protocol: 'TCP', port: 7 }] },
    },
    {
      apiVersion: GW,
      kind: 'TCPRoute',
      metadata: { name: 'echo', namespace: 'team' },
      spec: { parentRefs: [{ kind: 'ListenerSet', name: 'team-ports', sectionName: 'echo' }], rules: [{ backendRefs: [{ name: 'echo', port: 7 }] }] },
    },
    ...extra,
  ];
}

const find = <T extends KubeObject>(objects: KubeObject[], kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name) as T | undefined;
const state = (conditions: { type: string; status: string; reason: string }[] | undefined, type: string) => {
  const c = conditions?.find((x) => x.type === type);
  return c ? `${c.status}/${c.reason}` : 'missing';
};

describe('ListenerSets through the Gateway reconciler', () => {
  it('an allowed ListenerSet: Accepted/Programmed, its route attached, its port on the Gateway address', async () => {
    const { objects } = await renderOffline(world('Selector'), { now });
    const ls = find<ListenerSet>(objects, 'ListenerSet', 'team-ports')!;
    expect([state(ls.status?.conditions, 'Accepted'), state(ls.status?.conditions, 'Programmed')]).toEqual(['True/Accepted', 'True/Programmed']);
    expect(ls.status?.listeners).toMatchObject([{ name: 'echo', attachedRoutes: 1, supportedKinds: [{ kind: 'TCPRoute' }] }]);
    for (const c of ls.status?.conditions ?? []) expect(c.observedGeneration).toBe(1);
    const gw = find<Gateway>(objects, 'Gateway', 'gw')!;
    expect(gw.status?.attachedListenerSets).toBe(1);
    const route = find<L4Route>(objects, 'TCPRoute', 'echo')!;
    expect(route.status?.parents).toEqual([
      expect.objectContaining({ parentRef: { group: 'gateway.networking.k8s.io', kind: 'ListenerSet', namespace: 'team', name: 'team-ports', sectionName: 'echo' } }),
    ]);
    expect(state(route.status?.parents?.[0]?.conditions, 'Accepted')).toBe('True/Accepted');
    const services = objects.filter((o): o is Service => o.kind === 'Service' && o.metadata.labels?.['gateway.networking.k8s.io/gateway-name'] === 'gw');
    // One Service for the Gateway's address: its own route-less listener (7000) and the ListenerSet's (7).
    expect(services.flatMap((s) => (s.spec?.ports ?? []).map((p) => `${p.port}/${p.protocol}`))).toEqual(['7000/TCP', '7/TCP']);
    expect(services[0]?.metadata.annotations?.['kube-vip.io/loadbalancerIPs']).toBe(gw.status?.addresses?.[0]?.value);
  });

  it('a rejected ListenerSet (from Same): NotAllowed, the route not accepted, no Service for its port', async () => {
    const { objects } = await renderOffline(world('Same'), { now });
    const ls = find<ListenerSet>(objects, 'ListenerSet', 'team-ports')!;
    expect([state(ls.status?.conditions, 'Accepted'), state(ls.status?.conditions, 'Programmed')]).toEqual(['False/NotAllowed', 'False/NotAllowed']);
    expect(find<Gateway>(objects, 'Gateway', 'gw')?.status?.attachedListenerSets).toBe(0);
    expect(state(find<L4Route>(objects, 'TCPRoute', 'echo')?.status?.parents?.[0]?.conditions, 'Accepted')).toBe('False/NotAllowedByListeners');
    // The Gateway Service carries the Gateway's own listener only: nothing serves the rejected ListenerSet's port 7.
    const services = objects.filter((o): o is Service => o.kind === 'Service' && o.metadata.labels?.['gateway.networking.k8s.io/gateway-name'] === 'gw');
    expect(services.flatMap((s) => (s.spec?.ports ?? []).map((p) => `${p.port}/${p.protocol}`))).toEqual(['7000/TCP']);
  });

  it("reports a mapping error of its route on the ListenerSet's listener (Programmed=False/Invalid), not on the Gateway's", async () => {
    const unknown = world('All').map((o) =>
      o.kind === 'TCPRoute' ? { ...o, metadata: { ...o.metadata, annotations: { 'kube-vip.io/service-behaviour': 'no-such-strategy' } } } : o,
    );
    const { objects } = await renderOffline(unknown, { now });
    const ls = find<ListenerSet>(objects, 'ListenerSet', 'team-ports')!;
    const programmed = ls.status?.listeners?.[0]?.conditions.find((c) => c.type === 'Programmed');
    expect(programmed).toMatchObject({ status: 'False', reason: 'Invalid' });
    expect(programmed?.message).toContain('no-such-strategy');
    const gw = find<Gateway>(objects, 'Gateway', 'gw')!;
    expect(state(gw.status?.listeners?.[0]?.conditions, 'Programmed')).toBe('True/Programmed');
  });

  it('leaves a ListenerSet of a Gateway of another controller alone', async () => {
    const foreign = world('All').map((o) => (o.kind === 'Gateway' ? { ...o, spec: { ...(o as Gateway).spec, gatewayClassName: 'other' } } : o));
    const { objects } = await renderOffline(foreign, { now });
    expect(find<ListenerSet>(objects, 'ListenerSet', 'team-ports')?.status).toBeUndefined();
  });
});
