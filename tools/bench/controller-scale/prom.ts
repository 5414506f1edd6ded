// Reading the controller's /metrics: the Prometheus text format parsed into samples, differences between two scrapes,
// and quantiles from histogram buckets. Written here because no Prometheus parser is installed (prom-client only
// produces the format) and the subset needed (no exemplars, no timestamps) is a few lines.

/** One sample: metric name, labels, value. */
export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** Thrown for a line of /metrics output that is not a sample or a comment; names the line. */
export class MetricsFormatError extends Error {
  readonly _tag = 'MetricsFormatError';
  constructor(line: string) {
    super(`MetricsFormatError: cannot parse metrics line ${JSON.stringify(line.slice(0, 200))}`);
    this.name = 'MetricsFormatError';
  }
}

const SAMPLE = /^([A-Za-z_:][A-Za-z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/;
const LABEL = /([A-Za-z_][A-Za-z0-9_]*)="((?:[^"\\]|\\.)*)"\s*,?\s*/y;

function parseValue(text: string): number {
  if (/^\+?inf$/i.test(text)) return Infinity;
  if (/^-inf$/i.test(text)) return -Infinity;
  if (/^nan$/i.test(text)) return NaN; // prom-client writes "Nan"
  return Number(text);
}

function unescape(value: string): string {
  return value.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
}

/** Parses Prometheus text exposition format (comments and blank lines skipped). */
export function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = SAMPLE.exec(line);
    if (!m) throw new MetricsFormatError(line);
    const labels: Record<string, string> = {};
    const body = m[2] ?? '';
    LABEL.lastIndex = 0;
    while (LABEL.lastIndex < body.length) {
      const at = LABEL.lastIndex;
      const l = LABEL.exec(body);
      if (!l || l.index !== at) throw new MetricsFormatError(line);
      labels[l[1]!] = unescape(l[2]!);
    }
    const value = parseValue(m[3]!);
    if (Number.isNaN(value) && !/^nan$/i.test(m[3]!)) throw new MetricsFormatError(line);
    samples.push({ name: m[1]!, labels, value });
  }
  return samples;
}

function matches(labels: Readonly<Record<string, string>>, want: Readonly<Record<string, string>>): boolean {
  return Object.entries(want).every(([k, v]) => labels[k] === v);
}

/** Sum of the samples of `name` whose labels include `want`. */
export function sum(samples: readonly Sample[], name: string, want: Readonly<Record<string, string>> = {}): number {
  let total = 0;
  for (const s of samples) if (s.name === name && matches(s.labels, want)) total += s.value;
  return total;
}

/** Sums of `name` grouped by the values of one label (samples matching `want`). */
export function sumBy(samples: readonly Sample[], name: string, label: string, want: Readonly<Record<string, string>> = {}): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of samples) {
    if (s.name !== name || !matches(s.labels, want)) continue;
    const key = s.labels[label] ?? '';
    out[key] = (out[key] ?? 0) + s.value;
  }
  return out;
}

/** `after - before` of every counter group (keys present in either); for scrapes of one process. */
export function diff(after: Record<string, number>, before: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of new Set([...Object.keys(after), ...Object.keys(before)])) {
    const d = (after[k] ?? 0) - (before[k] ?? 0);
    if (d !== 0) out[k] = d;
  }
  return out;
}

/** Cumulative histogram buckets (`le` upper bound -> count) of `name` matching `want`. */
export function buckets(samples: readonly Sample[], name: string, want: Readonly<Record<string, string>> = {}): Map<number, number> {
  const out = new Map<number, number>();
  for (const s of samples) {
    if (s.name !== `${name}_bucket` || !matches(s.labels, want)) continue;
    const le = parseValue(s.labels.le ?? 'NaN');
    out.set(le, (out.get(le) ?? 0) + s.value);
  }
  return out;
}

/** Bucket counts of `after` minus those of `before` (the observations made between two scrapes). */
export function bucketDiff(after: Map<number, number>, before: Map<number, number>): Map<number, number> {
  const out = new Map<number, number>();
  for (const [le, n] of after) out.set(le, n - (before.get(le) ?? 0));
  return out;
}

/**
 * The q-quantile of cumulative buckets, interpolated linearly inside the bucket as Prometheus' histogram_quantile
 * does (the lowest bucket starts at 0; a quantile in the +Inf bucket is the highest finite bound). Undefined when
 * the histogram is empty.
 */
export function histogramQuantile(q: number, cumulative: Map<number, number>): number | undefined {
  const bounds = [...cumulative.keys()].sort((a, b) => a - b);
  const total = cumulative.get(Infinity) ?? (bounds.length ? cumulative.get(bounds[bounds.length - 1]!)! : 0);
  if (!(total > 0)) return undefined;
  const rank = q * total;
  let prevBound = 0;
  let prevCount = 0;
  for (const le of bounds) {
    const count = cumulative.get(le)!;
    if (count >= rank) {
      if (le === Infinity) return prevBound;
      if (count === prevCount) return le;
      return prevBound + ((le - prevBound) * (rank - prevCount)) / (count - prevCount);
    }
    prevBound = le;
    prevCount = count;
  }
  return prevBound;
}
