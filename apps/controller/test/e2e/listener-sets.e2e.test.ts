// ListenerSets (Gateway API v1.6.1 standard channel) on a real API server with the controller as its own process and
// deploy/'s RBAC: which namespaces a Gateway takes them from (and following label changes), precedence and conflicts,
// routes whose parent is a ListenerSet, and the ports they add to the Gateway's address coming and going.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import type { Gateway, KubeObject, L4Route, Listener, ListenerSet } from '@kube-vip-gw/gateway-model';
import { CONTROLLER_NAME, useControllerEnvironment } from './support/environment.js';
import { R } from './support/kube-rest.js';
import { gateway, route, states, statusAddresses, tcp, udp, service, endpointSlice } from './support/objects.js';
import { reads } from './support/reads.js';
import { eventually, waitFor } from '@kube-vip-gw/test-support';

const env = useControllerEnvironment();
const { until, gatewayUntil, servicesOf, create, namespaceWithBackend } = reads(env);
const GW_GROUP = 'gateway.networking.k8s.io';

function listenerSet(namespace: string, name: string, parent: { namespace: string; name: string }, listeners: Listener[]): ListenerSet {
  return { metadata: { namespace, name }, spec: { parentRef: parent, listeners } };
}

/** `Accepted` and `Programmed` of a ListenerSet, once its conditions observed its generation. */
async function setUntil(namespace: string, name: string, expected: string[]): Promise<ListenerSet> {
  return until<ListenerSet>(R.ListenerSet, { namespace, name }, (ls) => {
    expect(states(ls.status?.conditions, 'Accepted', 'Programmed')).toEqual(expected);
    for (const c of ls.status?.conditions ?? []) expect(c.observedGeneration).toBe(ls.metadata.generation);
  });
}

/** Every `port/protocol` the Gateway's Services carry, and that they all carry the Gateway's address. */
async function servedPorts(namespace: string, gw: string): Promise<string[]> {
  const gateway = await env().admin.get<Gateway>(R.Gateway, { namespace, name: gw });
  const services = await servicesOf(namespace, gw);
  for (const s of services) expect(s.metadata.annotations?.['kube-vip.io/loadbalancerIPs']).toBe(statusAddresses(gateway).join(','));
  // The Gateway Service carries every accepted listener's port, the Gateway's own route-less ones included.
  return services.flatMap((s) => (s.spec?.ports ?? []).map((p) => `${p.port}/${p.protocol ?? 'TCP'}`)).sort();
}

async function labelNamespace(name: string, labels: Record<string, string | null>): Promise<void> {
  await env().admin.patch<KubeObject>(R.Namespace, { name }, { metadata: { labels } });
}

/** Waits until the API server's clock has passed `o`'s creationTimestamp (1 s resolution), so the next object is younger. */
async function nextSecond(res: typeof R.ListenerSet, o: { namespace: string; name: string }): Promise<void> {
  const created = await env().admin.get<KubeObject>(res, o);
  await waitFor('the next second of creationTimestamp', () => new Date().toISOString().slice(0, 19) > (created.metadata.creationTimestamp ?? '').slice(0, 19));
}

describe('allowedListeners', () => {
  it('takes ListenerSets from selected namespaces only, follows namespace label changes, and serves their ports on its address', async () => {
    const infra = await env().newNamespace('ls-infra');
    const teamA = await namespaceWithBackend('ls-team-a');
    const teamB = await namespaceWithBackend('ls-team-b');
    await labelNamespace(teamA.name, { 'gateway-access': 'platform' });
    const parent = { namespace: infra.name, name: 'shared' };
    await create(R.Gateway, gateway(infra.name, 'shared', [tcp('base', 9500)], { allowedListeners: { namespaces: { from: 'Selector', selector: { matchLabels: { 'gateway-access': 'platform' } } } } }));
    await create(R.ListenerSet, listenerSet(teamA.name, 'ports', parent, [tcp('echo', 9501)]));
    await create(R.ListenerSet, listenerSet(teamB.name, 'ports', parent, [tcp('echo', 9502)]));
    for (const ns of [teamA.name, teamB.name]) await create(R.TCPRoute, route('TCPRoute', ns, 'echo', [{ kind: 'ListenerSet', name: 'ports', sectionName: 'echo' }], [{ name: 'echo', port: 8080 }]));

    await setUntil(teamA.name, 'ports', ['Accepted=True/Accepted', 'Programmed=True/Programmed']);
    const rejected = await setUntil(teamB.name, 'ports', ['Accepted=False/NotAllowed', 'Programmed=False/NotAllowed']);
    expect(rejected.status?.conditions?.find((c) => c.type === 'Accepted')?.message).toContain(`namespace "${teamB.name}" does not match`);
    await gatewayUntil(infra.name, 'shared', (g) => {
      expect(g.status?.attachedListenerSets).toBe(1);
      expect(states(g.status?.conditions, 'Accepted', 'Programmed')).toEqual(['Accepted=True/Accepted', 'Programmed=True/Programmed']);
    });
    const routeA = await until<L4Route>(R.TCPRoute, { namespace: teamA.name, name: 'echo' }, (r) => expect(states(r.status?.parents?.[0]?.conditions, 'Accepted')).toEqual(['Accepted=True/Accepted']));
    expect(routeA.status?.parents?.map((p) => p.parentRef)).toEqual([{ group: GW_GROUP, kind: 'ListenerSet', namespace: teamA.name, name: 'ports', sectionName: 'echo' }]);
    expect(routeA.status?.parents?.[0]?.controllerName).toBe(CONTROLLER_NAME);
    await until<L4Route>(R.TCPRoute, { namespace: teamB.name, name: 'echo' }, (r) => expect(states(r.status?.parents?.[0]?.conditions, 'Accepted')).toEqual(['Accepted=False/NotAllowedByListeners']));
    await eventually(async () => expect(await servedPorts(infra.name, 'shared')).toEqual(['9500/TCP', '9501/TCP']));

    // Labels move: team B is let in, team A out. Its route is detached and its port released; B's comes up.
    await labelNamespace(teamB.name, { 'gateway-access': 'platform' });
    await labelNamespace(teamA.name, { 'gateway-access': null });
    await setUntil(teamB.name, 'ports', ['Accepted=True/Accepted', 'Programmed=True/Programmed']);
    await setUntil(teamA.name, 'ports', ['Accepted=False/NotAllowed', 'Programmed=False/NotAllowed']);
    await until<L4Route>(R.TCPRoute, { namespace: teamA.name, name: 'echo' }, (r) => expect(states(r.status?.parents?.[0]?.conditions, 'Accepted')).toEqual(['Accepted=False/NotAllowedByListeners']));
    await eventually(async () => expect(await servedPorts(infra.name, 'shared')).toEqual(['9500/TCP', '9502/TCP']));
    await gatewayUntil(infra.name, 'shared', (g) => expect(g.status?.attachedListenerSets).toBe(1));
  });

  it('takes none by default and the Same namespace only with from: Same, re-evaluated when allowedListeners changes', async () => {
    const ns = await namespaceWithBackend('ls-same');
    const other = await namespaceWithBackend('ls-other');
    const parent = { namespace: ns.name, name: 'gw' };
    await create(R.Gateway, gateway(ns.name, 'gw', [tcp('base', 9510)]));
    await create(R.ListenerSet, listenerSet(ns.name, 'local', parent, [tcp('extra', 9511)]));
    await create(R.ListenerSet, listenerSet(other.name, 'remote', parent, [tcp('extra', 9512)]));
    await setUntil(ns.name, 'local', ['Accepted=False/NotAllowed', 'Programmed=False/NotAllowed']);
    await setUntil(other.name, 'remote', ['Accepted=False/NotAllowed', 'Programmed=False/NotAllowed']);
    const gw = await gatewayUntil(ns.name, 'gw');
    expect(gw.status?.attachedListenerSets ?? 0).toBe(0);

    await env().admin.patch(R.Gateway, { namespace: ns.name, name: 'gw' }, { spec: { allowedListeners: { namespaces: { from: 'Same' } } } });
    await setUntil(ns.name, 'local', ['Accepted=True/Accepted', 'Programmed=True/Programmed']);
    await setUntil(other.name, 'remote', ['Accepted=False/NotAllowed', 'Programmed=False/NotAllowed']);
    await gatewayUntil(ns.name, 'gw', (g) => expect(g.status?.attachedListenerSets).toBe(1));
  });
});

describe('precedence and conflicts', () => {
  it('keeps the Gateway listener and the older ListenerSet listener; the later one is Conflicted and not served', async () => {
    const ns = await namespaceWithBackend('ls-conflict');
    const parent = { namespace: ns.name, name: 'gw' };
    await create(R.Gateway, gateway(ns.name, 'gw', [tcp('gateway-listener', 9520)], { allowedListeners: { namespaces: { from: 'Same' } } }));
    // Named so that alphabetical order would pick the newer one: only creationTimestamp decides between them.
    await create(R.ListenerSet, listenerSet(ns.name, 'z-older', parent, [tcp('conflict-with-gateway', 9520), tcp('shared-port', 9521)]));
    await nextSecond(R.ListenerSet, { namespace: ns.name, name: 'z-older' });
    await create(R.ListenerSet, listenerSet(ns.name, 'a-newer', parent, [tcp('shared-port', 9521), udp('dns', 9521)]));
    for (const [set, listener] of [['z-older', 'shared-port'], ['a-newer', 'shared-port']] as const) {
      await create(R.TCPRoute, route('TCPRoute', ns.name, `${set}-route`, [{ kind: 'ListenerSet', name: set, sectionName: listener }], [{ name: 'echo', port: 8080 }]));
    }

    const older = await setUntil(ns.name, 'z-older', ['Accepted=True/ListenersNotValid', 'Programmed=True/Programmed']);
    const byName = (ls: ListenerSet, name: string) => ls.status?.listeners?.find((l) => l.name === name);
    const CONFLICTED = ['Accepted=False/HostnameConflict', 'Programmed=False/HostnameConflict', 'Conflicted=True/HostnameConflict', 'ResolvedRefs=True/ResolvedRefs'];
    const ACCEPTED = ['Accepted=True/Accepted', 'Programmed=True/Programmed', 'Conflicted=absent', 'ResolvedRefs=True/ResolvedRefs'];
    expect(states(byName(older, 'conflict-with-gateway')?.conditions, 'Accepted', 'Programmed', 'Conflicted', 'ResolvedRefs')).toEqual(CONFLICTED);
    expect(states(byName(older, 'shared-port')?.conditions, 'Accepted', 'Programmed', 'Conflicted', 'ResolvedRefs')).toEqual(ACCEPTED);
    const newer = await setUntil(ns.name, 'a-newer', ['Accepted=True/ListenersNotValid', 'Programmed=True/Programmed']);
    expect(states(byName(newer, 'shared-port')?.conditions, 'Accepted', 'Programmed', 'Conflicted', 'ResolvedRefs')).toEqual(CONFLICTED);
    expect(states(byName(newer, 'dns')?.conditions, 'Accepted', 'Programmed', 'Conflicted')).toEqual(ACCEPTED.slice(0, 3));
    // The conflicted listener still counts its route (attachedRoutes counts on rejected listeners), but serves nothing.
    await until<ListenerSet>(R.ListenerSet, { namespace: ns.name, name: 'a-newer' }, (ls) => expect(byName(ls, 'shared-port')?.attachedRoutes).toBe(1));
    const gw = await gatewayUntil(ns.name, 'gw', (g) => expect(g.status?.attachedListenerSets).toBe(2));
    expect(states(gw.status?.listeners?.[0]?.conditions, 'Accepted', 'Conflicted')).toEqual(['Accepted=True/Accepted', 'Conflicted=absent']);
    await eventually(async () => expect(await servedPorts(ns.name, 'gw')).toEqual(['9520/TCP', '9521/TCP']));
  });
});

describe('routes on ListenerSets', () => {
  it('serves a UDPRoute on a ListenerSet listener; a Gateway parentRef never finds a ListenerSet listener; deletion releases the port', async () => {
    const ns = await env().newNamespace('ls-routes');
    const team = await env().newNamespace('ls-routes-team', 0);
    await create(R.Service, service(team.name, 'dns', { app: 'dns' }, [{ name: 'dns', port: 53, targetPort: 5353, protocol: 'UDP' }]));
    await create(R.EndpointSlice, { ...endpointSlice(team.name, 'dns', ['10.244.0.53'], { name: 'dns', port: 5353, protocol: 'UDP' }) });
    await create(R.Gateway, gateway(ns.name, 'gw', [tcp('base', 9530)], { allowedListeners: { namespaces: { from: 'All' } } }));
    await create(R.ListenerSet, listenerSet(team.name, 'dns', { namespace: ns.name, name: 'gw' }, [udp('dns', 9553)]));
    await create(R.UDPRoute, route('UDPRoute', team.name, 'dns', [{ kind: 'ListenerSet', name: 'dns', port: 9553 }], [{ name: 'dns', port: 53 }]));
    await create(R.UDPRoute, route('UDPRoute', team.name, 'wrong-parent', [{ name: 'gw', namespace: ns.name, sectionName: 'dns' }], [{ name: 'dns', port: 53 }]));

    await setUntil(team.name, 'dns', ['Accepted=True/Accepted', 'Programmed=True/Programmed']);
    // The ListenerSet can be accepted before the controller has seen the route (the clean-clone CI run saw
    // attachedRoutes 0 there once): the count is waited for, not read once.
    await until<ListenerSet>(R.ListenerSet, { namespace: team.name, name: 'dns' }, (ls) =>
      expect(ls.status?.listeners).toMatchObject([{ name: 'dns', attachedRoutes: 1, supportedKinds: [{ group: GW_GROUP, kind: 'UDPRoute' }] }]),
    );
    const r = await until<L4Route>(R.UDPRoute, { namespace: team.name, name: 'dns' }, (x) =>
      expect(states(x.status?.parents?.[0]?.conditions, 'Accepted', 'ResolvedRefs')).toEqual(['Accepted=True/Accepted', 'ResolvedRefs=True/ResolvedRefs']),
    );
    expect(r.status?.parents?.map((p) => p.parentRef)).toEqual([{ group: GW_GROUP, kind: 'ListenerSet', namespace: team.name, name: 'dns', port: 9553 }]);
    await until<L4Route>(R.UDPRoute, { namespace: team.name, name: 'wrong-parent' }, (x) =>
      expect(states(x.status?.parents?.[0]?.conditions, 'Accepted')).toEqual(['Accepted=False/NoMatchingParent']),
    );
    await eventually(async () => expect(await servedPorts(ns.name, 'gw')).toEqual(['9530/TCP', '9553/UDP']));

    await env().admin.delete(R.ListenerSet, { namespace: team.name, name: 'dns' });
    await eventually(async () => expect(await servedPorts(ns.name, 'gw')).toEqual(['9530/TCP']));
    // The route's entry for the ListenerSet is ours to remove once the ListenerSet is gone.
    await until<L4Route>(R.UDPRoute, { namespace: team.name, name: 'dns' }, (x) => expect(x.status?.parents ?? []).toEqual([]));
    await gatewayUntil(ns.name, 'gw', (g) => expect(g.status?.attachedListenerSets).toBe(0));
  });
});

describe('examples/listener-sets.yaml', () => {
  it('applied to the API server: both teams attached with their TCP and UDP ports on the platform address, the third NotAllowed', async () => {
    const file = path.resolve(import.meta.dirname, '../../../../examples/listener-sets.yaml');
    const objects = parseAllDocuments(readFileSync(file, 'utf8')).map((d) => d.toJS() as KubeObject).filter((o) => o !== null);
    await env().setIpamKey('range-platform', env().freshRange(2).range);
    const resources: Record<string, (typeof R)[keyof typeof R]> = R;
    for (const o of objects) await create(resources[o.kind ?? '']!, o);

    await setUntil('team-tcp', 'database', ['Accepted=True/Accepted', 'Programmed=True/Programmed']);
    await setUntil('team-udp', 'logging', ['Accepted=True/Accepted', 'Programmed=True/Programmed']);
    await setUntil('team-other', 'web', ['Accepted=False/NotAllowed', 'Programmed=False/NotAllowed']);
    await gatewayUntil('platform', 'shared', (g) => {
      expect(g.status?.attachedListenerSets).toBe(2);
      expect(states(g.status?.conditions, 'Accepted', 'Programmed')).toEqual(['Accepted=True/Accepted', 'Programmed=True/Programmed']);
    });
    for (const [kind, ns, name] of [['TCPRoute', 'team-tcp', 'postgres'], ['UDPRoute', 'team-udp', 'syslog'], ['TCPRoute', 'platform', 'ssh']] as const) {
      await until<L4Route>(R[kind], { namespace: ns, name }, (r) => expect(states(r.status?.parents?.[0]?.conditions, 'Accepted', 'ResolvedRefs')).toEqual(['Accepted=True/Accepted', 'ResolvedRefs=True/ResolvedRefs']));
    }
    await eventually(async () => expect(await servedPorts('platform', 'shared')).toEqual(['22/TCP', '514/UDP', '5432/TCP']));
  });
});

describe('RBAC of deploy/', () => {
  it("was enough: the API server refused none of the controller's requests, ListenerSet status writes included", () => {
    const requests = env().auditedRequests();
    expect(requests.some((r) => r.verb === 'list' && r.resource === 'listenersets' && r.code === 200)).toBe(true);
    expect(requests.some((r) => r.verb === 'update' && r.resource === 'listenersets' && r.subresource === 'status' && r.code === 200)).toBe(true);
    expect(requests.filter((r) => r.code === 403)).toEqual([]);
  });
});
