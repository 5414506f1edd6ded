// Facts about the machine and tool versions, printed with every benchmark section so figures can be compared.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Output of a command, or undefined when it cannot run. */
export function tryRun(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', ...opts });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/** Version field of an installed package, or undefined. */
export function packageVersion(root, name) {
  try {
    return JSON.parse(readFileSync(path.join(root, 'node_modules', name, 'package.json'), 'utf8')).version;
  } catch {
    return undefined;
  }
}

/** Machine, OS, runtime and repository facts as a markdown table (`startLoad`: os.loadavg() when the suite began). */
export function machineTable(root, extra = [], startLoad = undefined) {
  const cpus = os.cpus();
  const rows = [
    ['date (UTC)', new Date().toISOString().replace(/\.\d+Z$/, 'Z')],
    ['commit', tryRun('git', ['rev-parse', '--short', 'HEAD'], { cwd: root }) ?? 'unknown'],
    ['CPU', `${cpus[0]?.model ?? 'unknown'} × ${cpus.length}`],
    ['memory', `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`],
    ['OS', `${os.type()} ${os.release()} ${os.arch()}`],
    ...(startLoad ? [['load average at start (1/5/15 min)', startLoad.map((l) => l.toFixed(2)).join(' / ')]] : []),
    ['load average at end (1/5/15 min)', os.loadavg().map((l) => l.toFixed(2)).join(' / ')],
    ['Node.js', process.version],
    ...extra,
  ];
  return ['| | |', '|---|---|', ...rows.map(([k, v]) => `| ${k} | ${v} |`)].join('\n');
}
