// Deterministic random inputs shared with tools/bench/kvcp-ipam (same PRNG, same algorithm), so both sides of
// the side-by-side benchmark allocate against the very same used addresses.

/** mulberry32: a tiny 32-bit PRNG; returns a function giving the next unsigned 32-bit value. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1) >>> 0;
    t = (t ^ (t + Math.imul(t ^ (t >>> 7), t | 61))) >>> 0;
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** `n` distinct allocatable addresses (last octet 1..254) of 10.0.0.0/16, as the Go side draws them. */
export function randomUsed(n: number, seed: number): string[] {
  const next = mulberry32(seed);
  const seen = new Set<number>();
  const out: string[] = [];
  while (out.length < n) {
    const off = next() % 65536;
    const last = off & 255;
    if (last === 0 || last === 255 || seen.has(off)) continue;
    seen.add(off);
    out.push(`10.0.${off >>> 8}.${last}`);
  }
  return out;
}
