// Adds up vitest JSON reports into the one plain closing line CI reads: "N passed, N failed, N skipped".
// A report that is missing counts as a failure: a suite that did not run must not look green.
// Each failed test is named above that line with its message's first line (and the chaos run's
// seed, to replay it), since CI may show only the output's last lines.
import { existsSync, readFileSync } from 'node:fs';

let passed = 0;
let failed = 0;
let skipped = 0;
for (const file of process.argv.slice(2)) {
  if (!existsSync(file)) {
    console.error(`missing test report ${file}: that suite did not run to the end`);
    failed += 1;
    continue;
  }
  const report = JSON.parse(readFileSync(file, 'utf8'));
  passed += report.numPassedTests;
  // A file that failed without a failed test (it did not load, a hook threw) counts once; the
  // report's numFailedTestSuites would also count every describe block around a failed test.
  const brokenFiles = (report.testResults ?? []).filter(
    (file) =>
      file.status === 'failed' &&
      !(file.assertionResults ?? []).some((test) => test.status === 'failed'),
  ).length;
  failed += report.numFailedTests + brokenFiles;
  for (const result of report.testResults ?? []) {
    for (const test of result.assertionResults ?? []) {
      if (test.status !== 'failed') continue;
      const message = String(test.failureMessages?.[0] ?? '');
      const first = message.split('\n')[0].slice(0, 200);
      const replay = /KITH_CHAOS_SEED=\d+/.exec(message)?.[0];
      console.log(`failed: ${test.fullName}: ${first}${replay ? ` (replay: ${replay})` : ''}`);
    }
  }
  skipped += report.numPendingTests + report.numTodoTests;
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
