#!/usr/bin/env node
// What a V8 heap snapshot (.heapsnapshot, e.g. from `node --heapsnapshot-signal=SIGUSR2` and `kill -USR2 <pid>`) is
// made of: the self sizes summed by node type and constructor/name, largest first. Self sizes only (no retainer
// graph): enough to see whether strings, plain objects, arrays or code dominate, which is the question the memory
// goal of issue 21 asks. Chrome DevTools reads the same file for the full picture.
//
//   node tools/bench/controller-scale/heap-summary.mjs <file.heapsnapshot> [--top 25]
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

/** Sums self sizes by `type` and by `type:name` (strings are grouped by type only: each has its own text as name). */
export function summarizeHeapSnapshot(snapshot, top = 25) {
  const { meta } = snapshot.snapshot;
  const fields = meta.node_fields;
  const types = meta.node_types[0];
  const width = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const nodes = snapshot.nodes;
  const byType = new Map();
  const byName = new Map();
  let total = 0;
  for (let i = 0; i < nodes.length; i += width) {
    const type = types[nodes[i + typeAt]];
    const size = nodes[i + sizeAt];
    total += size;
    const t = byType.get(type) ?? { count: 0, bytes: 0 };
    t.count += 1;
    t.bytes += size;
    byType.set(type, t);
    if (type === 'string' || type === 'concatenated string' || type === 'sliced string' || type === 'number') continue;
    const key = `${type}:${snapshot.strings[nodes[i + nameAt]]}`;
    const n = byName.get(key) ?? { count: 0, bytes: 0 };
    n.count += 1;
    n.bytes += size;
    byName.set(key, n);
  }
  const sorted = (m) => [...m.entries()].map(([key, v]) => ({ key, ...v })).sort((a, b) => b.bytes - a.bytes);
  return { totalBytes: total, nodes: nodes.length / width, byType: sorted(byType), byName: sorted(byName).slice(0, top) };
}

function mib(bytes) {
  return (bytes / 1048576).toFixed(1);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '25' } } });
  if (positionals.length !== 1) {
    console.error('usage: heap-summary.mjs <file.heapsnapshot> [--top N]');
    process.exit(2);
  }
  const s = summarizeHeapSnapshot(JSON.parse(readFileSync(positionals[0], 'utf8')), Number(values.top));
  console.log(`heap: ${mib(s.totalBytes)} MiB in ${s.nodes} nodes`);
  console.log('\n| type | count | MiB |\n|---|---:|---:|');
  for (const t of s.byType) console.log(`| ${t.key} | ${t.count} | ${mib(t.bytes)} |`);
  console.log('\n| type:name | count | MiB |\n|---|---:|---:|');
  for (const n of s.byName) console.log(`| ${n.key.replace(/\|/g, '\\|')} | ${n.count} | ${mib(n.bytes)} |`);
}
