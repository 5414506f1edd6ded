// Builders for the objects the e2e tests create, and readers of the status the controller writes.
import type {
  BackendRef,
  Condition,
  EndpointSlice,
  Gateway,
  L4Route,
  Listener,
  ParentReference,
  ReferenceGrant,
  Service,
  ServicePort,
} from '@kube-vip-gw/gateway-model';
import { GATEWAY_CLASS } from './environment.js';

/** A Gateway of the deploy/ class (or `className`) with `listeners`. */
export function gateway(
  namespace: string,
  name: string,
  listeners: Listener[],
  extra: Partial<Gateway['spec']> & { className?: string } = {},
): Gateway {
  const { className, ...spec } = extra;
  return { metadata: { namespace, name }, spec: { gatewayClassName: className ?? GATEWAY_CLASS, listeners, ...spec } };
}

/** A TCP listener. */
export function tcp(name: string, port: number, extra: Partial<Listener> = {}): Listener {
  return { name, protocol: 'TCP', port, ...extra };
}

/** A UDP listener. */
export function udp(name: string, port: number, extra: Partial<Listener> = {}): Listener {
  return { name, protocol: 'UDP', port, ...extra };
}

/** A TCPRoute or UDPRoute with one rule. */
export function route(
  kind: 'TCPRoute' | 'UDPRoute',
  namespace: string,
  name: string,
  parentRefs: ParentReference[],
  backendRefs: BackendRef[],
  metadata: { labels?: Record<string, string>; annotations?: Record<string, string> } = {},
): L4Route {
  return { kind, metadata: { namespace, name, ...metadata }, spec: { parentRefs, rules: [{ backendRefs }] } };
}

/** A ClusterIP Service selecting `selector` with `ports` (TCP unless said). */
export function service(namespace: string, name: string, selector: Record<string, string>, ports: ServicePort[]): Service {
  return { metadata: { namespace, name }, spec: { selector, ports } };
}

/** An EndpointSlice of Service `serviceName` (kube-controller-manager would make it; it does not run here). */
export function endpointSlice(namespace: string, serviceName: string, ips: string[], port: { name?: string; port: number; protocol?: string }): EndpointSlice {
  return {
    metadata: { namespace, name: `${serviceName}-e2e`, labels: { 'kubernetes.io/service-name': serviceName } },
    addressType: 'IPv4',
    ports: [{ protocol: 'TCP', ...port }],
    endpoints: ips.map((ip) => ({ addresses: [ip], conditions: { ready: true, serving: true, terminating: false } })),
  };
}

/** A ReferenceGrant in `namespace` letting `fromKind` objects of `fromNamespace` refer to its Services. */
export function referenceGrant(namespace: string, name: string, fromNamespace: string, fromKind: 'TCPRoute' | 'UDPRoute' = 'TCPRoute'): ReferenceGrant {
  return {
    metadata: { namespace, name },
    spec: { from: [{ group: 'gateway.networking.k8s.io', kind: fromKind, namespace: fromNamespace }], to: [{ group: '', kind: 'Service' }] },
  };
}

/** The condition of `type`, or undefined. */
export function condition(conditions: readonly Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

/** `type=status/reason` of a condition (or `type=absent`): compact and exact for assertions and messages. */
export function conditionState(conditions: readonly Condition[] | undefined, type: string): string {
  const c = condition(conditions, type);
  return c ? `${type}=${c.status}/${c.reason}` : `${type}=absent`;
}

/** The `type=status/reason` of every listed type, e.g. for `expect(states(...)).toEqual([...])`. */
export function states(conditions: readonly Condition[] | undefined, ...types: string[]): string[] {
  return types.map((t) => conditionState(conditions, t));
}

/** The status of one listener of a Gateway. */
export function listenerStatus(gw: Gateway, name: string) {
  return gw.status?.listeners?.find((l) => l.name === name);
}

/** A Gateway's status addresses as plain values. */
export function statusAddresses(gw: Gateway): string[] {
  return (gw.status?.addresses ?? []).map((a) => a.value);
}

/** True once every condition of the Gateway (and of its listeners) observed its current generation. */
export function observedCurrentGeneration(gw: Gateway): boolean {
  const generation = gw.metadata.generation;
  const conditions = [...(gw.status?.conditions ?? []), ...(gw.status?.listeners ?? []).flatMap((l) => l.conditions)];
  return conditions.length > 0 && conditions.every((c) => c.observedGeneration === generation);
}

/** Our controller's status.parents entry of a route for Gateway `gatewayName` (optionally one sectionName/port). */
export function ourParent(r: L4Route, gatewayName: string, controllerName: string, ref: { sectionName?: string; port?: number } = {}) {
  return r.status?.parents?.find(
    (p) =>
      p.controllerName === controllerName &&
      p.parentRef.name === gatewayName &&
      p.parentRef.sectionName === ref.sectionName &&
      p.parentRef.port === ref.port,
  );
}
