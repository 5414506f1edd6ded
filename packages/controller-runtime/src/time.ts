// Kubernetes time formats. `metav1.Time` is RFC 3339 with second precision; `metav1.MicroTime` (Lease acquireTime and
// renewTime, Event eventTime) must carry exactly six fractional digits, or the API server rejects it
// (`parsing time ... as "2006-01-02T15:04:05.000000Z07:00"`). A plain Date's toISOString() gives three.

/** Formats a time as `metav1.Time`: `2006-01-02T15:04:05Z` (UTC, whole seconds). */
export function formatTime(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}

/** Formats a time as `metav1.MicroTime`: `2006-01-02T15:04:05.000000Z` (UTC, microseconds). */
export function formatMicroTime(date: Date): string {
  const iso = date.toISOString(); // 2006-01-02T15:04:05.123Z
  return `${iso.slice(0, 23)}000Z`;
}

/** Parses a `metav1.Time` or `metav1.MicroTime` string to epoch milliseconds; undefined when absent or malformed. */
export function parseKubeTime(value: string | undefined | null): number | undefined {
  if (!value) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}
