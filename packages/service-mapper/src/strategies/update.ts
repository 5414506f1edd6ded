import { isProblem, type ServiceStrategy } from '../strategy.js';
import type { ServiceAdoption } from '../types.js';

/**
 * `update`: the user's own backend Service becomes a LoadBalancer carrying the Gateway's address. The strategy only
 * says what must hold; planChanges applies it to the live object, records the original values in an annotation and
 * restores them exactly when the route detaches. The Service is never deleted and none of its ports are removed: the
 * listener port is added when missing.
 */
export const updateStrategy: ServiceStrategy = {
  name: 'update',
  description: "the backend Service itself becomes a LoadBalancer with the Gateway's address (reversible; one backend)",
  build(input, ctx) {
    const active = ctx.activeBackends;
    if (active.length !== 1)
      return { problems: [ctx.cannotExpress(`it turns exactly one backend Service into a LoadBalancer, the route has ${active.length} with weight > 0`)] };
    const backend = active[0]!;
    const ref = `${backend.namespace}/${backend.name}`;
    const svc = backend.service;
    if (svc === undefined || svc.spec === undefined) return { problems: [ctx.cannotExpress(`backend Service ${ref} does not exist`)] };
    if (svc.spec.type === 'ExternalName') return { problems: [ctx.cannotExpress(`backend Service ${ref} is an ExternalName Service`)] };
    const families = svc.spec.ipFamilies;
    if (families !== undefined) {
      const wanted = input.addresses.map((a) => (a.includes(':') ? 'IPv6' : 'IPv4'));
      const missing = wanted.filter((f) => !families.includes(f));
      if (missing.length > 0)
        return {
          problems: [
            ctx.cannotExpress(
              `backend Service ${ref} has ipFamilies [${families.join(', ')}] but the Gateway's addresses (${input.addresses.join(', ')}) need ${missing.join(', ')}; use duplicate or endpoints`,
            ),
          ],
        };
    }
    const lbClass = input.parameters?.loadBalancerClass;
    if (svc.spec.type === 'LoadBalancer' && lbClass !== undefined && (svc.spec.loadBalancerClass ?? '') !== lbClass)
      return {
        problems: [
          ctx.cannotExpress(
            `backend Service ${ref} is already a LoadBalancer with loadBalancerClass ${JSON.stringify(svc.spec.loadBalancerClass ?? '')}, which Kubernetes forbids changing to ${JSON.stringify(lbClass)}`,
          ),
        ],
      };
    const port = ctx.backendPort(backend);
    if (isProblem(port)) return { problems: [port] };
    const wantedTarget = port.targetPort ?? port.port;
    const listener = input.listener;
    const existing = svc.spec.ports?.find((p) => p.port === listener.port && (p.protocol ?? 'TCP') === listener.protocol);
    if (existing !== undefined && (existing.targetPort ?? existing.port) !== wantedTarget)
      return {
        problems: [
          {
            severity: 'Error',
            reason: 'PortConflict',
            message: `strategy update cannot express ${ctx.routeRef}: backend Service ${ref} already has port ${listener.port}/${listener.protocol} forwarding to ${existing.targetPort ?? existing.port}, but backendRef port ${backend.port} forwards to ${wantedTarget}; ports of the user's Service are never changed`,
          },
        ],
      };
    const ensured = { protocol: listener.protocol, port: listener.port, targetPort: wantedTarget } as ServiceAdoption['ports'][number];
    if (port.appProtocol !== undefined) ensured.appProtocol = port.appProtocol;
    const adoption: ServiceAdoption = {
      namespace: backend.namespace,
      name: backend.name,
      labels: { ...ctx.labels },
      annotations: ctx.annotationsFor(backend.namespace),
      externalTrafficPolicy: ctx.externalTrafficPolicy,
      allocateLoadBalancerNodePorts: ctx.allocateLoadBalancerNodePorts,
      ports: [ensured],
    };
    if (lbClass !== undefined) adoption.loadBalancerClass = lbClass;
    return { adoptions: [adoption] };
  },
};
