// Serialising results as YAML or JSON, the same way for every command, so `-o yaml|json` output is stable and
// kubectl-like (block sequences not indented under their key, no line folding).
import { stringify } from 'yaml';

/** Output formats for data (`-o yaml|json`). */
export type DataFormat = 'yaml' | 'json';

/** Serialises a value as YAML (kubectl style) or pretty JSON, ending with a newline. */
export function formatData(value: unknown, format: DataFormat): string {
  if (format === 'json') return `${JSON.stringify(value, null, 2)}\n`;
  return stringify(value, { indentSeq: false, lineWidth: 0, minContentWidth: 0, aliasDuplicateObjects: false });
}
