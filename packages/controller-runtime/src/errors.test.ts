import { describe, expect, it } from 'vitest';
import {
  AlreadyExistsError,
  ApiError,
  BadRequestError,
  ConflictError,
  ConnectionError,
  errorFromStatus,
  ForbiddenError,
  GoneError,
  InvalidError,
  isClientError,
  isConflict,
  isNotFound,
  isTransient,
  NotFoundError,
  parseRetryAfter,
  retryAfterMs,
  ServerError,
  TerminalError,
  TimeoutError,
  TooManyRequestsError,
  UnauthorizedError,
  UsageError,
} from './errors.js';

describe('errorFromStatus', () => {
  it.each([
    [400, undefined, BadRequestError, false],
    [401, undefined, UnauthorizedError, false],
    [403, 'Forbidden', ForbiddenError, false],
    [404, 'NotFound', NotFoundError, false],
    [408, undefined, TimeoutError, true],
    [409, 'AlreadyExists', AlreadyExistsError, false],
    [409, 'Conflict', ConflictError, false],
    [409, undefined, ConflictError, false],
    [410, 'Expired', GoneError, false],
    [422, 'Invalid', InvalidError, false],
    [429, 'TooManyRequests', TooManyRequestsError, true],
    [500, 'InternalError', ServerError, true],
    [503, 'ServiceUnavailable', ServerError, true],
    [504, 'Timeout', TimeoutError, true],
    [405, 'MethodNotAllowed', ApiError, false],
    [415, 'UnsupportedMediaType', ApiError, false],
  ] as const)('HTTP %i (%s) -> %o, transient %s', (code, reason, cls, transient) => {
    const err = errorFromStatus(code, { message: 'boom', reason }, 'get Service ns/a');
    expect(err).toBeInstanceOf(cls);
    expect(err.code).toBe(code);
    expect(err.reason).toBe(reason);
    expect(isTransient(err)).toBe(transient);
    expect(err.message).toBe('get Service ns/a: boom');
    expect(err.name).toBe(err._tag);
    expect(isClientError(err)).toBe(true);
  });

  it('takes Retry-After from the header, else from the Status details', () => {
    const fromHeader = errorFromStatus(429, { details: { retryAfterSeconds: 9 } }, 'list', '3');
    expect(fromHeader).toBeInstanceOf(TooManyRequestsError);
    expect(retryAfterMs(fromHeader)).toBe(3000);
    expect(retryAfterMs(errorFromStatus(503, { details: { retryAfterSeconds: 9 } }, 'list'))).toBe(9000);
    expect(retryAfterMs(errorFromStatus(429, undefined, 'list'))).toBeUndefined();
    expect(retryAfterMs(errorFromStatus(404, undefined, 'get'))).toBeUndefined();
  });

  it('says which request failed when the server sent no message', () => {
    expect(errorFromStatus(502, undefined, 'watch Gateway').message).toBe('watch Gateway: HTTP 502');
  });
});

describe('predicates', () => {
  it('isTransient is true only for retryable classes and never for foreign errors', () => {
    expect(isTransient(new ConnectionError('x', { code: 0 }))).toBe(true);
    expect(isTransient(new TimeoutError('x', { code: 0 }))).toBe(true);
    expect(isTransient(new Error('ECONNRESET'))).toBe(false);
    expect(isTransient(new TerminalError('no'))).toBe(false);
    expect(isTransient(new UsageError('no'))).toBe(false);
    expect(isTransient(undefined)).toBe(false);
  });

  it('isNotFound and isConflict match their classes only', () => {
    expect(isNotFound(new NotFoundError('x', { code: 404 }))).toBe(true);
    expect(isNotFound(new ConflictError('x', { code: 409 }))).toBe(false);
    expect(isConflict(new ConflictError('x', { code: 409 }))).toBe(true);
    expect(isConflict(new AlreadyExistsError('x', { code: 409 }))).toBe(false);
  });

  it.each([
    ['5', 5],
    [' 12 ', 12],
    ['0', 0],
    ['Wed, 21 Oct 2015 07:28:00 GMT', undefined],
    ['-1', undefined],
    ['', undefined],
    [undefined, undefined],
  ])('parseRetryAfter(%j) = %j', (header, expected) => {
    expect(parseRetryAfter(header)).toBe(expected);
  });
});
