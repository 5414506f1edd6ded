// The objects of one controller-scale run: namespaces, backend Services, Gateways and TCP/UDP routes, and what the
// controller must make of them (which listener gets a route, how many Services). Pure: no I/O.
import type { KubeObject } from '@kube-vip-gw/controller-runtime';

/** Size of a run. */
export interface WorkloadSize {
  readonly gateways: number;
  readonly routes: number;
  /** Namespaces the Gateways are spread over (each route and backend lives beside its Gateway). */
  readonly namespaces: number;
}

/** Name of the GatewayClass of every benchmark Gateway (deploy/03-gatewayclass.yaml). */
export const GATEWAY_CLASS = 'kube-vip';

/** One unit of creation: a Gateway with its backends and routes, created in that order (as a user would). */
export interface GatewayBatch {
  readonly gateway: KubeObject;
  readonly backends: readonly KubeObject[];
  /**
   * One EndpointSlice per backend with one ready endpoint, as kube-controller-manager would write for one Pod: the
   * controller mirrors them into the Gateway Service's slices, so without them it would write no slices at all.
   */
  readonly endpointSlices: readonly KubeObject[];
  readonly routes: readonly { readonly kind: 'TCPRoute' | 'UDPRoute'; readonly object: KubeObject }[];
  /** attachedRoutes each listener must report once converged. */
  readonly attached: Readonly<Record<string, number>>;
}

/** Everything a run creates, and the totals convergence is checked against. */
export interface Workload {
  readonly size: WorkloadSize;
  readonly namespaces: readonly string[];
  readonly batches: readonly GatewayBatch[];
  /**
   * Services the controller must make: one per Gateway (the default, the Gateway Service, which every Gateway gets, routes
   * or not), or one per route with a per-route strategy (`duplicate`, `update`, ...).
   */
  readonly expectedServices: number;
  /** Listeners per Gateway (the routes are spread round-robin, so some listeners may stay empty). */
  readonly listenersPerGateway: number;
}

/** Thrown for a size that cannot be built; names the bad value. */
export class InvalidWorkloadError extends Error {
  readonly _tag = 'InvalidWorkloadError';
  constructor(what: string, value: unknown, why: string) {
    super(`InvalidWorkloadError: ${what} ${JSON.stringify(value)}: ${why}`);
    this.name = 'InvalidWorkloadError';
  }
}

// A Gateway has at most 64 listeners (CRD maxItems); ports must stay valid and distinct.
const MAX_LISTENERS = 64;
const FIRST_PORT = 10000;
const BACKEND_PORT = 8080;

function checkCount(what: string, value: number, min: number): void {
  if (!Number.isSafeInteger(value) || value < min) throw new InvalidWorkloadError(what, value, `must be an integer >= ${min}`);
}

/**
 * Builds the workload: route j goes to Gateway j mod N, on listener floor(j / N), so routes are spread evenly and
 * every Gateway gets ceil(M / N) listeners, alternately TCP and UDP; each route has its own backend Service.
 */
export function buildWorkload(size: WorkloadSize, options: { perRouteServices?: boolean } = {}): Workload {
  checkCount('gateways', size.gateways, 1);
  checkCount('routes', size.routes, 0);
  checkCount('namespaces', size.namespaces, 1);
  const listeners = Math.max(1, Math.ceil(size.routes / size.gateways));
  if (listeners > MAX_LISTENERS) {
    throw new InvalidWorkloadError('routes', size.routes, `needs ${listeners} listeners per Gateway; a Gateway has at most ${MAX_LISTENERS} (add Gateways)`);
  }
  const nsCount = Math.min(size.namespaces, size.gateways);
  const namespaces = Array.from({ length: nsCount }, (_, i) => `scale-${i}`);
  const protocolOf = (listener: number): 'TCP' | 'UDP' => (listener % 2 === 0 ? 'TCP' : 'UDP');
  const routesOf: number[][] = Array.from({ length: size.gateways }, () => []);
  for (let j = 0; j < size.routes; j++) routesOf[j % size.gateways]!.push(j);

  const batches: GatewayBatch[] = [];
  for (let g = 0; g < size.gateways; g++) {
    const namespace = namespaces[g % nsCount]!;
    const gwName = `gw-${g}`;
    const gateway: KubeObject = {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      metadata: { name: gwName, namespace },
      spec: {
        gatewayClassName: GATEWAY_CLASS,
        listeners: Array.from({ length: listeners }, (_, l) => ({ name: `l${l}`, port: FIRST_PORT + l, protocol: protocolOf(l) })),
      },
    };
    const backends: KubeObject[] = [];
    const endpointSlices: KubeObject[] = [];
    const routes: GatewayBatch['routes'][number][] = [];
    const attached: Record<string, number> = {};
    for (let l = 0; l < listeners; l++) attached[`l${l}`] = 0;
    for (const j of routesOf[g]!) {
      const listener = Math.floor(j / size.gateways);
      const protocol = protocolOf(listener);
      const backend = `backend-${j}`;
      backends.push({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: backend, namespace },
        spec: { selector: { app: backend }, ports: [{ name: 'app', port: BACKEND_PORT, targetPort: BACKEND_PORT, protocol }] },
      });
      endpointSlices.push({
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: { name: `${backend}-1`, namespace, labels: { 'kubernetes.io/service-name': backend, 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' } },
        addressType: 'IPv4',
        ports: [{ name: 'app', port: BACKEND_PORT, protocol }],
        // A Pod address per route (10.244.0.0/16 holds 65,536), on one of 10 nodes.
        endpoints: [{ addresses: [`10.244.${(j >> 8) & 255}.${j & 255}`], conditions: { ready: true, serving: true, terminating: false }, nodeName: `node-${j % 10}` }],
      });
      const kind = protocol === 'TCP' ? 'TCPRoute' : 'UDPRoute';
      routes.push({
        kind,
        object: {
          apiVersion: 'gateway.networking.k8s.io/v1',
          kind,
          metadata: { name: `route-${j}`, namespace },
          spec: {
            parentRefs: [{ name: gwName, sectionName: `l${listener}` }],
            rules: [{ backendRefs: [{ name: backend, port: BACKEND_PORT }] }],
          },
        },
      });
      attached[`l${listener}`] = (attached[`l${listener}`] ?? 0) + 1;
    }
    batches.push({ gateway, backends, endpointSlices, routes, attached });
  }
  return { size, namespaces, batches, expectedServices: options.perRouteServices ? size.routes : size.gateways, listenersPerGateway: listeners };
}

/** The IPAM ConfigMap of the run: one global CIDR large enough for every Gateway. */
export function ipamConfigMap(gateways: number): KubeObject {
  // 10.128.0.0/12 holds a million addresses; the size only has to exceed the Gateway count.
  if (gateways > 1_000_000) throw new InvalidWorkloadError('gateways', gateways, 'more than the 10.128.0.0/12 pool holds');
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'kubevip', namespace: 'kube-system' },
    data: { 'cidr-global': '10.128.0.0/12' },
  };
}
