// Tagged error classes (Effect-style `_tag` discriminants, without Effect). Each message names the offending input.

/** A strategy name that is not registered (from a route, the Gateway's parameters or the controller flag). */
export class UnknownStrategyError extends Error {
  readonly _tag = 'UnknownStrategyError' as const;
  constructor(
    readonly strategy: string,
    readonly source: string,
    readonly known: readonly string[],
  ) {
    super(`UnknownStrategyError: strategy "${strategy}" (from ${source}) is not registered; known: ${known.join(', ')}`);
    this.name = 'UnknownStrategyError';
  }
}

/** A second strategy registered under a name that is already taken. */
export class DuplicateStrategyError extends Error {
  readonly _tag = 'DuplicateStrategyError' as const;
  constructor(readonly strategy: string) {
    super(`DuplicateStrategyError: a strategy named "${strategy}" is already registered`);
    this.name = 'DuplicateStrategyError';
  }
}

/** A strategy name that cannot be registered (empty, reserved, or not a lowercase DNS-1123 label). */
export class InvalidStrategyNameError extends Error {
  readonly _tag = 'InvalidStrategyNameError' as const;
  constructor(
    readonly strategy: string,
    readonly reason: string,
  ) {
    super(`InvalidStrategyNameError: strategy name "${strategy}": ${reason}`);
    this.name = 'InvalidStrategyNameError';
  }
}

/** A route's label selector (annotation or `selectorkey`/`selectorvalue` labels) that cannot become a Service selector. */
export class InvalidSelectorError extends Error {
  readonly _tag = 'InvalidSelectorError' as const;
  constructor(
    readonly selector: string,
    readonly reason: string,
  ) {
    super(`InvalidSelectorError: selector ${JSON.stringify(selector)}: ${reason}`);
    this.name = 'InvalidSelectorError';
  }
}

/** An `update` bookkeeping annotation on a user's Service that is not what we wrote (edited or corrupted). */
export class InvalidUpdateRecordError extends Error {
  readonly _tag = 'InvalidUpdateRecordError' as const;
  constructor(
    readonly service: string,
    readonly record: string,
    readonly reason: string,
  ) {
    super(`InvalidUpdateRecordError: Service ${service}: update record ${JSON.stringify(truncate(record))}: ${reason}`);
    this.name = 'InvalidUpdateRecordError';
  }
}

/** Every error this package returns or throws. */
export type ServiceMapperError =
  | UnknownStrategyError
  | DuplicateStrategyError
  | InvalidStrategyNameError
  | InvalidSelectorError
  | InvalidUpdateRecordError;

function truncate(text: string): string {
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}
