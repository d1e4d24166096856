// Prints the one closing line CI reads ("N passed, N failed[, N skipped]") from vitest's JSON report.
// Plain JavaScript so that it runs on whatever Node the machine has, even before `npm ci`.
import { readFileSync } from 'node:fs';

const file = process.argv[2];
let report;
try {
  report = JSON.parse(readFileSync(file, 'utf8'));
} catch (error) {
  console.log(`no test report at ${file}: ${error.message}`);
  console.log('0 passed, 1 failed');
  process.exit(0);
}
const passed = report.numPassedTests ?? 0;
const failedTests = report.numFailedTests ?? 0;
// A file that fails to load has no test results but must still count as a failure.
const suiteErrors = (report.testResults ?? []).filter(
  (r) => r.status === 'failed' && !r.assertionResults?.length,
).length;
const failed = failedTests + suiteErrors;
const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
