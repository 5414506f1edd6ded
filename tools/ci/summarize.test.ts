// The closing line of .ci/run ("N passed, N failed") and its exit code, from vitest JSON reports: a run that failed
// must never read "0 failed".
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const SCRIPT = path.join(import.meta.dirname, 'summarize.mjs');
const dir = mkdtempSync(path.join(os.tmpdir(), 'kvgw-summarize-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
function summarize(...reports: object[]): { line: string; status: number | null } {
  const files = reports.map((r) => {
    const file = path.join(dir, `report-${n++}.json`);
    writeFileSync(file, JSON.stringify(r));
    return file;
  });
  const r = spawnSync(process.execPath, [SCRIPT, ...files], { encoding: 'utf8' });
  return { line: r.stdout.trim().split('\n').at(-1) ?? '', status: r.status };
}

const file = (status: string, ...assertions: string[]) => ({ status, assertionResults: assertions.map((s) => ({ status: s })) });

describe('tools/ci/summarize.mjs', () => {
  it('sums passed and failed tests over the reports and exits 0 only when nothing failed', () => {
    expect(summarize({ numPassedTests: 3, numFailedTests: 0, testResults: [file('passed', 'passed', 'passed', 'passed')] })).toEqual({ line: '3 passed, 0 failed', status: 0 });
    expect(summarize({ numPassedTests: 2, numFailedTests: 1, testResults: [file('failed', 'passed', 'passed', 'failed')] }, { numPassedTests: 1, numFailedTests: 0 })).toEqual({ line: '3 passed, 1 failed', status: 1 });
  });

  it('counts a file whose beforeAll threw (its tests reported skipped) and a file that did not load as failures', () => {
    const hookFailed = { numPassedTests: 5, numFailedTests: 0, numPendingTests: 8, testResults: [file('passed', 'passed'), file('failed', 'skipped', 'skipped')] };
    expect(summarize(hookFailed)).toEqual({ line: '5 passed, 1 failed, 8 skipped', status: 1 });
    expect(summarize({ numPassedTests: 0, numFailedTests: 0, testResults: [file('failed')] })).toEqual({ line: '0 passed, 1 failed', status: 1 });
  });

  it('counts a missing report as a failure', () => {
    const r = spawnSync(process.execPath, [SCRIPT, path.join(dir, 'absent.json')], { encoding: 'utf8' });
    expect(r.stdout.trim().split('\n').at(-1)).toBe('0 passed, 1 failed');
    expect(r.status).toBe(1);
  });
});
