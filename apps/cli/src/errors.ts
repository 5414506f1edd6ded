// Tagged errors of the kvgw CLI. Each message names the offending input (flag, file, document, object), so the CLI
// prints `kvgw: <message>` and nothing else is needed to find the problem. The exit code follows from the tag.

/** A command line that cannot be run: conflicting or missing flags, bad flag values (exit code 2). */
export class CliUsageError extends Error {
  readonly _tag = 'CliUsageError' as const;
  constructor(
    /** The flag or argument at fault, e.g. `--pool`. */
    readonly flag: string,
    readonly reason: string,
  ) {
    super(`${flag}: ${reason}`);
    this.name = 'CliUsageError';
  }
}

/** Where a manifest came from: a file (or `-` for stdin), its 1-based document number, and the item in a List. */
export interface ManifestSource {
  readonly file: string;
  readonly document: number;
  /** 1-based index in a `kind: List` (or `*List`) document's items. */
  readonly item?: number | undefined;
}

/** Formats a manifest source for messages: `a.yaml document 2` or `a.json document 1 item 3`. */
export function describeSource(source: ManifestSource): string {
  return `${source.file} document ${source.document}${source.item !== undefined ? ` item ${source.item}` : ''}`;
}

/** A manifest that cannot be loaded: bad YAML/JSON, not an object, unknown kind, missing name, duplicate object. */
export class ManifestError extends Error {
  readonly _tag = 'ManifestError' as const;
  constructor(
    readonly source: ManifestSource,
    readonly reason: string,
  ) {
    super(`${describeSource(source)}: ${reason}`);
    this.name = 'ManifestError';
  }
}

/** A file or directory that cannot be read (missing, unreadable, not a manifest file). */
export class InputFileError extends Error {
  readonly _tag = 'InputFileError' as const;
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`${path}: ${reason}`);
    this.name = 'InputFileError';
  }
}

/** A value given to a command that is well-formed as a flag but unusable as data (an IP, a pool, a ConfigMap). */
export class InvalidInputError extends Error {
  readonly _tag = 'InvalidInputError' as const;
  constructor(
    /** What the value is, e.g. `--used-file used.txt line 3` or `--pool`. */
    readonly what: string,
    readonly value: string,
    readonly reason: string,
  ) {
    super(`${what} ${JSON.stringify(value)}: ${reason}`);
    this.name = 'InvalidInputError';
  }
}

/** `ipam allocate` could not hand out every requested allocation (pool exhausted, family missing, ...). */
export class AllocationFailedError extends Error {
  readonly _tag = 'AllocationFailedError' as const;
  constructor(
    /** Allocations printed before the failure. */
    readonly allocated: number,
    readonly requested: number,
    readonly reason: string,
  ) {
    super(`allocation ${allocated + 1} of ${requested} failed: ${reason}`);
    this.name = 'AllocationFailedError';
  }
}

/** `ipam check` found errors (or warnings, with `--strict`); the report itself has been printed. */
export class CheckFailedError extends Error {
  readonly _tag = 'CheckFailedError' as const;
  constructor(
    readonly errors: number,
    readonly warnings: number,
  ) {
    super(`${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}`);
    this.name = 'CheckFailedError';
  }
}

/** Talking to a cluster failed: no kubeconfig, unreachable server, refused request, missing object. */
export class ClusterAccessError extends Error {
  readonly _tag = 'ClusterAccessError' as const;
  constructor(
    /** What was being done, e.g. `list Gateways`. */
    readonly action: string,
    readonly reason: string,
  ) {
    super(`${action}: ${reason}`);
    this.name = 'ClusterAccessError';
  }
}

/** `render` could not reconcile the objects (the controller's error, e.g. an object that never stops changing). */
export class RenderFailedError extends Error {
  readonly _tag = 'RenderFailedError' as const;
  constructor(readonly reason: string) {
    super(`render: ${reason}`);
    this.name = 'RenderFailedError';
  }
}

/** `demo` did not reach its goal (a step failed, or Gateways were not Programmed in time). */
export class DemoFailedError extends Error {
  readonly _tag = 'DemoFailedError' as const;
  constructor(
    readonly step: string,
    readonly reason: string,
  ) {
    super(`demo: ${step}: ${reason}`);
    this.name = 'DemoFailedError';
  }
}

/** Every error the CLI raises itself. */
export type CliError =
  | CliUsageError
  | ManifestError
  | InputFileError
  | InvalidInputError
  | AllocationFailedError
  | CheckFailedError
  | ClusterAccessError
  | RenderFailedError
  | DemoFailedError;

const CLI_TAGS: ReadonlySet<string> = new Set([
  'CliUsageError',
  'ManifestError',
  'InputFileError',
  'InvalidInputError',
  'AllocationFailedError',
  'CheckFailedError',
  'ClusterAccessError',
  'RenderFailedError',
  'DemoFailedError',
]);

/** True for the CLI's own errors (expected failures whose message is enough; others are reported as internal). */
export function isCliError(error: unknown): error is CliError {
  return error instanceof Error && CLI_TAGS.has((error as { _tag?: unknown })._tag as string);
}

/** Process exit codes: 0 success, 1 failure or invalid input, 2 usage error. */
export const ExitCode = { Ok: 0, Failure: 1, Usage: 2 } as const;

/** One of the documented exit codes. */
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
