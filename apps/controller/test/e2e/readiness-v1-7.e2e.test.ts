// Behaviour Gateway API v1.7's conformance suite adds tests for, checked on the v1.6.1 CRDs we install: a Gateway with
// the longest name the API server takes (GatewayNameMaximumLength), conditions of other controllers on a Gateway and
// its listeners left exactly as they are (GatewayPreserveForeignConditions), and a protocol nobody defined for L4 such
// as WSS reported as UnsupportedProtocol.
import { describe, expect, it } from 'vitest';
import { boundedLabelValue, type Condition, type Gateway, type L4Route } from '@kube-vip-gw/gateway-model';
import { CONTROLLER_NAME, useControllerEnvironment } from './support/environment.js';
import { R } from './support/kube-rest.js';
import { gateway, listenerStatus, observedCurrentGeneration, ourParent, route, states, statusAddresses, tcp } from './support/objects.js';
import { GATEWAY_NAME_LABEL, reads } from './support/reads.js';
import { eventually } from '@kube-vip-gw/test-support';

const env = useControllerEnvironment();
const { until, gatewayUntil, create, namespaceWithBackend } = reads(env);

describe('a 253-character Gateway name (GatewayNameMaximumLength)', () => {
  it('is reconciled: Programmed, its route attached, its Service and lease names and labels bounded', async () => {
    const ns = await namespaceWithBackend('long-name');
    const name = `gateway-name-maximum-length-${'a'.repeat(253 - 'gateway-name-maximum-length-'.length)}`;
    expect(name).toHaveLength(253);
    await create(R.Gateway, gateway(ns.name, name, [tcp('tcp', 9600)]));
    await create(R.TCPRoute, route('TCPRoute', ns.name, 'r', [{ name }], [{ name: 'echo', port: 8080 }]));
    const gw = await gatewayUntil(ns.name, name, (g) => expect(states(g.status?.conditions, 'Accepted', 'Programmed')).toEqual(['Accepted=True/Accepted', 'Programmed=True/Programmed']));
    expect(statusAddresses(gw)).toHaveLength(1);
    await until<L4Route>(R.TCPRoute, { namespace: ns.name, name: 'r' }, (r) => expect(states(ourParent(r, name, CONTROLLER_NAME)?.conditions, 'Accepted')).toEqual(['Accepted=True/Accepted']));
    const services = await eventually(async () => {
      const list = await env().admin.list<{ metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> } }>(R.Service, ns.name, `${GATEWAY_NAME_LABEL}=${boundedLabelValue(name)}`);
      expect(list).toHaveLength(1);
      return list;
    });
    const svc = services[0]!;
    expect(svc.metadata.name.length).toBeLessThanOrEqual(63);
    expect(svc.metadata.labels?.[GATEWAY_NAME_LABEL]?.length).toBeLessThanOrEqual(63);
    expect(svc.metadata.annotations?.['kube-vip.io/leaseName']?.length).toBeLessThanOrEqual(63);
    expect(svc.metadata.annotations?.['kube-vip.io/loadbalancerIPs']).toBe(statusAddresses(gw)[0]);
  });
});

describe('conditions of other controllers (GatewayPreserveForeignConditions)', () => {
  it('keeps a foreign condition on the Gateway and on a listener unchanged through a reconcile of a new generation', async () => {
    const ns = await env().newNamespace('foreign');
    await create(R.Gateway, gateway(ns.name, 'gw', [tcp('tcp', 9610)]));
    const first = await gatewayUntil(ns.name, 'gw', (g) => expect(listenerStatus(g, 'tcp')).toBeDefined());
    const foreign = (generation: number | undefined): Condition => ({
      type: 'example.com/Audited',
      status: 'True',
      reason: 'Seeded',
      message: 'written by another controller',
      observedGeneration: generation ?? 1,
      lastTransitionTime: '2026-01-01T00:00:00Z',
    });
    const seeded: Gateway = structuredClone(first);
    seeded.status!.conditions = [...(seeded.status?.conditions ?? []), foreign(first.metadata.generation)];
    listenerStatus(seeded, 'tcp')!.conditions.push(foreign(first.metadata.generation));
    await env().admin.replace(R.Gateway, seeded, 'status');
    // A new generation makes the controller write status again on top of the seeded conditions.
    await env().admin.patch(R.Gateway, { namespace: ns.name, name: 'gw' }, { spec: { listeners: [tcp('tcp', 9611)] } });
    const gw = await until<Gateway>(R.Gateway, { namespace: ns.name, name: 'gw' }, (g) => {
      expect(g.metadata.generation).toBe(2);
      const ours = [...(g.status?.conditions ?? []), ...(listenerStatus(g, 'tcp')?.conditions ?? [])].filter((c) => c.type !== 'example.com/Audited');
      for (const c of ours) expect(c.observedGeneration).toBe(2);
    });
    expect(gw.status?.conditions?.find((c) => c.type === 'example.com/Audited')).toEqual(foreign(1));
    expect(listenerStatus(gw, 'tcp')?.conditions.find((c) => c.type === 'example.com/Audited')).toEqual(foreign(1));
    expect(observedCurrentGeneration(gw)).toBe(false); // the seeded condition keeps its own (older) generation
  });
});

describe('a protocol this implementation does not know', () => {
  it.each(['WSS', 'example.com/quic'])('reports %s as Accepted=False/UnsupportedProtocol with no supported kinds, and serves the TCP listener beside it', async (protocol) => {
    const ns = await env().newNamespace('unknown-protocol');
    await create(R.Gateway, gateway(ns.name, 'gw', [tcp('tcp', 9620), { name: 'other', protocol, port: 9621 }]));
    const gw = await gatewayUntil(ns.name, 'gw', (g) => expect(listenerStatus(g, 'other')).toBeDefined());
    expect(states(listenerStatus(gw, 'other')?.conditions, 'Accepted', 'Programmed')).toEqual(['Accepted=False/UnsupportedProtocol', 'Programmed=False/Invalid']);
    expect(listenerStatus(gw, 'other')?.supportedKinds).toEqual([]);
    expect(states(listenerStatus(gw, 'tcp')?.conditions, 'Accepted')).toEqual(['Accepted=True/Accepted']);
    expect(states(gw.status?.conditions, 'Accepted')).toEqual(['Accepted=True/ListenersNotValid']);
  });
});
