// The controller's ListenerSet plumbing on an in-memory cluster: the cache indexes, the Gateway keys a route's events
// concern, and the removal of route status entries of ListenerSets that left their Gateway.
import { describe, expect, it } from 'vitest';
import type { L4Route, ListenerSet as ListenerSetObject } from '@kube-vip-gw/gateway-model';
import {
  ListenerSet,
  Namespace,
  TCPRoute,
  UDPRoute,
  ConflictError,
  type Client,
} from '@kube-vip-gw/controller-runtime';
import { MemoryCluster } from '@kube-vip-gw/controller-runtime/memory';
import { CacheView, indexListenerSetGateway, indexParentListenerSets } from './cache-view.js';
import { listViewStores } from './watched-resources.js';
import { ListenerSetDepartures, clearDepartedListenerSets, type ListenerSetWriteDeps } from './listener-sets.js';

const CONTROLLER = 'kube-vip.io/controller';
const now = () => new Date('2026-11-26T00:00:00Z');
const GW = 'gateway.networking.k8s.io';

async function view(client: Client): Promise<CacheView> {
  return new CacheView(await listViewStores(client));
}

const set = (ns: string, name: string, parent: { name: string; namespace?: string; kind?: string }): ListenerSetObject => ({
  metadata: { namespace: ns, name },
  spec: { parentRef: parent, listeners: [{ name: 'l', protocol: 'TCP', port: 9000 }] },
});
const entry = (name: string, controllerName = CONTROLLER) => ({
  parentRef: { group: GW, kind: 'ListenerSet', namespace: 'team', name },
  controllerName,
  conditions: [{ type: 'Accepted', status: 'True' as const, reason: 'Accepted', message: '', lastTransitionTime: '2026-01-01T00:00:00Z' }],
});
const tcpRoute = (name: string, parentRefs: L4Route['spec']['parentRefs'], parents: ReturnType<typeof entry>[] = []): L4Route => ({
  metadata: { namespace: 'team', name },
  spec: { parentRefs, rules: [{ backendRefs: [{ name: 'echo', port: 80 }] }] },
  status: { parents },
});

describe('indexes', () => {
  it('indexes a route by the ListenerSets of its parentRefs and status entries, not by its Gateway parentRefs', () => {
    const r = tcpRoute('r', [{ kind: 'ListenerSet', name: 'a' }, { name: 'gw' }, { kind: 'ListenerSet', name: 'b', namespace: 'other' }, { group: 'example.com', kind: 'ListenerSet', name: 'c' }], [entry('old')]);
    expect(indexParentListenerSets(r).sort()).toEqual(['other/b', 'team/a', 'team/old']);
  });
  it("indexes a ListenerSet by its parent Gateway, defaulting the namespace to its own; other kinds not at all", () => {
    expect(indexListenerSetGateway(set('team', 'a', { name: 'gw', namespace: 'infra' }))).toEqual(['infra/gw']);
    expect(indexListenerSetGateway(set('team', 'a', { name: 'gw' }))).toEqual(['team/gw']);
    expect(indexListenerSetGateway(set('team', 'a', { name: 'gw', kind: 'Service' }))).toEqual([]);
  });
});

describe('CacheView.gatewaysForRoute', () => {
  it("maps a route to the Gateways it names and the parents of the ListenerSets it names", async () => {
    const c = new MemoryCluster({ now });
    for (const ns of ['team', 'infra']) await c.create(Namespace, { metadata: { name: ns } });
    await c.create(ListenerSet, set('team', 'a', { name: 'shared', namespace: 'infra' }));
    const v = await view(c);
    expect(v.gatewaysForRoute(tcpRoute('r', [{ name: 'own' }, { kind: 'ListenerSet', name: 'a' }, { kind: 'ListenerSet', name: 'missing' }])).sort()).toEqual(['infra/shared', 'team/own']);
    expect(v.listenerSetsForGateway('infra', 'shared').map((s) => s.metadata.name)).toEqual(['a']);
  });
});

describe('ListenerSetDepartures', () => {
  it('keeps departed ListenerSets per Gateway until done', () => {
    const d = new ListenerSetDepartures();
    d.record('infra/gw', { namespace: 'team', name: 'a' });
    d.record('infra/gw', { namespace: 'team', name: 'a' });
    d.record('infra/gw', { namespace: 'team', name: 'b' });
    expect(d.pending('infra/gw')).toEqual([{ namespace: 'team', name: 'a' }, { namespace: 'team', name: 'b' }]);
    expect(d.pending('infra/other')).toEqual([]);
    d.done('infra/gw', [{ namespace: 'team', name: 'a' }]);
    expect(d.pending('infra/gw')).toEqual([{ namespace: 'team', name: 'b' }]);
  });
});

describe('clearDepartedListenerSets', () => {
  async function setup() {
    const c = new MemoryCluster({ now });
    for (const ns of ['team', 'infra']) await c.create(Namespace, { metadata: { name: ns } });
    // "moved" still exists (its parentRef now names another Gateway); "deleted" does not.
    await c.create(ListenerSet, set('team', 'moved', { name: 'other', namespace: 'infra' }));
    for (const [name, refs, parents] of [
      ['on-deleted', [{ kind: 'ListenerSet', name: 'deleted' }], [entry('deleted'), entry('deleted', 'example.com/other')]],
      ['on-moved', [{ kind: 'ListenerSet', name: 'moved' }], [entry('moved')]],
    ] as const) {
      const created = await c.create(TCPRoute, tcpRoute(name, [...refs]));
      await c.updateStatus(TCPRoute, { ...created, status: { parents: [...parents] } });
    }
    const departures = new ListenerSetDepartures();
    departures.record('infra/gw', { namespace: 'team', name: 'deleted' });
    departures.record('infra/gw', { namespace: 'team', name: 'moved' });
    return { c, departures };
  }
  const deps = async (client: Client, departures: ListenerSetDepartures): Promise<ListenerSetWriteDeps> => ({
    controllerName: CONTROLLER,
    client,
    view: await view(client),
    routeResources: { TCPRoute, UDPRoute },
    now,
    departedListenerSets: departures,
  });
  const parentsOf = async (c: Client, name: string) => (await c.get<L4Route>(TCPRoute, { namespace: 'team', name })).status?.parents?.map((p) => `${p.controllerName}:${p.parentRef.name}`);

  it("removes our entries for a deleted ListenerSet, keeps other controllers' and a moved ListenerSet's", async () => {
    const { c, departures } = await setup();
    expect(await clearDepartedListenerSets(await deps(c, departures), 'infra', 'gw')).toBe(true);
    expect(await parentsOf(c, 'on-deleted')).toEqual(['example.com/other:deleted']);
    expect(await parentsOf(c, 'on-moved')).toEqual([`${CONTROLLER}:moved`]);
    expect(departures.pending('infra/gw')).toEqual([]);
  });

  it('keeps the departures and says so when a write meets a newer route, so the reconcile is retried', async () => {
    const { c, departures } = await setup();
    const conflicting: Client = new Proxy(c, {
      get: (target, prop, receiver) =>
        prop === 'updateStatus'
          ? async () => {
              throw new ConflictError('the object has been modified', { code: 409, reason: 'Conflict' });
            }
          : typeof Reflect.get(target, prop, receiver) === 'function'
            ? (Reflect.get(target, prop, receiver) as (...args: unknown[]) => unknown).bind(target)
            : Reflect.get(target, prop, receiver),
    });
    expect(await clearDepartedListenerSets(await deps(conflicting, departures), 'infra', 'gw')).toBe(false);
    expect(departures.pending('infra/gw')).toHaveLength(2);
    expect(await parentsOf(c, 'on-deleted')).toEqual([`${CONTROLLER}:deleted`, 'example.com/other:deleted']);
  });
});
