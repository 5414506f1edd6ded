// A line chart on linear axes for docs/benchmarks.md (convergence time against the number of routes). The shared
// tools/bench/lib/svg.mjs draws bar charts on a log axis; a time-against-size curve reads better as lines.

const PALETTE = ['#2563eb', '#dc2626', '#f59e0b', '#16a34a', '#7c3aed', '#0891b2'];

function esc(text) {
  return String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A round step for about `count` ticks over [0, max]. */
function niceStep(max, count = 5) {
  const raw = max / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / mag;
  return (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 2.5 ? 2.5 : norm <= 5 ? 5 : 10) * mag;
}

/**
 * Lines (with points) on linear x and y axes starting at 0.
 * @param {{ title: string, xLabel: string, yLabel: string, series: { name: string, points: [number, number][], dashed?: boolean }[], formatX?: (v: number) => string, formatY?: (v: number) => string }} spec
 * @returns {string} the SVG document
 */
export function lineChart({ title, xLabel, yLabel, series, formatX = String, formatY = String }) {
  const width = 760;
  const m = { left: 70, right: 20, top: 44, bottom: 74 };
  // Legend entries flow into rows under the plot; the picture grows by a row for each.
  const legend = [];
  {
    let lx = m.left;
    let row = 0;
    for (const s of series) {
      const w = 34 + s.name.length * 6.4;
      if (lx + w > width - m.right && lx > m.left) {
        lx = m.left;
        row++;
      }
      legend.push({ x: lx, row });
      lx += w;
    }
  }
  const rows = (legend.at(-1)?.row ?? 0) + 1;
  m.bottom += rows * 18;
  const height = 300 + m.bottom;
  const plotW = width - m.left - m.right;
  const plotH = height - m.top - m.bottom;
  const all = series.flatMap((s) => s.points).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  const xStep = niceStep(Math.max(1, ...all.map(([x]) => x)));
  const yStep = niceStep(Math.max(1e-9, ...all.map(([, y]) => y)) * 1.08);
  const xMax = Math.ceil(Math.max(1, ...all.map(([x]) => x)) / xStep) * xStep;
  const yMax = Math.ceil((Math.max(1e-9, ...all.map(([, y]) => y)) * 1.08) / yStep) * yStep;
  const X = (v) => m.left + (v / xMax) * plotW;
  const Y = (v) => m.top + plotH - (v / yMax) * plotH;
  const out = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, -apple-system, Segoe UI, sans-serif" font-size="12">`);
  out.push(`<rect width="${width}" height="${height}" fill="#ffffff"/>`);
  out.push(`<text x="${width / 2}" y="22" text-anchor="middle" font-size="15" font-weight="600">${esc(title)}</text>`);
  for (let v = 0; v <= yMax + yStep / 2; v += yStep) {
    out.push(`<line x1="${m.left}" x2="${width - m.right}" y1="${Y(v).toFixed(1)}" y2="${Y(v).toFixed(1)}" stroke="#e5e7eb"/>`);
    out.push(`<text x="${m.left - 6}" y="${(Y(v) + 4).toFixed(1)}" text-anchor="end" fill="#374151">${esc(formatY(v))}</text>`);
  }
  for (let v = 0; v <= xMax + xStep / 2; v += xStep) {
    out.push(`<line x1="${X(v).toFixed(1)}" x2="${X(v).toFixed(1)}" y1="${m.top + plotH}" y2="${m.top + plotH + 4}" stroke="#9ca3af"/>`);
    out.push(`<text x="${X(v).toFixed(1)}" y="${m.top + plotH + 18}" text-anchor="middle" fill="#374151">${esc(formatX(v))}</text>`);
  }
  out.push(`<text x="${m.left + plotW / 2}" y="${m.top + plotH + 38}" text-anchor="middle" fill="#374151">${esc(xLabel)}</text>`);
  out.push(`<text transform="translate(16 ${m.top + plotH / 2}) rotate(-90)" text-anchor="middle" fill="#374151">${esc(yLabel)}</text>`);
  out.push(`<line x1="${m.left}" x2="${m.left}" y1="${m.top}" y2="${m.top + plotH}" stroke="#9ca3af"/>`);
  out.push(`<line x1="${m.left}" x2="${width - m.right}" y1="${m.top + plotH}" y2="${m.top + plotH}" stroke="#9ca3af"/>`);
  series.forEach((s, i) => {
    const colour = PALETTE[i % PALETTE.length];
    const pts = s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y)).sort((a, b) => a[0] - b[0]);
    if (pts.length === 0) return;
    const d = pts.map(([x, y], k) => `${k === 0 ? 'M' : 'L'}${X(x).toFixed(1)},${Y(y).toFixed(1)}`).join(' ');
    out.push(`<path d="${d}" fill="none" stroke="${colour}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`);
    if (!s.dashed) {
      for (const [x, y] of pts) {
        out.push(`<circle cx="${X(x).toFixed(1)}" cy="${Y(y).toFixed(1)}" r="3.5" fill="${colour}"><title>${esc(`${s.name}: ${formatX(x)} → ${formatY(y)}`)}</title></circle>`);
      }
    }
  });
  for (const [i, s] of series.entries()) {
    const lx = legend[i].x;
    const ly = m.top + plotH + 62 + legend[i].row * 18;
    const colour = PALETTE[i % PALETTE.length];
    out.push(`<line x1="${lx}" x2="${lx + 18}" y1="${ly - 4}" y2="${ly - 4}" stroke="${colour}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`);
    out.push(`<text x="${lx + 23}" y="${ly}" fill="#111827">${esc(s.name)}</text>`);
  }
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
