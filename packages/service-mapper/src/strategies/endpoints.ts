import { boundedName } from '@kube-vip-gw/gateway-model';
import { endpointSlicesFor, mirrorBackendEndpoints, weightsProblem } from '../internal/endpoint-mirror.js';
import { listenerPortName, type ServiceStrategy } from '../strategy.js';
import type { MappingProblem } from '../types.js';

export { ENDPOINTS_PER_SLICE } from '../internal/endpoint-mirror.js';

/**
 * `endpoints`: a selector-less LoadBalancer Service of its own for the listener, plus EndpointSlices we manage,
 * mirroring the endpoints of every backend with weight > 0 in any namespace the route may reference (the mirroring is
 * the Gateway Service's, see internal/endpoint-mirror.ts). kube-proxy spreads connections evenly over endpoints, so
 * traffic is proportional to endpoint counts, not to weights (a warning says so when weights differ).
 */
export const endpointsStrategy: ServiceStrategy = {
  name: 'endpoints',
  description: 'a selector-less LoadBalancer Service of its own plus EndpointSlices mirroring all backends (several backends, any permitted namespace)',
  build(input, ctx) {
    const protocol = input.listener.protocol;
    const svc = ctx.service({ ports: [ctx.listenerPort(input.listener.port)] });
    const mirrored = mirrorBackendEndpoints({
      routeRef: ctx.routeRef,
      protocol,
      families: new Set(svc.spec?.ipFamilies ?? []),
      backends: ctx.activeBackends,
      backendPort: (b) => ctx.backendPort(b),
    });
    const problems: MappingProblem[] = [...mirrored.problems];
    const weights = weightsProblem(ctx.routeRef, ctx.activeBackends, mirrored.readyByBackend);
    if (weights !== undefined) problems.push(weights);
    const endpointSlices = endpointSlicesFor(mirrored.groups, {
      serviceName: ctx.serviceName,
      namespace: ctx.namespace,
      labels: ctx.labels,
      portName: listenerPortName(protocol),
      protocol,
      sliceName: (addressType, port, i) => boundedName([ctx.serviceName, addressType.toLowerCase(), String(port), String(i)]),
    });
    return { services: [svc], endpointSlices, problems };
  },
};
