#!/usr/bin/env node
// Controller-scale benchmark driver: builds the controller bundle (from the working tree, or from a git revision for
// a before/after comparison), runs scale.ts scenarios one after another on fresh control planes, and collects the
// JSON they print. Used by tools/bench/suites/controller-scale.mjs, and runnable on its own:
//
//   node tools/bench/controller-scale/run.mjs                          # the `npm run bench` plan (a few minutes)
//   node tools/bench/controller-scale/run.mjs --full                   # up to 1,000 Gateways / 5,000 routes, 3 runs
//   node tools/bench/controller-scale/run.mjs --gateways 1000 --routes 5000 [--repeat 3] [--mode live|backlog]
//                                        [--ceiling] [--strategy duplicate|update]
//   node tools/bench/controller-scale/run.mjs --quick                  # a small smoke run
//   node tools/bench/controller-scale/run.mjs --compare <git rev> ...  # the same scenarios on that revision too,
//                                                                      # alternating, for before/after figures
//   ... --compare <rev A> --rev <rev B>                                # both sides from git revisions
// Options: --idle-seconds N (default 60, on the first run of the largest size), --in-flight N (creates in flight,
// default 32), --controller-arg=--concurrency=8 and --node-arg=--optimize-for-size (repeatable; node flags replace the
// image's, which come from apps/controller/Dockerfile's ENTRYPOINT), --bundle <file> (skip the build), --out <file.json>.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { strategyOf } from './strategy.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '..', '..', '..');

/** The api-rates.ts run of each plan: the API server's own rate per kind of write, with `existing` Services present. */
export function apiRatesPlan({ quick = false, full = false } = {}) {
  if (quick) return undefined;
  return full ? { count: 2000, existing: 5000, inFlight: 4 } : { count: 500, existing: 1000, inFlight: 4 };
}

/** Runs api-rates.ts and resolves with its JSON. */
export function runApiRates({ count, existing, inFlight, log = () => undefined }) {
  const tsx = path.join(repoRoot, 'node_modules', '.bin', 'tsx');
  const args = ['--conditions=@kube-vip-gw/source', path.join(here, 'api-rates.ts'), `--count=${count}`, `--existing=${existing}`, `--in-flight=${inFlight}`];
  log(`API server alone: ${count} writes of each kind with ${existing} Services present, ${inFlight} in flight`);
  return new Promise((resolve, reject) => {
    const child = spawn(tsx, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code, signal) => {
      if (code !== 0) return reject(new Error(`api-rates.ts failed (${code ?? signal}):\n${stderr.slice(-3000)}`));
      try {
        resolve(JSON.parse(stdout.trim().split('\n').at(-1)));
      } catch (e) {
        reject(new Error(`api-rates.ts printed no JSON: ${e.message}`));
      }
    });
  });
}

/** Scenario lists: `npm run bench` (default), --full, --quick. */
export function plan({ quick = false, full = false } = {}) {
  if (quick) return [{ gateways: 20, routes: 100, mode: 'live', repeat: 1, idle: 5, ceiling: true }];
  if (full) {
    return [
      // ceiling: each live run is followed by the API server alone taking the same objects and the controller's
      // writes (ceiling.ts), so the ratio live ÷ ceiling is measured under the same load.
      { gateways: 1000, routes: 5000, mode: 'live', repeat: 3, idle: 60, ceiling: true },
      { gateways: 2000, routes: 10000, mode: 'live', repeat: 3, idle: 30, ceiling: true },
      // The other design, one Service per route (`duplicate`, what the default was before the Gateway Service), and the
      // smaller sizes of both for the chart.
      { gateways: 1000, routes: 5000, mode: 'live', repeat: 1, idle: 0, ceiling: true, strategy: 'duplicate' },
      { gateways: 200, routes: 1000, mode: 'live', repeat: 1, idle: 0, ceiling: true },
      { gateways: 200, routes: 1000, mode: 'live', repeat: 1, idle: 0, ceiling: true, strategy: 'duplicate' },
      { gateways: 500, routes: 2500, mode: 'live', repeat: 1, idle: 0, ceiling: true },
      { gateways: 500, routes: 2500, mode: 'live', repeat: 1, idle: 0, ceiling: true, strategy: 'duplicate' },
      { gateways: 1000, routes: 5000, mode: 'backlog', repeat: 1, idle: 0 },
      // The same routes through the strategy that adopts the backend Services instead of creating new ones.
      { gateways: 1000, routes: 5000, mode: 'live', repeat: 1, idle: 0, strategy: 'update' },
    ];
  }
  return [
    { gateways: 200, routes: 1000, mode: 'live', repeat: 3, idle: 60, ceiling: true },
    { gateways: 200, routes: 1000, mode: 'live', repeat: 1, idle: 0, ceiling: true, strategy: 'duplicate' },
    { gateways: 100, routes: 500, mode: 'live', repeat: 1, idle: 0, ceiling: true },
    { gateways: 100, routes: 500, mode: 'live', repeat: 1, idle: 0, ceiling: true, strategy: 'duplicate' },
    { gateways: 200, routes: 1000, mode: 'backlog', repeat: 1, idle: 0 },
    { gateways: 200, routes: 1000, mode: 'live', repeat: 1, idle: 0, strategy: 'update' },
  ];
}

function sh(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 * 2 ** 20, ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status ?? r.signal}): ${r.stderr}`);
  return r.stdout;
}

/**
 * Bundles the controller of `rev` (undefined: the working tree) into a fresh temporary directory, as
 * `npm run build` would (apps/controller/tsup.config.ts), and returns the bundle's path and a cleanup function.
 * A revision is taken with `git archive` into a scratch tree whose node_modules link to the repository's, except the
 * workspace packages, which link inside the scratch tree, so the old sources are bundled.
 */
export function buildBundle(rev, log = () => undefined) {
  const out = mkdtempSync(path.join(os.tmpdir(), 'kvgw-scale-bundle-'));
  let tree = repoRoot;
  const scratch = [];
  if (rev) {
    const commit = sh('git', ['rev-parse', '--short', rev], { cwd: repoRoot }).trim();
    tree = mkdtempSync(path.join(os.tmpdir(), `kvgw-scale-src-${commit}-`));
    scratch.push(tree);
    log(`extracting ${commit} into ${tree}`);
    // tools/bundle holds the bundle's stand-ins (tsup.shared.ts aliases undici to one) since d67a54e; older trees lack it.
    const optional = ['tools/bundle'].filter((p) => spawnSync('git', ['cat-file', '-e', `${commit}:${p}`], { cwd: repoRoot }).status === 0);
    const tar = spawnSync('sh', ['-c', `git archive ${commit} package.json tsup.shared.ts tsconfig.base.json packages apps ${optional.join(' ')} | tar -x -C "${tree}"`], { cwd: repoRoot, encoding: 'utf8' });
    if (tar.status !== 0) throw new Error(`git archive ${commit} failed: ${tar.stderr}`);
    const nm = path.join(tree, 'node_modules');
    mkdirSync(nm);
    for (const entry of readdirSync(path.join(repoRoot, 'node_modules'))) {
      if (entry === '@kube-vip-gw' || entry === '.bin') continue;
      symlinkSync(path.join(repoRoot, 'node_modules', entry), path.join(nm, entry));
    }
    mkdirSync(path.join(nm, '@kube-vip-gw'));
    // Since the controller became a library (packages/controller) beside its binary's app (apps/controller); older
    // commits have the one package in apps/controller.
    const library = existsSync(path.join(tree, 'packages', 'controller')) ? [['controller', 'packages/controller'], ['controller-app', 'apps/controller']] : [['controller', 'apps/controller']];
    for (const [name, dir] of [...(existsSync(path.join(tree, 'packages', 'kube-core')) ? [['kube-core', 'packages/kube-core']] : []), ['ipam', 'packages/ipam'], ['gateway-model', 'packages/gateway-model'], ['service-mapper', 'packages/service-mapper'], ['controller-runtime', 'packages/controller-runtime'], ...library, ['cli', 'apps/cli']]) {
      symlinkSync(path.join(tree, dir), path.join(nm, '@kube-vip-gw', name));
      const own = path.join(repoRoot, dir, 'node_modules');
      if (existsSync(own) && !existsSync(path.join(tree, dir, 'node_modules'))) symlinkSync(own, path.join(tree, dir, 'node_modules'));
    }
  }
  log(`bundling the controller${rev ? ` at ${rev}` : ' (working tree)'}`);
  sh(path.join(repoRoot, 'node_modules', '.bin', 'tsup'), ['--out-dir', out], { cwd: path.join(tree, 'apps', 'controller') });
  const bundle = path.join(out, 'gateway-api-controller.js');
  if (!existsSync(bundle)) throw new Error(`the build wrote no ${bundle}`);
  return {
    bundle,
    bundleMiB: Math.round((statSync(bundle).size / 2 ** 20) * 10) / 10,
    cleanup: () => {
      for (const d of [out, ...scratch]) rmSync(d, { recursive: true, force: true });
    },
  };
}

/** Runs one scale.ts scenario and resolves with its JSON; progress lines go to `log`. */
export function runScenario({ bundle, gateways, routes, mode, idle, inFlight = 32, restart = true, ceiling = false, controllerArgs = [], nodeArgs = [], log = () => undefined }) {
  const tsx = path.join(repoRoot, 'node_modules', '.bin', 'tsx');
  const args = [
    '--conditions=@kube-vip-gw/source',
    path.join(here, 'scale.ts'),
    `--bundle=${bundle}`,
    `--gateways=${gateways}`,
    `--routes=${routes}`,
    `--mode=${mode}`,
    `--idle-seconds=${idle}`,
    `--in-flight=${inFlight}`,
    ...(restart ? [] : ['--no-restart']),
    ...(ceiling ? ['--ceiling'] : []),
    ...controllerArgs.map((a) => `--controller-arg=${a}`),
    ...nodeArgs.map((a) => `--node-arg=${a}`),
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(tsx, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => {
      stderr += d;
      for (const line of String(d).split('\n')) if (line.startsWith('[scale')) log(line);
    });
    child.on('exit', (code, signal) => {
      if (code === 0) {
        try {
          resolve(JSON.parse(stdout.trim().split('\n').at(-1)));
        } catch (e) {
          reject(new Error(`scale.ts printed no JSON: ${e.message}\n${stderr.slice(-3000)}`));
        }
      } else reject(new Error(`scale.ts ${gateways}gw/${routes}r ${mode} failed (${code ?? signal}):\n${stderr.slice(-3000)}`));
    });
  });
}

/**
 * Runs a plan: each scenario `repeat` times (idle window on the first run only); with `compareRev`, every run is done
 * for both bundles, alternating, so the machine's load affects both alike. Returns { runs, builds }.
 */
export async function runPlan({ scenarios, apiRates, compareRev, rev, bundle, inFlight, controllerArgs = [], nodeArgs = [], log = () => undefined }) {
  const builds = [];
  const variants = [];
  const startedAt = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const loadAtStart = os.loadavg().map((l) => Math.round(l * 100) / 100);
  try {
    if (compareRev) {
      const b = buildBundle(compareRev, log);
      builds.push(b);
      variants.push({ label: `before (${compareRev})`, bundle: b.bundle, bundleMiB: b.bundleMiB });
    }
    const main = rev ?? 'working tree';
    if (bundle) variants.push({ label: compareRev ? `after (${main})` : main, bundle, bundleMiB: Math.round((statSync(bundle).size / 2 ** 20) * 10) / 10 });
    else {
      const b = buildBundle(rev, log);
      builds.push(b);
      variants.push({ label: compareRev ? `after (${main})` : main, bundle: b.bundle, bundleMiB: b.bundleMiB });
    }
    const rates = apiRates ? await runApiRates({ ...apiRates, log }) : undefined;
    const runs = [];
    for (const s of scenarios) {
      for (let i = 0; i < s.repeat; i++) {
        for (const v of variants) {
          const idle = i === 0 ? s.idle : 0;
          log(`${v.label}: ${s.gateways} Gateways, ${s.routes} routes, ${s.mode}${s.strategy ? `, strategy ${s.strategy}` : ''}, run ${i + 1}/${s.repeat}`);
          const args = [...controllerArgs, ...(s.strategy ? [`--service-behaviour=${s.strategy}`] : [])];
          const result = await runScenario({ bundle: v.bundle, gateways: s.gateways, routes: s.routes, mode: s.mode, idle, inFlight, ceiling: s.ceiling ?? false, controllerArgs: args, nodeArgs, log });
          runs.push({ variant: v.label, bundleMiB: v.bundleMiB, run: i + 1, ...result });
        }
      }
    }
    return { startedAt, loadAtStart, runs, apiRates: rates, commit: sh('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoRoot }).trim() };
  } finally {
    for (const b of builds) b.cleanup();
  }
}

const median = (xs) => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return undefined;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** One line per variant and scenario with the medians of its runs (for the terminal). */
export function summarise(runs) {
  const groups = new Map();
  for (const r of runs) {
    const key = `${r.variant} | ${r.size.gateways} gw / ${r.size.routes} routes | ${r.mode} | strategy ${strategyOf(r)}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  const lines = [];
  for (const [key, rs] of groups) {
    const m = (f) => median(rs.map(f));
    lines.push(
      `${key} | runs ${rs.length} | converge ${m((r) => r.converge.ms / 1000)?.toFixed(1)} s | ${m((r) => r.converge.routesPerSecond)?.toFixed(0)} routes/s` +
        ` | bundle ${rs[0].bundleMiB} MiB | ready ${m((r) => r.converge.controllerReadyMs)?.toFixed(0)} ms | peak RSS ${m((r) => r.converge.controller.peakRssMiB)?.toFixed(0)} MiB | controller CPU ${m((r) => r.converge.controller.cpuSeconds)?.toFixed(1)} s` +
        ` | writes ${m((r) => r.converge.controller.writes)} | idle writes ${rs.map((r) => r.idle?.writes ?? '-').join(',')}` +
        ` | restart writes ${rs.map((r) => r.restart?.writes ?? '-').join(',')}, moved ${rs.map((r) => r.restart?.moved ?? '-').join(',')}` +
        (rs[0].apiServerCreate ? ` | API server alone ${m((r) => r.apiServerCreate.perSecond)?.toFixed(0)} objects/s` : '') +
        (rs[0].ceiling ? ` | ceiling ${m((r) => r.ceiling.routesPerSecond)?.toFixed(1)} routes/s (${m((r) => r.ceiling.totalMs / 1000)?.toFixed(1)} s), live ÷ ceiling ${m((r) => r.ceiling.totalMs / r.converge.ms)?.toFixed(2)}` : ''),
    );
  }
  return lines.join('\n');
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      full: { type: 'boolean', default: false },
      gateways: { type: 'string' },
      routes: { type: 'string' },
      mode: { type: 'string', default: 'live' },
      repeat: { type: 'string', default: '1' },
      'idle-seconds': { type: 'string' },
      'in-flight': { type: 'string', default: '32' },
      ceiling: { type: 'boolean', default: false },
      strategy: { type: 'string' },
      'controller-arg': { type: 'string', multiple: true, default: [] },
      'node-arg': { type: 'string', multiple: true, default: [] },
      compare: { type: 'string' },
      rev: { type: 'string' },
      bundle: { type: 'string' },
      out: { type: 'string' },
    },
  });
  let scenarios;
  let apiRates;
  if (values.gateways || values.routes) {
    scenarios = values.mode.split(',').map((mode) => ({
      gateways: Number(values.gateways ?? 1000),
      routes: Number(values.routes ?? 5000),
      mode,
      repeat: Number(values.repeat),
      idle: Number(values['idle-seconds'] ?? 60),
      ceiling: values.ceiling && mode === 'live',
      ...(values.strategy ? { strategy: values.strategy } : {}),
    }));
  } else {
    scenarios = plan({ quick: values.quick, full: values.full });
    apiRates = apiRatesPlan({ quick: values.quick, full: values.full });
    if (values['idle-seconds'] !== undefined) scenarios = scenarios.map((s) => ({ ...s, idle: s.idle > 0 ? Number(values['idle-seconds']) : 0 }));
  }
  const log = (m) => process.stderr.write(`[controller-scale] ${m}\n`);
  log(`load average ${os.loadavg().map((l) => l.toFixed(2)).join(' / ')}`);
  const result = await runPlan({
    scenarios,
    apiRates,
    compareRev: values.compare,
    rev: values.rev,
    bundle: values.bundle ? path.resolve(values.bundle) : undefined,
    inFlight: Number(values['in-flight']),
    controllerArgs: values['controller-arg'],
    nodeArgs: values['node-arg'],
    log,
  });
  if (values.out) writeFileSync(values.out, `${JSON.stringify(result, null, 1)}\n`);
  console.log(summarise(result.runs));
  if (result.apiRates) console.log(`API server alone (${result.apiRates.existing} Services present): ${JSON.stringify(result.apiRates.rates)}`);
}
