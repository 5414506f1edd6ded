// The Gateway Service (the default realisation): one Service per Gateway, every listener's port, mirrored endpoints,
// and the hand-over from per-listener Services without a moment in which a port has no Service.
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import type { EndpointSlice, Service } from '@kube-vip-gw/gateway-model';
import { longName } from './internal/arbitraries.testkit.js';
import { gatewayServiceName, listenerServiceName, servicePortNames } from './internal/envelope.js';
import { applyPlan, backend, endpoint, gateway, GW_NS, served, service, slice } from './internal/fixtures.testkit.js';
import { desiredForGateway, mapListener } from './mapper.js';
import { isEmptyPlan, planChanges, type ActualObjects } from './plan.js';
import type { ServedListener } from './types.js';

const PORT_NAME = /^(?=.*[a-z])(?!.*--)[a-z0-9]([a-z0-9-]{0,13}[a-z0-9])?$/;
const DNS1035 = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** A listener without a route (nothing attached yet). */
function routeless(name: string, port: number, protocol: 'TCP' | 'UDP' = 'TCP', over: Partial<ServedListener> = {}): ServedListener {
  const { route: _route, ...rest } = served({ listener: { name, port, protocol }, backends: [] });
  return { ...rest, ...over };
}

const web = service(GW_NS, 'web', { ports: [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 'http' }] });
const webSlice = slice(GW_NS, 'web', { name: 'http', port: 8080 }, [endpoint('10.0.0.1'), endpoint('10.0.0.2', 'node-b', { ready: false, serving: true, terminating: true })]);
const dns = service('apps', 'dns', { ports: [{ name: 'dns', protocol: 'UDP', port: 53, targetPort: 5353 }] });
const dnsSlice = slice('apps', 'dns', { name: 'dns', port: 5353, protocol: 'UDP' }, [{ ...endpoint('10.1.0.1'), zone: 'z1' }]);

function mixed(): ServedListener[] {
  return [
    served({ listener: { name: 'web', port: 80, protocol: 'TCP' }, backends: [backend(web, 80, { endpointSlices: [webSlice] })] }),
    served({
      listener: { name: 'dns', port: 53, protocol: 'UDP' },
      route: { kind: 'UDPRoute', namespace: GW_NS, name: 'dns' },
      backends: [backend(dns, 53, { endpointSlices: [dnsSlice] })],
    }),
    routeless('tls', 443),
  ];
}

describe('the Gateway Service', () => {
  it('is one selector-less LoadBalancer Service carrying every listener, TCP and UDP mixed, routes or not', () => {
    const d = desiredForGateway(gateway(), mixed());
    expect(d.problems).toEqual([]);
    expect(d.gatewayProblems).toEqual([]);
    expect(d.services).toHaveLength(1);
    const svc = d.services[0]!;
    expect(svc.metadata.name).toBe('kvgateway-infra-gw');
    expect(svc.spec?.selector).toBeUndefined();
    expect(svc.spec).toMatchObject({ type: 'LoadBalancer', externalTrafficPolicy: 'Cluster', allocateLoadBalancerNodePorts: false, ipFamilies: ['IPv4'] });
    expect(svc.spec?.ports).toEqual([
      { name: 'web', protocol: 'TCP', port: 80, targetPort: 80 },
      { name: 'dns', protocol: 'UDP', port: 53, targetPort: 53 },
      { name: 'tls', protocol: 'TCP', port: 443, targetPort: 443 },
    ]);
    expect(svc.metadata.annotations?.['kube-vip.io/loadbalancerIPs']).toBe('192.0.2.10');
    expect(svc.metadata.labels).toMatchObject({ implementation: 'kube-vip', 'gateway.networking.k8s.io/gateway-name': 'gw' });
    expect(svc.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: 'Gateway', uid: 'uid-gw', controller: true })]);
    expect(d.listeners.map((l) => [l.listener, l.strategy, l.services.map((s) => s.metadata.name)])).toEqual([
      ['web', 'gateway', ['kvgateway-infra-gw']],
      ['dns', 'gateway', ['kvgateway-infra-gw']],
      ['tls', 'gateway', ['kvgateway-infra-gw']],
    ]);
  });

  it('writes per listener the endpoints of its backends, the slice port named like the Service port and numbered with the resolved target port', () => {
    const d = desiredForGateway(gateway(), mixed());
    const bySvcPort = (name: string) => d.endpointSlices.filter((s) => s.ports?.[0]?.name === name);
    const [webSlices, dnsSlices, tlsSlices] = [bySvcPort('web'), bySvcPort('dns'), bySvcPort('tls')];
    expect(tlsSlices).toEqual([]); // a route-less listener: a port without endpoints, connections refused
    expect(webSlices).toHaveLength(1);
    expect(webSlices[0]).toMatchObject({
      addressType: 'IPv4',
      ports: [{ name: 'web', protocol: 'TCP', port: 8080 }], // the named targetPort "http", as the backend's slice resolved it
      metadata: { labels: { 'kubernetes.io/service-name': 'kvgateway-infra-gw', 'endpointslice.kubernetes.io/managed-by': 'gateway-api-controller.kube-vip.io' } },
    });
    // conditions and nodeName kept (terminating endpoints too: kube-proxy falls back to serving ones)
    expect(webSlices[0]!.endpoints).toEqual([
      { addresses: ['10.0.0.1'], conditions: { ready: true, serving: true, terminating: false }, nodeName: 'node-a', targetRef: { kind: 'Pod', name: 'pod-10.0.0.1', namespace: GW_NS } },
      { addresses: ['10.0.0.2'], conditions: { ready: false, serving: true, terminating: true }, nodeName: 'node-b', targetRef: { kind: 'Pod', name: 'pod-10.0.0.2', namespace: GW_NS } },
    ]);
    // a granted cross-namespace backend: zone kept, Pod reference made namespace-qualified
    expect(dnsSlices[0]).toMatchObject({ ports: [{ name: 'dns', protocol: 'UDP', port: 5353 }], endpoints: [{ addresses: ['10.1.0.1'], zone: 'z1', targetRef: { namespace: 'apps' } }] });
  });

  it('groups by family and target port, merges several backends, drops duplicates and weight-0 backends, sorts', () => {
    const other = service(GW_NS, 'other', { ports: [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 'http' }] });
    const zero = service(GW_NS, 'zero', { ports: [{ protocol: 'TCP', port: 80, targetPort: 80 }] });
    const d = desiredForGateway(gateway({}), [
      served({
        listener: { name: 'web', port: 80, protocol: 'TCP' },
        addresses: ['192.0.2.10', '2001:db8::10'],
        backends: [
          backend(web, 80, { endpointSlices: [webSlice, slice(GW_NS, 'web', { name: 'http', port: 9090 }, [endpoint('10.0.0.9')], 'IPv4', 'nine')] }),
          backend(other, 80, {
            endpointSlices: [
              slice(GW_NS, 'other', { name: 'http', port: 8080 }, [endpoint('10.0.0.3'), endpoint('10.0.0.1')]),
              slice(GW_NS, 'other', { name: 'http', port: 8080 }, [endpoint('fd00::1')], 'IPv6', 'v6'),
            ],
          }),
          backend(zero, 80, { weight: 0, endpointSlices: [slice(GW_NS, 'zero', { port: 80 }, [endpoint('10.0.0.50')])] }),
        ],
      }),
    ]);
    expect(d.endpointSlices.map((s) => [s.addressType, s.ports?.[0]?.port, s.endpoints.map((e) => e.addresses[0])])).toEqual([
      ['IPv4', 8080, ['10.0.0.1', '10.0.0.2', '10.0.0.3']],
      ['IPv4', 9090, ['10.0.0.9']],
      ['IPv6', 8080, ['fd00::1']],
    ]);
    expect(new Set(d.endpointSlices.map((s) => s.metadata.name)).size).toBe(3);
  });

  it('bounds slices to 100 endpoints', () => {
    const many = Array.from({ length: 250 }, (_, i) => endpoint(`10.2.${Math.floor(i / 200)}.${(i % 200) + 1}`));
    const d = desiredForGateway(gateway(), [served({ listener: { name: 'web', port: 80, protocol: 'TCP' }, backends: [backend(web, 80, { endpointSlices: [slice(GW_NS, 'web', { name: 'http', port: 8080 }, many)] })] })]);
    expect(d.endpointSlices.map((s) => s.endpoints.length)).toEqual([100, 100, 50]);
  });

  it('says what the traffic split really is when weights differ', () => {
    const b = service(GW_NS, 'b', { ports: [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 8080 }] });
    const d = desiredForGateway(gateway(), [
      served({
        backends: [
          backend(web, 80, { weight: 3, endpointSlices: [webSlice] }), // 1 ready, 1 terminating
          backend(b, 80, { weight: 1, endpointSlices: [slice(GW_NS, 'b', { name: 'http', port: 8080 }, [endpoint('10.0.1.1'), endpoint('10.0.1.2'), endpoint('10.0.1.3')])] }),
        ],
      }),
    ]);
    const warning = d.problems.find((p) => p.reason === 'WeightsApproximated');
    expect(warning?.severity).toBe('Warning');
    expect(warning?.message).toContain(`${GW_NS}/web=3, ${GW_NS}/b=1`);
    expect(warning?.message).toContain(`the split is ${GW_NS}/web 25 % (1 of 4 ready endpoints), ${GW_NS}/b 75 % (3 of 4 ready endpoints)`);
    const equal = desiredForGateway(gateway(), [served({ backends: [backend(web, 80, { weight: 2 }), backend(b, 80, { weight: 2 })] })]);
    expect(equal.problems.filter((p) => p.reason === 'WeightsApproximated')).toEqual([]);
  });

  it('takes the Gateway-level parameters: traffic policy, class, node ports, families, infrastructure metadata', () => {
    const gw = gateway({ infrastructure: { labels: { team: 'a' }, annotations: { 'kube-vip.io/serviceInterface': 'eth1' } } });
    const parameters = { externalTrafficPolicy: 'Local' as const, loadBalancerClass: 'kube-vip.io/kube-vip-class', allocateLoadBalancerNodePorts: true };
    const d = desiredForGateway(gw, [served({ gateway: gw, parameters, addresses: ['2001:db8::10', '192.0.2.10'] }), { ...routeless('b', 81), gateway: gw, parameters, addresses: ['2001:db8::10', '192.0.2.10'] }]);
    const svc = d.services[0]!;
    expect(svc.spec).toMatchObject({
      externalTrafficPolicy: 'Local',
      loadBalancerClass: 'kube-vip.io/kube-vip-class',
      allocateLoadBalancerNodePorts: true,
      ipFamilyPolicy: 'RequireDualStack',
      ipFamilies: ['IPv6', 'IPv4'],
    });
    expect(svc.metadata.labels?.['team']).toBe('a');
    expect(svc.metadata.annotations?.['kube-vip.io/serviceInterface']).toBe('eth1');
    // One Service is elected as one: no warning about listeners announced from different nodes.
    expect([...d.problems, ...d.gatewayProblems].map((p) => p.reason)).not.toContain('LocalTrafficPolicy');
  });

  it('leaves off (with a PortConflict) a second listener on a port and protocol already taken, serving the rest', () => {
    const d = desiredForGateway(gateway(), [routeless('a', 80), routeless('b', 80), routeless('c', 80, 'UDP')]);
    expect(d.services[0]!.spec?.ports?.map((p) => `${p.name}:${p.port}/${p.protocol}`)).toEqual(['a:80/TCP', 'c:80/UDP']);
    expect(d.problems).toEqual([expect.objectContaining({ listener: 'b', severity: 'Error', reason: 'PortConflict', message: expect.stringContaining('listener a') })]);
  });

  it('is not made when no listener is realised by it', () => {
    const d = desiredForGateway(gateway(), [{ ...routeless('a', 80), parameters: { strategy: { gatewayClass: 'duplicate' } } }]);
    expect(d.services).toEqual([]);
    expect(d.listeners).toEqual([expect.objectContaining({ listener: 'a', strategy: 'duplicate', services: [] })]);
  });

  it('is chosen by auto and by the name gateway anywhere; per-route strategies keep their listeners off it', () => {
    const dup = served({ listener: { name: 'dup', port: 81, protocol: 'TCP' }, route: { kind: 'TCPRoute', namespace: GW_NS, name: 'dup', annotations: { 'kube-vip.io/service-behaviour': 'duplicate' } } });
    const named = served({ listener: { name: 'named', port: 82, protocol: 'TCP' }, parameters: { strategy: { gateway: 'Gateway', flag: 'endpoints' } } });
    const d = desiredForGateway(gateway(), [served(), dup, named]);
    expect(d.services.map((s) => [s.metadata.name, s.spec?.ports?.map((p) => p.port)])).toEqual([
      ['kvgateway-infra-gw', [80, 82]],
      ['kvgw-gw-dup', [81]],
    ]);
    const warning = d.gatewayProblems.find((p) => p.reason === 'MultipleServicesForAddress');
    expect(warning?.severity).toBe('Warning');
    expect(warning?.message).toContain(`2 Services (${GW_NS}/kvgateway-infra-gw, ${GW_NS}/kvgw-gw-dup)`);
    expect(warning?.message).toContain('svc_election=false');
    expect(warning?.message).toContain('kubevip-<service>');
  });

  it('mapListener gives one listener its own Gateway Service', () => {
    const d = mapListener(served());
    expect(d.strategy).toBe('gateway');
    expect(d.services.map((s) => s.metadata.name)).toEqual(['kvgateway-infra-gw']);
  });

  it('is deterministic and idempotent: applied once, the next plan is empty', () => {
    const desired = desiredForGateway(gateway(), mixed());
    expect(desiredForGateway(gateway(), structuredClone(mixed()))).toEqual(desired);
    const state = applyPlan({ services: [], endpointSlices: [] }, planChanges(desired, { services: [], endpointSlices: [] }));
    expect(isEmptyPlan(planChanges(desired, state))).toBe(true);
  });
});

describe('names', () => {
  test.prop([longName])('the Gateway Service name is a DNS-1035 label of at most 63 characters, deterministic', (gw) => {
    const name = gatewayServiceName(GW_NS, gw);
    expect(DNS1035.test(name), name).toBe(true);
    expect(gatewayServiceName(GW_NS, gw)).toBe(name);
  });

  test.prop([longName, longName, longName])('never collides with a per-listener Service name', (gw, otherGw, listener) => {
    expect(gatewayServiceName(GW_NS, gw)).not.toBe(listenerServiceName(otherGw, listener));
    expect(listenerServiceName(otherGw, listener).startsWith('kvgw-')).toBe(true);
  });

  it('is readable when it can be', () => {
    expect(gatewayServiceName('infra', 'gw')).toBe('kvgateway-infra-gw');
    expect(gatewayServiceName('infra', 'my-gateway')).toMatch(/^kvgateway-infra-my-gateway-[0-9a-f]{8}$/);
    expect(gatewayServiceName('infra', 'a.b')).toMatch(/^kvgateway-infra-a-b-[0-9a-f]{8}$/);
    expect(gatewayServiceName('infra', 'g'.repeat(100))).toHaveLength(63);
  });

  // kube-vip v1.0.0 elects Services by name across namespaces: same-named Gateways in two namespaces must not share it.
  test.prop([longName, longName, longName])('differs for Gateways of one name in different namespaces', (gw, ns1, ns2) => {
    fc.pre(ns1 !== ns2);
    expect(gatewayServiceName(ns1, gw)).not.toBe(gatewayServiceName(ns2, gw));
  });

  test.prop([fc.uniqueArray(fc.oneof(longName, fc.constantFrom('80', 'a--b', 'tcp', 'udp-53', 'x'.repeat(16), 'l80')), { minLength: 1, maxLength: 8 })])(
    'port names are valid, unique, deterministic, and a listener name that is a valid port name is kept',
    (listeners) => {
      const names = servicePortNames(listeners);
      const values = listeners.map((l) => names.get(l)!);
      for (const v of values) expect(PORT_NAME.test(v), v).toBe(true);
      expect(new Set(values).size).toBe(values.length);
      expect(servicePortNames([...listeners].reverse())).toEqual(new Map([...names].sort()));
      for (const l of listeners) if (PORT_NAME.test(l)) expect(names.get(l)).toBe(l);
    },
  );

  it('hashes a listener name that is not a port name, keeping its first letters', () => {
    const names = servicePortNames(['80', 'very-long-listener-name', 'a.b']);
    expect(names.get('80')).toMatch(/^l80-[0-9a-f]{8}$/);
    expect(names.get('very-long-listener-name')).toMatch(/^very-l-[0-9a-f]{8}$/);
    expect(names.get('a.b')).toMatch(/^a-b-[0-9a-f]{8}$/);
  });
});

/** Every listener port is on a LoadBalancer Service that has the desired slices for it (or needs none). */
function expectEveryPortCarried(state: ActualObjects, listeners: readonly ServedListener[]): void {
  for (const l of listeners) {
    const carriers = state.services.filter((s) => s.spec?.type === 'LoadBalancer' && (s.spec.ports ?? []).some((p) => p.port === l.listener.port && p.protocol === l.listener.protocol));
    expect(carriers.length, `port ${l.listener.port}/${l.listener.protocol} of listener ${l.listener.name}`).toBeGreaterThan(0);
    const withEndpoints = carriers.filter((s) => s.spec?.selector !== undefined || state.endpointSlices.some((e) => e.metadata.labels?.['kubernetes.io/service-name'] === s.metadata.name));
    if (l.backends.some((b) => b.endpointSlices.length > 0)) expect(withEndpoints.length, `endpoints for listener ${l.listener.name}`).toBeGreaterThan(0);
  }
}

describe('upgrade from per-listener Services', () => {
  const old = (strategy: string) => mixed().slice(0, 2).map((l) => ({ ...l, parameters: { strategy: { flag: strategy } } }));

  it.each(['endpoints', 'update'])('from %s: the Gateway Service first, the old objects only once it carries their ports, then idle', (strategy) => {
    const users = [web, dns];
    let state: ActualObjects = { services: users, endpointSlices: [] };
    const before = desiredForGateway(gateway(), old(strategy));
    expect(before.problems.filter((p) => p.severity === 'Error')).toEqual([]);
    state = applyPlan(state, planChanges(before, state));
    expect(isEmptyPlan(planChanges(before, state))).toBe(true);
    const oldNames = state.services.filter((s) => s.spec?.type === 'LoadBalancer').map((s) => s.metadata.name).sort();
    expect(oldNames).toEqual(strategy === 'endpoints' ? ['kvgw-gw-dns', 'kvgw-gw-web'] : ['dns', 'web']);

    const after = desiredForGateway(gateway(), mixed());
    const create = planChanges(after, state);
    expect(create.create.map((o) => `${o.kind}/${o.metadata.name}`)).toContain('Service/kvgateway-infra-gw');
    expect(create.delete).toEqual([]); // nothing goes before the Gateway Service carries its ports
    expect(create.patch.filter((p) => p.reason === 'restore')).toEqual([]);
    state = applyPlan(state, create);
    expectEveryPortCarried(state, mixed());

    const retire = planChanges(after, state);
    if (strategy === 'endpoints') {
      expect(retire.delete.filter((d) => d.kind === 'Service').map((d) => d.name).sort()).toEqual(['kvgw-gw-dns', 'kvgw-gw-web']);
      expect(retire.delete.filter((d) => d.kind === 'EndpointSlice').length).toBeGreaterThan(0);
    } else expect(retire.patch.filter((p) => p.reason === 'withdraw').map((p) => p.name).sort()).toEqual(['dns', 'web']);
    state = applyPlan(state, retire);
    expectEveryPortCarried(state, mixed());
    if (strategy === 'update') {
      // The give-back's second write, once the withdrawal shows: the exact restore.
      const restore = planChanges(after, state);
      expect(restore.patch.map((p) => [p.reason, p.name]).sort()).toEqual([['restore', 'dns'], ['restore', 'web']]);
      state = applyPlan(state, restore);
      expectEveryPortCarried(state, mixed());
    }
    expect(isEmptyPlan(planChanges(after, state))).toBe(true);
    expect(state.services.filter((s) => s.spec?.type === 'LoadBalancer').map((s) => s.metadata.name)).toEqual(['kvgateway-infra-gw']);
  });

  it('waits while the Gateway Service exists but its EndpointSlices do not yet', () => {
    let state: ActualObjects = { services: [web, dns], endpointSlices: [] };
    const before = desiredForGateway(gateway(), old('endpoints'));
    state = applyPlan(state, planChanges(before, state));
    const after = desiredForGateway(gateway(), mixed());
    const created = applyPlan(state, planChanges(after, state));
    const withoutNewSlices: ActualObjects = {
      services: created.services,
      endpointSlices: created.endpointSlices.filter((s: EndpointSlice) => s.metadata.labels?.['kubernetes.io/service-name'] !== 'kvgateway-infra-gw'),
    };
    expect(planChanges(after, withoutNewSlices).delete.filter((d) => d.kind === 'Service')).toEqual([]);
  });

  it('back from the Gateway Service to a per-route strategy: the new Service first, then the Gateway Service goes', () => {
    const listener = served({ backends: [backend(web, 80, { endpointSlices: [webSlice] })] });
    let state: ActualObjects = { services: [web], endpointSlices: [] };
    const onGateway = desiredForGateway(gateway(), [listener]);
    state = applyPlan(state, planChanges(onGateway, state));
    const perRoute = desiredForGateway(gateway(), [{ ...listener, parameters: { strategy: { flag: 'endpoints' } } }]);
    const first = planChanges(perRoute, state);
    expect(first.create.map((o) => o.metadata.name)).toContain('kvgw-gw-tcp');
    expect(first.delete).toEqual([]);
    state = applyPlan(state, first);
    const second = planChanges(perRoute, state);
    expect(second.delete.map((d) => `${d.kind}/${d.name}`)).toContain('Service/kvgateway-infra-gw');
    state = applyPlan(state, second);
    expect(isEmptyPlan(planChanges(perRoute, state))).toBe(true);
    expect(state.services.map((s: Service) => s.metadata.name).sort()).toEqual(['kvgw-gw-tcp', 'web']);
  });

  it('a Gateway going away releases everything at once (nothing to hand over to)', () => {
    let state: ActualObjects = { services: [web], endpointSlices: [] };
    state = applyPlan(state, planChanges(desiredForGateway(gateway(), mixed()), state));
    const released = applyPlan(state, planChanges(desiredForGateway(gateway(), []), state));
    expect(released.services.map((s) => s.metadata.name)).toEqual(['web']);
    expect(released.endpointSlices).toEqual([]);
  });
});
