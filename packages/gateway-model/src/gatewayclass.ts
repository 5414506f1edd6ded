// GatewayClass status: Accepted (ours only), SupportedVersion from the CRDs' bundle version, sorted supportedFeatures.
import { isDeepStrictEqual } from 'node:util';
import { mergeConditions, type ConditionInput, type Now } from './conditions.js';
import {
  CLAIMABLE_FEATURES,
  GatewayClassConditionType,
  GatewayClassReason,
  SUPPORTED_BUNDLE_MINORS,
  type FeatureName,
} from './constants.js';
import { UnknownFeatureError, type Result } from './errors.js';
import { parametersProblem, type ParametersLookup, type ParametersOptions } from './parameters.js';
import type { GatewayClass } from './types.js';

/** The status a GatewayClass gets. */
export type GatewayClassStatus = NonNullable<GatewayClass['status']>;

/** Everything evaluateGatewayClass needs. */
export interface GatewayClassInput {
  /** Our controllerName; classes with another one are not ours and get no status from us. */
  controllerName: string;
  gatewayClass: GatewayClass;
  /** What the caller found at spec.parametersRef (ignored when the class has none). */
  parameters?: ParametersLookup;
  parametersOptions?: ParametersOptions;
  /** The `gateway.networking.k8s.io/bundle-version` annotation of the installed Gateway CRD, if any. */
  bundleVersion: string | undefined;
  /** Minor releases we support, e.g. ["v1.6"] (default SUPPORTED_BUNDLE_MINORS). */
  supportedBundleMinors?: readonly string[];
  /** Features to claim (default: all CLAIMABLE_FEATURES); pass fewer to claim less. */
  supportedFeatures?: readonly FeatureName[];
  now: Now;
}

/** The outcome for one of our GatewayClasses. */
export interface GatewayClassEvaluation {
  accepted: boolean;
  /** The complete status to write (other fields and other controllers' condition types preserved). */
  status: GatewayClassStatus;
  /** False when `status` deep-equals the stored status, so no write is needed. */
  changed: boolean;
}

/** True when the class names our controller. */
export function isOurGatewayClass(gatewayClass: GatewayClass, controllerName: string): boolean {
  return gatewayClass.spec?.controllerName === controllerName;
}

/** True when a bundle version such as "v1.6.1" or "v1.6.0-rc.1" belongs to one of `minors` ("v1.6"). */
export function isSupportedBundleVersion(version: string | undefined, minors: readonly string[] = SUPPORTED_BUNDLE_MINORS): boolean {
  const m = version === undefined ? null : /^(v\d+\.\d+)\.\d+(-[0-9A-Za-z.-]+)?$/.exec(version);
  return m !== null && minors.includes(m[1] as string);
}

/** Validates feature names (from a flag, say) against what this implementation can claim. */
export function parseFeatureNames(names: readonly string[]): Result<FeatureName[], UnknownFeatureError> {
  for (const name of names) {
    if (!(CLAIMABLE_FEATURES as readonly string[]).includes(name)) return { ok: false, error: new UnknownFeatureError(name, CLAIMABLE_FEATURES) };
  }
  return { ok: true, value: sortedFeatures(names as FeatureName[]) };
}

/** Deduplicated claimable features in ascending order (status.supportedFeatures MUST be sorted by name). */
function sortedFeatures(features: readonly FeatureName[]): FeatureName[] {
  const claimable = new Set<string>(CLAIMABLE_FEATURES);
  // Unknown names cannot reach here through the types; filtering keeps a cast-in value from being claimed anyway.
  return [...new Set(features)].filter((f) => claimable.has(f)).sort();
}

/**
 * The status of a GatewayClass, or undefined when the class is not ours. Accepted is False/InvalidParameters for a
 * bad parametersRef. SupportedVersion runs in "best effort" mode: an unsupported or missing bundle version sets
 * SupportedVersion=False but keeps the class Accepted, as the specification allows.
 */
export function evaluateGatewayClass(input: GatewayClassInput): GatewayClassEvaluation | undefined {
  const { gatewayClass } = input;
  if (!isOurGatewayClass(gatewayClass, input.controllerName)) return undefined;
  const ref = gatewayClass.spec.parametersRef;
  const problem = ref === undefined ? undefined : parametersProblem(ref, input.parameters, 'class', input.parametersOptions);
  const accepted: ConditionInput =
    problem === undefined
      ? { type: GatewayClassConditionType.Accepted, status: 'True', reason: GatewayClassReason.Accepted, message: `accepted by ${input.controllerName}` }
      : { type: GatewayClassConditionType.Accepted, status: 'False', reason: GatewayClassReason.InvalidParameters, message: problem };
  const minors = input.supportedBundleMinors ?? SUPPORTED_BUNDLE_MINORS;
  const supportedList = minors.map((m) => `${m}.x`).join(', ');
  const supported = isSupportedBundleVersion(input.bundleVersion, minors);
  const detected = input.bundleVersion === undefined ? 'no bundle-version annotation found' : `bundle version ${input.bundleVersion}`;
  const version: ConditionInput = supported
    ? { type: GatewayClassConditionType.SupportedVersion, status: 'True', reason: GatewayClassReason.SupportedVersion, message: `Gateway API CRD ${detected} is supported (supported: ${supportedList})` }
    : { type: GatewayClassConditionType.SupportedVersion, status: 'False', reason: GatewayClassReason.UnsupportedVersion, message: `Gateway API CRD ${detected} is not supported (supported: ${supportedList}); continuing on a best-effort basis` };
  const previous = gatewayClass.status ?? {};
  const status: GatewayClassStatus = {
    ...previous,
    conditions: mergeConditions(previous.conditions, [accepted, version], { generation: gatewayClass.metadata.generation, now: input.now }),
    supportedFeatures: sortedFeatures(input.supportedFeatures ?? CLAIMABLE_FEATURES).map((name) => ({ name })),
  };
  return { accepted: problem === undefined, status, changed: !isDeepStrictEqual(status, gatewayClass.status) };
}

/** The finalizer list with `finalizer` present or absent (order kept, never duplicated). */
export function withFinalizer(finalizers: readonly string[] | undefined, finalizer: string, present: boolean): string[] {
  const list = [...new Set(finalizers ?? [])];
  if (present) return list.includes(finalizer) ? list : [...list, finalizer];
  return list.filter((f) => f !== finalizer);
}
