// parametersRef validation shared by GatewayClass.spec.parametersRef and Gateway.spec.infrastructure.parametersRef.
// The caller does the lookup (I/O); this decides whether what it found is acceptable and says why not.
import { CORE_GROUP, Kind } from './constants.js';
import type { KubeObject, ParametersReference } from './types.js';

/** A kind that may be used as parameters, and whether it is namespaced. */
export interface ParametersKind {
  group: string;
  kind: string;
  namespaced: boolean;
}

/** The parameters kinds accepted unless the caller says otherwise: a core ConfigMap. */
export const DEFAULT_PARAMETERS_KINDS: readonly ParametersKind[] = [{ group: CORE_GROUP, kind: Kind.ConfigMap, namespaced: true }];

/** What the caller found at a parametersRef: the object, or nothing. */
export type ParametersLookup = { found: false } | { found: true; object: KubeObject };

/** How parameters are validated. */
export interface ParametersOptions {
  /** Kinds that may be referenced (default DEFAULT_PARAMETERS_KINDS). */
  kinds?: readonly ParametersKind[];
  /** Checks the referent's data; returns a problem description when it is malformed. */
  validate?: (object: KubeObject) => string | undefined;
}

/** Describes a parametersRef for messages, e.g. `ConfigMap "ns/name"` or `example.io/Params "name"`. */
export function describeParametersRef(ref: { group: string; kind: string; name: string; namespace?: string | undefined }): string {
  const gk = ref.group === CORE_GROUP ? ref.kind : `${ref.group}/${ref.kind}`;
  const name = ref.namespace !== undefined && ref.namespace !== '' ? `${ref.namespace}/${ref.name}` : ref.name;
  return `parametersRef ${gk} "${name}"`;
}

/**
 * The reason `ref` cannot be used, or undefined when it can. `scope` is "class" for a GatewayClass reference (which
 * carries its own namespace, required exactly for namespaced kinds) and "local" for a Gateway's reference (same
 * namespace as the Gateway, no namespace field).
 */
export function parametersProblem(
  ref: ParametersReference | { group: string; kind: string; name: string },
  lookup: ParametersLookup | undefined,
  scope: 'class' | 'local',
  options: ParametersOptions = {},
): string | undefined {
  const what = describeParametersRef(ref);
  const kinds = options.kinds ?? DEFAULT_PARAMETERS_KINDS;
  const known = kinds.find((k) => k.group === ref.group && k.kind === ref.kind);
  if (known === undefined) {
    const supported = kinds.map((k) => (k.group === CORE_GROUP ? k.kind : `${k.group}/${k.kind}`)).join(', ');
    return `${what}: unsupported kind (supported: ${supported || 'none'})`;
  }
  if (scope === 'class') {
    const namespace = 'namespace' in ref ? ref.namespace : undefined;
    const hasNamespace = namespace !== undefined && namespace !== '';
    if (known.namespaced && !hasNamespace) return `${what}: namespace is required for a namespaced kind`;
    if (!known.namespaced && hasNamespace) return `${what}: namespace must not be set for a cluster-scoped kind`;
  } else if (!known.namespaced) {
    return `${what}: a Gateway's parameters must be a namespaced kind in the Gateway's namespace`;
  }
  if (lookup === undefined || !lookup.found) return `${what}: not found`;
  const malformed = options.validate?.(lookup.object);
  return malformed === undefined ? undefined : `${what}: ${malformed}`;
}
