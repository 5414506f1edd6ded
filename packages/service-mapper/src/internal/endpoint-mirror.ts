// Mirroring backends' EndpointSlices into slices of a selector-less Service we own: shared by the Gateway Service and
// the `endpoints` strategy, which differ only in how their Service ports and slices are named.
import type { Endpoint, EndpointSlice, ServicePort } from '@kube-vip-gw/gateway-model';
import { ENDPOINT_SLICE_API_VERSION, ENDPOINT_SLICE_MANAGED_BY_LABEL, ENDPOINT_SLICE_MANAGED_BY_VALUE, SERVICE_NAME_LABEL } from '../constants.js';
import type { ListenerProtocol, MappingProblem, ServedBackend } from '../types.js';

/** Endpoints per generated EndpointSlice (the built-in EndpointSlice controller's default). */
export const ENDPOINTS_PER_SLICE = 100;

/** What mirroring needs to know about the listener and its route. */
export interface MirrorInput {
  /** `Kind namespace/name` of the route, for messages. */
  routeRef: string;
  protocol: ListenerProtocol;
  /** Address families of our Service: endpoints of other families are not mirrored. */
  families: ReadonlySet<string>;
  /** Backends with weight > 0, in route order. */
  backends: readonly ServedBackend[];
  /** The backend Service's port that backendRef.port names, or the problem why there is none. */
  backendPort(backend: ServedBackend): ServicePort | MappingProblem;
}

/** Endpoints grouped by `addressType/targetPort`, each group by address (first backend listing an address wins). */
export type EndpointGroups = Map<string, Map<string, Endpoint>>;

/** The mirrored endpoints, how many each backend contributed, and the backends that were skipped (as warnings). */
export interface MirroredEndpoints {
  groups: EndpointGroups;
  /** Mirrored endpoints that kube-proxy sends new connections to (ready, or readiness unknown), by `namespace/name`. */
  readyByBackend: Map<string, number>;
  problems: MappingProblem[];
}

/**
 * Collects the endpoints of every backend. Each endpoint's port is the backend's resolved target port, read from the
 * backend's own EndpointSlice port named like the backend Service port (the EndpointSlice controller resolves a named
 * targetPort per Pod), so numeric and named targetPorts both work. ready/serving/terminating, nodeName and zone are
 * kept (externalTrafficPolicy Local and topology read them); duplicates are dropped.
 */
export function mirrorBackendEndpoints(input: MirrorInput): MirroredEndpoints {
  const problems: MappingProblem[] = [];
  const groups: EndpointGroups = new Map();
  const readyByBackend = new Map<string, number>();
  for (const backend of input.backends) {
    const ref = `${backend.namespace}/${backend.name}`;
    const port = input.backendPort(backend);
    if ('severity' in port) {
      problems.push({ ...port, severity: 'Warning', reason: 'BackendSkipped', message: `${port.message}; backend skipped` });
      continue;
    }
    if (backend.service?.spec?.type === 'ExternalName') {
      problems.push({ severity: 'Warning', reason: 'BackendSkipped', message: `${input.routeRef}: backend Service ${ref} is an ExternalName Service; backend skipped` });
      continue;
    }
    let ready = readyByBackend.get(ref) ?? 0;
    for (const slice of backend.endpointSlices ?? []) {
      const owner = slice.metadata.labels?.[SERVICE_NAME_LABEL];
      if (owner !== undefined && owner !== backend.name) continue;
      if (slice.metadata.namespace !== undefined && slice.metadata.namespace !== backend.namespace) continue;
      if (slice.addressType !== 'IPv4' && slice.addressType !== 'IPv6') continue;
      if (!input.families.has(slice.addressType)) continue;
      const slicePort = (slice.ports ?? []).find((p) => (p.name ?? '') === (port.name ?? '') && (p.protocol ?? 'TCP') === input.protocol);
      if (slicePort?.port === undefined) continue;
      const key = `${slice.addressType}/${slicePort.port}`;
      let group = groups.get(key);
      if (group === undefined) groups.set(key, (group = new Map()));
      for (const endpoint of slice.endpoints ?? []) {
        const address = endpoint.addresses?.[0];
        if (address === undefined || group.has(address)) continue;
        group.set(address, mirror(endpoint, backend.namespace));
        if (endpoint.conditions?.ready !== false) ready++;
      }
    }
    readyByBackend.set(ref, ready);
  }
  return { groups, readyByBackend, problems };
}

/**
 * A `WeightsApproximated` warning when the backends' weights differ, saying what the split really is: kube-proxy spreads
 * new connections evenly over ready endpoints, so each backend gets its share of the ready endpoints, whatever its weight.
 */
export function weightsProblem(routeRef: string, backends: readonly ServedBackend[], readyByBackend: ReadonlyMap<string, number>): MappingProblem | undefined {
  const weights = new Set(backends.map((b) => b.weight ?? 1));
  if (weights.size <= 1) return undefined;
  const refs = backends.map((b) => `${b.namespace}/${b.name}`);
  const total = refs.reduce((sum, r) => sum + (readyByBackend.get(r) ?? 0), 0);
  const split =
    total === 0
      ? 'no backend has a ready endpoint yet'
      : `the split is ${refs.map((r) => `${r} ${Math.round((100 * (readyByBackend.get(r) ?? 0)) / total)} % (${readyByBackend.get(r) ?? 0} of ${total} ready endpoints)`).join(', ')}`;
  return {
    severity: 'Warning',
    reason: 'WeightsApproximated',
    message: `${routeRef}: backend weights ${backends.map((b) => `${b.namespace}/${b.name}=${b.weight ?? 1}`).join(', ')} are not honoured exactly: traffic is split in proportion to endpoint counts (kube-proxy spreads connections evenly over ready endpoints); ${split}`,
  };
}

/** Options for `endpointSlicesFor`. */
export interface SliceOptions {
  serviceName: string;
  namespace: string;
  labels: Readonly<Record<string, string>>;
  /** The slice port's name: the name of the Service port it serves (kube-proxy matches them by name). */
  portName: string;
  protocol: ListenerProtocol;
  /** Deterministic slice name for the i-th slice of a family and target port. */
  sliceName(addressType: 'IPv4' | 'IPv6', targetPort: number, index: number): string;
}

/** The groups as EndpointSlices of our Service: sorted by family, port and address, ENDPOINTS_PER_SLICE each. */
export function endpointSlicesFor(groups: EndpointGroups, options: SliceOptions): EndpointSlice[] {
  const slices: EndpointSlice[] = [];
  for (const key of [...groups.keys()].sort()) {
    const [addressType, portText] = key.split('/') as ['IPv4' | 'IPv6', string];
    const port = Number(portText);
    const endpoints = [...groups.get(key)!.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, e]) => e);
    for (let i = 0; i * ENDPOINTS_PER_SLICE < endpoints.length; i++) {
      slices.push({
        apiVersion: ENDPOINT_SLICE_API_VERSION,
        kind: 'EndpointSlice',
        metadata: {
          name: options.sliceName(addressType, port, i),
          namespace: options.namespace,
          labels: { ...options.labels, [SERVICE_NAME_LABEL]: options.serviceName, [ENDPOINT_SLICE_MANAGED_BY_LABEL]: ENDPOINT_SLICE_MANAGED_BY_VALUE },
        },
        addressType,
        endpoints: endpoints.slice(i * ENDPOINTS_PER_SLICE, (i + 1) * ENDPOINTS_PER_SLICE),
        ports: [{ name: options.portName, protocol: options.protocol, port }],
      });
    }
  }
  return slices;
}

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
