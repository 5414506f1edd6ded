// Inclusive address ranges on BigInt values: merging, subtraction, CIDR decomposition. Our own because ipaddr.js
// (our address library) parses and formats single addresses and CIDRs but has no range arithmetic; these are the
// few set operations netipx's IPSet gives kube-vip-cloud-provider.

/** An inclusive range of address (or index) values. */
export interface Range {
  readonly start: bigint;
  readonly end: bigint;
}

/** Sorts and merges overlapping or adjacent ranges into a canonical disjoint list. */
export function mergeRanges(ranges: readonly Range[]): Range[] {
  if (ranges.length === 0) return [];
  const sorted = [...ranges].sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  const out: Range[] = [];
  let cur = { start: sorted[0]!.start, end: sorted[0]!.end };
  for (let i = 1; i < sorted.length; i++) {
    const r = sorted[i]!;
    if (r.start <= cur.end + 1n) {
      if (r.end > cur.end) cur.end = r.end;
    } else {
      out.push(cur);
      cur = { start: r.start, end: r.end };
    }
  }
  out.push(cur);
  return out;
}

/** Removes every value of `minus` from `from`; both must be canonical (sorted, disjoint). */
export function subtractRanges(from: readonly Range[], minus: readonly Range[]): Range[] {
  const out: Range[] = [];
  let j = 0;
  for (const r of from) {
    let start = r.start;
    while (j < minus.length && minus[j]!.end < start) j++;
    let k = j;
    while (k < minus.length && minus[k]!.start <= r.end) {
      const m = minus[k]!;
      if (m.start > start) out.push({ start, end: m.start - 1n });
      if (m.end + 1n > start) start = m.end + 1n;
      k++;
    }
    if (start <= r.end) out.push({ start, end: r.end });
  }
  return out;
}

/** Total number of values in a list of disjoint ranges. */
export function countRanges(ranges: readonly Range[]): bigint {
  let n = 0n;
  for (const r of ranges) n += r.end - r.start + 1n;
  return n;
}

/** The range a CIDR covers (host bits of `value` are masked off, as Go's netipx does). */
export function cidrRange(value: bigint, prefixLength: number, bits: number): Range {
  const hostBits = BigInt(bits - prefixLength);
  const size = 1n << hostBits;
  const start = (value >> hostBits) << hostBits;
  return { start, end: start + size - 1n };
}

/** A CIDR prefix as start value plus prefix length. */
export interface Prefix {
  readonly start: bigint;
  readonly length: number;
}

/**
 * The minimal list of CIDR prefixes that exactly covers a range, in order (the canonical decomposition that
 * netipx's `IPSet.Prefixes()` returns, on which kube-vip-cloud-provider applies `skip-end-ips-in-cidr`).
 */
export function prefixesOfRange(range: Range, bits: number): Prefix[] {
  const out: Prefix[] = [];
  let start = range.start;
  while (start <= range.end) {
    // Largest aligned block starting at `start` that still fits before `end`.
    let host = 0;
    while (host < bits) {
      const size = 1n << BigInt(host + 1);
      if (start % size !== 0n || start + size - 1n > range.end) break;
      host++;
    }
    out.push({ start, length: bits - host });
    start += 1n << BigInt(host);
  }
  return out;
}
