// Tagged errors of this package. Snapshot data (objects read from the cluster) never raises: bad objects become
// conditions naming the offending field. These errors are for bad arguments from the caller and for parsing helpers
// that return a Result.

/** `now` was neither a valid Date nor a parsable timestamp. */
export class InvalidTimestampError extends Error {
  readonly _tag = 'InvalidTimestampError' as const;
  constructor(readonly input: unknown) {
    super(`InvalidTimestampError: now ${JSON.stringify(String(input))}: not a valid date`);
    this.name = 'InvalidTimestampError';
  }
}

import type { InvalidLabelSelectorError } from '@kube-vip-gw/kube-core';

// A label selector Kubernetes would reject is kube-core's InvalidLabelSelectorError (its selectors compile them).
export { InvalidLabelSelectorError, type Result } from '@kube-vip-gw/kube-core';

/** A feature name this implementation does not implement (see CLAIMABLE_FEATURES). */
export class UnknownFeatureError extends Error {
  readonly _tag = 'UnknownFeatureError' as const;
  constructor(
    readonly feature: string,
    readonly claimable: readonly string[],
  ) {
    super(`UnknownFeatureError: feature "${feature}" is not implemented; claimable: ${claimable.join(', ')}`);
    this.name = 'UnknownFeatureError';
  }
}

/** evaluateGateway was handed a Gateway whose GatewayClass is not the given one or not ours (a caller bug). */
export class NotOurGatewayError extends Error {
  readonly _tag = 'NotOurGatewayError' as const;
  constructor(
    readonly gateway: string,
    readonly problem: string,
  ) {
    super(`NotOurGatewayError: Gateway "${gateway}": ${problem}`);
    this.name = 'NotOurGatewayError';
  }
}

/** Every error this package raises or returns. */
export type GatewayModelError = InvalidTimestampError | InvalidLabelSelectorError | UnknownFeatureError | NotOurGatewayError;
