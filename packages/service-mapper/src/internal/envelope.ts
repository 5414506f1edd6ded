// What every object produced for a Gateway carries (docs/architecture.md, "What every generated object carries"), computed once per listener from the input.
import { createHash } from 'node:crypto';
import { familyOf } from '@kube-vip-gw/ipam';
import { boundedLabelValue, boundedName, type OwnerReference } from '@kube-vip-gw/gateway-model';
import {
  GATEWAY_API_VERSION,
  GATEWAY_CLASS_NAME_LABEL,
  GATEWAY_NAME_LABEL,
  IMPLEMENTATION_LABEL,
  IMPLEMENTATION_VALUE,
  LEASE_NAME_ANNOTATION,
  LOADBALANCER_IPS_ANNOTATION,
  MANAGED_BY_LABEL,
  MANAGED_BY_VALUE,
  RESERVED_ANNOTATIONS,
  RESERVED_LABELS,
} from '../constants.js';
import type { GatewayIdentity, MappingProblem, ServedListener } from '../types.js';
import { isDns1123Label, isLabelValue, isQualifiedName } from '@kube-vip-gw/kube-core';
import { isPortName, isPortNumber } from './validation.js';

/** IP family names as Kubernetes spells them. */
export type Family = 'IPv4' | 'IPv6';

/** The common parts of every object produced for one listener. */
export interface Envelope {
  gateway: GatewayIdentity;
  labels: Record<string, string>;
  /** Annotations from parameters and spec.infrastructure (what EndpointSlices carry). */
  userAnnotations: Record<string, string>;
  /** Annotations for an object in `namespace` (the lease reference is namespace-qualified outside the Gateway's). */
  annotationsFor(namespace: string): Record<string, string>;
  ownerReference: OwnerReference;
  externalTrafficPolicy: 'Cluster' | 'Local';
  ipFamilyPolicy: 'SingleStack' | 'PreferDualStack' | 'RequireDualStack';
  ipFamilies: Family[];
  loadBalancerClass: string | undefined;
  /** spec.allocateLoadBalancerNodePorts of every Service (false unless the parameters ask for node ports). */
  allocateLoadBalancerNodePorts: boolean;
  /** Deterministic name of the Service serving this listener: at most 63 characters, starts with a letter. */
  serviceName: string;
  problems: MappingProblem[];
}

/** The shared kube-vip lease of a Gateway (one per Gateway, in its namespace). */
export function leaseName(gatewayName: string): string {
  return boundedName([`kubevip-gw-${gatewayName}`]);
}

/**
 * The Service name for a listener: prefixed so it always starts with a letter (Service names are DNS-1035 labels,
 * stricter than the DNS-1123 labels boundedName guarantees) and says where it comes from.
 */
export function listenerServiceName(gatewayName: string, listenerName: string): string {
  return boundedName(['kvgw', gatewayName, listenerName]);
}

/**
 * The name of a Gateway's one Service (the Gateway Service): `kvgateway-<namespace>-<gateway>`, or cut and suffixed
 * with a hash when a part has a `-` or `.` or the whole is long, so distinct Gateways never share it. The namespace is
 * in it because kube-vip v1.0.0 elects Services by name across namespaces (its per-Service lock is keyed
 * `kubevip-<name>`): of two same-named Services, the second is never announced while the first is (pinned by the
 * data-plane test "elections are serialised by Service name across namespaces"). It starts with a letter (Service names
 * are DNS-1035 labels) and never with `kvgw-`, which every per-listener name (listenerServiceName) starts with.
 */
export function gatewayServiceName(namespace: string, gatewayName: string): string {
  return boundedName(['kvgateway', namespace, gatewayName]);
}

/** Longest Service port name (IANA_SVC_NAME). */
const MAX_PORT_NAME_LENGTH = 15;

/**
 * The Gateway Service's port name for each listener (Service ports must be named when there are several, and kube-proxy
 * matches EndpointSlice ports to them by name). A listener name that is a valid port name (at most 15 lowercase
 * alphanumerics or '-', a letter, no '--') is used as it is; any other becomes its first letters and a hash of the whole
 * name (`my-lis-1a2b3c4d`). Valid names are assigned first and kept, so they never change; a hashed name that meets a
 * name already taken (a 32-bit hash: practically never) is hashed again with a counter, in listener-name order.
 */
export function servicePortNames(listenerNames: readonly string[]): Map<string, string> {
  const names = new Map<string, string>();
  const taken = new Set<string>();
  const unique = [...new Set(listenerNames)];
  for (const n of unique) {
    if (isPortName(n)) {
      names.set(n, n);
      taken.add(n);
    }
  }
  for (const n of unique.filter((x) => !names.has(x)).sort()) {
    let candidate = '';
    for (let salt = 0; candidate === '' || taken.has(candidate); salt++) candidate = hashedPortName(n, salt);
    names.set(n, candidate);
    taken.add(candidate);
  }
  return names;
}

function hashedPortName(listenerName: string, salt: number): string {
  const hash = createHash('sha256').update(JSON.stringify([listenerName, salt])).digest('hex').slice(0, 8);
  // A ListenerSet listener is named `namespace/set/listener` by gateway-model: its own name reads best in the 15
  // characters a port name has; the hash over the whole name keeps it unique.
  const readable = listenerName.slice(listenerName.lastIndexOf('/') + 1) || listenerName;
  let head = readable.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+/, '').slice(0, MAX_PORT_NAME_LENGTH - hash.length - 1).replace(/-+$/, '');
  if (!/[a-z]/.test(head)) head = `l${head}`.slice(0, MAX_PORT_NAME_LENGTH - hash.length - 1).replace(/-+$/, '');
  return `${head}-${hash}`;
}

function problem(reason: MappingProblem['reason'], message: string, severity: MappingProblem['severity'] = 'Error'): MappingProblem {
  return { severity, reason, message };
}

/** Checks the listener description and computes its envelope; only Error problems when the input is unusable. */
export function buildEnvelope(input: ServedListener): Envelope | MappingProblem[] {
  const errors: MappingProblem[] = [];
  const gw = input.gateway?.metadata;
  const gwRef = `Gateway ${gw?.namespace ?? '?'}/${gw?.name ?? '?'}`;
  if (!gw || typeof gw.name !== 'string' || gw.name === '') errors.push(problem('InvalidInput', 'Gateway has no metadata.name'));
  if (!gw || typeof gw.namespace !== 'string' || !isDns1123Label(gw.namespace))
    errors.push(problem('InvalidInput', `${gwRef}: metadata.namespace ${JSON.stringify(gw?.namespace)} is not a namespace name`));
  if (!gw || typeof gw.uid !== 'string' || gw.uid === '')
    errors.push(problem('InvalidInput', `${gwRef} has no metadata.uid; owner references need it`));
  const l = input.listener;
  if (!l || typeof l.name !== 'string' || l.name === '') errors.push(problem('InvalidInput', `${gwRef}: listener without a name`));
  if (!l || !isPortNumber(l.port)) errors.push(problem('InvalidInput', `${gwRef} listener ${l?.name}: port ${JSON.stringify(l?.port)} is not 1-65535`));
  if (!l || (l.protocol !== 'TCP' && l.protocol !== 'UDP'))
    errors.push(problem('InvalidInput', `${gwRef} listener ${l?.name}: protocol ${JSON.stringify(l?.protocol)} is not TCP or UDP`));
  const allocate = input.parameters?.allocateLoadBalancerNodePorts;
  if (allocate !== undefined && typeof allocate !== 'boolean')
    errors.push(problem('InvalidInput', `${gwRef}: parameter allocateLoadBalancerNodePorts ${JSON.stringify(allocate)} is not a boolean`));
  // Delegated IPAM before kube-vip-cloud-provider assigned the address: the families asked for, no address to write.
  const awaitingAddress = input.parameters?.addressesDelegated === true && Array.isArray(input.addresses) && input.addresses.length === 0;
  const families = awaitingAddress ? [...(input.parameters?.ipFamilies?.length ? input.parameters.ipFamilies : (['IPv4'] as const))] : addressFamilies(input.addresses);
  if (!Array.isArray(families)) errors.push(problem('InvalidAddresses', `${gwRef}: ${families}`));
  if (errors.length > 0 || !gw || !Array.isArray(families)) return errors;

  const problems: MappingProblem[] = [];
  const params = input.parameters ?? {};
  const infra = input.gateway.spec?.infrastructure ?? {};
  const labels: Record<string, string> = {};
  addUserEntries(labels, params.labels, 'parameters label', RESERVED_LABELS, true, problems);
  addUserEntries(labels, infra.labels, 'spec.infrastructure label', RESERVED_LABELS, true, problems);
  labels[GATEWAY_NAME_LABEL] = boundedLabelValue(gw.name);
  labels[GATEWAY_CLASS_NAME_LABEL] = boundedLabelValue(input.gatewayClassName);
  labels[IMPLEMENTATION_LABEL] = IMPLEMENTATION_VALUE;
  labels[MANAGED_BY_LABEL] = MANAGED_BY_VALUE;

  const userAnnotations: Record<string, string> = {};
  addUserEntries(userAnnotations, params.annotations, 'parameters annotation', RESERVED_ANNOTATIONS, false, problems);
  addUserEntries(userAnnotations, infra.annotations, 'spec.infrastructure annotation', RESERVED_ANNOTATIONS, false, problems);

  const etp = params.externalTrafficPolicy ?? 'Cluster';
  if (etp === 'Local')
    problems.push(
      problem(
        'LocalTrafficPolicy',
        `${gwRef}: externalTrafficPolicy Local: kube-vip refuses a shared lease with Local, so each of the Gateway's Services is elected on its own and its listeners may be announced from different nodes (kube-vip#441)`,
        'Warning',
      ),
    );
  const lease = leaseName(gw.name);
  const gatewayNamespace = gw.namespace!;
  const addresses = input.addresses.join(',');

  let ipFamilyPolicy: Envelope['ipFamilyPolicy'] = families.length === 2 ? 'RequireDualStack' : 'SingleStack';
  const askedPolicy = params.ipFamilyPolicy;
  if (askedPolicy !== undefined) {
    if (askedPolicy === 'SingleStack' && families.length === 2)
      problems.push(
        problem('IPFamilyPolicyIgnored', `${gwRef}: ipFamilyPolicy SingleStack ignored: the Gateway has two addresses (${addresses})`, 'Warning'),
      );
    // PreferDualStack with one family stays SingleStack: on a dual-stack cluster the API server would add the other
    // family to the Service, and the next plan would try to take it away, which it refuses unless SingleStack.
    else if (!(askedPolicy === 'PreferDualStack' && families.length < 2)) ipFamilyPolicy = askedPolicy;
  }

  return {
    gateway: { namespace: gatewayNamespace, name: gw.name, uid: gw.uid! },
    labels,
    userAnnotations,
    annotationsFor(namespace: string) {
      const annotations: Record<string, string> = { ...userAnnotations, ...(addresses === '' ? {} : { [LOADBALANCER_IPS_ANNOTATION]: addresses }) };
      if (etp === 'Cluster') annotations[LEASE_NAME_ANNOTATION] = namespace === gatewayNamespace ? lease : `${gatewayNamespace}/${lease}`;
      return annotations;
    },
    ownerReference: { apiVersion: GATEWAY_API_VERSION, kind: 'Gateway', name: gw.name, uid: gw.uid!, controller: true },
    externalTrafficPolicy: etp,
    ipFamilyPolicy,
    ipFamilies: families,
    loadBalancerClass: params.loadBalancerClass,
    allocateLoadBalancerNodePorts: params.allocateLoadBalancerNodePorts ?? false,
    serviceName: listenerServiceName(gw.name, l.name),
    problems,
  };
}

/** The families of 1 address or an IPv4 + IPv6 pair, in order; a message when they are not that. */
export function addressFamilies(addresses: readonly string[] | undefined): Family[] | string {
  if (!Array.isArray(addresses) || addresses.length < 1 || addresses.length > 2)
    return `needs 1 address or an IPv4 + IPv6 pair, got ${JSON.stringify(addresses)}`;
  const families: Family[] = [];
  for (const a of addresses) {
    const family = typeof a === 'string' ? familyOf(a) : undefined;
    if (family === undefined) return `address ${JSON.stringify(a)} is not an IP address`;
    families.push(family);
  }
  if (families.length === 2 && families[0] === families[1])
    return `two addresses must be one IPv4 and one IPv6, got ${addresses.join(', ')}`;
  return families;
}

function addUserEntries(
  target: Record<string, string>,
  source: Readonly<Record<string, string>> | undefined,
  what: string,
  reserved: readonly string[],
  isLabel: boolean,
  problems: MappingProblem[],
): void {
  for (const [key, value] of Object.entries(source ?? {})) {
    if (reserved.includes(key)) {
      problems.push(problem('ReservedKeyIgnored', `${what} ${key}=${JSON.stringify(value)} ignored: the controller sets ${key} itself`, 'Warning'));
      continue;
    }
    if (!isQualifiedName(key) || typeof value !== 'string' || (isLabel && !isLabelValue(value))) {
      problems.push(problem('InvalidMetadataIgnored', `${what} ${key}=${JSON.stringify(value)} ignored: not a valid key and value`, 'Warning'));
      continue;
    }
    target[key] = value;
  }
}
