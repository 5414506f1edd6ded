// From served listeners to desired objects: pick the strategy, run it, finish and validate what it returned.
import { SERVED_ROUTE_KINDS, type EndpointSlice, type Gateway, type Service } from '@kube-vip-gw/gateway-model';
import {
  ENDPOINT_SLICE_API_VERSION,
  ENDPOINT_SLICE_MANAGED_BY_LABEL,
  ENDPOINT_SLICE_MANAGED_BY_VALUE,
  KUBE_VIP_WRITTEN_ANNOTATIONS,
  OWNED_METADATA_ANNOTATION,
  SERVICE_NAME_LABEL,
  UPDATE_RECORD_ANNOTATION,
} from './constants.js';
import { UnknownStrategyError } from './errors.js';
import { buildEnvelope, type Envelope } from './internal/envelope.js';
import { stampOwnedKeys } from './internal/owned.js';
import { isDns1035Label, isDns1123Label, jsonClone } from '@kube-vip-gw/kube-core';
import { isPortNumber, validateEndpointSlice, validateService } from './internal/validation.js';
import { createStrategyRegistry, type StrategyRegistry } from './registry.js';
import { GATEWAY_SERVICE_STRATEGY, mapGatewayService, type Finisher } from './gateway-service.js';
import { resolveStrategyName, type StrategyChoice } from './resolve.js';
import { createStrategyContext } from './strategy.js';
import type {
  GatewayDesired,
  ListenerDesired,
  ListenerProblem,
  MappingProblem,
  RoutedListener,
  ServedListener,
  ServiceAdoption,
  StrategyResult,
} from './types.js';

/** Annotations a strategy may never put on anything: kube-vip's own and our update record. */
const FORBIDDEN_ANNOTATIONS = [...KUBE_VIP_WRITTEN_ANNOTATIONS, UPDATE_RECORD_ANNOTATION];

let defaultRegistry: StrategyRegistry | undefined;

/**
 * The desired objects for one listener. A route that resolves to a per-route strategy gets that strategy's objects; one
 * that resolves to the Gateway Service (`auto`, the default) gets a Gateway Service carrying only this listener's port
 * (desiredForGateway puts every such listener on one). Any Error problem (unknown strategy, a route the strategy cannot
 * express, invalid input or strategy output) yields no objects at all for the listener, never part of them.
 */
export function mapListener(input: ServedListener, registry: StrategyRegistry = (defaultRegistry ??= createStrategyRegistry())): ListenerDesired {
  const choice = chooseRealisation(input, registry);
  if (choice.kind === 'gateway') return mapGatewayService([input], finisher).listeners[0]!;
  if (choice.kind === 'none') return emptyDesired(input, choice.strategy);
  return choice.desired;
}

type Realisation =
  | { kind: 'gateway' }
  | { kind: 'none'; strategy: string }
  | { kind: 'route'; desired: ListenerDesired };

function emptyDesired(input: ServedListener, strategy?: string): ListenerDesired {
  const result: ListenerDesired = { listener: String(input?.listener?.name), services: [], endpointSlices: [], adoptions: [], problems: [] };
  if (input?.route !== undefined) result.route = input.route;
  if (strategy !== undefined) result.strategy = strategy;
  return result;
}

/**
 * How a listener is realised: on the Gateway Service, by a per-route strategy, or (a listener without a route whose
 * Gateway, class or flag names a per-route strategy) not at all, as those strategies need a route.
 */
function chooseRealisation(input: ServedListener, registry: StrategyRegistry): Realisation {
  const routeProblems = checkRoute(input);
  if (routeProblems.length > 0) return { kind: 'route', desired: { ...emptyDesired(input), problems: routeProblems } };
  const choice = resolveStrategyName(input.route ?? {}, input.parameters?.strategy, () => GATEWAY_SERVICE_STRATEGY);
  if (choice.name === GATEWAY_SERVICE_STRATEGY) return { kind: 'gateway' };
  if (input.route === undefined) return { kind: 'none', strategy: choice.name };
  return { kind: 'route', desired: mapRoutedListener(input as RoutedListener, choice, registry) };
}

function mapRoutedListener(input: RoutedListener, choice: StrategyChoice, registry: StrategyRegistry): ListenerDesired {
  const result = emptyDesired(input);
  const env = buildEnvelope(input);
  if (Array.isArray(env)) return { ...result, problems: env };
  result.problems.push(...env.problems);

  const strategy = registry.lookup(choice.name, choice.source);
  if (strategy instanceof UnknownStrategyError) {
    result.problems.push({ severity: 'Error', reason: 'UnknownStrategy', message: strategy.message });
    return result;
  }
  result.strategy = strategy.name;

  let output: StrategyResult;
  try {
    output = strategy.build(input, createStrategyContext(input, env, strategy.name)) ?? {};
  } catch (e) {
    result.problems.push(invalidOutput(strategy.name, `threw ${e instanceof Error ? e.message : String(e)}`));
    return result;
  }
  result.problems.push(...(output.problems ?? []));
  if (result.problems.some((p) => p.severity === 'Error')) return result;

  const errors: string[] = [];
  let services: Service[];
  let endpointSlices: EndpointSlice[];
  let adoptions: ServiceAdoption[];
  try {
    services = (output.services ?? []).map((s) => finishService(s, env, errors));
    const serviceNames = new Set(services.map((s) => s.metadata.name));
    endpointSlices = (output.endpointSlices ?? []).map((s) => finishSlice(s, env, serviceNames, errors));
    adoptions = (output.adoptions ?? []).map((a) => finishAdoption(a, env, errors));
  } catch (e) {
    result.problems.push(invalidOutput(strategy.name, `returned something that is not JSON data (${e instanceof Error ? e.message : String(e)})`));
    return result;
  }
  for (const s of services) errors.push(...validateService(s).map((e) => `Service ${s.metadata.name}: ${e}`));
  for (const s of endpointSlices) errors.push(...validateEndpointSlice(s).map((e) => `EndpointSlice ${s.metadata.name}: ${e}`));
  errors.push(...duplicates('Service', services.map((s) => s.metadata.name)), ...duplicates('EndpointSlice', endpointSlices.map((s) => s.metadata.name)));
  errors.push(...duplicates('adopted Service', adoptions.map((a) => `${a.namespace}/${a.name}`)));
  if (services.length === 0 && adoptions.length === 0) errors.push('returned neither a Service nor an adoption, so the listener would carry no traffic');
  if (errors.length > 0) {
    result.problems.push(invalidOutput(strategy.name, errors.join('; ')));
    return result;
  }
  return { ...result, services, endpointSlices, adoptions };
}

/**
 * The desired objects for all listeners of one Gateway, in listener order: the Gateway Service carrying every listener
 * realised by it (routes or not), plus the objects of listeners whose route chose a per-route strategy. A listener whose
 * objects collide with an earlier listener's (same Service or EndpointSlice name, or an incompatible adoption of one
 * Service) is reported and dropped whole. When the address ends up on more than one Service, a
 * `MultipleServicesForAddress` warning says what that needs from kube-vip.
 */
export function desiredForGateway(
  gateway: Gateway,
  listeners: readonly ServedListener[],
  registry: StrategyRegistry = (defaultRegistry ??= createStrategyRegistry()),
): GatewayDesired {
  const meta = gateway.metadata;
  const desired: GatewayDesired = {
    gateway: { namespace: meta.namespace ?? '', name: meta.name, uid: meta.uid ?? '' },
    services: [],
    endpointSlices: [],
    adoptions: [],
    listeners: [],
    problems: [],
    gatewayProblems: [],
  };
  const realisations: { input: ServedListener; choice: Realisation }[] = listeners.map((input) => {
    if (input.gateway?.metadata?.uid !== meta.uid || input.gateway?.metadata?.name !== meta.name)
      return {
        input,
        choice: {
          kind: 'route',
          desired: {
            ...emptyDesired(input),
            problems: [{ severity: 'Error', reason: 'InvalidInput', message: `listener ${input.listener?.name} belongs to another Gateway than ${meta.namespace}/${meta.name}` }],
          },
        },
      };
    return { input, choice: chooseRealisation(input, registry) };
  });
  const onGatewayService = realisations.filter((r) => r.choice.kind === 'gateway').map((r) => r.input);
  const gatewayService = mapGatewayService(onGatewayService, finisher);
  desired.gatewayProblems.push(...gatewayService.problems);
  const byInput = new Map(onGatewayService.map((input, i) => [input, gatewayService.listeners[i]!]));
  if (gatewayService.service !== undefined) desired.services.push(gatewayService.service);

  const adoptionIndex = new Map<string, ServiceAdoption>();
  for (const { input, choice } of realisations) {
    let mapped: ListenerDesired;
    if (choice.kind === 'gateway') {
      mapped = byInput.get(input)!;
      desired.endpointSlices.push(...mapped.endpointSlices);
    } else {
      mapped = choice.kind === 'none' ? emptyDesired(input, choice.strategy) : choice.desired;
      const conflict = conflicts(mapped, desired, adoptionIndex);
      if (conflict !== undefined) mapped = { ...mapped, services: [], endpointSlices: [], adoptions: [], problems: [...mapped.problems, conflict] };
      desired.services.push(...mapped.services);
      desired.endpointSlices.push(...mapped.endpointSlices);
      for (const a of mapped.adoptions) {
        const key = `${a.namespace}/${a.name}`;
        const merged = adoptionIndex.get(key);
        if (merged === undefined) {
          const copy = structuredClone(a);
          adoptionIndex.set(key, copy);
          desired.adoptions.push(copy);
        } else {
          for (const p of a.ports) if (!merged.ports.some((q) => q.port === p.port && q.protocol === p.protocol)) merged.ports.push({ ...p });
        }
      }
    }
    desired.listeners.push(mapped);
    const route = mapped.route;
    for (const p of mapped.problems) {
      const problem: ListenerProblem = { ...p, listener: mapped.listener };
      if (route !== undefined) problem.route = { kind: route.kind, namespace: route.namespace, name: route.name };
      desired.problems.push(problem);
    }
  }
  const carriers = [
    ...desired.services.map((s) => `${s.metadata.namespace}/${s.metadata.name}`),
    ...desired.adoptions.map((a) => `${a.namespace}/${a.name}`),
  ];
  if (carriers.length > 1) {
    const address = String(listeners.find((l) => Array.isArray(l.addresses))?.addresses.join(', '));
    desired.gatewayProblems.push({
      severity: 'Warning',
      reason: 'MultipleServicesForAddress',
      message:
        `address ${address} is on ${carriers.length} Services (${carriers.join(', ')}) because routes chose per-route strategies. ` +
        'kube-vip elects each Service on its own (v1.0.0 takes the lease kubevip-<service> and does not read kube-vip.io/leaseName), so with svc_election=true ' +
        'they may be announced from different nodes and most connections fail; run kube-vip with svc_election=false (one lease for all Services) ' +
        'or a kube-vip that honours kube-vip.io/leaseName, or let the routes use the Gateway Service (strategy auto)',
    });
  }
  return desired;
}

function conflicts(mapped: ListenerDesired, soFar: GatewayDesired, adoptions: Map<string, ServiceAdoption>): MappingProblem | undefined {
  const fail = (message: string): MappingProblem => ({ severity: 'Error', reason: 'AdoptionConflict', message: `listener ${mapped.listener}: ${message}` });
  const ownedServices = new Set(soFar.services.map((s) => `${s.metadata.namespace}/${s.metadata.name}`));
  for (const s of mapped.services) {
    const key = `${s.metadata.namespace}/${s.metadata.name}`;
    if (ownedServices.has(key) || adoptions.has(key)) return { ...fail(`Service ${key} is already produced for another listener`), reason: 'NameConflict' };
  }
  const slices = new Set(soFar.endpointSlices.map((s) => s.metadata.name));
  for (const s of mapped.endpointSlices)
    if (slices.has(s.metadata.name)) return { ...fail(`EndpointSlice ${s.metadata.name} is already produced for another listener`), reason: 'NameConflict' };
  for (const a of mapped.adoptions) {
    const key = `${a.namespace}/${a.name}`;
    if (ownedServices.has(key)) return { ...fail(`Service ${key} is produced for another listener and cannot also be adopted`), reason: 'NameConflict' };
    const merged = adoptions.get(key);
    if (merged === undefined) continue;
    if (
      merged.externalTrafficPolicy !== a.externalTrafficPolicy ||
      merged.loadBalancerClass !== a.loadBalancerClass ||
      merged.allocateLoadBalancerNodePorts !== a.allocateLoadBalancerNodePorts
    )
      return fail(`Service ${key} is adopted by another listener with different externalTrafficPolicy, loadBalancerClass or allocateLoadBalancerNodePorts`);
    for (const p of a.ports) {
      const q = merged.ports.find((x) => x.port === p.port && x.protocol === p.protocol);
      if (q !== undefined && q.targetPort !== p.targetPort)
        return fail(`Service ${key} port ${p.port}/${p.protocol} must forward to ${String(q.targetPort)} for another listener, not ${String(p.targetPort)}`);
    }
  }
  return undefined;
}

function checkRoute(input: ServedListener): MappingProblem[] {
  const r = input?.route;
  const bad = (message: string): MappingProblem[] => [{ severity: 'Error', reason: 'InvalidInput', message }];
  if (r === undefined) return [];
  if (r === null) return bad('listener route is null');
  const kind = SERVED_ROUTE_KINDS.find((k) => k.kind === r.kind);
  if (kind === undefined) return bad(`route kind ${JSON.stringify(r.kind)} is not ${SERVED_ROUTE_KINDS.map((k) => k.kind).join(' or ')}`);
  if (typeof r.name !== 'string' || r.name === '' || typeof r.namespace !== 'string' || !isDns1123Label(r.namespace))
    return bad(`${r.kind} ${JSON.stringify(r.namespace)}/${JSON.stringify(r.name)}: namespace and name are required`);
  const expected = kind.serving.backendProtocol;
  const protocol = input.listener?.protocol;
  if ((protocol === 'TCP' || protocol === 'UDP') && protocol !== expected)
    return bad(`${r.kind} ${r.namespace}/${r.name} cannot be served on ${input.listener.protocol} listener ${input.listener.name}`);
  for (const b of input.backends ?? [])
    if (!isPortNumber(b.port) || typeof b.name !== 'string' || typeof b.namespace !== 'string')
      return bad(`${r.kind} ${r.namespace}/${r.name}: backend ${JSON.stringify(b.namespace)}/${JSON.stringify(b.name)} port ${JSON.stringify(b.port)} is invalid`);
  return [];
}

const finisher: Finisher = { service: finishService, slice: finishSlice };

function invalidOutput(strategy: string, detail: string): MappingProblem {
  return { severity: 'Error', reason: 'InvalidStrategyOutput', message: `strategy ${strategy} returned invalid objects: ${detail}` };
}

function duplicates(what: string, names: string[]): string[] {
  const seen = new Set<string>();
  const dups = names.filter((n) => (seen.has(n) ? true : (seen.add(n), false)));
  return dups.map((n) => `${what} ${n} returned twice`);
}

function forbiddenAnnotations(where: string, annotations: Readonly<Record<string, string>> | undefined, errors: string[]): void {
  for (const k of FORBIDDEN_ANNOTATIONS) if (annotations?.[k] !== undefined) errors.push(`${where}: annotation ${k} is not ours to set`);
}

/** Stamps what every Service must carry over what the strategy returned (the Gateway's values win). */
function finishService(svc: Service, env: Envelope, errors: string[]): Service {
  const out = jsonClone(svc);
  const name = out.metadata?.name;
  const where = `Service ${String(name)}`;
  if (out.metadata === undefined) out.metadata = { name: String(name) };
  if (out.metadata.namespace !== undefined && out.metadata.namespace !== env.gateway.namespace)
    errors.push(`${where}: namespace ${out.metadata.namespace} is not the Gateway's (${env.gateway.namespace}); owner references cannot cross namespaces`);
  forbiddenAnnotations(where, out.metadata.annotations, errors);
  delete out.metadata.annotations?.[OWNED_METADATA_ANNOTATION];
  if ((out.metadata.ownerReferences ?? []).some((r) => r.controller === true && r.uid !== env.gateway.uid))
    errors.push(`${where}: has another controller owner reference`);
  const spec = (out.spec ??= {});
  const ordered: Service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      ...out.metadata,
      name: typeof name === 'string' ? name : '',
      namespace: env.gateway.namespace,
      labels: { ...out.metadata.labels, ...env.labels },
      annotations: { ...out.metadata.annotations, ...env.annotationsFor(env.gateway.namespace) },
      ownerReferences: [...(out.metadata.ownerReferences ?? []).filter((r) => r.uid !== env.gateway.uid), { ...env.ownerReference }],
    },
    spec: {
      ...spec,
      type: 'LoadBalancer',
      externalTrafficPolicy: env.externalTrafficPolicy,
      allocateLoadBalancerNodePorts: env.allocateLoadBalancerNodePorts,
      ipFamilyPolicy: env.ipFamilyPolicy,
      ipFamilies: [...env.ipFamilies],
    },
  };
  if (env.loadBalancerClass !== undefined) ordered.spec!.loadBalancerClass = env.loadBalancerClass;
  else delete ordered.spec!.loadBalancerClass;
  if (!isDns1035Label(ordered.metadata.name)) errors.push(`${where}: name must be a DNS-1035 label of at most 63 characters`);
  stampOwnedKeys(ordered);
  return ordered;
}

/** Stamps what every EndpointSlice must carry; it must belong to one of the listener's Services. */
function finishSlice(slice: EndpointSlice, env: Envelope, serviceNames: Set<string>, errors: string[]): EndpointSlice {
  // Copies metadata only: endpoints can number thousands and are never modified downstream (plans copy what they write).
  const out = { ...slice, metadata: jsonClone(slice.metadata) };
  const where = `EndpointSlice ${String(out.metadata?.name)}`;
  if (out.metadata === undefined) out.metadata = { name: '' };
  if (out.metadata.namespace !== undefined && out.metadata.namespace !== env.gateway.namespace)
    errors.push(`${where}: namespace ${out.metadata.namespace} is not the Gateway's (${env.gateway.namespace})`);
  const serviceName = out.metadata.labels?.[SERVICE_NAME_LABEL];
  if (serviceName === undefined || !serviceNames.has(serviceName))
    errors.push(`${where}: label ${SERVICE_NAME_LABEL} must name one of the listener's Services (${[...serviceNames].join(', ')})`);
  forbiddenAnnotations(where, out.metadata.annotations, errors);
  delete out.metadata.annotations?.[OWNED_METADATA_ANNOTATION];
  if (!Array.isArray(out.endpoints)) {
    errors.push(`${where}: endpoints must be a list`);
    out.endpoints = [];
  }
  const finished: EndpointSlice = {
    ...out,
    apiVersion: ENDPOINT_SLICE_API_VERSION,
    kind: 'EndpointSlice',
    metadata: {
      ...out.metadata,
      namespace: env.gateway.namespace,
      labels: {
        ...out.metadata.labels,
        ...env.labels,
        [SERVICE_NAME_LABEL]: serviceName ?? '',
        [ENDPOINT_SLICE_MANAGED_BY_LABEL]: ENDPOINT_SLICE_MANAGED_BY_VALUE,
      },
      annotations: { ...out.metadata.annotations, ...env.userAnnotations },
      ownerReferences: [...(out.metadata.ownerReferences ?? []).filter((r) => r.uid !== env.gateway.uid), { ...env.ownerReference }],
    },
  };
  stampOwnedKeys(finished);
  return finished;
}

/** Stamps the Gateway's labels and annotations on an adoption and checks its target. */
function finishAdoption(a: ServiceAdoption, env: Envelope, errors: string[]): ServiceAdoption {
  const out = jsonClone(a);
  const where = `adoption of ${String(a?.namespace)}/${String(a?.name)}`;
  if (typeof out.namespace !== 'string' || !isDns1123Label(out.namespace)) errors.push(`${where}: invalid namespace`);
  if (typeof out.name !== 'string' || !isDns1035Label(out.name)) errors.push(`${where}: invalid Service name`);
  forbiddenAnnotations(where, out.annotations, errors);
  out.labels = { ...out.labels, ...env.labels };
  out.annotations = { ...out.annotations, ...env.annotationsFor(out.namespace) };
  out.externalTrafficPolicy = env.externalTrafficPolicy;
  out.allocateLoadBalancerNodePorts = env.allocateLoadBalancerNodePorts;
  if (!Array.isArray(out.ports) || out.ports.length === 0) errors.push(`${where}: needs at least one port`);
  for (const p of out.ports ?? []) if (!isPortNumber(p.port)) errors.push(`${where}: port ${JSON.stringify(p.port)} is not 1-65535`);
  return out;
}
