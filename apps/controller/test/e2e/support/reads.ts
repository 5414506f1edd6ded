// Reads the e2e tests share: waiting for an object to reach a state, and finding what the controller made.
import { expect } from 'vitest';
import type { EndpointSlice, Gateway, KubeObject, Service } from '@kube-vip-gw/gateway-model';
import type { E2eEnvironment } from './environment.js';
import { R, TEST_FIELD_MANAGER, type ApiResource, type KubeRest } from './kube-rest.js';
import { endpointSlice, observedCurrentGeneration, service } from './objects.js';
import { eventually } from '@kube-vip-gw/test-support';

/** The GEP-1762 label on everything made for a Gateway. */
export const GATEWAY_NAME_LABEL = 'gateway.networking.k8s.io/gateway-name';
/** The field manager the API server records for the controller (from its user agent). */
export const CONTROLLER_FIELD_MANAGER = 'kube-vip-gateway-api';

/** Reads with one environment's admin client. */
export interface Reads {
  /** Reads an object until `check` (expect-style) passes; returns the object that passed. */
  until<T extends KubeObject>(res: ApiResource, key: { namespace?: string; name: string }, check: (o: T) => void, timeoutMs?: number): Promise<T>;
  /** The Gateway once the controller has written status for its current generation and `check` passes. */
  gatewayUntil(namespace: string, name: string, check?: (gw: Gateway) => void, timeoutMs?: number): Promise<Gateway>;
  /** The Services labelled for a Gateway (made by the controller, or the user's, adopted in `update` mode). */
  servicesOf(namespace: string, gatewayName: string): Promise<Service[]>;
  /** The EndpointSlices labelled for a Gateway. */
  endpointSlicesOf(namespace: string, gatewayName: string): Promise<EndpointSlice[]>;
  /**
   * What the Gateway's Services would send traffic to: each Service's selector (`selector:k=v`) and the endpoint
   * addresses of the EndpointSlices made for selector-less ones. An invalid backend must leave nothing here (a
   * Service without endpoints: kube-proxy rejects the connection, as the spec asks for invalid backends).
   */
  trafficTargets(namespace: string, gatewayName: string): Promise<string[]>;
  /** Creates an object as admin. */
  create<T extends KubeObject>(res: ApiResource, object: T): Promise<T>;
  /** Creates a namespace with a pool, a backend Service `echo` (TCP 8080 -> 9090) and its EndpointSlice (10.244.0.10). */
  namespaceWithBackend(prefix: string): ReturnType<E2eEnvironment['newNamespace']>;
}

/** Readers bound to the environment of the current file. */
export function reads(env: () => E2eEnvironment): Reads {
  const admin = (): KubeRest => env().admin;
  const until: Reads['until'] = (res, key, check, timeoutMs) =>
    eventually(async () => {
      const o = await admin().get<never>(res, key);
      check(o);
      return o;
    }, timeoutMs);
  const servicesOf: Reads['servicesOf'] = (namespace, gatewayName) => admin().list<Service>(R.Service, namespace, `${GATEWAY_NAME_LABEL}=${gatewayName}`);
  const endpointSlicesOf: Reads['endpointSlicesOf'] = (namespace, gatewayName) =>
    admin().list<EndpointSlice>(R.EndpointSlice, namespace, `${GATEWAY_NAME_LABEL}=${gatewayName}`);
  const create: Reads['create'] = (res, object) => admin().create(res, object);
  return {
    until,
    gatewayUntil: (namespace, name, check = () => undefined, timeoutMs) =>
      until<Gateway>(R.Gateway, { namespace, name }, (gw) => {
        expect(observedCurrentGeneration(gw), `status of generation ${gw.metadata.generation}: ${JSON.stringify(gw.status)}`).toBe(true);
        check(gw);
      }, timeoutMs),
    servicesOf,
    endpointSlicesOf,
    async trafficTargets(namespace, gatewayName) {
      const [services, slices] = await Promise.all([servicesOf(namespace, gatewayName), endpointSlicesOf(namespace, gatewayName)]);
      return [
        ...services.flatMap((s) => Object.entries(s.spec?.selector ?? {}).map(([k, v]) => `selector:${k}=${v}`)),
        ...slices.flatMap((sl) => sl.endpoints.flatMap((ep) => ep.addresses)),
      ].sort();
    },
    create,
    async namespaceWithBackend(prefix) {
      const ns = await env().newNamespace(prefix);
      await create(R.Service, service(ns.name, 'echo', { app: 'echo' }, [{ name: 'tcp', port: 8080, targetPort: 9090, protocol: 'TCP' }]));
      await create(R.EndpointSlice, endpointSlice(ns.name, 'echo', ['10.244.0.10'], { name: 'tcp', port: 9090 }));
      return ns;
    },
  };
}

/**
 * Checks every Gateway in the cluster: the controller's own writes (managedFields of its field manager outside the
 * status subresource) touched nothing but metadata.finalizers, and spec.addresses is what the tests wrote. The original
 * prototype wrote allocated addresses into spec.addresses; this controller must not.
 */
export async function expectGatewaySpecsUntouched(admin: KubeRest): Promise<number> {
  const gateways = await admin.list<Gateway>(R.Gateway);
  for (const gw of gateways) {
    const where = `Gateway ${gw.metadata.namespace}/${gw.metadata.name}`;
    const entries = (gw.metadata['managedFields'] ?? []) as { manager?: string; subresource?: string; fieldsV1?: Record<string, unknown> }[];
    for (const entry of entries) {
      if (entry.manager === TEST_FIELD_MANAGER) continue;
      expect(entry.manager, `${where}: writer ${entry.manager}`).toBe(CONTROLLER_FIELD_MANAGER);
      if (entry.subresource === 'status') continue;
      expect(Object.keys(entry.fieldsV1 ?? {}), `${where}: fields the controller wrote outside status`).toEqual(['f:metadata']);
      expect(Object.keys((entry.fieldsV1?.['f:metadata'] ?? {}) as object), `${where}: metadata the controller wrote`).toEqual(['f:finalizers']);
    }
  }
  return gateways.length;
}
