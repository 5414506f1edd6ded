// Sums vitest JSON reports into the one closing line CI reads: "N passed, N failed".
// A missing or unreadable report counts as one failure, so a suite that never ran cannot look green.
import { readFileSync } from 'node:fs';

let passed = 0;
let failed = 0;
let skipped = 0;
for (const file of process.argv.slice(2)) {
  try {
    const report = JSON.parse(readFileSync(file, 'utf8'));
    passed += report.numPassedTests ?? 0;
    failed += report.numFailedTests ?? 0;
    skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
    // A test file that failed to load reports no tests but a failed suite.
    const brokenFiles = (report.testResults ?? []).filter((r) => r.status === 'failed' && (r.assertionResults ?? []).length === 0);
    failed += brokenFiles.length;
    console.log(`${file}: ${report.numPassedTests} passed, ${report.numFailedTests} failed${brokenFiles.length ? `, ${brokenFiles.length} files failed to run` : ''}`);
  } catch (err) {
    console.log(`${file}: no report (${err instanceof Error ? err.message : String(err)})`);
    failed += 1;
  }
}
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 ? 1 : 0);
