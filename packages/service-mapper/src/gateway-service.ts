// The default realisation: ONE selector-less LoadBalancer Service per Gateway (the Gateway Service) carrying the port of
// every listener it realises, TCP and UDP mixed, with EndpointSlices we write that mirror each listener's backends.
// One Service per address means one kube-vip lease (`kubevip-<service>`) and so one announcing node, whatever kube-vip's
// election mode: kube-vip v1.0.0 elects every Service on its own and ignores kube-vip.io/leaseName, and with per-listener
// Services it was seen announcing one Gateway address from two nodes at once.
import { boundedName, type EndpointSlice, type Service, type ServicePort } from '@kube-vip-gw/gateway-model';
import { endpointSlicesFor, mirrorBackendEndpoints, weightsProblem } from './internal/endpoint-mirror.js';
import { buildEnvelope, gatewayServiceName, servicePortNames, type Envelope } from './internal/envelope.js';
import { validateEndpointSlice, validateService } from './internal/validation.js';
import { createStrategyContext } from './strategy.js';
import type { ListenerDesired, MappingProblem, ServedListener } from './types.js';

/** The strategy name of the Gateway Service (what `auto` chooses); reserved, never registrable. */
export const GATEWAY_SERVICE_STRATEGY = 'gateway';

/** Finishing steps the mapper applies to every object (stamping the envelope, validation). */
export interface Finisher {
  service(svc: Service, env: Envelope, errors: string[]): Service;
  slice(slice: EndpointSlice, env: Envelope, serviceNames: Set<string>, errors: string[]): EndpointSlice;
}

/** The Gateway Service and, per listener, what it contributes (in input order). */
export interface GatewayServiceDesired {
  service?: Service;
  listeners: ListenerDesired[];
  /** Problems of the Service as a whole (its parameters and metadata), reported once. */
  problems: MappingProblem[];
}

/**
 * The Gateway Service for the listeners it realises (all of one Gateway, each already checked by the caller). A
 * listener's Error (an unusable input, a port taken by an earlier listener) leaves it off the Service; the others are
 * served. A listener without a route, or whose backends have no usable endpoints, gets a port without endpoints, so
 * kube-proxy rejects its connections, as the specification asks for a listener with nothing to route to.
 */
export function mapGatewayService(listeners: readonly ServedListener[], finish: Finisher): GatewayServiceDesired {
  const out: GatewayServiceDesired = { listeners: [], problems: [] };
  if (listeners.length === 0) return out;
  const portNames = servicePortNames(listeners.map((l) => l?.listener?.name).filter((n): n is string => typeof n === 'string'));
  const taken = new Map<string, string>();
  const ports: ServicePort[] = [];
  const slicesByListener = new Map<string, EndpointSlice[]>();
  let env: Envelope | undefined;
  for (const input of listeners) {
    const desired: ListenerDesired = { listener: String(input?.listener?.name), strategy: GATEWAY_SERVICE_STRATEGY, services: [], endpointSlices: [], adoptions: [], problems: [] };
    if (input?.route !== undefined) desired.route = input.route;
    out.listeners.push(desired);
    const listenerEnv = buildEnvelope(input);
    if (Array.isArray(listenerEnv)) {
      desired.problems.push(...listenerEnv);
      continue;
    }
    if (env === undefined) {
      env = { ...listenerEnv, serviceName: gatewayServiceName(listenerEnv.gateway.namespace, listenerEnv.gateway.name) };
      // One Service is elected as one: the warning about listeners elected apart does not apply to it.
      out.problems.push(...listenerEnv.problems.filter((p) => p.reason !== 'LocalTrafficPolicy'));
    }
    const { port, protocol, name } = input.listener;
    const other = taken.get(`${protocol}/${port}`);
    if (other !== undefined) {
      desired.problems.push({ severity: 'Error', reason: 'PortConflict', message: `listener ${name}: port ${port}/${protocol} is already listener ${other}'s on the Gateway Service ${env.serviceName}` });
      continue;
    }
    taken.set(`${protocol}/${port}`, name);
    const portName = portNames.get(name)!;
    // The target port is left at the port (what the API server would default it to): kube-proxy takes the Pod port of a
    // selector-less Service from its EndpointSlices, which carry each backend's resolved target port.
    ports.push({ name: portName, protocol, port, targetPort: port });
    const ctx = createStrategyContext(input, env, GATEWAY_SERVICE_STRATEGY);
    const mirrored = mirrorBackendEndpoints({ routeRef: ctx.routeRef, protocol, families: new Set(env.ipFamilies), backends: ctx.activeBackends, backendPort: ctx.backendPort });
    desired.problems.push(...mirrored.problems);
    const weights = weightsProblem(ctx.routeRef, ctx.activeBackends, mirrored.readyByBackend);
    if (weights !== undefined) desired.problems.push(weights);
    const serviceName = env.serviceName;
    slicesByListener.set(
      name,
      endpointSlicesFor(mirrored.groups, {
        serviceName,
        namespace: env.gateway.namespace,
        labels: env.labels,
        portName,
        protocol,
        sliceName: (addressType, targetPort, i) => boundedName([serviceName, portName, addressType.toLowerCase(), String(targetPort), String(i)]),
      }),
    );
  }
  if (env === undefined || ports.length === 0) return out;

  const errors: string[] = [];
  const service = finish.service(
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: env.serviceName, namespace: env.gateway.namespace },
      spec: { type: 'LoadBalancer', ports },
    },
    env,
    errors,
  );
  errors.push(...validateService(service).map((e) => `Service ${service.metadata.name}: ${e}`));
  const names = new Set([service.metadata.name]);
  const finished = new Map<string, EndpointSlice[]>();
  for (const [listener, slices] of slicesByListener) {
    finished.set(listener, slices.map((s) => finish.slice(s, env, names, errors)));
    for (const s of finished.get(listener)!) errors.push(...validateEndpointSlice(s).map((e) => `EndpointSlice ${s.metadata.name}: ${e}`));
  }
  if (errors.length > 0) {
    // Our own output: only a bug (or input the checks above let through) gets here; no half-result either way.
    for (const l of out.listeners)
      if (slicesByListener.has(l.listener))
        l.problems.push({ severity: 'Error', reason: 'InvalidStrategyOutput', message: `the Gateway Service ${env.serviceName} would be invalid: ${errors.join('; ')}` });
    return out;
  }
  out.service = service;
  for (const l of out.listeners) {
    const slices = finished.get(l.listener);
    if (slices === undefined || l.problems.some((p) => p.severity === 'Error')) continue;
    l.services = [service];
    l.endpointSlices = slices;
  }
  return out;
}
