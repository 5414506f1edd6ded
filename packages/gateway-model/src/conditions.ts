// Condition bookkeeping shared by every status we write (GatewayClass, Gateway, listeners, route parents), following
// the Gateway API's condition hygiene: merge by type, keep lastTransitionTime while the status is unchanged, stamp
// observedGeneration, never overwrite what was written for a newer generation, leave other types alone.
import { MAX_CONDITION_MESSAGE_LENGTH } from './constants.js';
import { InvalidTimestampError } from './errors.js';
import type { Condition } from './types.js';

/** The parts of a condition a rule decides; the helper adds observedGeneration and lastTransitionTime. */
export interface ConditionInput {
  type: string;
  status: Condition['status'];
  reason: string;
  message: string;
}

/** The clock value passed into pure functions: a Date or an RFC 3339 timestamp. */
export type Now = Date | string;

/**
 * The metav1.Time form of `now` (RFC 3339, whole seconds, UTC), as the API server stores it; comparing our own
 * output with what we read back then never shows a spurious change.
 * @throws InvalidTimestampError when `now` is not a valid date.
 */
export function toTimestamp(now: Now): string {
  const date = typeof now === 'string' ? new Date(now) : now;
  if (!(date instanceof Date) || Number.isNaN(date.getTime())) throw new InvalidTimestampError(now);
  return date.toISOString().replace(/\.\d+Z$/, 'Z');
}

/** Options of mergeConditions. */
export interface MergeConditionsOptions {
  /** metadata.generation of the object the conditions belong to (omitted: observedGeneration is not written). */
  generation: number | undefined;
  now: Now;
  /**
   * Types this writer owns: those absent from `updates` are removed (a listener that stops being Conflicted loses the
   * condition). Types not listed here and not updated are left exactly as they are.
   */
  owned?: readonly string[];
}

function clampMessage(message: string): string {
  return message.length <= MAX_CONDITION_MESSAGE_LENGTH ? message : `${message.slice(0, MAX_CONDITION_MESSAGE_LENGTH - 3)}...`;
}

/** True when `existing` was written for a generation newer than the one we evaluated, so we must not touch it. */
function isNewer(existing: Condition, generation: number | undefined): boolean {
  return generation !== undefined && existing.observedGeneration !== undefined && existing.observedGeneration > generation;
}

/** The condition to store for `update`, given what is stored now (`previous`). */
function nextCondition(previous: Condition | undefined, update: ConditionInput, generation: number | undefined, now: Now): Condition {
  const next: Condition = {
    type: update.type,
    status: update.status,
    reason: update.reason,
    message: clampMessage(update.message),
    lastTransitionTime: previous !== undefined && previous.status === update.status ? previous.lastTransitionTime : toTimestamp(now),
  };
  if (generation !== undefined) next.observedGeneration = generation;
  return next;
}

/**
 * Merges `updates` into `existing` by type: existing order is kept, new types are appended, types neither updated nor
 * owned are untouched, and a stored condition with a newer observedGeneration than `generation` wins over ours.
 * When nothing changes the result deep-equals `existing`, so callers can skip the write.
 */
export function mergeConditions(
  existing: readonly Condition[] | undefined,
  updates: readonly ConditionInput[],
  options: MergeConditionsOptions,
): Condition[] {
  const byType = new Map<string, ConditionInput>();
  for (const u of updates) byType.set(u.type, u); // the last update of a type wins
  const owned = new Set(options.owned ?? []);
  const result: Condition[] = [];
  const seen = new Set<string>();
  for (const current of existing ?? []) {
    if (seen.has(current.type)) continue; // a map keyed by type: drop duplicates a hand-made object may carry
    seen.add(current.type);
    const update = byType.get(current.type);
    if (isNewer(current, options.generation)) result.push(current);
    else if (update !== undefined) result.push(nextCondition(current, update, options.generation, options.now));
    else if (!owned.has(current.type)) result.push(current);
  }
  for (const [type, update] of byType) {
    if (!seen.has(type)) result.push(nextCondition(undefined, update, options.generation, options.now));
  }
  return result;
}

/** Sets one condition by type (mergeConditions with a single update). */
export function setCondition(
  existing: readonly Condition[] | undefined,
  update: ConditionInput,
  generation: number | undefined,
  now: Now,
): Condition[] {
  return mergeConditions(existing, [update], { generation, now });
}

/** The condition of `type`, if present. */
export function findCondition(conditions: readonly Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

/** True when the condition of `type` is present with status True. */
export function isConditionTrue(conditions: readonly Condition[] | undefined, type: string): boolean {
  return findCondition(conditions, type)?.status === 'True';
}
