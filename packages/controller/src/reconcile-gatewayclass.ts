// The GatewayClass reconciler: status (Accepted, SupportedVersion, supportedFeatures) for every class with our
// controllerName, and the gateway-exists finalizer while Gateways use the class.
import { isDeepStrictEqual } from 'node:util';
import { GATEWAY_EXISTS_FINALIZER, evaluateGatewayClass, isOurGatewayClass, withFinalizer, type FeatureName } from '@kube-vip-gw/gateway-model';
import { GatewayClass as GatewayClassResource, isConflict, isNotFound, type Client } from '@kube-vip-gw/controller-runtime';
import { classParameters } from './parameters-lookup.js';
import type { ReconcileOutcome } from './reconcile-gateway.js';
import type { ClusterView } from './view.js';

/** Everything the GatewayClass reconciler needs. */
export interface GatewayClassReconcilerDeps {
  controllerName: string;
  client: Client;
  view: ClusterView;
  /** The bundle-version annotation of the installed Gateway CRD (undefined when unknown). */
  bundleVersion: () => Promise<string | undefined>;
  /** Features to claim; default: all that this implementation supports. */
  supportedFeatures?: readonly FeatureName[];
  now: () => Date;
}

/** Reconciles one GatewayClass by name. */
export async function reconcileGatewayClass(deps: GatewayClassReconcilerDeps, name: string): Promise<ReconcileOutcome> {
  const gatewayClass = deps.view.gatewayClass(name);
  if (!gatewayClass || !isOurGatewayClass(gatewayClass, deps.controllerName)) return {};
  const inUse = deps.view.gatewaysOfClass(name).length > 0;
  const finalizers = withFinalizer(gatewayClass.metadata.finalizers, GATEWAY_EXISTS_FINALIZER, inUse);
  try {
    if (!isDeepStrictEqual(finalizers, gatewayClass.metadata.finalizers ?? [])) {
      await deps.client.patch(GatewayClassResource, { name }, {
        type: 'json',
        patch: [
          { op: 'test', path: '/metadata/resourceVersion', value: gatewayClass.metadata.resourceVersion ?? '' },
          { op: 'add', path: '/metadata/finalizers', value: finalizers },
        ],
      });
    }
    if (gatewayClass.metadata.deletionTimestamp !== undefined) return {};
    const params = classParameters(deps.view, gatewayClass);
    const evaluation = evaluateGatewayClass({
      controllerName: deps.controllerName,
      gatewayClass,
      ...(params.lookup ? { parameters: params.lookup } : {}),
      parametersOptions: params.options,
      bundleVersion: await deps.bundleVersion(),
      ...(deps.supportedFeatures ? { supportedFeatures: deps.supportedFeatures } : {}),
      now: deps.now(),
    });
    if (evaluation?.changed) await deps.client.updateStatus(GatewayClassResource, { ...gatewayClass, status: evaluation.status });
  } catch (e) {
    if (isConflict(e) || isNotFound(e) || (e as { _tag?: string })._tag === 'InvalidError') return { requeueAfterMs: 500 };
    throw e;
  }
  return {};
}
