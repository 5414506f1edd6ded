// Test fixtures: small builders for the objects the tests evaluate. Used by *.test.ts only (excluded from the build).
import type { Condition, Gateway, GatewayClass, L4Route, Listener, ListenerSet, Namespace, ParentReference, ReferenceGrant, Service } from '../types.js';

/** The controllerName the tests use. */
export const CONTROLLER = 'kube-vip.io/controller';

/** A fixed clock for tests. */
export const NOW = '2026-01-02T03:04:05Z';

/** A later clock for tests. */
export const LATER = '2026-01-02T04:00:00Z';

/** An Accepted=True condition, as our GatewayClass reconciler writes it. */
export function acceptedCondition(status: Condition['status'] = 'True', reason = 'Accepted'): Condition {
  return { type: 'Accepted', status, reason, message: '', lastTransitionTime: NOW, observedGeneration: 1 };
}

/** A GatewayClass of ours, already accepted unless told otherwise. */
export function gatewayClass(overrides: Partial<GatewayClass> = {}, accepted: Condition | null = acceptedCondition()): GatewayClass {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'GatewayClass',
    metadata: { name: 'kube-vip', generation: 1 },
    spec: { controllerName: CONTROLLER },
    ...(accepted === null ? {} : { status: { conditions: [accepted] } }),
    ...overrides,
  };
}

/** A TCP listener. */
export function tcp(name: string, port: number, extra: Partial<Listener> = {}): Listener {
  return { name, port, protocol: 'TCP', ...extra };
}

/** A UDP listener. */
export function udp(name: string, port: number, extra: Partial<Listener> = {}): Listener {
  return { name, port, protocol: 'UDP', ...extra };
}

/** A Gateway in namespace "infra" of class "kube-vip". */
export function gateway(listeners: Listener[], extra: Partial<Gateway['spec']> = {}, name = 'gw'): Gateway {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: { name, namespace: 'infra', generation: 3, uid: `uid-${name}` },
    spec: { gatewayClassName: 'kube-vip', listeners, ...extra },
  };
}

/** A route (TCPRoute or UDPRoute) in `namespace` with one rule whose backendRefs are given. */
export function route(
  name: string,
  parentRefs: ParentReference[],
  backendRefs: { name: string; port?: number; namespace?: string; weight?: number; kind?: string; group?: string }[] = [{ name: 'echo', port: 8080 }],
  options: { namespace?: string; created?: string; generation?: number; kind?: 'TCPRoute' | 'UDPRoute' } = {},
): L4Route {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: options.kind ?? 'TCPRoute',
    metadata: {
      name,
      namespace: options.namespace ?? 'infra',
      generation: options.generation ?? 2,
      creationTimestamp: options.created ?? '2026-01-01T00:00:00Z',
    },
    spec: { parentRefs, rules: [{ backendRefs }] },
  };
}

/** A ClusterIP Service with the given ports (protocol TCP unless given). */
export function service(name: string, ports: { port: number; protocol?: 'TCP' | 'UDP' }[], namespace = 'infra', type?: 'ExternalName'): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace },
    spec: { ...(type === undefined ? {} : { type }), selector: { app: name }, ports: ports.map((p) => ({ ...p, targetPort: p.port })) },
  };
}

/** A Namespace with labels. */
export function namespace(name: string, labels: Record<string, string> = {}): Namespace {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } };
}

/** A ReferenceGrant in `namespace` from routes of `fromKind` in `fromNamespace` to Services (all, or `toName`). */
export function referenceGrant(namespace: string, fromKind: string, fromNamespace: string, toName?: string): ReferenceGrant {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1beta1',
    kind: 'ReferenceGrant',
    metadata: { name: 'grant', namespace },
    spec: {
      from: [{ group: 'gateway.networking.k8s.io', kind: fromKind, namespace: fromNamespace }],
      to: [{ group: '', kind: 'Service', ...(toName === undefined ? {} : { name: toName }) }],
    },
  };
}

/** A ListenerSet in `namespace` whose parentRef names Gateway infra/gw unless told otherwise. */
export function listenerSet(
  name: string,
  listeners: Listener[],
  options: { namespace?: string; created?: string; generation?: number; parent?: { name: string; namespace?: string; kind?: string; group?: string } } = {},
): ListenerSet {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'ListenerSet',
    metadata: {
      name,
      namespace: options.namespace ?? 'infra',
      generation: options.generation ?? 1,
      creationTimestamp: options.created ?? '2026-01-01T00:00:00Z',
    },
    spec: { parentRef: options.parent ?? { name: 'gw', namespace: 'infra' }, listeners },
  };
}
