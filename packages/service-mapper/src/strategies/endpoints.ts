import { boundedName, type Endpoint, type EndpointSlice } from '@kube-vip-gw/gateway-model';
import {
  ENDPOINT_SLICE_API_VERSION,
  ENDPOINT_SLICE_MANAGED_BY_LABEL,
  ENDPOINT_SLICE_MANAGED_BY_VALUE,
  SERVICE_NAME_LABEL,
} from '../constants.js';
import { isProblem, listenerPortName, type ServiceStrategy } from '../strategy.js';
import type { MappingProblem } from '../types.js';

/** Endpoints per generated EndpointSlice (the built-in EndpointSlice controller's default). */
export const ENDPOINTS_PER_SLICE = 100;

/**
 * `endpoints`: a selector-less LoadBalancer Service plus EndpointSlices we manage, mirroring the endpoints (with their
 * ready/serving/terminating conditions) of every backend with weight > 0, in any namespace the route may reference.
 * Each endpoint's port is the backend's resolved target port, read from the backend's own EndpointSlices, so numeric
 * and named targetPorts both work, per Pod. kube-proxy spreads connections evenly over endpoints, so traffic is
 * proportional to endpoint counts, not to weights (a warning says so when weights differ).
 */
export const endpointsStrategy: ServiceStrategy = {
  name: 'endpoints',
  description: 'a selector-less LoadBalancer Service plus EndpointSlices mirroring all backends (several backends, any permitted namespace)',
  build(input, ctx) {
    const problems: MappingProblem[] = [];
    const protocol = input.listener.protocol;
    const svc = ctx.service({ ports: [ctx.listenerPort(input.listener.port)] });
    const families = new Set(svc.spec?.ipFamilies ?? []);
    // key: addressType/port -> address -> endpoint (the first backend listing an address wins; duplicates are dropped)
    const groups = new Map<string, Map<string, Endpoint>>();
    for (const backend of ctx.activeBackends) {
      const ref = `${backend.namespace}/${backend.name}`;
      const port = ctx.backendPort(backend);
      if (isProblem(port)) {
        problems.push({ ...port, severity: 'Warning', reason: 'BackendSkipped', message: `${port.message}; backend skipped` });
        continue;
      }
      if (backend.service?.spec?.type === 'ExternalName') {
        problems.push({ severity: 'Warning', reason: 'BackendSkipped', message: `${ctx.routeRef}: backend Service ${ref} is an ExternalName Service; backend skipped` });
        continue;
      }
      for (const slice of backend.endpointSlices ?? []) {
        const owner = slice.metadata.labels?.[SERVICE_NAME_LABEL];
        if (owner !== undefined && owner !== backend.name) continue;
        if (slice.metadata.namespace !== undefined && slice.metadata.namespace !== backend.namespace) continue;
        if (slice.addressType !== 'IPv4' && slice.addressType !== 'IPv6') continue;
        if (!families.has(slice.addressType)) continue;
        // The slice port named like the Service port carries the resolved target port of this slice's endpoints.
        const slicePort = (slice.ports ?? []).find((p) => (p.name ?? '') === (port.name ?? '') && (p.protocol ?? 'TCP') === protocol);
        if (slicePort?.port === undefined) continue;
        const key = `${slice.addressType}/${slicePort.port}`;
        let group = groups.get(key);
        if (group === undefined) groups.set(key, (group = new Map()));
        for (const endpoint of slice.endpoints ?? []) {
          const address = endpoint.addresses?.[0];
          if (address === undefined || group.has(address)) continue;
          group.set(address, mirror(endpoint, backend.namespace));
        }
      }
    }
    const weights = new Set(ctx.activeBackends.map((b) => b.weight ?? 1));
    if (weights.size > 1)
      problems.push({
        severity: 'Warning',
        reason: 'WeightsApproximated',
        message: `${ctx.routeRef}: backend weights ${ctx.activeBackends.map((b) => `${b.namespace}/${b.name}=${b.weight ?? 1}`).join(', ')} are not honoured exactly: traffic is split in proportion to endpoint counts`,
      });
    const endpointSlices: EndpointSlice[] = [];
    for (const key of [...groups.keys()].sort()) {
      const [addressType, portText] = key.split('/') as ['IPv4' | 'IPv6', string];
      const endpoints = [...groups.get(key)!.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, e]) => e);
      for (let i = 0; i * ENDPOINTS_PER_SLICE < endpoints.length; i++) {
        endpointSlices.push({
          apiVersion: ENDPOINT_SLICE_API_VERSION,
          kind: 'EndpointSlice',
          metadata: {
            name: boundedName([ctx.serviceName, addressType.toLowerCase(), portText, String(i)]),
            namespace: ctx.namespace,
            labels: { ...ctx.labels, [SERVICE_NAME_LABEL]: ctx.serviceName, [ENDPOINT_SLICE_MANAGED_BY_LABEL]: ENDPOINT_SLICE_MANAGED_BY_VALUE },
          },
          addressType,
          endpoints: endpoints.slice(i * ENDPOINTS_PER_SLICE, (i + 1) * ENDPOINTS_PER_SLICE),
          ports: [{ name: listenerPortName(protocol), protocol, port: Number(portText) }],
        });
      }
    }
    return { services: [svc], endpointSlices, problems };
  },
};

/** The fields of a backend endpoint that matter to kube-proxy and topology, with the Pod reference made absolute. */
function mirror(endpoint: Endpoint, namespace: string): Endpoint {
  const out: Endpoint = { addresses: [endpoint.addresses[0]!] };
  const c = endpoint.conditions;
  if (c !== undefined) {
    out.conditions = {};
    if (c.ready !== undefined) out.conditions.ready = c.ready;
    if (c.serving !== undefined) out.conditions.serving = c.serving;
    if (c.terminating !== undefined) out.conditions.terminating = c.terminating;
  }
  if (endpoint.nodeName !== undefined) out.nodeName = endpoint.nodeName;
  if (endpoint.zone !== undefined) out.zone = endpoint.zone;
  if (endpoint.targetRef !== undefined) out.targetRef = { ...endpoint.targetRef, namespace: endpoint.targetRef.namespace ?? namespace };
  return out;
}
