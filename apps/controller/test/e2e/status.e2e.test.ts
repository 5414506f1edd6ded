// Status scenarios of the Gateway API conformance tests that an L4 implementation can pass without traffic
// (reference: gateway-api-l4.md §3), against a real API server with the controller as its own process and the RBAC of
// deploy/. Each test has its own namespace (and IPAM pool); reasons are asserted exactly.
import { describe, expect, it } from 'vitest';
import type { ConfigMap, Gateway, GatewayClass, L4Route, RouteParentStatus } from '@kube-vip-gw/gateway-model';
import { CONTROLLER_NAME, GATEWAY_CLASS, useControllerEnvironment } from './support/environment.js';
import { R } from './support/kube-rest.js';
import {
  endpointSlice,
  gateway,
  listenerStatus,
  ourParent,
  referenceGrant,
  route,
  service,
  states,
  statusAddresses,
  tcp,
  udp,
} from './support/objects.js';
import { GATEWAY_NAME_LABEL, expectGatewaySpecsUntouched, reads } from './support/reads.js';
import { eventually, waitFor } from '@kube-vip-gw/test-support';

const env = useControllerEnvironment();

const GW_GROUP = 'gateway.networking.k8s.io';
const GATEWAY_EXISTS_FINALIZER = 'gateway-exists-finalizer.gateway.networking.k8s.io';
const TCP_ROUTE_KIND = [{ group: GW_GROUP, kind: 'TCPRoute' }];
const { until, gatewayUntil, servicesOf, endpointSlicesOf, trafficTargets, create, namespaceWithBackend } = reads(env);

describe('GatewayClass', () => {
  it('is Accepted with SupportedVersion and sorted supportedFeatures', async () => {
    const gc = await until<GatewayClass>(R.GatewayClass, { name: GATEWAY_CLASS }, (c) => {
      expect(states(c.status?.conditions, 'Accepted', 'SupportedVersion')).toEqual(['Accepted=True/Accepted', 'SupportedVersion=True/SupportedVersion']);
    });
    for (const c of gc.status?.conditions ?? []) expect(c.observedGeneration).toBe(gc.metadata.generation);
    const names = (gc.status?.supportedFeatures ?? []).map((f) => f.name);
    expect(names).toEqual([...names].sort());
    expect(names).toEqual(expect.arrayContaining(['Gateway', 'ReferenceGrant', 'TCPRoute', 'UDPRoute']));
  });

  it('holds the gateway-exists finalizer exactly while a Gateway uses the class', async () => {
    const e = env();
    const ns = await e.newNamespace('gc-finalizer');
    const className = `finalizer-${ns.name}`;
    await create(R.GatewayClass, { metadata: { name: className }, spec: { controllerName: CONTROLLER_NAME } });
    await until<GatewayClass>(R.GatewayClass, { name: className }, (c) => {
      expect(states(c.status?.conditions, 'Accepted')).toEqual(['Accepted=True/Accepted']);
      expect(c.metadata.finalizers ?? []).not.toContain(GATEWAY_EXISTS_FINALIZER);
    });
    await create(R.Gateway, gateway(ns.name, 'gw', [tcp('tcp', 8080)], { className }));
    await until<GatewayClass>(R.GatewayClass, { name: className }, (c) => expect(c.metadata.finalizers).toEqual([GATEWAY_EXISTS_FINALIZER]));
    await e.admin.delete(R.Gateway, { namespace: ns.name, name: 'gw' });
    await waitFor('the Gateway to be gone', async () => (await e.admin.find(R.Gateway, { namespace: ns.name, name: 'gw' })) === undefined);
    await until<GatewayClass>(R.GatewayClass, { name: className }, (c) => expect(c.metadata.finalizers ?? []).toEqual([]));
  });

  it('tracks observedGeneration on a second class with our controllerName (GatewayClassObservedGenerationBump)', async () => {
    const name = `gatewayclass-observed-generation-bump-${Date.now().toString(36)}`;
    await create(R.GatewayClass, { metadata: { name }, spec: { controllerName: CONTROLLER_NAME, description: 'before' } });
    await until<GatewayClass>(R.GatewayClass, { name }, (c) => {
      expect(states(c.status?.conditions, 'Accepted')).toEqual(['Accepted=True/Accepted']);
      expect(c.status?.conditions?.map((x) => x.observedGeneration)).toEqual(c.status?.conditions?.map(() => 1));
    });
    const patched = await env().admin.patch<GatewayClass>(R.GatewayClass, { name }, { spec: { description: 'after' } });
    expect(patched.metadata.generation).toBe(2);
    await until<GatewayClass>(R.GatewayClass, { name }, (c) => {
      expect(states(c.status?.conditions, 'Accepted', 'SupportedVersion')).toEqual(['Accepted=True/Accepted', 'SupportedVersion=True/SupportedVersion']);
      expect(c.status?.conditions?.map((x) => x.observedGeneration)).toEqual([2, 2]);
    });
  });

  it.each([
    ['a missing ConfigMap', undefined, 'params'],
    ['a ConfigMap with an unknown key', { serviceBehavior: 'update' }, 'serviceBehavior'],
    ['a ConfigMap with a bad value', { ipFamilyPolicy: 'Sometimes' }, 'Sometimes'],
  ])('is Accepted=False/InvalidParameters for parametersRef to %s, and Accepted once it is fixed', async (_, data, named) => {
    const e = env();
    const ns = await e.newNamespace('gc-params', 0);
    const name = `params-${ns.name}`;
    if (data) await create(R.ConfigMap, { metadata: { namespace: ns.name, name: 'params' }, data } as ConfigMap);
    await create(R.GatewayClass, {
      metadata: { name },
      spec: { controllerName: CONTROLLER_NAME, parametersRef: { group: '', kind: 'ConfigMap', name: 'params', namespace: ns.name } },
    });
    const rejected = await until<GatewayClass>(R.GatewayClass, { name }, (c) => {
      expect(states(c.status?.conditions, 'Accepted')).toEqual(['Accepted=False/InvalidParameters']);
    });
    expect(rejected.status?.conditions?.find((c) => c.type === 'Accepted')?.message).toContain(named);
    const valid = { metadata: { namespace: ns.name, name: 'params' }, data: { serviceBehaviour: 'duplicate' } } as ConfigMap;
    // An unconditional PUT (no resourceVersion) replaces the bad data whole.
    if (data) await e.admin.replace(R.ConfigMap, valid);
    else await create(R.ConfigMap, valid);
    await until<GatewayClass>(R.GatewayClass, { name }, (c) => expect(states(c.status?.conditions, 'Accepted')).toEqual(['Accepted=True/Accepted']));
  });

  it('is not touched when its controllerName is not ours, nor are its Gateways', async () => {
    const e = env();
    const ns = await e.newNamespace('not-ours');
    const other = `others-${ns.name}`;
    await create(R.GatewayClass, { metadata: { name: other }, spec: { controllerName: 'example.com/another-controller' } });
    await create(R.Gateway, gateway(ns.name, 'theirs', [tcp('tcp', 8080)], { className: other }));
    // A barrier: a class and a Gateway of ours made after theirs; once ours are done, theirs were seen and skipped.
    const mine = `mine-${ns.name}`;
    await create(R.GatewayClass, { metadata: { name: mine }, spec: { controllerName: CONTROLLER_NAME } });
    await create(R.Gateway, gateway(ns.name, 'ours', [tcp('tcp', 8080)], { className: mine }));
    await gatewayUntil(ns.name, 'ours', (g) => expect(states(g.status?.conditions, 'Programmed')).toEqual(['Programmed=True/Programmed']));

    const theirClass = await e.admin.get<GatewayClass>(R.GatewayClass, { name: other });
    expect(states(theirClass.status?.conditions, 'Accepted')).toEqual(['Accepted=Unknown/Pending']);
    expect(theirClass.metadata.finalizers ?? []).toEqual([]);
    const theirs = await e.admin.get<Gateway>(R.Gateway, { namespace: ns.name, name: 'theirs' });
    expect(states(theirs.status?.conditions, 'Accepted', 'Programmed')).toEqual(['Accepted=Unknown/Pending', 'Programmed=Unknown/Pending']);
    expect(theirs.metadata.finalizers ?? []).toEqual([]);
    const touched = e.auditedWrites().filter((w) => w.name === other || (w.namespace === ns.name && w.name === 'theirs'));
    expect(touched).toEqual([]);
  });
});

describe('Gateway listeners', () => {
  it.each([
    ['HTTP', { name: 'http', protocol: 'HTTP', port: 80 }],
    ['a custom protocol', { name: 'custom', protocol: 'example.com/custom', port: 80 }],
  ])('a Gateway whose only listener is %s is Accepted=False/ListenersNotValid, the listener UnsupportedProtocol', async (_, listener) => {
    const ns = await env().newNamespace('unsupported');
    await create(R.Gateway, gateway(ns.name, 'gw', [listener]));
    const gw = await gatewayUntil(ns.name, 'gw', (g) => expect(states(g.status?.conditions, 'Accepted')).toEqual(['Accepted=False/ListenersNotValid']));
    const l = listenerStatus(gw, listener.name);
    expect(states(l?.conditions, 'Accepted')).toEqual(['Accepted=False/UnsupportedProtocol']);
    expect(l?.supportedKinds ?? []).toEqual([]);
    expect(l?.attachedRoutes).toBe(0);
  });

  it('a Gateway with an HTTP and a TCP listener is Accepted=True/ListenersNotValid and serves the TCP one', async () => {
    const ns = await env().newNamespace('http-tcp');
    await create(R.Gateway, gateway(ns.name, 'gw', [{ name: 'http', protocol: 'HTTP', port: 80 }, tcp('tcp', 8080)]));
    const gw = await gatewayUntil(ns.name, 'gw', (g) =>
      expect(states(g.status?.conditions, 'Accepted', 'Programmed')).toEqual(['Accepted=True/ListenersNotValid', 'Programmed=True/Programmed']),
    );
    expect(states(listenerStatus(gw, 'http')?.conditions, 'Accepted')).toEqual(['Accepted=False/UnsupportedProtocol']);
    expect(listenerStatus(gw, 'http')?.supportedKinds ?? []).toEqual([]);
    expect(states(listenerStatus(gw, 'tcp')?.conditions, 'Accepted', 'ResolvedRefs', 'Programmed')).toEqual([
      'Accepted=True/Accepted',
      'ResolvedRefs=True/ResolvedRefs',
      'Programmed=True/Programmed',
    ]);
    expect(listenerStatus(gw, 'tcp')?.supportedKinds).toEqual(TCP_ROUTE_KIND);
  });

  it.each([
    ['only an invalid kind', [{ kind: 'InvalidRoute' }], []],
    ['an invalid and a valid kind', [{ kind: 'InvalidRoute' }, { kind: 'TCPRoute' }], TCP_ROUTE_KIND],
    ['a kind of another protocol', [{ kind: 'UDPRoute' }], []],
  ])('a TCP listener allowing %s has ResolvedRefs=False/InvalidRouteKinds (GatewayInvalidRouteKind)', async (_, kinds, supported) => {
    const ns = await env().newNamespace('route-kind');
    await create(R.Gateway, gateway(ns.name, 'gw', [tcp('tcp', 8080, { allowedRoutes: { kinds } })]));
    const gw = await gatewayUntil(ns.name, 'gw');
    const l = listenerStatus(gw, 'tcp');
    expect(states(l?.conditions, 'ResolvedRefs')).toEqual(['ResolvedRefs=False/InvalidRouteKinds']);
    expect(l?.supportedKinds ?? []).toEqual(supported);
  });
});

describe('Gateway generation', () => {
  it('tracks observedGeneration when a listener is added (GatewayObservedGenerationBump)', async () => {
    const e = env();
    const ns = await e.newNamespace('gw-generation');
    await create(R.Gateway, gateway(ns.name, 'gw', [tcp('a', 8080)]));
    const first = await gatewayUntil(ns.name, 'gw', (g) => expect(states(g.status?.conditions, 'Programmed')).toEqual(['Programmed=True/Programmed']));
    expect(first.metadata.generation).toBe(1);
    await e.admin.patch(R.Gateway, { namespace: ns.name, name: 'gw' }, { spec: { listeners: [tcp('a', 8080), udp('b', 8081)] } });
    const second = await gatewayUntil(ns.name, 'gw', (g) => expect(g.metadata.generation).toBe(2));
    expect(states(second.status?.conditions, 'Accepted', 'Programmed')).toEqual(['Accepted=True/Accepted', 'Programmed=True/Programmed']);
    expect(second.status?.listeners?.map((l) => [l.name, l.conditions.map((c) => c.observedGeneration)])).toEqual([
      ['a', [2, 2, 2]],
      ['b', [2, 2, 2]],
    ]);
    expect(statusAddresses(second)).toEqual(statusAddresses(first));
  });
});

describe('Gateway addresses', () => {
  it('walks the GatewayStaticAddresses steps: UnsupportedAddress, then AddressNotUsable, then exactly the usable address', async () => {
    const e = env();
    const ns = await e.newNamespace('static');
    const usable = ns.addresses[1]!;
    const unusable = '10.250.0.1'; // in no pool
    const invalid = { type: 'test/fake-invalid-type', value: '198.51.100.1' };
    await create(R.Gateway, gateway(ns.name, 'gw', [tcp('tcp', 8080)], { addresses: [invalid, { type: 'IPAddress', value: unusable }, { type: 'IPAddress', value: usable }] }));
    const unsupported = await gatewayUntil(ns.name, 'gw', (g) => expect(states(g.status?.conditions, 'Accepted')).toEqual(['Accepted=False/UnsupportedAddress']));
    expect(unsupported.status?.conditions?.find((c) => c.type === 'Accepted')?.message).toContain('test/fake-invalid-type');

    await e.admin.patch(R.Gateway, { namespace: ns.name, name: 'gw' }, { spec: { addresses: [{ type: 'IPAddress', value: unusable }, { type: 'IPAddress', value: usable }] } });
    const notUsable = await gatewayUntil(ns.name, 'gw', (g) =>
      expect(states(g.status?.conditions, 'Accepted', 'Programmed')).toEqual(['Accepted=True/Accepted', 'Programmed=False/AddressNotUsable']),
    );
    expect(notUsable.status?.conditions?.find((c) => c.type === 'Programmed')?.message).toContain(unusable);

    await e.admin.patch(R.Gateway, { namespace: ns.name, name: 'gw' }, { spec: { addresses: [{ type: 'IPAddress', value: usable }] } });
    const programmed = await gatewayUntil(ns.name, 'gw', (g) => expect(states(g.status?.conditions, 'Programmed')).toEqual(['Programmed=True/Programmed']));
    expect(programmed.status?.addresses).toEqual([{ type: 'IPAddress', value: usable }]);
    expect(programmed.spec.addresses).toEqual([{ type: 'IPAddress', value: usable }]);
  });

  it('refuses a static address another Gateway holds with AddressNotUsable naming it', async () => {
    const e = env();
    const ns = await e.newNamespace('taken');
    const first = await (async () => {
      await create(R.Gateway, gateway(ns.name, 'first', [tcp('tcp', 8080)]));
      return gatewayUntil(ns.name, 'first', (g) => expect(statusAddresses(g)).toHaveLength(1));
    })();
    const taken = statusAddresses(first)[0]!;
    await create(R.Gateway, gateway(ns.name, 'second', [tcp('tcp', 8080)], { addresses: [{ type: 'IPAddress', value: taken }] }));
    const second = await gatewayUntil(ns.name, 'second', (g) => expect(states(g.status?.conditions, 'Programmed')).toEqual(['Programmed=False/AddressNotUsable']));
    expect(second.status?.conditions?.find((c) => c.type === 'Programmed')?.message).toContain(taken);
    expect(statusAddresses(second)).not.toContain(taken);
  });

  it('assigns an address from the namespace pool to an address without a value (GatewayOptionalAddressValue)', async () => {
    const e = env();
    const ns = await e.newNamespace('empty-value');
    await create(R.Gateway, gateway(ns.name, 'gw', [tcp('tcp', 8080)], { addresses: [{ type: 'IPAddress' }] }));
    const gw = await gatewayUntil(ns.name, 'gw', (g) => expect(states(g.status?.conditions, 'Programmed')).toEqual(['Programmed=True/Programmed']));
    expect(gw.status?.addresses).toHaveLength(1);
    expect(gw.status?.addresses?.[0]?.type).toBe('IPAddress');
    expect(ns.addresses).toContain(gw.status?.addresses?.[0]?.value);
  });
});

describe('dual-stack', () => {
  it.each([
    ['RequireDualStack, dual-stack pool', { ipFamilyPolicy: 'RequireDualStack' }, true, ['IPv4', 'IPv6'], 'RequireDualStack'],
    ['RequireDualStack, IPv6 first', { ipFamilyPolicy: 'RequireDualStack', ipFamilies: 'IPv6,IPv4' }, true, ['IPv6', 'IPv4'], 'RequireDualStack'],
    ['PreferDualStack, dual-stack pool', { ipFamilyPolicy: 'PreferDualStack' }, true, ['IPv4', 'IPv6'], 'PreferDualStack'],
    // One family only: a PreferDualStack Service would get a second family from the API server that the controller
    // would then fight over (the API server refuses to drop it unless SingleStack).
    ['PreferDualStack, IPv4-only pool', { ipFamilyPolicy: 'PreferDualStack' }, false, ['IPv4'], 'SingleStack'],
    ['no policy, dual-stack pool', {}, true, ['IPv4'], 'SingleStack'],
  ])('%s: the Gateway and its Service carry the addresses of the families asked for, primary first', async (_, data, dualPool, families, policy) => {
    const e = env();
    const ns = await namespaceWithBackend('dual');
    const v4 = e.freshRange(2);
    await e.setIpamKey(`range-${ns.name}`, dualPool ? `${v4.range},fd00:e2e:${v4.addresses[0]!.split('.')[2]}::1-fd00:e2e:${v4.addresses[0]!.split('.')[2]}::2` : v4.range);
    await create(R.ConfigMap, { metadata: { namespace: ns.name, name: 'dual' }, data } as ConfigMap);
    await create(R.Gateway, gateway(ns.name, 'gw', [tcp('tcp', 7000)], { infrastructure: { parametersRef: { group: '', kind: 'ConfigMap', name: 'dual' } } }));
    await create(R.TCPRoute, route('TCPRoute', ns.name, 'r', [{ name: 'gw' }], [{ name: 'echo', port: 8080 }]));
    const gw = await gatewayUntil(ns.name, 'gw', (g) => expect(states(g.status?.conditions, 'Programmed')).toEqual(['Programmed=True/Programmed']));
    const addresses = statusAddresses(gw);
    expect(addresses.map((a) => (a.includes(':') ? 'IPv6' : 'IPv4'))).toEqual(families);
    expect(addresses[families.indexOf('IPv4')]).toBe(v4.addresses[0]);
    const [svc] = await eventually(async () => {
      const list = await servicesOf(ns.name, 'gw');
      expect(list).toHaveLength(1);
      return list;
    });
    expect(svc?.metadata.annotations?.['kube-vip.io/loadbalancerIPs']).toBe(addresses.join(','));
    expect([svc?.spec?.ipFamilyPolicy, svc?.spec?.ipFamilies]).toEqual([policy, families]);
  });
});

describe('Gateway infrastructure', () => {
  it('copies spec.infrastructure labels and annotations onto the Service it makes (GatewayInfrastructure)', async () => {
    const ns = await namespaceWithBackend('infra');
    await create(
      R.Gateway,
      gateway(ns.name, 'gw', [tcp('tcp', 7000)], { infrastructure: { labels: { team: 'e2e' }, annotations: { 'example.com/note': 'hello' } } }),
    );
    await create(R.TCPRoute, route('TCPRoute', ns.name, 'r', [{ name: 'gw' }], [{ name: 'echo', port: 8080 }]));
    const gw = await gatewayUntil(ns.name, 'gw', (g) => expect(listenerStatus(g, 'tcp')?.attachedRoutes).toBe(1));
    const address = statusAddresses(gw)[0]!;
    const [svc, ...more] = await eventually(async () => {
      const list = await servicesOf(ns.name, 'gw');
      expect(list).toHaveLength(1);
      return list;
    });
    expect(more).toEqual([]);
    expect(svc?.metadata.labels).toMatchObject({ team: 'e2e', [GATEWAY_NAME_LABEL]: 'gw', implementation: 'kube-vip' });
    expect(svc?.metadata.annotations).toMatchObject({ 'example.com/note': 'hello', 'kube-vip.io/loadbalancerIPs': address });
    expect(svc?.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: 'Gateway', name: 'gw', uid: gw.metadata.uid, controller: true })]);
    expect(svc?.spec?.type).toBe('LoadBalancer');
    // The Gateway Service is selector-less: its EndpointSlice (with the same labels) carries the backend's endpoints.
    expect(svc?.spec?.selector).toBeUndefined();
    expect(svc?.spec?.ports?.map((p) => [p.name, p.protocol, p.port])).toEqual([['tcp', 'TCP', 7000]]);
    const [slice] = await eventually(async () => {
      const list = await endpointSlicesOf(ns.name, 'gw');
      expect(list).toHaveLength(1);
      return list;
    });
    expect(slice?.metadata.labels).toMatchObject({ team: 'e2e', 'kubernetes.io/service-name': svc!.metadata.name });
    expect(slice?.metadata.annotations).toMatchObject({ 'example.com/note': 'hello' });
    expect(slice?.ports).toEqual([{ name: 'tcp', protocol: 'TCP', port: 9090 }]);
  });

  it.each([
    ['an unsupported kind', { group: 'invalid.io', kind: 'InvalidParameters', name: 'x' }, undefined, 'InvalidParameters'],
    ['a missing ConfigMap', { group: '', kind: 'ConfigMap', name: 'missing' }, undefined, 'missing'],
    ['a ConfigMap with an unknown key', { group: '', kind: 'ConfigMap', name: 'params' }, { colour: 'blue' }, 'colour'],
  ])('is Accepted=False/InvalidParameters for infrastructure.parametersRef to %s (GatewayInvalidParametersRef)', async (_, ref, data, named) => {
    const e = env();
    const ns = await e.newNamespace('gw-params');
    if (data) await create(R.ConfigMap, { metadata: { namespace: ns.name, name: ref.name }, data } as ConfigMap);
    await create(R.Gateway, gateway(ns.name, 'gw', [tcp('tcp', 8080)], { infrastructure: { parametersRef: ref } }));
    const gw = await gatewayUntil(ns.name, 'gw', (g) => expect(states(g.status?.conditions, 'Accepted')).toEqual(['Accepted=False/InvalidParameters']));
    expect(gw.status?.conditions?.find((c) => c.type === 'Accepted')?.message).toContain(named);
  });
});

describe('routes', () => {
  it('reports a backend that does not exist as ResolvedRefs=False/BackendNotFound and still attaches (TCPRouteInvalidBackendRefNonexistent)', async () => {
    const ns = await env().newNamespace('no-backend');
    await create(R.Gateway, gateway(ns.name, 'gw', [tcp('tcp', 9300)]));
    await create(R.TCPRoute, route('TCPRoute', ns.name, 'r', [{ name: 'gw' }], [{ name: 'nonexistent-service', port: 8080 }]));
    const r = await until<L4Route>(R.TCPRoute, { namespace: ns.name, name: 'r' }, (x) =>
      expect(states(ourParent(x, 'gw', CONTROLLER_NAME)?.conditions, 'Accepted', 'ResolvedRefs')).toEqual([
        'Accepted=True/Accepted',
        'ResolvedRefs=False/BackendNotFound',
      ]),
    );
    expect(ourParent(r, 'gw', CONTROLLER_NAME)?.conditions.find((c) => c.type === 'ResolvedRefs')?.message).toContain('nonexistent-service');
    await gatewayUntil(ns.name, 'gw', (g) => expect(listenerStatus(g, 'tcp')?.attachedRoutes).toBe(1));
    expect(await trafficTargets(ns.name, 'gw')).toEqual([]);
  });

  it('refuses a cross-namespace backend without a ReferenceGrant, serves it with one, refuses it again when the grant goes (TCPRouteReferenceGrant)', async () => {
    const e = env();
    const ns = await e.newNamespace('xns-routes');
    const backends = await namespaceWithBackend('xns-backends');
    await create(R.Gateway, gateway(ns.name, 'gw', [tcp('tcp', 9301)]));
    await create(R.TCPRoute, route('TCPRoute', ns.name, 'r', [{ name: 'gw' }], [{ name: 'echo', namespace: backends.name, port: 8080 }]));
    const parentStates = (x: L4Route) => states(ourParent(x, 'gw', CONTROLLER_NAME)?.conditions, 'Accepted', 'ResolvedRefs');

    await until<L4Route>(R.TCPRoute, { namespace: ns.name, name: 'r' }, (x) => expect(parentStates(x)).toEqual(['Accepted=True/Accepted', 'ResolvedRefs=False/RefNotPermitted']));
    // TCPRouteInvalidCrossNamespaceBackendRef: the Gateway still has an address and its listener is fine.
    const gw = await gatewayUntil(ns.name, 'gw', (g) => {
      expect(statusAddresses(g)).toHaveLength(1);
      expect(states(listenerStatus(g, 'tcp')?.conditions, 'Accepted', 'ResolvedRefs', 'Programmed')).toEqual([
        'Accepted=True/Accepted',
        'ResolvedRefs=True/ResolvedRefs',
        'Programmed=True/Programmed',
      ]);
    });
    expect(await trafficTargets(ns.name, 'gw')).toEqual([]);

    await create(R.ReferenceGrant, referenceGrant(backends.name, 'allow', ns.name));
    await until<L4Route>(R.TCPRoute, { namespace: ns.name, name: 'r' }, (x) => expect(parentStates(x)).toEqual(['Accepted=True/Accepted', 'ResolvedRefs=True/ResolvedRefs']));
    const [svc] = await eventually(async () => {
      const list = await servicesOf(ns.name, 'gw');
      expect(list).toHaveLength(1);
      return list;
    });
    expect(svc?.metadata.annotations?.['kube-vip.io/loadbalancerIPs']).toBe(statusAddresses(gw)[0]);
    expect(svc?.spec?.ports?.map((p) => p.port)).toEqual([9301]);
    // The backend lives in another namespace: its endpoints are mirrored behind a selector-less Service.
    await eventually(async () => expect(await trafficTargets(ns.name, 'gw')).toEqual(['10.244.0.10']));

    await e.admin.delete(R.ReferenceGrant, { namespace: backends.name, name: 'allow' });
    await until<L4Route>(R.TCPRoute, { namespace: ns.name, name: 'r' }, (x) => expect(parentStates(x)).toEqual(['Accepted=True/Accepted', 'ResolvedRefs=False/RefNotPermitted']));
    await eventually(async () => expect(await trafficTargets(ns.name, 'gw')).toEqual([]));
  });

  it('does not attach a TCPRoute to an HTTP listener named by sectionName (TCPRouteInvalidNonTCPListener)', async () => {
    const ns = await namespaceWithBackend('non-tcp');
    await create(R.Gateway, gateway(ns.name, 'gw', [{ name: 'http', protocol: 'HTTP', port: 80, allowedRoutes: { kinds: [{ kind: 'HTTPRoute' }] } }]));
    await create(R.TCPRoute, route('TCPRoute', ns.name, 'r', [{ name: 'gw', sectionName: 'http' }], [{ name: 'echo', port: 8080 }]));
    await until<L4Route>(R.TCPRoute, { namespace: ns.name, name: 'r' }, (x) =>
      expect(states(ourParent(x, 'gw', CONTROLLER_NAME, { sectionName: 'http' })?.conditions, 'Accepted')).toEqual(['Accepted=False/NotAllowedByListeners']),
    );
    const gw = await gatewayUntil(ns.name, 'gw');
    expect(gw.status?.listeners?.map((l) => l.attachedRoutes)).toEqual([0]);
    expect(await servicesOf(ns.name, 'gw')).toEqual([]);
  });

  it('accepts two routes on one listener, counts both, and serves the oldest (TCPRouteMultipleRoutesAttachment)', async () => {
    const e = env();
    const ns = await e.newNamespace('multi');
    await create(R.Service, service(ns.name, 'older-backend', { app: 'older' }, [{ port: 8080, protocol: 'TCP' }]));
    await create(R.Service, service(ns.name, 'newer-backend', { app: 'newer' }, [{ port: 8080, protocol: 'TCP' }]));
    await create(R.EndpointSlice, endpointSlice(ns.name, 'older-backend', ['10.244.1.1'], { port: 8080 }));
    await create(R.EndpointSlice, endpointSlice(ns.name, 'newer-backend', ['10.244.2.2'], { port: 8080 }));
    await create(R.Gateway, gateway(ns.name, 'gw', [tcp('tcp', 9302)]));
    // Named so that alphabetical order would pick the newer one: only creationTimestamp (1 s resolution) decides.
    await create(R.TCPRoute, route('TCPRoute', ns.name, 'z-older', [{ name: 'gw' }], [{ name: 'older-backend', port: 8080 }]));
    const older = await e.admin.get<L4Route>(R.TCPRoute, { namespace: ns.name, name: 'z-older' });
    await waitFor('the next second of creationTimestamp', () => new Date().toISOString().slice(0, 19) > (older.metadata.creationTimestamp ?? '').slice(0, 19));
    await create(R.TCPRoute, route('TCPRoute', ns.name, 'a-newer', [{ name: 'gw' }], [{ name: 'newer-backend', port: 8080 }]));
    for (const name of ['z-older', 'a-newer']) {
      await until<L4Route>(R.TCPRoute, { namespace: ns.name, name }, (x) =>
        expect(states(ourParent(x, 'gw', CONTROLLER_NAME)?.conditions, 'Accepted', 'ResolvedRefs')).toEqual(['Accepted=True/Accepted', 'ResolvedRefs=True/ResolvedRefs']),
      );
    }
    const gw = await gatewayUntil(ns.name, 'gw', (g) => expect(listenerStatus(g, 'tcp')?.attachedRoutes).toBe(2));
    expect(states(listenerStatus(gw, 'tcp')?.conditions, 'Accepted')).toEqual(['Accepted=True/Accepted']);
    expect(listenerStatus(gw, 'tcp')?.supportedKinds).toEqual(TCP_ROUTE_KIND);
    const services = await eventually(async () => {
      const list = await servicesOf(ns.name, 'gw');
      expect(list).toHaveLength(1);
      return list;
    });
    expect(services[0]?.spec?.selector).toBeUndefined();
    await eventually(async () => expect(await trafficTargets(ns.name, 'gw')).toEqual(['10.244.1.1']));
  });

  it('attaches by port, by sectionName, by both and by neither, and refuses a sectionName/port pair that names no listener', async () => {
    const ns = await namespaceWithBackend('parentref');
    await create(R.Gateway, gateway(ns.name, 'gw', [tcp('a', 9311), tcp('b', 9312)]));
    const cases: [string, { sectionName?: string; port?: number }, string][] = [
      ['by-port', { port: 9312 }, 'Accepted=True/Accepted'],
      ['by-section', { sectionName: 'a' }, 'Accepted=True/Accepted'],
      ['by-both', { sectionName: 'b', port: 9312 }, 'Accepted=True/Accepted'],
      ['by-neither', {}, 'Accepted=True/Accepted'],
      ['mismatched', { sectionName: 'a', port: 9312 }, 'Accepted=False/NoMatchingParent'],
      ['no-such-port', { port: 9999 }, 'Accepted=False/NoMatchingParent'],
    ];
    for (const [name, ref] of cases) await create(R.TCPRoute, route('TCPRoute', ns.name, name, [{ name: 'gw', ...ref }], [{ name: 'echo', port: 8080 }]));
    for (const [name, ref, accepted] of cases) {
      await until<L4Route>(R.TCPRoute, { namespace: ns.name, name }, (x) => {
        const parent = ourParent(x, 'gw', CONTROLLER_NAME, ref);
        expect(states(parent?.conditions, 'Accepted'), name).toEqual([accepted]);
        expect(parent?.parentRef, name).toEqual({ group: GW_GROUP, kind: 'Gateway', namespace: ns.name, name: 'gw', ...ref });
      });
    }
    // a: by-section, by-neither; b: by-port, by-both, by-neither.
    const gw = await gatewayUntil(ns.name, 'gw', (g) => expect(g.status?.listeners?.map((l) => [l.name, l.attachedRoutes])).toEqual([['a', 2], ['b', 3]]));
    const services = await eventually(async () => {
      const list = await servicesOf(ns.name, 'gw');
      expect(list.flatMap((s) => s.spec?.ports?.map((p) => p.port) ?? []).sort()).toEqual([9311, 9312]);
      return list;
    });
    for (const s of services) expect(s.metadata.annotations?.['kube-vip.io/loadbalancerIPs']).toBe(statusAddresses(gw)[0]);
  });

  it('realises a UDPRoute as a UDP LoadBalancer Service', async () => {
    const e = env();
    const ns = await e.newNamespace('udp');
    await create(R.Service, service(ns.name, 'dns', { app: 'dns' }, [{ name: 'dns', port: 53, targetPort: 5353, protocol: 'UDP' }]));
    await create(R.EndpointSlice, endpointSlice(ns.name, 'dns', ['10.244.3.3'], { name: 'dns', port: 5353, protocol: 'UDP' }));
    await create(R.Gateway, gateway(ns.name, 'gw', [udp('dns', 5300)]));
    await create(R.UDPRoute, route('UDPRoute', ns.name, 'r', [{ name: 'gw' }], [{ name: 'dns', port: 53 }]));
    await until<L4Route>(R.UDPRoute, { namespace: ns.name, name: 'r' }, (x) =>
      expect(states(ourParent(x, 'gw', CONTROLLER_NAME)?.conditions, 'Accepted', 'ResolvedRefs')).toEqual(['Accepted=True/Accepted', 'ResolvedRefs=True/ResolvedRefs']),
    );
    const gw = await gatewayUntil(ns.name, 'gw', (g) => expect(listenerStatus(g, 'dns')?.supportedKinds).toEqual([{ group: GW_GROUP, kind: 'UDPRoute' }]));
    const [svc] = await eventually(async () => {
      const list = await servicesOf(ns.name, 'gw');
      expect(list).toHaveLength(1);
      return list;
    });
    expect(svc?.spec?.type).toBe('LoadBalancer');
    expect(svc?.spec?.ports?.map((p) => [p.name, p.protocol, p.port])).toEqual([['dns', 'UDP', 5300]]);
    // The Pod port is the backend's resolved targetPort, on the EndpointSlice the controller writes.
    const slices = await eventually(async () => {
      const list = await endpointSlicesOf(ns.name, 'gw');
      expect(list).toHaveLength(1);
      return list;
    });
    expect(slices[0]?.ports).toEqual([{ name: 'dns', protocol: 'UDP', port: 5353 }]);
    expect(slices[0]?.endpoints.map((ep) => ep.addresses[0])).toEqual(['10.244.3.3']);
    expect(svc?.metadata.annotations?.['kube-vip.io/loadbalancerIPs']).toBe(statusAddresses(gw)[0]);
  });

  it('writes explicit group/kind/namespace and our controllerName, and leaves another controller\'s entry alone', async () => {
    const e = env();
    const ns = await namespaceWithBackend('parents');
    await create(R.Gateway, gateway(ns.name, 'gw', [tcp('tcp', 9320)]));
    await create(R.TCPRoute, route('TCPRoute', ns.name, 'r', [{ name: 'elsewhere' }], [{ name: 'echo', port: 8080 }]));
    const theirs: RouteParentStatus = {
      parentRef: { group: GW_GROUP, kind: 'Gateway', namespace: ns.name, name: 'elsewhere' },
      controllerName: 'example.com/another-controller',
      conditions: [{ type: 'Accepted', status: 'True', reason: 'Accepted', message: 'theirs', observedGeneration: 1, lastTransitionTime: '2026-01-01T00:00:00Z' }],
    };
    const created = await e.admin.get<L4Route>(R.TCPRoute, { namespace: ns.name, name: 'r' });
    await e.admin.replace(R.TCPRoute, { ...created, status: { parents: [theirs] } }, 'status');
    await e.admin.patch(R.TCPRoute, { namespace: ns.name, name: 'r' }, { spec: { parentRefs: [{ name: 'elsewhere' }, { name: 'gw' }] } });
    const r = await until<L4Route>(R.TCPRoute, { namespace: ns.name, name: 'r' }, (x) =>
      expect(states(ourParent(x, 'gw', CONTROLLER_NAME)?.conditions, 'Accepted', 'ResolvedRefs')).toEqual(['Accepted=True/Accepted', 'ResolvedRefs=True/ResolvedRefs']),
    );
    expect(r.status?.parents?.[0]).toEqual(theirs);
    expect(r.status?.parents).toHaveLength(2);
    const ours = ourParent(r, 'gw', CONTROLLER_NAME)!;
    expect(ours.parentRef).toEqual({ group: GW_GROUP, kind: 'Gateway', namespace: ns.name, name: 'gw' });
    for (const c of ours.conditions) expect(c.observedGeneration).toBe(r.metadata.generation);
  });
});

describe('spec ownership', () => {
  it('never wrote a Gateway spec (only status and its finalizer), across every Gateway of this file', async () => {
    expect(await expectGatewaySpecsUntouched(env().admin)).toBeGreaterThan(20);
  });
});

describe('RBAC of deploy/', () => {
  it('was enough: the API server refused none of the controller\'s requests', () => {
    const requests = env().auditedRequests();
    // The log does hold the controller's requests (its informers' lists), so an empty refusal list means something.
    expect(requests.some((r) => r.verb === 'list' && r.resource === 'gateways' && r.code === 200)).toBe(true);
    expect(requests.filter((r) => r.code === 403)).toEqual([]);
  });
});
