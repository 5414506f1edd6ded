// Sums vitest JSON reports (and the conformance runner's summary) into the one closing line CI reads: "N passed, N failed".
// A missing or unreadable report counts as one failure, so a suite that never ran cannot look green.
import { readFileSync } from 'node:fs';

let passed = 0;
let failed = 0;
let skipped = 0;
for (const file of process.argv.slice(2)) {
  try {
    const report = JSON.parse(readFileSync(file, 'utf8'));
    if (report.kind === 'gateway-api-conformance') {
      // tools/conformance/run.ts: failed and unfinished conformance tests are failures, a harness error (cluster,
      // build, Setup, a killed run) is one more; tests not applicable to an L4-only implementation are counted apart.
      const harness = typeof report.harnessError === 'string' ? 1 : 0;
      passed += report.passed ?? 0;
      failed += (report.failed ?? 0) + harness;
      console.log(
        `${file}: conformance ${report.phase}: ${report.passed} passed, ${report.failed} failed, ${report.notApplicable} not applicable (L4 only), ` +
          `${report.weightsApproximated ?? 0} with weights approximated (kube-proxy splits evenly)` +
          `${harness ? `, harness error: ${report.harnessError}` : ''}`,
      );
      continue;
    }
    passed += report.numPassedTests ?? 0;
    failed += report.numFailedTests ?? 0;
    skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
    // A failed file with no failed test in it is one failure more: a file that failed to load reports no tests, and one
    // whose beforeAll threw reports its tests as skipped (a run ended "2176 passed, 0 failed, 8 skipped" with exit 1).
    const brokenFiles = (report.testResults ?? []).filter((r) => r.status === 'failed' && !(r.assertionResults ?? []).some((a) => a.status === 'failed'));
    failed += brokenFiles.length;
    console.log(`${file}: ${report.numPassedTests} passed, ${report.numFailedTests} failed${brokenFiles.length ? `, ${brokenFiles.length} files failed without a failed test (load error or hook)` : ''}`);
  } catch (err) {
    console.log(`${file}: no report (${err instanceof Error ? err.message : String(err)})`);
    failed += 1;
  }
}
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 ? 1 : 0);
