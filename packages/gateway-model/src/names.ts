import { createHash } from 'node:crypto';
import { isLabelValue } from '@kube-vip-gw/kube-core';

/** Longest DNS-1123 label, and longest label value. */
export const MAX_NAME_LENGTH = 63;

const HASH_LENGTH = 8;

function shortHash(input: string): string {
  return createHash('sha256').update(input).digest('hex').slice(0, HASH_LENGTH);
}

/**
 * A deterministic DNS-1123 label (lowercase alphanumerics and '-', starts and ends alphanumeric, at most `max`
 * characters) built from `parts` joined by '-'. When the sanitised text is too long, or sanitising changed it, it is
 * cut and suffixed with a hash of the original parts, so distinct inputs stay distinct and the same input always gives
 * the same name. Multi-part names whose parts contain '-' are always hashed, since their join is ambiguous.
 */
export function boundedName(parts: readonly string[], max: number = MAX_NAME_LENGTH): string {
  const original = parts.join('-');
  const cleaned = original
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-+|-+$/g, '');
  // Readable without a hash only when the join is unambiguous: ["a-b","c"] and ["a","b-c"] must not collide.
  const unambiguous = parts.length === 1 || parts.every((p) => p.length > 0 && !p.includes('-'));
  if (unambiguous && cleaned === original && cleaned.length > 0 && cleaned.length <= max) return cleaned;
  const hash = shortHash(JSON.stringify(parts));
  const head = cleaned.slice(0, Math.max(0, max - HASH_LENGTH - 1)).replace(/-+$/g, '');
  return head.length > 0 ? `${head}-${hash}` : hash;
}

/**
 * A label value (at most 63 characters of [A-Za-z0-9-_.], starting and ending alphanumeric, or empty) for `value`;
 * over-long or invalid values are cut and suffixed with a hash of the whole value.
 */
export function boundedLabelValue(value: string): string {
  if (isLabelValue(value)) return value;
  const cleaned = value.replace(/[^A-Za-z0-9_.-]+/g, '-');
  const head = cleaned.slice(0, MAX_NAME_LENGTH - HASH_LENGTH - 1).replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
  const hash = shortHash(value);
  return head.length > 0 ? `${head}-${hash}` : hash;
}
