// A set of BigInt values stored as maximal disjoint intervals, kept in sorted chunks.
//
// Why our own: none of the libraries we may use offers an ordered set, and what allocation needs is narrow:
// "smallest value not in the set at or after x" in one lookup, which only works if touching intervals are always
// coalesced. Layout follows Python's sortedcontainers: a list of sorted chunks of at most CHUNK intervals; lookups
// are two binary searches (O(log n)), inserts and deletes shift at most one chunk (bounded memmove), and a chunk is
// split when full. This keeps every operation O(log n) in the number of intervals with small constants.

const CHUNK = 512;

interface Chunk {
  starts: bigint[];
  ends: bigint[];
}

/** Where an interval sits: chunk number and position inside it. */
interface Pos {
  c: number;
  i: number;
}

/** Ordered set of values held as coalesced intervals; see the file comment for the layout. */
export class IntervalSet {
  private chunks: Chunk[] = [];
  private intervalCount = 0;

  /** Number of stored intervals (not values). */
  get intervals(): number {
    return this.intervalCount;
  }

  /** Removes everything. */
  clear(): void {
    this.chunks = [];
    this.intervalCount = 0;
  }

  /** Replaces the content with the given values (any order, duplicates allowed). */
  assign(values: bigint[]): void {
    values.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const starts: bigint[] = [];
    const ends: bigint[] = [];
    for (const v of values) {
      const last = ends.length - 1;
      if (last >= 0 && v <= ends[last]! + 1n) {
        if (v > ends[last]!) ends[last] = v;
      } else {
        starts.push(v);
        ends.push(v);
      }
    }
    this.chunks = [];
    for (let i = 0; i < starts.length; i += CHUNK) {
      this.chunks.push({ starts: starts.slice(i, i + CHUNK), ends: ends.slice(i, i + CHUNK) });
    }
    this.intervalCount = starts.length;
  }

  /** Position of the last interval whose start is <= x, or undefined when x is before every interval. */
  private floor(x: bigint): Pos | undefined {
    const chunks = this.chunks;
    let lo = 0;
    let hi = chunks.length - 1;
    if (hi < 0 || chunks[0]!.starts[0]! > x) return undefined;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (chunks[mid]!.starts[0]! <= x) lo = mid;
      else hi = mid - 1;
    }
    const starts = chunks[lo]!.starts;
    let a = 0;
    let b = starts.length - 1;
    while (a < b) {
      const mid = (a + b + 1) >> 1;
      if (starts[mid]! <= x) a = mid;
      else b = mid - 1;
    }
    return { c: lo, i: a };
  }

  private next(p: Pos): Pos | undefined {
    if (p.i + 1 < this.chunks[p.c]!.starts.length) return { c: p.c, i: p.i + 1 };
    if (p.c + 1 < this.chunks.length) return { c: p.c + 1, i: 0 };
    return undefined;
  }

  private removeAt(p: Pos): void {
    const chunk = this.chunks[p.c]!;
    chunk.starts.splice(p.i, 1);
    chunk.ends.splice(p.i, 1);
    if (chunk.starts.length === 0) this.chunks.splice(p.c, 1);
    this.intervalCount--;
  }

  private insertAt(c: number, i: number, start: bigint, end: bigint): void {
    if (this.chunks.length === 0) {
      this.chunks.push({ starts: [start], ends: [end] });
      this.intervalCount++;
      return;
    }
    const chunk = this.chunks[c]!;
    chunk.starts.splice(i, 0, start);
    chunk.ends.splice(i, 0, end);
    this.intervalCount++;
    if (chunk.starts.length > CHUNK) {
      const half = chunk.starts.length >> 1;
      this.chunks.splice(c + 1, 0, { starts: chunk.starts.splice(half), ends: chunk.ends.splice(half) });
    }
  }

  /** True when x is in the set. */
  has(x: bigint): boolean {
    const p = this.floor(x);
    return p !== undefined && this.chunks[p.c]!.ends[p.i]! >= x;
  }

  /** The interval containing x, if any. */
  containing(x: bigint): { start: bigint; end: bigint } | undefined {
    const p = this.floor(x);
    if (p === undefined) return undefined;
    const chunk = this.chunks[p.c]!;
    const end = chunk.ends[p.i]!;
    return end >= x ? { start: chunk.starts[p.i]!, end } : undefined;
  }

  /** Smallest value >= x that is not in the set (one lookup, because touching intervals are coalesced). */
  nextFree(x: bigint): bigint {
    const p = this.floor(x);
    if (p === undefined) return x;
    const end = this.chunks[p.c]!.ends[p.i]!;
    return end >= x ? end + 1n : x;
  }

  /** Largest value <= x that is not in the set. */
  prevFree(x: bigint): bigint {
    const p = this.floor(x);
    if (p === undefined) return x;
    const chunk = this.chunks[p.c]!;
    return chunk.ends[p.i]! >= x ? chunk.starts[p.i]! - 1n : x;
  }

  /** Adds x; returns false when it was already present. */
  add(x: bigint): boolean {
    const p = this.floor(x);
    if (p === undefined) {
      // Before every interval: extend the first one down, or insert a new first interval.
      const first = this.chunks[0];
      if (first !== undefined && first.starts[0] === x + 1n) first.starts[0] = x;
      else this.insertAt(0, 0, x, x);
      return true;
    }
    const chunk = this.chunks[p.c]!;
    const end = chunk.ends[p.i]!;
    if (end >= x) return false;
    const n = this.next(p);
    const touchesLeft = end + 1n === x;
    const touchesRight = n !== undefined && this.chunks[n.c]!.starts[n.i] === x + 1n;
    if (touchesLeft && touchesRight) {
      chunk.ends[p.i] = this.chunks[n!.c]!.ends[n!.i]!;
      this.removeAt(n!);
    } else if (touchesLeft) {
      chunk.ends[p.i] = x;
    } else if (touchesRight) {
      this.chunks[n!.c]!.starts[n!.i] = x;
    } else {
      this.insertAt(p.c, p.i + 1, x, x);
    }
    return true;
  }

  /** Removes x; returns false when it was not present. */
  delete(x: bigint): boolean {
    const p = this.floor(x);
    if (p === undefined) return false;
    const chunk = this.chunks[p.c]!;
    const start = chunk.starts[p.i]!;
    const end = chunk.ends[p.i]!;
    if (end < x) return false;
    if (start === end) this.removeAt(p);
    else if (x === start) chunk.starts[p.i] = x + 1n;
    else if (x === end) chunk.ends[p.i] = x - 1n;
    else {
      chunk.ends[p.i] = x - 1n;
      this.insertAt(p.c, p.i + 1, x + 1n, end);
    }
    return true;
  }

  /** Number of values of the set inside [lo, hi]. */
  countIn(lo: bigint, hi: bigint): bigint {
    let p = this.floor(lo) ?? (this.chunks.length > 0 ? { c: 0, i: 0 } : undefined);
    let n = 0n;
    while (p !== undefined) {
      const chunk = this.chunks[p.c]!;
      const s = chunk.starts[p.i]!;
      const e = chunk.ends[p.i]!;
      if (s > hi) break;
      const a = s > lo ? s : lo;
      const b = e < hi ? e : hi;
      if (a <= b) n += b - a + 1n;
      p = this.next(p);
    }
    return n;
  }

  /** All intervals in ascending order. */
  *entries(): IterableIterator<{ start: bigint; end: bigint }> {
    for (const chunk of this.chunks) {
      for (let i = 0; i < chunk.starts.length; i++) yield { start: chunk.starts[i]!, end: chunk.ends[i]! };
    }
  }
}
