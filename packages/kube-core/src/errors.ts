// Tagged errors: every error class in the project carries a literal `_tag` (its class name), so callers switch on
// `error._tag` instead of parsing messages. TaggedError is the base the packages' own error classes extend.

/** Base of the project's error classes: `_tag` is the class name, and so is `name` (what stack traces print). */
export abstract class TaggedError<Tag extends string = string> extends Error {
  abstract readonly _tag: Tag;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** True when `value` is a TaggedError with the given tag (works across duplicate copies of a class). */
export function hasTag<Tag extends string>(value: unknown, tag: Tag): value is TaggedError<Tag> {
  return value instanceof Error && (value as { _tag?: unknown })._tag === tag;
}

/** A label selector Kubernetes would reject; `selector` is the input as given (string or object form). */
export class InvalidLabelSelectorError extends TaggedError<'InvalidLabelSelectorError'> {
  readonly _tag = 'InvalidLabelSelectorError' as const;
  constructor(
    readonly selector: unknown,
    readonly problem: string,
  ) {
    super(`invalid label selector ${typeof selector === 'string' ? `"${selector}"` : JSON.stringify(selector)}: ${problem}`);
  }
}

/** A field selector that does not parse. */
export class InvalidFieldSelectorError extends TaggedError<'InvalidFieldSelectorError'> {
  readonly _tag = 'InvalidFieldSelectorError' as const;
  constructor(
    readonly selector: string,
    readonly problem: string,
  ) {
    super(`invalid field selector "${selector}": ${problem}`);
  }
}

/** A JSON Patch (RFC 6902) that cannot be applied: a bad path, an unknown op, a failed `test`. */
export class JsonPatchError extends TaggedError<'JsonPatchError'> {
  readonly _tag = 'JsonPatchError' as const;
  constructor(
    /** The failing operation (or path) as JSON. */
    readonly operation: string,
    readonly problem: string,
  ) {
    super(`JSON patch ${operation}: ${problem}`);
  }
}

/** Every error this package raises. */
export type KubeCoreError = InvalidLabelSelectorError | InvalidFieldSelectorError | JsonPatchError;
