#!/usr/bin/env node
// Runs the benchmark suites and writes docs/benchmarks.md (`npm run bench`, or `npm run bench -- <suite>...`).
//
// Each suite is a module in tools/bench/suites/ whose default export is
//   { id: string, title: string, order: number, run(ctx): Promise<string> }
// and returns the markdown of its own section. The runner replaces that section in docs/benchmarks.md between
// `<!-- bench:<id>:start -->` and `<!-- bench:<id>:end -->` (appending it the first time), leaving every other
// section as it was; so suites run independently and adding one is adding a file. Charts and other assets go to
// docs/benchmarks/ through ctx.writeAsset.
//
// Options: --quick (smaller workloads, for trying things out), --list.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { machineTable } from './lib/env.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const docPath = path.join(root, 'docs', 'benchmarks.md');
const assetDir = path.join(root, 'docs', 'benchmarks');

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const wanted = args.filter((a) => !a.startsWith('--'));

const HEADER = `# Benchmarks

Produced by \`npm run bench\` (\`tools/bench/run.mjs\`). Each section below is written by one suite in
\`tools/bench/suites/\` and replaced in place, between its markers, whenever that suite runs again:
\`npm run bench -- <suite id>\` runs one suite. Charts are SVG files in \`docs/benchmarks/\`.
Figures are medians of several runs; each section lists the machine and versions it was measured on.
`;

async function loadSuites() {
  const files = (await readdir(path.join(here, 'suites'))).filter((f) => f.endsWith('.mjs')).sort();
  const suites = [];
  for (const f of files) {
    const mod = await import(pathToFileURL(path.join(here, 'suites', f)).href);
    suites.push(mod.default);
  }
  return suites.sort((a, b) => (a.order ?? 100) - (b.order ?? 100));
}

/** Replaces (or appends) the section of `id` in the document text. */
export function replaceSection(doc, id, body) {
  const start = `<!-- bench:${id}:start -->`;
  const end = `<!-- bench:${id}:end -->`;
  const block = `${start}\n${body.trim()}\n${end}`;
  const i = doc.indexOf(start);
  const j = doc.indexOf(end);
  if (i >= 0 && j > i) return doc.slice(0, i) + block + doc.slice(j + end.length);
  return `${doc.trimEnd()}\n\n${block}\n`;
}

const ctx = {
  root,
  quick,
  log: (msg) => process.stderr.write(`[bench] ${msg}\n`),
  /** Runs a command to completion; throws with its stderr when it fails. */
  run(cmd, cmdArgs, opts = {}) {
    const r = spawnSync(cmd, cmdArgs, { cwd: root, encoding: 'utf8', maxBuffer: 256 * 2 ** 20, ...opts });
    if (r.status !== 0) throw new Error(`${cmd} ${cmdArgs.join(' ')} failed (${r.status ?? r.signal}): ${r.stderr}`);
    return r.stdout;
  },
  /** os.loadavg() when the current suite started (other work on the machine skews timings). */
  startLoad: undefined,
  machineTable: (extra) => machineTable(root, extra, ctx.startLoad),
  /** Writes docs/benchmarks/<name> and returns its link relative to docs/benchmarks.md. */
  async writeAsset(name, content) {
    await mkdir(assetDir, { recursive: true });
    await writeFile(path.join(assetDir, name), content);
    return `benchmarks/${name}`;
  },
};

const suites = await loadSuites();
if (args.includes('--list')) {
  for (const s of suites) console.log(`${s.id}\t${s.title}`);
  process.exit(0);
}
const unknown = wanted.filter((w) => !suites.some((s) => s.id === w));
if (unknown.length > 0) {
  console.error(`unknown suite(s): ${unknown.join(', ')}; known: ${suites.map((s) => s.id).join(', ')}`);
  process.exit(2);
}
let doc = existsSync(docPath) ? await readFile(docPath, 'utf8') : HEADER;
let failed = 0;
for (const suite of suites.filter((s) => wanted.length === 0 || wanted.includes(s.id))) {
  ctx.log(`${suite.id}: ${suite.title}${quick ? ' (quick)' : ''}`);
  const t0 = Date.now();
  ctx.startLoad = os.loadavg();
  try {
    const body = await suite.run(ctx);
    doc = replaceSection(doc, suite.id, body);
    await mkdir(path.dirname(docPath), { recursive: true });
    await writeFile(docPath, doc);
    ctx.log(`${suite.id}: done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  } catch (e) {
    failed++;
    ctx.log(`${suite.id}: FAILED: ${e instanceof Error ? e.stack : String(e)}`);
  }
}
ctx.log(`wrote ${path.relative(root, docPath)}`);
process.exit(failed > 0 ? 1 : 0);
