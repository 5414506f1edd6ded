// Figures of a reliability run: printed on one line each (`[reliability] <test>: {json}`) and appended to a JSON-lines
// file (KVGW_RELIABILITY_FIGURES, default <tmpdir>/kvgw-reliability-figures.jsonl) from which docs/reliability.md is
// written.
import { appendFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Where figures are appended. */
export const FIGURES_FILE = process.env['KVGW_RELIABILITY_FIGURES'] ?? path.join(os.tmpdir(), 'kvgw-reliability-figures.jsonl');

/** Prints and records the figures of one test. */
export function report(test: string, figures: Record<string, unknown>): void {
  const line = JSON.stringify({ test, at: new Date().toISOString(), ...figures });
  console.log(`[reliability] ${test}: ${JSON.stringify(figures)}`);
  appendFileSync(FIGURES_FILE, `${line}\n`);
}

/** Every address of an IPv4 range `a.b.c.d-a.b.c.e` within one /24 (what the tests' small pools are). */
export function rangeAddresses(range: string): string[] {
  const m = /^(\d+\.\d+\.\d+)\.(\d+)-\1\.(\d+)$/.exec(range);
  if (!m) throw new Error(`rangeAddresses: "${range}" is not a range inside one /24`);
  const out: string[] = [];
  for (let i = Number(m[2]); i <= Number(m[3]); i++) out.push(`${m[1]}.${i}`);
  return out;
}

/** `min/median/max` of a list of numbers. */
export function minMedianMax(values: readonly number[]): string {
  if (values.length === 0) return 'none';
  const s = [...values].sort((a, b) => a - b);
  return `${s[0]}/${s[Math.floor(s.length / 2)]}/${s.at(-1)}`;
}
