/**
 * Parameters a GatewayClass (spec.parametersRef) or a Gateway (spec.infrastructure.parametersRef) can set, read from a
 * ConfigMap's data. Keys are named after the Service fields they set. A Gateway's parameters override its class's.
 */
export interface GatewayParameters {
  /** Service strategy: duplicate, create, update, endpoints, auto, or a registered custom name. */
  serviceBehaviour?: string;
  ipFamilyPolicy?: 'SingleStack' | 'PreferDualStack' | 'RequireDualStack';
  ipFamilies?: ('IPv4' | 'IPv6')[];
  loadBalancerClass?: string;
  externalTrafficPolicy?: 'Cluster' | 'Local';
  /** Node ports for the Services; unset means the service-mapper default, false (kube-vip does not use them). */
  allocateLoadBalancerNodePorts?: boolean;
  /**
   * Who picks a Gateway's address: `controller` (default: this controller's IPAM, from the ConfigMap) or `delegated`
   * (kube-vip-cloud-provider assigns it to the Gateway's Service, and the controller adopts it).
   */
  ipamMode?: 'controller' | 'delegated';
}

/** The ConfigMap keys a parameters ConfigMap may hold. */
export const PARAMETER_KEYS = [
  'serviceBehaviour',
  'ipFamilyPolicy',
  'ipFamilies',
  'loadBalancerClass',
  'externalTrafficPolicy',
  'allocateLoadBalancerNodePorts',
  'ipamMode',
] as const;

/** A parameters ConfigMap whose data cannot be used; the message names the ConfigMap, key and value. */
export class InvalidParametersError extends Error {
  readonly _tag = 'InvalidParametersError';
  constructor(readonly source: string, readonly problems: string[]) {
    super(`parameters ConfigMap ${source}: ${problems.join('; ')}`);
    this.name = 'InvalidParametersError';
  }
}

const FAMILY_POLICIES = ['SingleStack', 'PreferDualStack', 'RequireDualStack'] as const;
const FAMILIES = ['IPv4', 'IPv6'] as const;
const TRAFFIC_POLICIES = ['Cluster', 'Local'] as const;

function oneOf<T extends string>(allowed: readonly T[], value: string): value is T {
  return (allowed as readonly string[]).includes(value);
}

/** Parses a parameters ConfigMap's data; `source` (namespace/name) is used in error messages. */
export function parseGatewayParameters(data: Record<string, string> | undefined, source: string): GatewayParameters {
  const params: GatewayParameters = {};
  const problems: string[] = [];
  for (const [rawKey, rawValue] of Object.entries(data ?? {})) {
    const key = rawKey.trim();
    const value = rawValue.trim();
    switch (key) {
      case 'serviceBehaviour':
        if (/^[a-z0-9][a-z0-9-]*$/i.test(value)) params.serviceBehaviour = value;
        else problems.push(`serviceBehaviour "${rawValue}" is not a strategy name`);
        break;
      case 'ipFamilyPolicy':
        if (oneOf(FAMILY_POLICIES, value)) params.ipFamilyPolicy = value;
        else problems.push(`ipFamilyPolicy "${rawValue}" must be one of ${FAMILY_POLICIES.join(', ')}`);
        break;
      case 'ipFamilies': {
        const families = value.split(',').map((f) => f.trim()).filter(Boolean);
        const bad = families.filter((f) => !oneOf(FAMILIES, f));
        if (bad.length > 0 || families.length === 0 || families.length > 2 || new Set(families).size !== families.length) {
          problems.push(`ipFamilies "${rawValue}" must be IPv4, IPv6, "IPv4,IPv6" or "IPv6,IPv4"`);
        } else params.ipFamilies = families as ('IPv4' | 'IPv6')[];
        break;
      }
      case 'loadBalancerClass':
        if (/^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/.test(value)) params.loadBalancerClass = value;
        else problems.push(`loadBalancerClass "${rawValue}" is not a qualified name`);
        break;
      case 'externalTrafficPolicy':
        if (oneOf(TRAFFIC_POLICIES, value)) params.externalTrafficPolicy = value;
        else problems.push(`externalTrafficPolicy "${rawValue}" must be Cluster or Local`);
        break;
      case 'allocateLoadBalancerNodePorts':
        if (value === 'true' || value === 'false') params.allocateLoadBalancerNodePorts = value === 'true';
        else problems.push(`allocateLoadBalancerNodePorts "${rawValue}" must be true or false`);
        break;
      case 'ipamMode':
        if (value === 'controller' || value === 'delegated') params.ipamMode = value;
        else problems.push(`ipamMode "${rawValue}" must be controller or delegated`);
        break;
      default:
        problems.push(`unknown key "${rawKey}" (known: ${PARAMETER_KEYS.join(', ')})`);
    }
  }
  if (problems.length > 0) throw new InvalidParametersError(source, problems);
  return params;
}

/** Gateway parameters over class parameters over controller defaults: the first that sets a field wins. */
export function mergeParameters(...layers: (GatewayParameters | undefined)[]): GatewayParameters {
  const merged: GatewayParameters = {};
  for (const layer of layers.slice().reverse()) {
    if (!layer) continue;
    for (const key of PARAMETER_KEYS) {
      const value = layer[key];
      if (value !== undefined) (merged as Record<string, unknown>)[key] = value;
    }
  }
  return merged;
}
