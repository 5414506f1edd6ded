// fast-check arbitraries for property tests: user Services as the API server stores them, and whole served listeners.
import { fc } from '@fast-check/vitest';
import type { Endpoint, EndpointSlice, Service, ServicePort } from '@kube-vip-gw/gateway-model';
import { GATEWAY_NAME_LABEL, IMPLEMENTATION_LABEL, LEASE_NAME_ANNOTATION, LOADBALANCER_IPS_ANNOTATION, MANAGED_BY_LABEL } from '../constants.js';
import type { ServedBackend, ServedListener } from '../types.js';
import { gateway, GW_NS } from './fixtures.testkit.js';

const dnsLabel = fc.stringMatching(/^[a-z]([-a-z0-9]{0,14}[a-z0-9])?$/);
/** Gateway and listener names up to the 253 characters the API allows. */
export const longName = fc.oneof(
  dnsLabel,
  fc.array(dnsLabel, { minLength: 1, maxLength: 20 }).map((parts) => parts.join('.').slice(0, 253).replace(/[.-]+$/, '') || 'x'),
  fc.integer({ min: 64, max: 253 }).map((n) => 'g'.repeat(n)),
);

const labelKey = fc.constantFrom('app', 'team', 'example.com/owner', GATEWAY_NAME_LABEL, IMPLEMENTATION_LABEL, MANAGED_BY_LABEL);
const labelValue = fc.constantFrom('a', 'b', 'kube-vip', '', 'x.y_z');
const annotationKey = fc.constantFrom('note', 'example.com/y', LOADBALANCER_IPS_ANNOTATION, LEASE_NAME_ANNOTATION, 'kube-vip.io/serviceInterface');
const portArb = fc.record({
  port: fc.integer({ min: 1, max: 65535 }),
  protocol: fc.constantFrom<'TCP' | 'UDP'>('TCP', 'UDP'),
  targetPort: fc.option(fc.oneof(fc.integer({ min: 1, max: 65535 }), fc.constantFrom('http', 'dns')), { nil: undefined }),
});

/** A user's Service as kube-apiserver stores it: ClusterIP, NodePort or LoadBalancer, with allocations. */
export const userService: fc.Arbitrary<Service> = fc
  .record({
    name: dnsLabel,
    namespace: fc.constantFrom(GW_NS, GW_NS, 'apps'),
    type: fc.constantFrom<'ClusterIP' | 'NodePort' | 'LoadBalancer'>('ClusterIP', 'NodePort', 'LoadBalancer'),
    ports: fc.uniqueArray(portArb, { minLength: 1, maxLength: 3, selector: (p) => `${p.port}/${p.protocol}` }),
    singleName: fc.constantFrom<string | undefined>(undefined, '', 'web'),
    labels: fc.option(fc.dictionary(labelKey, labelValue, { maxKeys: 4 }), { nil: undefined }),
    annotations: fc.option(fc.dictionary(annotationKey, fc.constantFrom('1.2.3.4', 'v', 'eth0'), { maxKeys: 3 }), { nil: undefined }),
    etp: fc.constantFrom<'Cluster' | 'Local'>('Cluster', 'Local'),
    allocateNodePorts: fc.constantFrom<boolean | undefined>(undefined, true, false),
    lbClass: fc.constantFrom<string | undefined>(undefined, 'kube-vip.io/kube-vip-class'),
    dual: fc.boolean(),
    selector: fc.boolean(),
  })
  .map((a) => {
    const external = a.type !== 'ClusterIP';
    let nodePort = 30100;
    const ports: ServicePort[] = a.ports.map((p, i) => {
      const out = {} as ServicePort;
      if (a.ports.length > 1) out.name = `p${i}`;
      else if (a.singleName !== undefined) out.name = a.singleName;
      out.protocol = p.protocol;
      out.port = p.port;
      if (p.targetPort !== undefined) out.targetPort = p.targetPort;
      if (external && !(a.type === 'LoadBalancer' && a.allocateNodePorts === false)) out.nodePort = nodePort++;
      return out;
    });
    const spec: NonNullable<Service['spec']> = {};
    if (a.selector) spec.selector = { app: a.name };
    spec.ports = ports;
    spec.clusterIP = '10.96.0.20';
    spec.clusterIPs = a.dual ? ['10.96.0.20', 'fd00::20'] : ['10.96.0.20'];
    spec.type = a.type;
    spec.sessionAffinity = 'None';
    if (external) spec.externalTrafficPolicy = a.etp;
    spec.ipFamilies = a.dual ? ['IPv4', 'IPv6'] : ['IPv4'];
    spec.ipFamilyPolicy = a.dual ? 'RequireDualStack' : 'SingleStack';
    if (a.type === 'LoadBalancer') {
      spec.allocateLoadBalancerNodePorts = a.allocateNodePorts ?? true;
      if (a.lbClass !== undefined) spec.loadBalancerClass = a.lbClass;
      if (a.etp === 'Local') spec.healthCheckNodePort = 31999;
    }
    spec.internalTrafficPolicy = 'Cluster';
    const metadata: Service['metadata'] = { name: a.name, namespace: a.namespace, uid: `uid-${a.name}`, resourceVersion: '7' };
    if (a.labels !== undefined) metadata.labels = a.labels;
    if (a.annotations !== undefined) metadata.annotations = a.annotations;
    return { apiVersion: 'v1', kind: 'Service', metadata, spec, status: { loadBalancer: {} } } satisfies Service;
  });

const ipv4 = fc.tuple(fc.integer({ min: 1, max: 223 }), fc.nat(255), fc.nat(255), fc.integer({ min: 1, max: 254 })).map((p) => p.join('.'));
const ipv6 = fc.tuple(fc.integer({ min: 0x2001, max: 0x2fff }), fc.nat(0xffff), fc.nat(0xffff)).map(([a, b, c]) => `${a.toString(16)}:db8:${b.toString(16)}::${c.toString(16)}`);

/** The Gateway's address: one IPv4, one IPv6, or a pair in either order. */
export const addresses = fc.oneof(
  ipv4.map((a) => [a]),
  ipv6.map((a) => [a]),
  fc.tuple(ipv4, ipv6).map(([a, b]) => [a, b]),
  fc.tuple(ipv6, ipv4).map(([a, b]) => [a, b]),
);

function endpointsOf(prefix: string, count: number, v6: boolean): Endpoint[] {
  return Array.from({ length: count }, (_, i) => ({
    addresses: [v6 ? `fd00:${prefix}::${(i + 1).toString(16)}` : `10.${prefix}.${Math.floor(i / 250)}.${(i % 250) + 1}`],
    conditions: { ready: i % 3 !== 0, serving: true, terminating: i % 3 === 0 },
    nodeName: `node-${i % 2}`,
  }));
}

/** A backend: a Service (one of whose ports the backendRef names), its EndpointSlices, a weight. */
const backendArb: fc.Arbitrary<ServedBackend> = fc
  .record({ svc: userService, pick: fc.nat(), weight: fc.constantFrom(0, 1, 1, 5), v4: fc.nat(150), v6: fc.nat(3), n: fc.nat(99), exists: fc.constantFrom(true, true, true, false) })
  .map(({ svc, pick, weight, v4, v6, n, exists }) => {
    const ports = svc.spec!.ports!;
    const port = ports[pick % ports.length]!;
    const slicePort = { name: port.name ?? '', protocol: port.protocol!, port: typeof port.targetPort === 'number' ? port.targetPort : 8000 + n };
    const slices: EndpointSlice[] = [
      { kind: 'EndpointSlice', metadata: { name: `${svc.metadata.name}-a`, namespace: svc.metadata.namespace!, labels: { 'kubernetes.io/service-name': svc.metadata.name } }, addressType: 'IPv4', endpoints: endpointsOf(String(n), v4, false), ports: [slicePort] },
      { kind: 'EndpointSlice', metadata: { name: `${svc.metadata.name}-b`, namespace: svc.metadata.namespace!, labels: { 'kubernetes.io/service-name': svc.metadata.name } }, addressType: 'IPv6', endpoints: endpointsOf(n.toString(16), v6, true), ports: [slicePort] },
    ];
    const b: ServedBackend = { name: svc.metadata.name, namespace: svc.metadata.namespace!, port: port.port, weight, endpointSlices: slices };
    if (exists) b.service = svc;
    return b;
  });

/** Any served listener, any strategy (or none: automatic). */
export const servedListener: fc.Arbitrary<ServedListener> = fc
  .record({
    gwName: longName,
    listenerName: longName,
    port: fc.integer({ min: 1, max: 65535 }),
    protocol: fc.constantFrom<'TCP' | 'UDP'>('TCP', 'UDP'),
    addresses: fc.oneof({ weight: 3, arbitrary: addresses.filter((a) => a.length === 1 && !a[0]!.includes(':')) }, { weight: 2, arbitrary: addresses }),
    backends: fc.oneof({ weight: 3, arbitrary: fc.array(backendArb, { minLength: 1, maxLength: 1 }) }, { weight: 2, arbitrary: fc.array(backendArb, { maxLength: 3 }) }),
    strategy: fc.constantFrom(undefined, 'auto', 'duplicate', 'create', 'update', 'endpoints'),
    selector: fc.constantFrom(undefined, 'app=web', '{"matchLabels":{"app":"x","tier":"y"}}'),
    etp: fc.constantFrom<'Cluster' | 'Local' | undefined>(undefined, 'Cluster', 'Local'),
    lbClass: fc.constantFrom<string | undefined>(undefined, 'kube-vip.io/kube-vip-class'),
    nodePorts: fc.constantFrom<boolean | undefined>(undefined, false, true),
    infraLabels: fc.option(fc.dictionary(labelKey, labelValue, { maxKeys: 3 }), { nil: undefined }),
    infraAnnotations: fc.option(fc.dictionary(annotationKey, fc.constant('v'), { maxKeys: 2 }), { nil: undefined }),
  })
  .map((a) => {
    // The listener speaks the protocol of the first backend's port, so most routes can be served.
    const first = a.backends[0];
    const firstPort = first?.service?.spec?.ports?.find((p) => p.port === first.port);
    if (firstPort?.protocol === 'TCP' || firstPort?.protocol === 'UDP') a.protocol = firstPort.protocol;
    const gw = gateway({ name: a.gwName });
    if (a.infraLabels || a.infraAnnotations) gw.spec.infrastructure = { ...(a.infraLabels ? { labels: a.infraLabels } : {}), ...(a.infraAnnotations ? { annotations: a.infraAnnotations } : {}) };
    // A route only reaches backends whose port speaks its protocol in practice; keep them so most cases are served.
    const backends = a.backends.filter((b) => b.service?.spec?.ports?.some((p) => p.port === b.port && p.protocol === a.protocol) ?? true);
    const annotations: Record<string, string> = {};
    if (a.selector !== undefined) annotations['kube-vip.io/route-selector'] = a.selector;
    const parameters: ServedListener['parameters'] = {};
    if (a.strategy !== undefined) parameters.strategy = { flag: a.strategy };
    if (a.etp !== undefined) parameters.externalTrafficPolicy = a.etp;
    if (a.lbClass !== undefined) parameters.loadBalancerClass = a.lbClass;
    if (a.nodePorts !== undefined) parameters.allocateLoadBalancerNodePorts = a.nodePorts;
    return {
      gateway: gw,
      gatewayClassName: 'kube-vip',
      addresses: a.addresses,
      listener: { name: a.listenerName, port: a.port, protocol: a.protocol },
      route: { kind: a.protocol === 'TCP' ? 'TCPRoute' : 'UDPRoute', namespace: GW_NS, name: 'r', annotations },
      backends,
      parameters,
    } satisfies ServedListener;
  });
