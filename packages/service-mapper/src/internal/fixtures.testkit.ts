// Test fixtures: object builders and a small fake API server that applies a ChangePlan the way kube-apiserver would
// for the fields that matter here (allocations, defaults) and kube-vip's own writes. Not part of the build.
import type { Endpoint, EndpointSlice, Gateway, Service, ServicePort } from '@kube-vip-gw/gateway-model';
import { applyMergePatch } from '@kube-vip-gw/kube-core';
import type { ActualObjects, ChangePlan } from '../plan.js';
import type { ServedBackend, ServedListener } from '../types.js';

/** Namespace of the test Gateway. */
export const GW_NS = 'infra';

/** A Gateway (uid `uid-gw` unless given). */
export function gateway(over: { name?: string; namespace?: string; uid?: string; infrastructure?: Gateway['spec']['infrastructure'] } = {}): Gateway {
  const gw: Gateway = {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: { name: over.name ?? 'gw', namespace: over.namespace ?? GW_NS, uid: over.uid ?? 'uid-gw', generation: 1 },
    spec: { gatewayClassName: 'kube-vip', listeners: [] },
  };
  if (over.infrastructure) gw.spec.infrastructure = over.infrastructure;
  return gw;
}

/** A user's Service as the API server stores it (ClusterIP, one port 80 -> 8080, selector app=<name>). */
export function service(
  namespace: string,
  name: string,
  over: { selector?: Record<string, string> | null; ports?: ServicePort[]; type?: NonNullable<Service['spec']>['type']; ipFamilies?: ('IPv4' | 'IPv6')[] } = {},
): Service {
  const spec: NonNullable<Service['spec']> = {
    type: over.type ?? 'ClusterIP',
    ports: over.ports ?? [{ protocol: 'TCP', port: 80, targetPort: 8080 }],
    clusterIP: '10.96.0.10',
    clusterIPs: ['10.96.0.10'],
    ipFamilies: over.ipFamilies ?? ['IPv4'],
    ipFamilyPolicy: 'SingleStack',
    sessionAffinity: 'None',
    internalTrafficPolicy: 'Cluster',
  };
  if (over.selector !== null) spec.selector = over.selector ?? { app: name };
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace, uid: `uid-${namespace}-${name}`, resourceVersion: '1' }, spec };
}

/** A ready endpoint on node-a backed by a Pod. */
export function endpoint(address: string, node = 'node-a', over: Endpoint['conditions'] = { ready: true, serving: true, terminating: false }): Endpoint {
  return { addresses: [address], conditions: over, nodeName: node, targetRef: { kind: 'Pod', name: `pod-${address}` } };
}

/** An EndpointSlice of `serviceName` with one port. */
export function slice(
  namespace: string,
  serviceName: string,
  port: { name?: string; port: number; protocol?: string },
  endpoints: Endpoint[],
  addressType: 'IPv4' | 'IPv6' = 'IPv4',
  suffix = 'abc',
): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: `${serviceName}-${suffix}`, namespace, labels: { 'kubernetes.io/service-name': serviceName } },
    addressType,
    endpoints,
    ports: [{ protocol: 'TCP', ...port }],
  };
}

/** A backend of weight 1 pointing at `svc` port `port`. */
export function backend(svc: Service, port: number, over: Partial<ServedBackend> = {}): ServedBackend {
  return { name: svc.metadata.name, namespace: svc.metadata.namespace!, port, weight: 1, service: svc, endpointSlices: [], ...over };
}

/** Overrides for `served`; `strategy` sets the controller flag. */
export type ServedOverrides = Partial<ServedListener> & { strategy?: string };

/** A served TCP listener `tcp` on port 80 of Gateway infra/gw with route infra/web and backend infra/web:80. */
export function served(over: ServedOverrides = {}): ServedListener {
  const { strategy, ...rest } = over;
  const route = over.route ?? { kind: 'TCPRoute' as const, namespace: GW_NS, name: 'web' };
  const input: ServedListener = {
    gateway: gateway(),
    gatewayClassName: 'kube-vip',
    addresses: ['192.0.2.10'],
    listener: { name: 'tcp', port: 80, protocol: 'TCP' },
    backends: [backend(service(GW_NS, 'web'), 80)],
    parameters: {},
    ...rest,
    route,
  };
  if (strategy !== undefined) input.parameters = { ...input.parameters, strategy: { flag: strategy } };
  return input;
}

let nextNodePort = 30000;

/** kube-apiserver's validation of type-dependent Service fields (ValidateService): throws like a 422 would. */
export function validateLikeApiServer(svc: Service): void {
  const spec = svc.spec ?? {};
  const where = `Service ${svc.metadata.namespace}/${svc.metadata.name}`;
  const lb = spec.type === 'LoadBalancer';
  const external = lb || spec.type === 'NodePort';
  if (!external && (spec.ports ?? []).some((p) => p.nodePort !== undefined)) throw new Error(`${where}: nodePort may not be used with type ${spec.type}`);
  if (!external && spec.externalTrafficPolicy !== undefined) throw new Error(`${where}: externalTrafficPolicy may only be set on external Services`);
  if (spec['healthCheckNodePort'] !== undefined && !(lb && spec.externalTrafficPolicy === 'Local'))
    throw new Error(`${where}: healthCheckNodePort may only be set with type LoadBalancer and externalTrafficPolicy Local`);
  if (!lb && spec.allocateLoadBalancerNodePorts !== undefined) throw new Error(`${where}: allocateLoadBalancerNodePorts may only be set on a LoadBalancer`);
  if (!lb && spec.loadBalancerClass !== undefined) throw new Error(`${where}: loadBalancerClass may only be set on a LoadBalancer`);
  if ((spec.ports ?? []).length > 1 && (spec.ports ?? []).some((p) => !p.name)) throw new Error(`${where}: every port must be named`);
}

/** What kube-apiserver adds to a Service it stores (the subset that matters to the planner), after validating it. */
export function serverDefaults(svc: Service): Service {
  validateLikeApiServer(svc);
  const out = structuredClone(svc);
  const spec = (out.spec ??= {});
  out.metadata.uid ??= `uid-${out.metadata.namespace}-${out.metadata.name}`;
  spec.clusterIP ??= '10.96.1.1';
  spec.clusterIPs ??= [spec.clusterIP];
  spec['sessionAffinity'] ??= 'None';
  spec['internalTrafficPolicy'] ??= 'Cluster';
  if (spec.type === 'LoadBalancer') spec.allocateLoadBalancerNodePorts ??= true;
  const wantsNodePorts = spec.type === 'NodePort' || (spec.type === 'LoadBalancer' && spec.allocateLoadBalancerNodePorts !== false);
  if (wantsNodePorts) spec.ports = (spec.ports ?? []).map((p) => (p.nodePort === undefined ? { ...p, nodePort: nextNodePort++ } : p));
  if (spec.type === 'LoadBalancer' || spec.type === 'NodePort') spec.externalTrafficPolicy ??= 'Cluster';
  if (spec.type === 'LoadBalancer' && spec.externalTrafficPolicy === 'Local') spec['healthCheckNodePort'] ??= 32000;
  return out;
}

/**
 * What kube-vip writes once it announces a LoadBalancer Service. With an empty address list it announces nothing and
 * writes nothing (kube-vip v1.0.0 fails to resolve "" and leaves the Service as it is).
 */
export function kubeVipAnnounces(svc: Service): Service {
  if (svc.spec?.type !== 'LoadBalancer') return svc;
  if (svc.metadata.annotations?.['kube-vip.io/loadbalancerIPs'] === '') return svc;
  const out = structuredClone(svc);
  out.metadata.annotations = { ...out.metadata.annotations, 'kube-vip.io/vipHost': 'node-a' };
  const ips = (out.metadata.annotations['kube-vip.io/loadbalancerIPs'] ?? '').split(',').filter(Boolean);
  out.status = { loadBalancer: { ingress: ips.map((ip) => ({ ip })) } };
  return out;
}

/** Applies a plan to a copy of `actual` like the API server followed by kube-vip would; bumps resourceVersions. */
export function applyPlan(actual: ActualObjects, plan: ChangePlan, opts: { server?: boolean; kubeVip?: boolean } = {}): ActualObjects {
  const server = opts.server ?? true;
  const kubeVip = opts.kubeVip ?? server;
  const services = new Map(actual.services.map((s) => [`${s.metadata.namespace}/${s.metadata.name}`, structuredClone(s)]));
  const slices = new Map(actual.endpointSlices.map((s) => [`${s.metadata.namespace}/${s.metadata.name}`, structuredClone(s)]));
  const bump = <T extends { metadata: { resourceVersion?: string } }>(o: T): T => {
    if (server) o.metadata.resourceVersion = String(Number(o.metadata.resourceVersion ?? '0') + 1);
    return o;
  };
  const store = (o: Service | EndpointSlice) => {
    const key = `${o.metadata.namespace}/${o.metadata.name}`;
    if (o.kind === 'Service') {
      const stored = server ? serverDefaults(o as Service) : structuredClone(o as Service);
      services.set(key, bump(kubeVip ? kubeVipAnnounces(stored) : stored));
    }
    else {
      const stored = structuredClone(o as EndpointSlice);
      if (server) stored.metadata.uid ??= `uid-slice-${stored.metadata.name}`;
      slices.set(key, bump(stored));
    }
  };
  for (const ref of plan.delete) (ref.kind === 'Service' ? services : slices).delete(`${ref.namespace}/${ref.name}`);
  for (const r of plan.replace) {
    (r.existing.kind === 'Service' ? services : slices).delete(`${r.existing.namespace}/${r.existing.name}`);
    store(r.desired);
  }
  for (const o of plan.create) store(o);
  for (const p of plan.patch) {
    const map = p.kind === 'Service' ? services : slices;
    const key = `${p.namespace}/${p.name}`;
    const live = map.get(key);
    if (live === undefined) throw new Error(`patch of missing ${key}`);
    if (p.patch['metadata'] && (p.patch['metadata'] as Record<string, unknown>)['resourceVersion'] !== live.metadata.resourceVersion)
      throw new Error(`conflict on ${key}`);
    store(applyMergePatch(live, p.patch) as Service | EndpointSlice);
  }
  return { services: [...services.values()], endpointSlices: [...slices.values()] };
}
