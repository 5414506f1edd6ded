// Tagged errors of the controller runtime. Every error that crosses the Client interface is one of these classes, so
// callers switch on `_tag` instead of parsing messages or HTTP codes, and both client implementations (the real API
// server and MemoryCluster) produce the same classes for the same situations.

import { TaggedError } from '@kube-vip-gw/kube-core';

/** The parts of a Kubernetes `Status` body that errors carry along (for logging and for callers that need them). */
export interface ApiStatusDetails {
  /** HTTP status code (0 when no response was received). */
  readonly code: number;
  /** The `reason` field of the Status (e.g. `NotFound`, `Conflict`, `AlreadyExists`). */
  readonly reason?: string | undefined;
  /** What the request was about, e.g. `GET /api/v1/namespaces/a/services/b` or `Service a/b`. */
  readonly request?: string | undefined;
}

abstract class KubeErrorBase extends TaggedError {
  /** HTTP status code the API server answered (0 for errors that never reached or left a server). */
  readonly code: number;
  /** Status reason from the API server, when there was one. */
  readonly reason: string | undefined;

  constructor(message: string, details: ApiStatusDetails, options?: { cause?: unknown }) {
    super(message, options);
    this.code = details.code;
    this.reason = details.reason;
  }
}

/** 404: the object (or the resource type itself) does not exist. */
export class NotFoundError extends KubeErrorBase {
  readonly _tag = 'NotFoundError' as const;
}

/** 409 AlreadyExists: a create named an object that exists. */
export class AlreadyExistsError extends KubeErrorBase {
  readonly _tag = 'AlreadyExistsError' as const;
}

/** 409 Conflict: a stale resourceVersion or a failed precondition (optimistic concurrency lost). Retry from a fresh read. */
export class ConflictError extends KubeErrorBase {
  readonly _tag = 'ConflictError' as const;
}

/** 422 Invalid: the object failed validation (schema, CEL, immutable fields, bad names). Not worth retrying as is. */
export class InvalidError extends KubeErrorBase {
  readonly _tag = 'InvalidError' as const;
}

/** 400 BadRequest: the request itself is malformed (bad selector, bad patch, missing field manager). */
export class BadRequestError extends KubeErrorBase {
  readonly _tag = 'BadRequestError' as const;
}

/** 401 Unauthorized: the credentials were not accepted. */
export class UnauthorizedError extends KubeErrorBase {
  readonly _tag = 'UnauthorizedError' as const;
}

/** 403 Forbidden: RBAC denies it, or the namespace is being terminated. */
export class ForbiddenError extends KubeErrorBase {
  readonly _tag = 'ForbiddenError' as const;
}

/** 410 Gone / Expired: the resourceVersion asked for is older than the server keeps; re-list. */
export class GoneError extends KubeErrorBase {
  readonly _tag = 'GoneError' as const;
}

/** 429 TooManyRequests: throttled by API priority and fairness; retry after `retryAfterSeconds`. Transient. */
export class TooManyRequestsError extends KubeErrorBase {
  readonly _tag = 'TooManyRequestsError' as const;
  /** Seconds the server asked us to wait (Retry-After header or Status details), when it said. */
  readonly retryAfterSeconds: number | undefined;

  constructor(message: string, details: ApiStatusDetails & { retryAfterSeconds?: number | undefined }) {
    super(message, details);
    this.retryAfterSeconds = details.retryAfterSeconds;
  }
}

/** 5xx: the server failed (etcd unavailable, webhook down, internal error). Transient. */
export class ServerError extends KubeErrorBase {
  readonly _tag = 'ServerError' as const;
  /** Seconds the server asked us to wait, when it said (503 often does). */
  readonly retryAfterSeconds: number | undefined;

  constructor(message: string, details: ApiStatusDetails & { retryAfterSeconds?: number | undefined }) {
    super(message, details);
    this.retryAfterSeconds = details.retryAfterSeconds;
  }
}

/** A request or watch timed out (408, 504, a client-side deadline, or an inactive watch). Transient. */
export class TimeoutError extends KubeErrorBase {
  readonly _tag = 'TimeoutError' as const;
}

/** The connection failed (refused, reset, DNS, TLS handshake). Transient. */
export class ConnectionError extends KubeErrorBase {
  readonly _tag = 'ConnectionError' as const;
}

/** Any other HTTP error (405, 406, 415, ...) that no other class describes. Not transient. */
export class ApiError extends KubeErrorBase {
  readonly _tag = 'ApiError' as const;
}

/** The caller asked for a resource type no descriptor describes, or gave arguments that cannot form a request. */
export class UsageError extends KubeErrorBase {
  readonly _tag = 'UsageError' as const;

  constructor(message: string) {
    super(message, { code: 0 });
  }
}

/** Every error a Client call can reject with. Switch on `_tag`. */
export type ClientError =
  | NotFoundError
  | AlreadyExistsError
  | ConflictError
  | InvalidError
  | BadRequestError
  | UnauthorizedError
  | ForbiddenError
  | GoneError
  | TooManyRequestsError
  | ServerError
  | TimeoutError
  | ConnectionError
  | ApiError
  | UsageError;

/** Errors worth retrying unchanged after a delay: throttling, server failures, timeouts, broken connections. */
export type TransientError = TooManyRequestsError | ServerError | TimeoutError | ConnectionError;

const TRANSIENT_TAGS: ReadonlySet<string> = new Set([
  'TooManyRequestsError',
  'ServerError',
  'TimeoutError',
  'ConnectionError',
]);

/** True for errors that may succeed if the same request is retried later (see TransientError). */
export function isTransient(err: unknown): err is TransientError {
  return err instanceof KubeErrorBase && TRANSIENT_TAGS.has(err._tag);
}

/** True when `err` is a ClientError (any of this package's tagged API errors). */
export function isClientError(err: unknown): err is ClientError {
  return err instanceof KubeErrorBase;
}

/** True for a 404 NotFoundError; handy for "ignore if already gone" flows. */
export function isNotFound(err: unknown): err is NotFoundError {
  return err instanceof NotFoundError;
}

/** True for a 409 ConflictError (stale resourceVersion or failed precondition). */
export function isConflict(err: unknown): err is ConflictError {
  return err instanceof ConflictError;
}

/** Milliseconds the server asked to wait before retrying, when the error carries a Retry-After. */
export function retryAfterMs(err: unknown): number | undefined {
  if (err instanceof TooManyRequestsError || err instanceof ServerError) {
    return err.retryAfterSeconds === undefined ? undefined : err.retryAfterSeconds * 1000;
  }
  return undefined;
}

/** A Kubernetes `Status` object as the API server sends it in error bodies and watch ERROR events. */
export interface KubeStatus {
  kind?: string;
  apiVersion?: string;
  status?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: { name?: string; kind?: string; group?: string; retryAfterSeconds?: number; causes?: unknown[] };
}

/**
 * Builds the matching tagged error for an HTTP status and an optional Status body. `request` names what was asked
 * (it goes into the message, so logs say which object failed); `retryAfterHeader` is the raw Retry-After header.
 */
export function errorFromStatus(
  code: number,
  status: KubeStatus | undefined,
  request: string,
  retryAfterHeader?: string | undefined,
): ClientError {
  const reason = status?.reason;
  const text = status?.message ?? reason ?? `HTTP ${code}`;
  const message = `${request}: ${text}`;
  const details = { code, reason, request };
  const retryAfterSeconds = parseRetryAfter(retryAfterHeader) ?? status?.details?.retryAfterSeconds;
  switch (code) {
    case 400:
      return new BadRequestError(message, details);
    case 401:
      return new UnauthorizedError(message, details);
    case 403:
      return new ForbiddenError(message, details);
    case 404:
      return new NotFoundError(message, details);
    case 408:
      return new TimeoutError(message, details);
    case 409:
      return reason === 'AlreadyExists' ? new AlreadyExistsError(message, details) : new ConflictError(message, details);
    case 410:
      return new GoneError(message, details);
    case 422:
      return new InvalidError(message, details);
    case 429:
      return new TooManyRequestsError(message, { ...details, retryAfterSeconds });
    case 504:
      return new TimeoutError(message, details);
    default:
      if (code >= 500 && code <= 599) return new ServerError(message, { ...details, retryAfterSeconds });
      return new ApiError(message, details);
  }
}

/** Parses a Retry-After header given in seconds (the only form the API server sends); undefined otherwise. */
export function parseRetryAfter(header: string | undefined): number | undefined {
  if (header === undefined) return undefined;
  const trimmed = header.trim();
  if (!/^\d+$/.test(trimmed)) return undefined;
  return Number(trimmed);
}

/** Thrown by a reconciler to say "retrying will not help": the key is not requeued (controller-runtime's TerminalError). */
export class TerminalError extends TaggedError<'TerminalError'> {
  readonly _tag = 'TerminalError' as const;
}

/** Thrown when a configuration value given to the runtime cannot be used (bind address, durations, names). */
export class ConfigError extends TaggedError<'ConfigError'> {
  readonly _tag = 'ConfigError' as const;
}

/** Every error class this package defines. */
export type ControllerRuntimeError = ClientError | TerminalError | ConfigError;

/**
 * The API server's answer to bad input found by the pure layer (@kube-vip-gw/kube-core): a malformed selector is a
 * 400 BadRequest, a JSON patch that cannot be applied a 422 Invalid. Other values are returned unchanged.
 */
export function asApiError(error: unknown, request?: string): unknown {
  if (!(error instanceof TaggedError)) return error;
  const message = request === undefined ? error.message : `${request}: ${error.message}`;
  switch (error._tag) {
    case 'InvalidLabelSelectorError':
    case 'InvalidFieldSelectorError':
      return new BadRequestError(message, { code: 400, reason: 'BadRequest', request }, { cause: error });
    case 'JsonPatchError':
      return new InvalidError(message, { code: 422, reason: 'Invalid', request }, { cause: error });
    default:
      return error;
  }
}

/** `fn` with the pure layer's input errors turned into API errors (asApiError), for code that acts as or for a server. */
export function withApiErrors<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R {
  return (...args) => {
    try {
      return fn(...args);
    } catch (e) {
      throw asApiError(e);
    }
  };
}
