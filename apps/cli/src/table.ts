// Plain aligned tables in the style of kubectl: an upper-case header row, columns separated by at least two spaces,
// the last column never padded. Widths ignore ANSI colour codes, so styled cells still line up.
// Written here rather than taken from a table library: the allowed dependencies have none, and this is 20 lines.
import { stripAnsi } from './io.js';

/** Formats rows under a header as aligned lines (no trailing newline), each prefixed by `indent`. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[], indent = ''): string {
  const all = [header, ...rows];
  const widths = header.map((_, col) => Math.max(...all.map((row) => stripAnsi(row[col] ?? '').length)));
  return all
    .map((row) => {
      const cells = header.map((_, col) => {
        const cell = row[col] ?? '';
        if (col === header.length - 1) return cell;
        return cell + ' '.repeat(widths[col]! - stripAnsi(cell).length);
      });
      return (indent + cells.join('  ')).trimEnd();
    })
    .join('\n');
}
