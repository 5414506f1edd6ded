/**
 * One shared copy of equal string values across the objects an informer caches. V8's JSON.parse gives every object
 * its own copy of each string value longer than ten characters, so 10,000 routes' and EndpointSlices' apiVersions,
 * group names, condition messages and label values are held 10,000 times over: a heap snapshot of the controller with
 * 2,000 Gateways and 10,000 routes cached held 43.6 MiB of strings, 25.0 MiB of them duplicates
 * (docs/benchmarks.md, "Issue 21"; tools/bench/controller-scale/heap-summary.mjs).
 *
 * Bounded: when the table reaches `capacity` distinct strings it is emptied and starts over (values seen once, such
 * as uids and timestamps, would otherwise fill it for ever). Strings already shared stay shared; after a reset a
 * value gets at most one more copy.
 */
export class StringPool {
  readonly #table = new Map<string, string>();
  readonly #capacity: number;
  readonly #maxLength: number;

  constructor(options: { capacity?: number; maxLength?: number } = {}) {
    this.#capacity = options.capacity ?? 20_000;
    this.#maxLength = options.maxLength ?? 1_024;
  }

  /** Distinct strings held now. */
  get size(): number {
    return this.#table.size;
  }

  /** The shared copy of `s` (the first one seen). */
  string(s: string): string {
    // Up to ten characters JSON.parse already shares them (internalized); long ones are rarely repeated.
    if (s.length <= 10 || s.length > this.#maxLength) return s;
    const shared = this.#table.get(s);
    if (shared !== undefined) return shared;
    if (this.#table.size >= this.#capacity) this.#table.clear();
    this.#table.set(s, s);
    return s;
  }

  /** Replaces, in place, every string value in a freshly parsed JSON value with its shared copy; returns it. */
  intern<T>(value: T): T {
    this.#walk(value as unknown);
    return value;
  }

  #walk(value: unknown): void {
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i += 1) {
        const v: unknown = value[i];
        if (typeof v === 'string') value[i] = this.string(v);
        else if (v !== null && typeof v === 'object') this.#walk(v);
      }
      return;
    }
    if (value === null || typeof value !== 'object') return;
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      const v = record[key];
      if (typeof v === 'string') record[key] = this.string(v);
      else if (v !== null && typeof v === 'object') this.#walk(v);
    }
  }
}
