// Finds and parses the parameters ConfigMaps of a GatewayClass and a Gateway from the cache.
import type { Gateway, GatewayClass, KubeObject, ParametersLookup, ParametersOptions } from '@kube-vip-gw/gateway-model';
import { InvalidParametersError, parseGatewayParameters, type GatewayParameters } from './parameters.js';
import type { ClusterView } from './view.js';

/** What was found at a parametersRef: the lookup for status, the parsed parameters when usable. */
export interface ParametersResult {
  lookup?: ParametersLookup;
  options: ParametersOptions;
  parameters?: GatewayParameters;
}

/** Validation hook for gateway-model: a parameters ConfigMap whose data we cannot use makes the referrer InvalidParameters. */
export const parametersOptions: ParametersOptions = {
  validate(object: KubeObject) {
    try {
      parseGatewayParameters((object as { data?: Record<string, string> }).data, `${object.metadata.namespace ?? ''}/${object.metadata.name}`);
      return undefined;
    } catch (e) {
      return e instanceof InvalidParametersError ? e.problems.join('; ') : String(e);
    }
  },
};

function lookupConfigMap(view: ClusterView, group: string, kind: string, namespace: string | undefined, name: string): ParametersResult {
  if (group !== '' || kind !== 'ConfigMap' || !namespace) return { lookup: { found: false }, options: parametersOptions };
  const cm = view.configMap(namespace, name);
  if (!cm) return { lookup: { found: false }, options: parametersOptions };
  const lookup: ParametersLookup = { found: true, object: cm };
  try {
    return { lookup, options: parametersOptions, parameters: parseGatewayParameters(cm.data, `${namespace}/${name}`) };
  } catch {
    return { lookup, options: parametersOptions };
  }
}

/** The GatewayClass's spec.parametersRef (a ConfigMap with an explicit namespace). */
export function classParameters(view: ClusterView, gatewayClass: GatewayClass): ParametersResult {
  const ref = gatewayClass.spec?.parametersRef;
  if (!ref) return { options: parametersOptions };
  return lookupConfigMap(view, ref.group, ref.kind, ref.namespace, ref.name);
}

/** The Gateway's spec.infrastructure.parametersRef (a ConfigMap in the Gateway's namespace). */
export function gatewayParameters(view: ClusterView, gateway: Gateway): ParametersResult {
  const ref = gateway.spec?.infrastructure?.parametersRef;
  if (!ref) return { options: parametersOptions };
  return lookupConfigMap(view, ref.group, ref.kind, gateway.metadata.namespace, ref.name);
}
