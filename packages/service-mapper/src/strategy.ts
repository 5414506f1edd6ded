// The extension point: a ServiceStrategy turns one served listener into desired objects, with a context of helpers
// that produce objects carrying everything a generated object must carry (docs/architecture.md).
import type { Service, ServicePort } from '@kube-vip-gw/gateway-model';
import type { Envelope } from './internal/envelope.js';
import type { MappingProblem, RoutedListener, ServedBackend, ServedListener, StrategyResult } from './types.js';

/**
 * A way of realising a listener with Kubernetes objects. `build` must be pure and deterministic (same input, same
 * output), must not throw on bad input (return a problem instead), and reports with an Error problem any route it
 * cannot express rather than returning part of it.
 */
export interface ServiceStrategy {
  /** Registry key: a lowercase DNS-1123 label, e.g. `duplicate`. */
  readonly name: string;
  /** One line for `--help` and docs. */
  readonly description: string;
  build(input: RoutedListener, ctx: StrategyContext): StrategyResult;
}

/** Options for StrategyContext.service. */
export interface ServiceOptions {
  ports: ServicePort[];
  /** Omitted for a selector-less Service whose EndpointSlices we manage. */
  selector?: Record<string, string>;
  /** Defaults to ctx.serviceName; must be a DNS-1035 label of at most 63 characters. */
  name?: string;
}

/** Helpers and precomputed facts handed to a strategy. */
export interface StrategyContext {
  /** The Service name for this listener: deterministic, at most 63 characters, starts with a letter. */
  readonly serviceName: string;
  /** Namespace of the objects we own (the Gateway's: owner references cannot cross namespaces). */
  readonly namespace: string;
  /** The route's backends with weight > 0, in route order. */
  readonly activeBackends: readonly ServedBackend[];
  /** Labels every produced object carries. */
  readonly labels: Readonly<Record<string, string>>;
  /** Annotations every produced Service in `namespace` carries (addresses, shared lease). */
  annotationsFor(namespace: string): Record<string, string>;
  /** externalTrafficPolicy the Services must use. */
  readonly externalTrafficPolicy: 'Cluster' | 'Local';
  /** spec.allocateLoadBalancerNodePorts the Services must use (false unless the parameters ask for node ports). */
  readonly allocateLoadBalancerNodePorts: boolean;
  /** A LoadBalancer Service for this listener carrying the Gateway's labels, annotations, owner and IP families. */
  service(options: ServiceOptions): Service;
  /** The Service port for the listener, forwarding to `targetPort` (a number, or a Pod port name passed through). */
  listenerPort(targetPort: number | string, appProtocol?: string): ServicePort;
  /** The backend Service's port that backendRef.port names, with the listener's protocol; a problem if there is none. */
  backendPort(backend: ServedBackend): ServicePort | MappingProblem;
  /** An Error problem saying this strategy cannot express the route, and why. */
  cannotExpress(message: string): MappingProblem;
  /** `Kind namespace/name` of the route (or `listener <name>` without one), for messages. */
  readonly routeRef: string;
}

/** The port name every generated listener Service uses for its single port (`tcp` or `udp`). */
export function listenerPortName(protocol: 'TCP' | 'UDP'): string {
  return protocol.toLowerCase();
}

/** Builds the context a strategy runs with (internal to the mapper; custom strategies are tested through mapListener). */
export function createStrategyContext(input: ServedListener, env: Envelope, strategyName: string): StrategyContext {
  const { listener, route } = input;
  const routeRef = route !== undefined ? `${route.kind} ${route.namespace}/${route.name}` : `listener ${listener.name}`;
  const listenerPort = (targetPort: number | string, appProtocol?: string): ServicePort => {
    const port: ServicePort = { name: listenerPortName(listener.protocol), protocol: listener.protocol, port: listener.port, targetPort };
    if (appProtocol !== undefined) port.appProtocol = appProtocol;
    return port;
  };
  return {
    serviceName: env.serviceName,
    namespace: env.gateway.namespace,
    activeBackends: (input.backends ?? []).filter((b) => (b.weight ?? 1) > 0),
    labels: env.labels,
    annotationsFor: env.annotationsFor,
    externalTrafficPolicy: env.externalTrafficPolicy,
    allocateLoadBalancerNodePorts: env.allocateLoadBalancerNodePorts,
    routeRef,
    listenerPort,
    service(options) {
      const spec: NonNullable<Service['spec']> = { type: 'LoadBalancer' };
      if (options.selector !== undefined) spec.selector = { ...options.selector };
      spec.ports = options.ports.map((p) => ({ ...p }));
      spec.externalTrafficPolicy = env.externalTrafficPolicy;
      spec.allocateLoadBalancerNodePorts = env.allocateLoadBalancerNodePorts;
      spec.ipFamilyPolicy = env.ipFamilyPolicy;
      spec.ipFamilies = [...env.ipFamilies];
      if (env.loadBalancerClass !== undefined) spec.loadBalancerClass = env.loadBalancerClass;
      return {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: {
          name: options.name ?? env.serviceName,
          namespace: env.gateway.namespace,
          labels: { ...env.labels },
          annotations: env.annotationsFor(env.gateway.namespace),
          ownerReferences: [{ ...env.ownerReference }],
        },
        spec,
      };
    },
    backendPort(backend) {
      const ref = `${backend.namespace}/${backend.name}`;
      const svc = backend.service;
      if (svc === undefined)
        return { severity: 'Error', reason: 'BackendPortNotFound', message: `${routeRef}: backend Service ${ref} does not exist` };
      const ports = svc.spec?.ports ?? [];
      const found = ports.find((p) => p.port === backend.port && (p.protocol ?? 'TCP') === listener.protocol);
      if (found) return found;
      const other = ports.find((p) => p.port === backend.port);
      const why = other
        ? `has port ${backend.port} only for ${other.protocol ?? 'TCP'}, but listener ${listener.name} is ${listener.protocol}`
        : `has no port ${backend.port} (ports: ${ports.map((p) => `${p.port}/${p.protocol ?? 'TCP'}`).join(', ') || 'none'})`;
      return { severity: 'Error', reason: 'BackendPortNotFound', message: `${routeRef}: backend Service ${ref} ${why}` };
    },
    cannotExpress(message) {
      return { severity: 'Error', reason: 'StrategyCannotExpress', message: `strategy ${strategyName} cannot express ${routeRef}: ${message}` };
    },
  };
}

/** True when a value returned by StrategyContext.backendPort is a problem rather than a port (for custom strategies). */
export function isProblem(v: ServicePort | MappingProblem): v is MappingProblem {
  return 'severity' in v && 'reason' in v;
}
