// Merging options with defaults where an explicitly undefined option means "use the default" (a plain spread would
// let `{ retryPeriodMs: undefined }` wipe the default out).

/** Returns `defaults` overridden by the options that are not undefined. */
export function withDefaults<D extends object, O extends object>(defaults: D, opts: O): D & O {
  const out: Record<string, unknown> = { ...(defaults as Record<string, unknown>) };
  for (const [k, v] of Object.entries(opts)) if (v !== undefined) out[k] = v;
  return out as D & O;
}
