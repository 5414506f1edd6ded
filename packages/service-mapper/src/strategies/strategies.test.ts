import { describe, expect, it } from 'vitest';
import { backend, endpoint, gateway, GW_NS, served, service, slice } from '../internal/fixtures.testkit.js';
import { isDns1035Label, isDns1123Label, isLabelValue } from '@kube-vip-gw/kube-core';
import { desiredForGateway, mapListener } from '../mapper.js';
import type { ListenerDesired, ServedListener } from '../types.js';

const errors = (d: ListenerDesired) => d.problems.filter((p) => p.severity === 'Error');
const warnings = (d: ListenerDesired) => d.problems.filter((p) => p.severity === 'Warning');

/** Asserts the listener is served (no Error) and returns its output. */
function ok(input: ServedListener): ListenerDesired {
  const d = mapListener(input);
  expect(errors(d)).toEqual([]);
  return d;
}

/** Asserts the listener is refused with `reason` and a message matching `text`, and that nothing is produced. */
function refused(input: ServedListener, reason: string, text: RegExp): void {
  const d = mapListener(input);
  expect(d.services).toEqual([]);
  expect(d.endpointSlices).toEqual([]);
  expect(d.adoptions).toEqual([]);
  expect(errors(d)).toEqual([expect.objectContaining({ reason, message: expect.stringMatching(text) })]);
}

const web = service(GW_NS, 'web', { ports: [{ protocol: 'TCP', port: 80, targetPort: 8080 }] });
const other = service('apps', 'api', { ports: [{ protocol: 'TCP', port: 80, targetPort: 9090 }] });
const long = 'a'.repeat(253);

describe('duplicate', () => {
  const dup = (over: Partial<ServedListener> = {}) => served({ strategy: 'duplicate', ...over });

  it.each([
    ['numeric targetPort', { protocol: 'TCP' as const, port: 80, targetPort: 8080 }, 8080],
    ['named targetPort passes through (resolved per Pod)', { protocol: 'TCP' as const, port: 80, targetPort: 'http' }, 'http'],
    ['no targetPort means the port itself', { protocol: 'TCP' as const, port: 80 }, 80],
  ])('same namespace, %s', (_, port, target) => {
    const svc = service(GW_NS, 'web', { ports: [port], selector: { app: 'web', tier: 'fe' } });
    const d = ok(dup({ backends: [backend(svc, 80)], listener: { name: 'tcp', port: 8000, protocol: 'TCP' } }));
    expect(d.strategy).toBe('duplicate');
    expect(d.services).toHaveLength(1);
    const s = d.services[0]!;
    expect(s.metadata).toMatchObject({ name: 'kvgw-gw-tcp', namespace: GW_NS });
    expect(s.spec).toMatchObject({ type: 'LoadBalancer', selector: { app: 'web', tier: 'fe' } });
    expect(s.spec?.ports).toEqual([{ name: 'tcp', protocol: 'TCP', port: 8000, targetPort: target }]);
    expect(s.spec?.selector).not.toBe(svc.spec?.selector);
  });

  it('keeps only the backend with weight > 0', () => {
    const d = ok(dup({ backends: [backend(web, 80, { weight: 0 }), backend(service(GW_NS, 'b', { selector: { app: 'b' } }), 80)] }));
    expect(d.services[0]!.spec?.selector).toEqual({ app: 'b' });
  });

  it.each<[string, Partial<ServedListener>, string, RegExp]>([
    ['cross-namespace backend (granted)', { backends: [backend(other, 80)] }, 'StrategyCannotExpress', /apps\/api is in apps; use endpoints/],
    ['cross-namespace backend without grant (caller passed none)', { backends: [] }, 'StrategyCannotExpress', /exactly one backend .* has 0/],
    ['two backends', { backends: [backend(web, 80), backend(service(GW_NS, 'b'), 80)] }, 'StrategyCannotExpress', /has 2; use endpoints/],
    ['a selector-less backend', { backends: [backend(service(GW_NS, 'web', { selector: null }), 80)] }, 'StrategyCannotExpress', /no selector/],
    ['a missing backend Service', { backends: [{ ...backend(web, 80), service: undefined }] }, 'StrategyCannotExpress', /does not exist/],
    ['a backendRef port the Service lacks', { backends: [backend(web, 81)] }, 'BackendPortNotFound', /has no port 81 \(ports: 80\/TCP\)/],
    ['an ExternalName backend', { backends: [backend(service(GW_NS, 'x', { type: 'ExternalName' }), 80)] }, 'StrategyCannotExpress', /ExternalName/],
  ])('refuses %s', (_, over, reason, text) => refused(dup(over), reason, text));

  it('refuses a UDP listener on a TCP-only port, naming both protocols', () => {
    refused(
      dup({ route: { kind: 'UDPRoute', namespace: GW_NS, name: 'dns' }, listener: { name: 'dns', port: 53, protocol: 'UDP' }, backends: [backend(web, 80)] }),
      'BackendPortNotFound',
      /port 80 only for TCP, but listener dns is UDP/,
    );
  });
});

describe('create', () => {
  const route = (labels?: Record<string, string>, annotations?: Record<string, string>, namespace = GW_NS) => ({
    kind: 'TCPRoute' as const,
    namespace,
    name: 'r',
    ...(labels ? { labels } : {}),
    ...(annotations ? { annotations } : {}),
  });
  const create = (over: Partial<ServedListener>) => served({ strategy: 'create', ...over });

  it.each<[string, ReturnType<typeof route>, Record<string, string>]>([
    ['original labels selectorkey/selectorvalue', route({ selectorkey: 'run', selectorvalue: 'my-nginx' }), { run: 'my-nginx' }],
    ['annotation in kubectl syntax', route(undefined, { 'kube-vip.io/route-selector': 'app=x, tier==web' }), { app: 'x', tier: 'web' }],
    ['annotation as a LabelSelector in JSON', route(undefined, { 'kube-vip.io/route-selector': '{"matchLabels":{"app":"x"}}' }), { app: 'x' }],
    ['annotation winning over labels', route({ selectorkey: 'run', selectorvalue: 'a' }, { 'kube-vip.io/route-selector': 'app=b' }), { app: 'b' }],
  ])('takes the selector from %s', (_, r, selector) => {
    const d = ok(create({ route: r }));
    expect(d.services[0]!.spec?.selector).toEqual(selector);
    expect(d.services[0]!.spec?.ports).toEqual([{ name: 'tcp', protocol: 'TCP', port: 80, targetPort: 8080 }]);
  });

  it.each<[string, Partial<ServedListener>, number | string]>([
    ['the backend Service maps the port', { backends: [backend(web, 80)] }, 8080],
    ['the backend Service has a named targetPort', { backends: [backend(service(GW_NS, 'web', { ports: [{ port: 80, targetPort: 'http' }] }), 80)] }, 'http'],
    ['the backend Service does not exist: backendRef.port is the Pod port', { backends: [{ ...backend(web, 3000), service: undefined }] }, 3000],
  ])('Pod port when %s', (_, over, target) => {
    const d = ok(create({ route: route({ selectorkey: 'run', selectorvalue: 'x' }), ...over }));
    expect(d.services[0]!.spec?.ports?.[0]?.targetPort).toBe(target);
  });

  it.each<[string, Partial<ServedListener>, string, RegExp]>([
    ['no selector on the route', { route: route() }, 'StrategyCannotExpress', /needs a selector/],
    ['selectorkey without selectorvalue', { route: route({ selectorkey: 'run' }) }, 'InvalidSelector', /must be set together/],
    ['a set-based selector', { route: route(undefined, { 'kube-vip.io/route-selector': 'app=x,tier in (a,b)' }) }, 'InvalidSelector', /tier in \(a,b\).*equality/],
    ['a route in another namespace (cross-namespace)', { route: route({ selectorkey: 'run', selectorvalue: 'x' }, undefined, 'apps') }, 'StrategyCannotExpress', /not in the route's namespace apps/],
    ['two backends', { route: route({ selectorkey: 'run', selectorvalue: 'x' }), backends: [backend(web, 80), backend(other, 80)] }, 'StrategyCannotExpress', /has 2/],
    ['no backend (none granted)', { route: route({ selectorkey: 'run', selectorvalue: 'x' }), backends: [] }, 'StrategyCannotExpress', /has 0/],
  ])('refuses %s', (_, over, reason, text) => refused(create(over), reason, text));
});

describe('update', () => {
  const update = (over: Partial<ServedListener>) => served({ strategy: 'update', ...over });

  it('same namespace, listener port = Service port: adopts the Service, no new port', () => {
    const d = ok(update({ backends: [backend(web, 80)] }));
    expect(d.services).toEqual([]);
    expect(d.adoptions).toEqual([
      expect.objectContaining({
        namespace: GW_NS,
        name: 'web',
        externalTrafficPolicy: 'Cluster',
        allocateLoadBalancerNodePorts: false,
        ports: [{ protocol: 'TCP', port: 80, targetPort: 8080 }],
        annotations: { 'kube-vip.io/loadbalancerIPs': '192.0.2.10', 'kube-vip.io/leaseName': 'kubevip-gw-gw' },
      }),
    ]);
    expect(d.adoptions[0]!.labels).toMatchObject({ implementation: 'kube-vip', 'gateway.networking.k8s.io/gateway-name': 'gw' });
  });

  it.each<[string, number | string | undefined, number | string]>([
    ['numeric', 8080, 8080],
    ['named', 'http', 'http'],
    ['absent', undefined, 80],
  ])('listener port missing on the Service: ensures it, forwarding to the %s targetPort', (_, targetPort, expected) => {
    const svc = service(GW_NS, 'web', { ports: [{ protocol: 'TCP', port: 80, ...(targetPort !== undefined ? { targetPort } : {}) }] });
    const d = ok(update({ backends: [backend(svc, 80)], listener: { name: 'alt', port: 9000, protocol: 'TCP' } }));
    expect(d.adoptions[0]!.ports).toEqual([{ protocol: 'TCP', port: 9000, targetPort: expected }]);
  });

  it('cross-namespace backend (granted): adopts it there with a namespace-qualified shared lease', () => {
    const d = ok(update({ backends: [backend(other, 80)] }));
    expect(d.adoptions[0]).toMatchObject({ namespace: 'apps', name: 'api' });
    expect(d.adoptions[0]!.annotations['kube-vip.io/leaseName']).toBe(`${GW_NS}/kubevip-gw-gw`);
  });

  it.each<[string, Partial<ServedListener>, string, RegExp]>([
    ['no backend (cross-namespace without grant)', { backends: [] }, 'StrategyCannotExpress', /the route has 0/],
    ['two backends', { backends: [backend(web, 80), backend(other, 80)] }, 'StrategyCannotExpress', /the route has 2/],
    [
      'a Service port already used differently',
      { backends: [backend(service(GW_NS, 'web', { ports: [{ protocol: 'TCP', port: 80, targetPort: 8080 }, { name: 'x', protocol: 'TCP', port: 9000, targetPort: 1 }] }), 80)], listener: { name: 'l', port: 9000, protocol: 'TCP' } },
      'PortConflict',
      /already has port 9000\/TCP forwarding to 1/,
    ],
    ['a single-stack Service for a dual-stack Gateway', { backends: [backend(web, 80)], addresses: ['192.0.2.10', '2001:db8::10'] }, 'StrategyCannotExpress', /need IPv6/],
    [
      'a LoadBalancer of another class',
      { backends: [backend({ ...web, spec: { ...web.spec, type: 'LoadBalancer', loadBalancerClass: 'other' } }, 80)], parameters: { loadBalancerClass: 'kube-vip.io/kube-vip-class', strategy: { flag: 'update' } } },
      'StrategyCannotExpress',
      /forbids changing/,
    ],
  ])('refuses %s', (_, over, reason, text) => refused(update(over), reason, text));
});

describe('endpoints', () => {
  const ep = (over: Partial<ServedListener>) => served({ strategy: 'endpoints', ...over });
  const withSlices = (svc = web, slices = [slice(GW_NS, 'web', { port: 8080 }, [endpoint('10.0.0.2'), endpoint('10.0.0.1')])]) =>
    backend(svc, 80, { endpointSlices: slices });

  it('same namespace: a selector-less Service and a slice mirroring the backend at its target port', () => {
    const d = ok(ep({ backends: [withSlices()] }));
    expect(d.services).toHaveLength(1);
    expect(d.services[0]!.spec?.selector).toBeUndefined();
    expect(d.services[0]!.spec?.ports).toEqual([{ name: 'tcp', protocol: 'TCP', port: 80, targetPort: 80 }]);
    expect(d.endpointSlices).toHaveLength(1);
    const s = d.endpointSlices[0]!;
    expect(s.metadata.labels).toMatchObject({
      'kubernetes.io/service-name': 'kvgw-gw-tcp',
      'endpointslice.kubernetes.io/managed-by': 'gateway-api-controller.kube-vip.io',
    });
    expect(s.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: 'Gateway', uid: 'uid-gw', controller: true })]);
    expect(s.ports).toEqual([{ name: 'tcp', protocol: 'TCP', port: 8080 }]);
    expect(s.endpoints.map((e) => e.addresses[0])).toEqual(['10.0.0.1', '10.0.0.2']);
  });

  it('mirrors ready, serving and terminating conditions, node and Pod reference', () => {
    const terminating = endpoint('10.0.0.3', 'node-b', { ready: false, serving: true, terminating: true });
    const d = ok(ep({ backends: [withSlices(web, [slice(GW_NS, 'web', { port: 8080 }, [terminating])])] }));
    expect(d.endpointSlices[0]!.endpoints).toEqual([
      { addresses: ['10.0.0.3'], conditions: { ready: false, serving: true, terminating: true }, nodeName: 'node-b', targetRef: { kind: 'Pod', name: 'pod-10.0.0.3', namespace: GW_NS } },
    ]);
  });

  it('several backends, cross-namespace (granted), different target ports: one slice per port, weight 0 excluded, weights warned', () => {
    const d = ok(
      ep({
        backends: [
          withSlices(),
          backend(other, 80, { weight: 3, endpointSlices: [slice('apps', 'api', { port: 9090 }, [endpoint('10.1.0.1')])] }),
          backend(service(GW_NS, 'zero'), 80, { weight: 0, endpointSlices: [slice(GW_NS, 'zero', { port: 8080 }, [endpoint('10.9.9.9')])] }),
        ],
      }),
    );
    expect(d.endpointSlices.map((s) => [s.ports?.[0]?.port, s.endpoints.map((e) => e.addresses[0])])).toEqual([
      [8080, ['10.0.0.1', '10.0.0.2']],
      [9090, ['10.1.0.1']],
    ]);
    expect(d.endpointSlices[1]!.endpoints[0]!.targetRef?.namespace).toBe('apps');
    expect(warnings(d)).toEqual([expect.objectContaining({ reason: 'WeightsApproximated', message: expect.stringContaining('infra/web=1, apps/api=3') })]);
  });

  it('equal weights give no warning', () => {
    expect(warnings(ok(ep({ backends: [withSlices(), backend(other, 80)] })))).toEqual([]);
  });

  it('named targetPort: each backend slice carries its own resolved port', () => {
    const named = service(GW_NS, 'web', { ports: [{ name: 'web', protocol: 'TCP', port: 80, targetPort: 'http' }] });
    const d = ok(
      ep({
        backends: [
          withSlices(named, [
            slice(GW_NS, 'web', { name: 'web', port: 8080 }, [endpoint('10.0.0.1')], 'IPv4', 'a'),
            slice(GW_NS, 'web', { name: 'web', port: 8081 }, [endpoint('10.0.0.2')], 'IPv4', 'b'),
            slice(GW_NS, 'web', { name: 'metrics', port: 9100 }, [endpoint('10.0.0.3')], 'IPv4', 'c'),
          ]),
        ],
      }),
    );
    expect(d.endpointSlices.map((s) => [s.ports?.[0]?.port, s.endpoints[0]!.addresses[0]])).toEqual([
      [8080, '10.0.0.1'],
      [8081, '10.0.0.2'],
    ]);
  });

  it('no backend (none granted, or none exists): a Service without endpoints, so connections are refused', () => {
    const d = ok(ep({ backends: [] }));
    expect(d.services).toHaveLength(1);
    expect(d.endpointSlices).toEqual([]);
  });

  it('skips a backend whose port is missing with a warning and serves the others', () => {
    const d = ok(ep({ backends: [withSlices(), backend(other, 81)] }));
    expect(d.endpointSlices).toHaveLength(1);
    expect(warnings(d)).toEqual([expect.objectContaining({ reason: 'BackendSkipped', message: expect.stringContaining('apps/api has no port 81') })]);
  });

  it('dual-stack: mirrors both families; single-stack ignores the other family', () => {
    const slices = [slice(GW_NS, 'web', { port: 8080 }, [endpoint('10.0.0.1')]), slice(GW_NS, 'web', { port: 8080 }, [endpoint('fd00::1')], 'IPv6', 'v6')];
    const dual = ok(ep({ backends: [withSlices(web, slices)], addresses: ['2001:db8::10', '192.0.2.10'] }));
    expect(dual.services[0]!.spec).toMatchObject({ ipFamilyPolicy: 'RequireDualStack', ipFamilies: ['IPv6', 'IPv4'] });
    expect(dual.endpointSlices.map((s) => s.addressType)).toEqual(['IPv4', 'IPv6']);
    const single = ok(ep({ backends: [withSlices(web, slices)] }));
    expect(single.endpointSlices.map((s) => s.addressType)).toEqual(['IPv4']);
  });

  it('splits more than 100 endpoints into slices of 100 and drops duplicate addresses', () => {
    const many = Array.from({ length: 250 }, (_, i) => endpoint(`10.0.${Math.floor(i / 200)}.${(i % 200) + 1}`));
    const d = ok(ep({ backends: [withSlices(web, [slice(GW_NS, 'web', { port: 8080 }, many)]), withSlices(web, [slice(GW_NS, 'web', { port: 8080 }, many.slice(0, 5))])] }));
    expect(d.endpointSlices.map((s) => s.endpoints.length)).toEqual([100, 100, 50]);
    expect(new Set(d.endpointSlices.map((s) => s.metadata.name)).size).toBe(3);
  });

  it('ignores slices of other Services and UDP ports for a TCP listener', () => {
    const d = ok(
      ep({
        backends: [
          withSlices(web, [
            slice(GW_NS, 'not-web', { port: 8080 }, [endpoint('10.0.0.9')]),
            slice(GW_NS, 'web', { port: 8080, protocol: 'UDP' }, [endpoint('10.0.0.8')], 'IPv4', 'udp'),
          ]),
        ],
      }),
    );
    expect(d.endpointSlices).toEqual([]);
  });

  it('UDP listener: UDP ports from UDP backend slices', () => {
    const dns = service(GW_NS, 'dns', { ports: [{ protocol: 'UDP', port: 53, targetPort: 5353 }] });
    const d = ok(
      ep({
        route: { kind: 'UDPRoute', namespace: GW_NS, name: 'dns' },
        listener: { name: 'dns', port: 53, protocol: 'UDP' },
        backends: [backend(dns, 53, { endpointSlices: [slice(GW_NS, 'dns', { port: 5353, protocol: 'UDP' }, [endpoint('10.0.0.1')])] })],
      }),
    );
    expect(d.services[0]!.spec?.ports).toEqual([{ name: 'udp', protocol: 'UDP', port: 53, targetPort: 53 }]);
    expect(d.endpointSlices[0]!.ports).toEqual([{ name: 'udp', protocol: 'UDP', port: 5353 }]);
  });
});

describe('every strategy', () => {
  const selectorRoute = { kind: 'TCPRoute' as const, namespace: GW_NS, name: 'r', labels: { selectorkey: 'app', selectorvalue: 'web' } };

  it.each(['duplicate', 'create', 'endpoints'])('%s: TCP and UDP listeners on one port give two Services on one address and lease', (strategy) => {
    const both = service(GW_NS, 'dns', { ports: [{ name: 't', protocol: 'TCP', port: 53, targetPort: 53 }, { name: 'u', protocol: 'UDP', port: 53, targetPort: 53 }] });
    const gw = gateway();
    const tcp = served({ strategy, gateway: gw, route: selectorRoute, listener: { name: 'dns-tcp', port: 53, protocol: 'TCP' }, backends: [backend(both, 53)] });
    const udp = served({ strategy, gateway: gw, route: { ...selectorRoute, kind: 'UDPRoute' }, listener: { name: 'dns-udp', port: 53, protocol: 'UDP' }, backends: [backend(both, 53)] });
    const d = desiredForGateway(gw, [tcp, udp]);
    expect(d.problems.filter((p) => p.severity === 'Error')).toEqual([]);
    expect(d.services.map((s) => [s.metadata.name.replace(/-[0-9a-f]{8}$/, ''), s.spec?.ports?.[0]?.protocol, s.spec?.ports?.[0]?.port])).toEqual([
      ['kvgw-gw-dns-tcp', 'TCP', 53],
      ['kvgw-gw-dns-udp', 'UDP', 53],
    ]);
    const ann = d.services.map((s) => [s.metadata.annotations?.['kube-vip.io/loadbalancerIPs'], s.metadata.annotations?.['kube-vip.io/leaseName']]);
    expect(ann).toEqual([
      ['192.0.2.10', 'kubevip-gw-gw'],
      ['192.0.2.10', 'kubevip-gw-gw'],
    ]);
  });

  it('update: TCP and UDP listeners on one port adopt one Service with both ports', () => {
    const both = service(GW_NS, 'dns', { ports: [{ name: 't', protocol: 'TCP', port: 53, targetPort: 53 }] });
    const gw = gateway();
    const tcp = served({ strategy: 'update', gateway: gw, listener: { name: 'dns-tcp', port: 53, protocol: 'TCP' }, backends: [backend(both, 53)] });
    const udpSvc = service(GW_NS, 'dns', { ports: [{ name: 'u', protocol: 'UDP', port: 53, targetPort: 5353 }] });
    const udp = served({ strategy: 'update', gateway: gw, route: { kind: 'UDPRoute', namespace: GW_NS, name: 'u' }, listener: { name: 'dns-udp', port: 53, protocol: 'UDP' }, backends: [backend(udpSvc, 53)] });
    const d = desiredForGateway(gw, [tcp, udp]);
    expect(d.adoptions).toHaveLength(1);
    expect(d.adoptions[0]!.ports).toEqual([
      { protocol: 'TCP', port: 53, targetPort: 53 },
      { protocol: 'UDP', port: 53, targetPort: 5353 },
    ]);
  });

  it.each(['duplicate', 'create', 'update', 'endpoints'])('%s: dual-stack addresses give both families, in order, on one annotation', (strategy) => {
    const dual = service(GW_NS, 'web', { ipFamilies: ['IPv6', 'IPv4'], ports: [{ protocol: 'TCP', port: 80, targetPort: 8080 }] });
    const d = ok(served({ strategy, route: selectorRoute, addresses: ['2001:db8::10', '192.0.2.10'], backends: [backend(dual, 80)] }));
    const annotations = d.services[0]?.metadata.annotations ?? d.adoptions[0]!.annotations;
    expect(annotations['kube-vip.io/loadbalancerIPs']).toBe('2001:db8::10,192.0.2.10');
    if (strategy === 'update') expect(d.adoptions).toHaveLength(1);
    else expect(d.services[0]!.spec).toMatchObject({ ipFamilyPolicy: 'RequireDualStack', ipFamilies: ['IPv6', 'IPv4'] });
  });

  it('update: 253-character Gateway names give valid labels and a bounded lease on the adopted Service', () => {
    const d = ok(served({ strategy: 'update', gateway: gateway({ name: long }), listener: { name: long, port: 80, protocol: 'TCP' } }));
    for (const v of Object.values(d.adoptions[0]!.labels)) expect(isLabelValue(v)).toBe(true);
    expect(d.adoptions[0]!.annotations['kube-vip.io/leaseName']).toMatch(/^kubevip-gw-a+-[0-9a-f]{8}$/);
    expect(d.adoptions[0]!.annotations['kube-vip.io/leaseName']!.length).toBeLessThanOrEqual(63);
  });

  it.each(['duplicate', 'create', 'endpoints'])('%s: 253-character Gateway and listener names give valid bounded names and labels', (strategy) => {
    const gw = gateway({ name: long });
    const d = ok(served({ strategy, gateway: gw, route: selectorRoute, listener: { name: long, port: 80, protocol: 'TCP' }, backends: [backend(web, 80, { endpointSlices: [slice(GW_NS, 'web', { port: 8080 }, [endpoint('10.0.0.1')])] })] }));
    for (const s of d.services) expect(isDns1035Label(s.metadata.name)).toBe(true);
    for (const s of d.endpointSlices) expect(isDns1123Label(s.metadata.name)).toBe(true);
    for (const o of [...d.services, ...d.endpointSlices])
      for (const v of Object.values(o.metadata.labels ?? {})) expect(isLabelValue(v)).toBe(true);
    expect(d.services[0]!.metadata.labels?.['gateway.networking.k8s.io/gateway-name']).toMatch(/^a{54}-[0-9a-f]{8}$/);
    const other = ok(served({ strategy, gateway: gw, route: selectorRoute, listener: { name: `${long.slice(1)}b`, port: 80, protocol: 'TCP' }, backends: [backend(web, 80)] }));
    expect(other.services[0]!.metadata.name).not.toBe(d.services[0]!.metadata.name);
    expect(d.services[0]!.metadata.annotations?.['kube-vip.io/leaseName']?.length).toBeLessThanOrEqual(63);
  });
});
