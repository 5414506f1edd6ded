// Hand-written SVG charts for docs/benchmarks.md (GitHub renders SVG images; no chart library is installed).

const PALETTE = ['#2563eb', '#dc2626', '#f59e0b', '#16a34a', '#7c3aed', '#0891b2'];

/** Escapes text for SVG. */
function esc(text) {
  return String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Formats nanoseconds with a unit (ns, µs, ms, s). */
export function formatNs(ns) {
  if (ns === undefined || ns === null || !Number.isFinite(ns)) return 'n/a';
  const [value, unit] = ns < 1e3 ? [ns, 'ns'] : ns < 1e6 ? [ns / 1e3, 'µs'] : ns < 1e9 ? [ns / 1e6, 'ms'] : [ns / 1e9, 's'];
  return `${value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2)} ${unit}`;
}

/** Formats a power of ten of nanoseconds as an axis tick (1 µs, 10 µs, 100 µs, 1 ms...). */
function formatDecade(ns) {
  const d = Math.round(Math.log10(ns));
  const units = ['ns', 'µs', 'ms', 's'];
  const u = Math.min(Math.max(Math.floor(d / 3), 0), units.length - 1);
  return `${10 ** (d - 3 * u)} ${units[u]}`;
}

/**
 * A grouped bar chart on a log-10 value axis.
 * @param {{ title: string, yLabel: string, categories: string[], series: { name: string, values: (number|undefined)[] }[], format?: (v: number) => string, formatTick?: (v: number) => string }} spec
 * @returns {string} the SVG document
 */
export function barChart({ title, yLabel, categories, series, format = formatNs, formatTick = formatDecade }) {
  const width = 760;
  const height = 380;
  const m = { left: 78, right: 16, top: 44, bottom: 78 };
  const plotW = width - m.left - m.right;
  const plotH = height - m.top - m.bottom;
  const values = series.flatMap((s) => s.values).filter((v) => v !== undefined && v > 0);
  const lo = Math.floor(Math.log10(Math.min(...values)));
  const hi = Math.ceil(Math.log10(Math.max(...values)) + 0.15);
  const y = (v) => m.top + plotH - ((Math.log10(v) - lo) / Math.max(1, hi - lo)) * plotH;
  const out = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, -apple-system, Segoe UI, sans-serif" font-size="12">`);
  out.push(`<rect width="${width}" height="${height}" fill="#ffffff"/>`);
  out.push(`<text x="${width / 2}" y="22" text-anchor="middle" font-size="15" font-weight="600">${esc(title)}</text>`);
  for (let d = lo; d <= hi; d++) {
    const yy = y(10 ** d);
    out.push(`<line x1="${m.left}" x2="${width - m.right}" y1="${yy}" y2="${yy}" stroke="#e5e7eb"/>`);
    out.push(`<text x="${m.left - 6}" y="${yy + 4}" text-anchor="end" fill="#374151">${esc(formatTick(10 ** d))}</text>`);
  }
  out.push(`<text transform="translate(16 ${m.top + plotH / 2}) rotate(-90)" text-anchor="middle" fill="#374151">${esc(yLabel)}</text>`);
  const group = plotW / categories.length;
  const barW = (group * 0.8) / series.length;
  categories.forEach((cat, ci) => {
    const gx = m.left + ci * group + group * 0.1;
    series.forEach((s, si) => {
      const v = s.values[ci];
      const x = gx + si * barW;
      if (v === undefined || !(v > 0)) {
        out.push(`<text x="${x + barW / 2}" y="${m.top + plotH - 4}" text-anchor="middle" font-size="10" fill="#6b7280">n/a</text>`);
        return;
      }
      const top = y(v);
      out.push(`<rect x="${x.toFixed(1)}" y="${top.toFixed(1)}" width="${(barW - 2).toFixed(1)}" height="${(m.top + plotH - top).toFixed(1)}" fill="${PALETTE[si % PALETTE.length]}"><title>${esc(`${s.name}, ${cat}: ${format(v)}`)}</title></rect>`);
      out.push(`<text x="${(x + barW / 2 - 1).toFixed(1)}" y="${(top - 4).toFixed(1)}" text-anchor="middle" font-size="10" fill="#111827">${esc(format(v))}</text>`);
    });
    out.push(`<text x="${m.left + ci * group + group / 2}" y="${m.top + plotH + 18}" text-anchor="middle" fill="#111827">${esc(cat)}</text>`);
  });
  out.push(`<line x1="${m.left}" x2="${m.left}" y1="${m.top}" y2="${m.top + plotH}" stroke="#9ca3af"/>`);
  out.push(`<line x1="${m.left}" x2="${width - m.right}" y1="${m.top + plotH}" y2="${m.top + plotH}" stroke="#9ca3af"/>`);
  let lx = m.left;
  const ly = height - 22;
  for (const [si, s] of series.entries()) {
    out.push(`<rect x="${lx}" y="${ly - 10}" width="12" height="12" fill="${PALETTE[si % PALETTE.length]}"/>`);
    out.push(`<text x="${lx + 17}" y="${ly}" fill="#111827">${esc(s.name)}</text>`);
    lx += 30 + s.name.length * 6.6;
  }
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

/**
 * A histogram on linear axes: counts of `values` in bins of `binWidth`, with vertical marker lines (p50, p99...).
 * @param {{ title: string, xLabel: string, values: number[], binWidth: number, markers?: { name: string, value: number }[], formatX?: (v: number) => string }} spec
 * @returns {string} the SVG document
 */
export function histogramChart({ title, xLabel, values, binWidth, markers = [], formatX = String }) {
  const width = 760;
  const height = 340;
  const m = { left: 56, right: 16, top: 44, bottom: 70 };
  const plotW = width - m.left - m.right;
  const plotH = height - m.top - m.bottom;
  const finite = values.filter((v) => Number.isFinite(v));
  const lo = Math.floor(Math.min(...finite) / binWidth) * binWidth;
  const hi = Math.ceil((Math.max(...finite) + 1e-9) / binWidth) * binWidth;
  const bins = Math.max(1, Math.round((hi - lo) / binWidth));
  const counts = new Array(bins).fill(0);
  for (const v of finite) counts[Math.min(bins - 1, Math.floor((v - lo) / binWidth))]++;
  const maxCount = Math.max(1, ...counts);
  const X = (v) => m.left + ((v - lo) / (hi - lo || 1)) * plotW;
  const Y = (c) => m.top + plotH - (c / maxCount) * plotH;
  const out = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, -apple-system, Segoe UI, sans-serif" font-size="12">`);
  out.push(`<rect width="${width}" height="${height}" fill="#ffffff"/>`);
  out.push(`<text x="${width / 2}" y="22" text-anchor="middle" font-size="15" font-weight="600">${esc(title)}</text>`);
  const yStep = Math.max(1, Math.ceil(maxCount / 5));
  for (let c = 0; c <= maxCount; c += yStep) {
    out.push(`<line x1="${m.left}" x2="${width - m.right}" y1="${Y(c).toFixed(1)}" y2="${Y(c).toFixed(1)}" stroke="#e5e7eb"/>`);
    out.push(`<text x="${m.left - 6}" y="${(Y(c) + 4).toFixed(1)}" text-anchor="end" fill="#374151">${c}</text>`);
  }
  counts.forEach((c, i) => {
    if (c === 0) return;
    const x0 = X(lo + i * binWidth);
    const x1 = X(lo + (i + 1) * binWidth);
    out.push(`<rect x="${x0.toFixed(1)}" y="${Y(c).toFixed(1)}" width="${Math.max(1, x1 - x0 - 1).toFixed(1)}" height="${(m.top + plotH - Y(c)).toFixed(1)}" fill="${PALETTE[0]}"><title>${esc(`${formatX(lo + i * binWidth)}–${formatX(lo + (i + 1) * binWidth)}: ${c}`)}</title></rect>`);
  });
  const tickEvery = Math.max(1, Math.ceil(bins / 10));
  for (let i = 0; i <= bins; i += tickEvery) {
    const v = lo + i * binWidth;
    out.push(`<text x="${X(v).toFixed(1)}" y="${m.top + plotH + 16}" text-anchor="middle" fill="#374151">${esc(formatX(v))}</text>`);
  }
  markers.forEach((mk, i) => {
    const colour = PALETTE[(i + 1) % PALETTE.length];
    out.push(`<line x1="${X(mk.value).toFixed(1)}" x2="${X(mk.value).toFixed(1)}" y1="${m.top}" y2="${m.top + plotH}" stroke="${colour}" stroke-width="2" stroke-dasharray="5 3"/>`);
    out.push(`<text x="${(X(mk.value) + 4).toFixed(1)}" y="${m.top + 12 + i * 14}" fill="${colour}">${esc(`${mk.name} ${formatX(mk.value)}`)}</text>`);
  });
  out.push(`<text x="${m.left + plotW / 2}" y="${m.top + plotH + 36}" text-anchor="middle" fill="#374151">${esc(xLabel)}</text>`);
  out.push(`<text transform="translate(16 ${m.top + plotH / 2}) rotate(-90)" text-anchor="middle" fill="#374151">routes</text>`);
  out.push(`<line x1="${m.left}" x2="${m.left}" y1="${m.top}" y2="${m.top + plotH}" stroke="#9ca3af"/>`);
  out.push(`<line x1="${m.left}" x2="${width - m.right}" y1="${m.top + plotH}" y2="${m.top + plotH}" stroke="#9ca3af"/>`);
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
