import { describe, expect, it } from 'vitest';
import type { Service } from '@kube-vip-gw/gateway-model';
import { backend, gateway, GW_NS, served, service, type ServedOverrides } from './internal/fixtures.testkit.js';
import { desiredForGateway, mapListener } from './mapper.js';
import { createStrategyRegistry } from './registry.js';
import type { ServiceStrategy } from './strategy.js';
import type { ListenerDesired } from './types.js';

const errorsOf = (d: ListenerDesired) => d.problems.filter((p) => p.severity === 'Error');
const only = (over: ServedOverrides = {}) => {
  const d = mapListener(served({ strategy: 'duplicate', ...over }));
  expect(errorsOf(d)).toEqual([]);
  return d.services[0]!;
};

describe('what every produced Service carries', () => {
  it('labels, annotations, owner, traffic policy and families', () => {
    const s = only();
    expect(s).toMatchObject({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        name: 'kvgw-gw-tcp',
        namespace: GW_NS,
        labels: {
          'gateway.networking.k8s.io/gateway-name': 'gw',
          'gateway.networking.k8s.io/gateway-class-name': 'kube-vip',
          implementation: 'kube-vip',
          'app.kubernetes.io/managed-by': 'kube-vip-gateway-api',
        },
        annotations: { 'kube-vip.io/loadbalancerIPs': '192.0.2.10', 'kube-vip.io/leaseName': 'kubevip-gw-gw' },
        ownerReferences: [{ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', name: 'gw', uid: 'uid-gw', controller: true }],
      },
      spec: { type: 'LoadBalancer', externalTrafficPolicy: 'Cluster', allocateLoadBalancerNodePorts: false, ipFamilyPolicy: 'SingleStack', ipFamilies: ['IPv4'] },
    });
    expect(s.spec?.loadBalancerClass).toBeUndefined();
    expect(s.spec?.loadBalancerIP).toBeUndefined();
    expect(JSON.parse(s.metadata.annotations!['gateway.kube-vip.io/owned-metadata']!)).toEqual({
      labels: Object.keys(s.metadata.labels!).sort(),
      annotations: ['kube-vip.io/leaseName', 'kube-vip.io/loadbalancerIPs'],
    });
  });

  it.each<[string, readonly string[], string | undefined, string, string[]]>([
    ['IPv4', ['192.0.2.10'], undefined, 'SingleStack', ['IPv4']],
    ['IPv6', ['2001:db8::10'], undefined, 'SingleStack', ['IPv6']],
    ['IPv4 + IPv6', ['192.0.2.10', '2001:db8::10'], undefined, 'RequireDualStack', ['IPv4', 'IPv6']],
    ['IPv6 + IPv4 (order kept)', ['2001:db8::10', '192.0.2.10'], undefined, 'RequireDualStack', ['IPv6', 'IPv4']],
    ['a pair with PreferDualStack asked', ['192.0.2.10', '2001:db8::10'], 'PreferDualStack', 'PreferDualStack', ['IPv4', 'IPv6']],
    ['one address with PreferDualStack asked (SingleStack: the API server would add the other family, which a later patch cannot take away)', ['192.0.2.10'], 'PreferDualStack', 'SingleStack', ['IPv4']],
    ['one IPv6 address with PreferDualStack asked', ['2001:db8::10'], 'PreferDualStack', 'SingleStack', ['IPv6']],
    ['DHCP (0.0.0.0)', ['0.0.0.0'], undefined, 'SingleStack', ['IPv4']],
  ])('ipFamilyPolicy and ipFamilies for %s', (_, addresses, asked, policy, families) => {
    const s = only({ addresses, parameters: { strategy: { flag: 'duplicate' }, ...(asked ? { ipFamilyPolicy: asked as 'PreferDualStack' } : {}) } });
    expect(s.spec).toMatchObject({ ipFamilyPolicy: policy, ipFamilies: families });
    expect(s.metadata.annotations?.['kube-vip.io/loadbalancerIPs']).toBe(addresses.join(','));
  });

  it('warns and keeps RequireDualStack when SingleStack is asked for a pair', () => {
    const d = mapListener(served({ strategy: 'duplicate', addresses: ['192.0.2.10', '2001:db8::10'], parameters: { ipFamilyPolicy: 'SingleStack', strategy: { flag: 'duplicate' } } }));
    expect(d.services[0]!.spec?.ipFamilyPolicy).toBe('RequireDualStack');
    expect(d.problems).toEqual([expect.objectContaining({ severity: 'Warning', reason: 'IPFamilyPolicyIgnored' })]);
  });

  it('externalTrafficPolicy Local: no shared lease, and a warning that says why', () => {
    const d = mapListener(served({ strategy: 'duplicate', parameters: { externalTrafficPolicy: 'Local', strategy: { flag: 'duplicate' } } }));
    const s = d.services[0]!;
    expect(s.spec?.externalTrafficPolicy).toBe('Local');
    expect(s.metadata.annotations?.['kube-vip.io/leaseName']).toBeUndefined();
    expect(d.problems).toEqual([expect.objectContaining({ severity: 'Warning', reason: 'LocalTrafficPolicy', message: expect.stringContaining('different nodes') })]);
  });

  it.each<[string, boolean | undefined, boolean]>([
    ['no node ports by default', undefined, false],
    ['no node ports when the parameter says false', false, false],
    ['node ports when the parameter says true', true, true],
  ])('allocateLoadBalancerNodePorts: %s, for every strategy', (_, asked, expected) => {
    const parameters = asked === undefined ? {} : { allocateLoadBalancerNodePorts: asked };
    for (const strategy of ['duplicate', 'create', 'endpoints']) {
      const route = { kind: 'TCPRoute' as const, namespace: GW_NS, name: 'web', labels: { selectorkey: 'app', selectorvalue: 'web' } };
      const d = mapListener(served({ strategy, route, parameters }));
      expect(errorsOf(d), strategy).toEqual([]);
      expect(d.services.map((s) => s.spec?.allocateLoadBalancerNodePorts), strategy).toEqual([expected]);
    }
    const adopted = mapListener(served({ strategy: 'update', parameters }));
    expect(adopted.adoptions.map((a) => a.allocateLoadBalancerNodePorts)).toEqual([expected]);
  });

  it('refuses an allocateLoadBalancerNodePorts parameter that is not a boolean', () => {
    const d = mapListener(served({ strategy: 'duplicate', parameters: { allocateLoadBalancerNodePorts: 'false' as unknown as boolean } }));
    expect(d.services).toEqual([]);
    expect(errorsOf(d)).toEqual([expect.objectContaining({ reason: 'InvalidInput', message: expect.stringContaining('allocateLoadBalancerNodePorts "false" is not a boolean') })]);
  });

  it('loadBalancerClass when asked', () => {
    expect(only({ parameters: { loadBalancerClass: 'kube-vip.io/kube-vip-class', strategy: { flag: 'duplicate' } } }).spec?.loadBalancerClass).toBe('kube-vip.io/kube-vip-class');
  });

  it('spec.infrastructure and parameter labels and annotations, the Gateway winning, reserved keys refused with a warning', () => {
    const gw = gateway({
      infrastructure: {
        labels: { team: 'gw', implementation: 'mine' },
        annotations: { 'kube-vip.io/serviceInterface': 'eth1', 'kube-vip.io/loadbalancerIPs': '10.0.0.1', 'kube-vip.io/vipHost': 'x' },
      },
    });
    const d = mapListener(
      served({ gateway: gw, parameters: { strategy: { flag: 'duplicate' }, labels: { team: 'params', tier: 'edge', 'bad key!': 'x' }, annotations: { note: 'p' } } }),
    );
    const s = d.services[0]!;
    expect(s.metadata.labels).toMatchObject({ team: 'gw', tier: 'edge', implementation: 'kube-vip' });
    expect(s.metadata.labels?.['bad key!']).toBeUndefined();
    expect(s.metadata.annotations).toMatchObject({ note: 'p', 'kube-vip.io/serviceInterface': 'eth1', 'kube-vip.io/loadbalancerIPs': '192.0.2.10' });
    expect(s.metadata.annotations?.['kube-vip.io/vipHost']).toBeUndefined();
    expect(d.problems.map((p) => [p.severity, p.reason, p.message.split(' ignored')[0]])).toEqual([
      ['Warning', 'InvalidMetadataIgnored', 'parameters label bad key!="x"'],
      ['Warning', 'ReservedKeyIgnored', 'spec.infrastructure label implementation="mine"'],
      ['Warning', 'ReservedKeyIgnored', 'spec.infrastructure annotation kube-vip.io/loadbalancerIPs="10.0.0.1"'],
      ['Warning', 'ReservedKeyIgnored', 'spec.infrastructure annotation kube-vip.io/vipHost="x"'],
    ]);
  });

  it('names: deterministic, at most 63 characters, starting with a letter even for a Gateway named with a digit', () => {
    const a = only({ gateway: gateway({ name: '1-gw' }) });
    const b = only({ gateway: gateway({ name: '1-gw' }) });
    expect(a.metadata.name).toBe(b.metadata.name);
    expect(a.metadata.name).toMatch(/^kvgw-1-gw-tcp-[0-9a-f]{8}$/);
    expect(only({ gateway: gateway({ name: 'gw.example' }) }).metadata.name).toMatch(/^kvgw-gw-example-tcp-[0-9a-f]{8}$/);
  });
});

describe('bad input gets a clear problem naming it, never a crash', () => {
  it.each<[string, ServedOverrides, string, RegExp]>([
    ['no address', { addresses: [] }, 'InvalidAddresses', /needs 1 address or an IPv4 \+ IPv6 pair, got \[\]/],
    ['a non-IP address', { addresses: ['gw.example.com'] }, 'InvalidAddresses', /"gw.example.com" is not an IP address/],
    ['two IPv4 addresses', { addresses: ['192.0.2.1', '192.0.2.2'] }, 'InvalidAddresses', /one IPv4 and one IPv6, got 192.0.2.1, 192.0.2.2/],
    ['three addresses', { addresses: ['192.0.2.1', '2001:db8::1', '192.0.2.3'] }, 'InvalidAddresses', /needs 1 address/],
    ['port 0', { listener: { name: 'l', port: 0, protocol: 'TCP' } }, 'InvalidInput', /listener l: port 0 is not 1-65535/],
    ['protocol HTTP', { listener: { name: 'l', port: 80, protocol: 'HTTP' as 'TCP' } }, 'InvalidInput', /protocol "HTTP" is not TCP or UDP/],
    ['a UDPRoute on a TCP listener', { route: { kind: 'UDPRoute', namespace: GW_NS, name: 'u' } }, 'InvalidInput', /UDPRoute infra\/u cannot be served on TCP listener/],
    ['a route kind we do not serve', { route: { kind: 'HTTPRoute' as 'TCPRoute', namespace: GW_NS, name: 'h' } }, 'InvalidInput', /"HTTPRoute" is not TCPRoute or UDPRoute/],
    ['a Gateway without uid', { gateway: { ...gateway(), metadata: { name: 'gw', namespace: GW_NS } } }, 'InvalidInput', /infra\/gw has no metadata.uid/],
    ['a backendRef port out of range', { backends: [backend(service(GW_NS, 'web'), 70000)] }, 'InvalidInput', /port 70000 is invalid/],
    ['an unknown strategy from the flag', { strategy: 'nope' }, 'UnknownStrategy', /strategy "nope" \(from controller flag -service-behaviour\) is not registered; known: create, duplicate, endpoints, update/],
    [
      'an unknown strategy from the route',
      { route: { kind: 'TCPRoute', namespace: GW_NS, name: 'r', annotations: { 'kube-vip.io/service-behaviour': 'Dup' } } },
      'UnknownStrategy',
      /"dup" \(from route annotation kube-vip.io\/service-behaviour\)/,
    ],
  ])('%s', (_, over, reason, text) => {
    const d = mapListener(served(over));
    expect([...d.services, ...d.endpointSlices, ...d.adoptions]).toEqual([]);
    expect(errorsOf(d)).toEqual([expect.objectContaining({ reason, message: expect.stringMatching(text) })]);
  });

  it('survives garbage', () => {
    expect(() => mapListener({} as never)).not.toThrow();
    expect(errorsOf(mapListener({} as never))).not.toEqual([]);
    expect(() => desiredForGateway(gateway(), [{} as never])).not.toThrow();
  });
});

describe('custom strategies are finished and checked like built-ins', () => {
  const run = (strategy: ServiceStrategy) => mapListener(served({ strategy: strategy.name }), createStrategyRegistry([strategy]));
  const base = (ctx: Parameters<ServiceStrategy['build']>[1]) => ctx.service({ selector: { app: 'x' }, ports: [ctx.listenerPort(8080)] });

  it('gets the Gateway labels, annotations and owner stamped over what it returned', () => {
    const d = run({
      name: 'careless',
      description: 'forgets the envelope',
      build: () => ({ services: [{ metadata: { name: 'mine', labels: { implementation: 'x', extra: 'y' } }, spec: { type: 'ClusterIP', ports: [{ port: 80, protocol: 'TCP' }] } } as Service] }),
    });
    expect(errorsOf(d)).toEqual([]);
    expect(d.services[0]).toMatchObject({
      metadata: { name: 'mine', namespace: GW_NS, labels: { implementation: 'kube-vip', extra: 'y' }, annotations: { 'kube-vip.io/loadbalancerIPs': '192.0.2.10' } },
      spec: { type: 'LoadBalancer', externalTrafficPolicy: 'Cluster', allocateLoadBalancerNodePorts: false },
    });
  });

  it('cannot turn node ports back on by itself: the parameters decide, as for the traffic policy', () => {
    const d = run({
      name: 'greedy',
      description: 'asks for node ports',
      build: (_, ctx) => ({ services: [{ ...base(ctx), spec: { ...base(ctx).spec, allocateLoadBalancerNodePorts: true } }] }),
    });
    expect(errorsOf(d)).toEqual([]);
    expect(d.services[0]!.spec?.allocateLoadBalancerNodePorts).toBe(false);
  });

  it.each<[string, ServiceStrategy['build'], RegExp]>([
    ['an invalid Service name', (_, ctx) => ({ services: [{ ...base(ctx), metadata: { ...base(ctx).metadata, name: 'Bad_Name' } }] }), /not a DNS-1035 label/],
    ['a port out of range', (_, ctx) => ({ services: [ctx.service({ ports: [{ ...ctx.listenerPort(1), port: 0 }] })] }), /spec.ports\[0\].port: 0 is not a port number/],
    ['a clusterIP', (_, ctx) => ({ services: [{ ...base(ctx), spec: { ...base(ctx).spec, clusterIP: '10.0.0.1' } }] }), /clusterIP: allocated by the API server/],
    ['another namespace', (_, ctx) => ({ services: [{ ...base(ctx), metadata: { ...base(ctx).metadata, namespace: 'other' } }] }), /owner references cannot cross namespaces/],
    ['kube-vip annotations', (_, ctx) => ({ services: [{ ...base(ctx), metadata: { ...base(ctx).metadata, annotations: { 'kube-vip.io/vipHost': 'n' } } }] }), /kube-vip.io\/vipHost is not ours to set/],
    ['the same Service twice', (_, ctx) => ({ services: [base(ctx), base(ctx)] }), /Service kvgw-gw-tcp returned twice/],
    ['a slice for no Service', (_, ctx) => ({ services: [base(ctx)], endpointSlices: [{ metadata: { name: 's' }, addressType: 'IPv4', endpoints: [] }] }), /must name one of the listener's Services/],
    ['nothing at all', () => ({}), /neither a Service nor an adoption/],
    ['an exception', () => { throw new Error('boom'); }, /threw boom/],
  ])('rejects %s, whole, with a message naming it', (_, build, text) => {
    const d = run({ name: 'custom', description: 'test', build });
    expect([...d.services, ...d.endpointSlices, ...d.adoptions]).toEqual([]);
    expect(errorsOf(d)).toEqual([expect.objectContaining({ reason: 'InvalidStrategyOutput', message: expect.stringMatching(text) })]);
  });
});

describe('desiredForGateway', () => {
  const gw = gateway();

  it('gathers listeners in order and attributes every problem to its listener and route', () => {
    const d = desiredForGateway(gw, [
      served({ gateway: gw, strategy: 'duplicate' }),
      served({ gateway: gw, strategy: 'duplicate', listener: { name: 'b', port: 81, protocol: 'TCP' }, route: { kind: 'TCPRoute', namespace: GW_NS, name: 'two' }, backends: [] }),
    ]);
    expect(d.gateway).toEqual({ namespace: GW_NS, name: 'gw', uid: 'uid-gw' });
    expect(d.services.map((s) => s.metadata.name)).toEqual(['kvgw-gw-tcp']);
    expect(d.listeners.map((l) => [l.listener, l.strategy, l.services.length])).toEqual([
      ['tcp', 'duplicate', 1],
      ['b', 'duplicate', 0],
    ]);
    expect(d.problems).toEqual([expect.objectContaining({ listener: 'b', route: { kind: 'TCPRoute', namespace: GW_NS, name: 'two' }, reason: 'StrategyCannotExpress' })]);
  });

  it('drops a listener of another Gateway', () => {
    const d = desiredForGateway(gw, [served({ gateway: gateway({ uid: 'other' }) })]);
    expect(d.services).toEqual([]);
    expect(d.problems).toEqual([expect.objectContaining({ reason: 'InvalidInput', message: expect.stringContaining('belongs to another Gateway') })]);
  });

  it('drops, whole, a later listener that collides with an earlier one', () => {
    const fixed: ServiceStrategy = { name: 'fixed', description: 'one name for all', build: (_, ctx) => ({ services: [ctx.service({ name: 'same', ports: [ctx.listenerPort(1)], selector: { a: 'b' } })] }) };
    const registry = createStrategyRegistry([fixed]);
    const d = desiredForGateway(gw, [served({ gateway: gw, strategy: 'fixed' }), served({ gateway: gw, strategy: 'fixed', listener: { name: 'b', port: 81, protocol: 'TCP' } })], registry);
    expect(d.services).toHaveLength(1);
    expect(d.problems).toEqual([expect.objectContaining({ listener: 'b', reason: 'NameConflict', message: expect.stringContaining('Service infra/same is already produced') })]);
  });

  it('refuses two listeners adopting one Service port with different targets', () => {
    const web = service(GW_NS, 'web', { ports: [{ name: 'a', protocol: 'TCP', port: 80, targetPort: 8080 }, { name: 'b', protocol: 'TCP', port: 81, targetPort: 9090 }] });
    const d = desiredForGateway(gw, [
      served({ gateway: gw, strategy: 'update', listener: { name: 'x', port: 7000, protocol: 'TCP' }, backends: [backend(web, 80)] }),
      served({ gateway: gw, strategy: 'update', listener: { name: 'y', port: 7000, protocol: 'TCP' }, backends: [backend(web, 81)] }),
    ]);
    expect(d.adoptions).toEqual([expect.objectContaining({ ports: [{ protocol: 'TCP', port: 7000, targetPort: 8080 }] })]);
    expect(d.problems).toEqual([expect.objectContaining({ listener: 'y', reason: 'AdoptionConflict', message: expect.stringMatching(/port 7000\/TCP must forward to 8080 .* not 9090/) })]);
  });
});
