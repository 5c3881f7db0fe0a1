// Prints the plain closing lines "tests: N passed, N failed" from vitest's JSON reports: one line
// per report (labelled `name=path` arguments, e.g. `node20=.vitest-results.json`), then the total.
// Failed tests are named just above those lines, so a log that keeps only its tail still says which.
import { readFileSync } from 'node:fs';
import { relative as relativeTo } from 'node:path';

const relative = (path) => relativeTo(process.cwd(), path);

const args = process.argv.slice(2);
const reports = (args.length > 0 ? args : ['.vitest-results.json']).map((arg) => {
  const at = arg.indexOf('=');
  return at < 0
    ? { label: undefined, path: arg }
    : { label: arg.slice(0, at), path: arg.slice(at + 1) };
});

let passed = 0;
let failed = 0;
let skipped = 0;
let empty = false;
const failures = [];
for (const { label, path } of reports) {
  const report = JSON.parse(readFileSync(path, 'utf8'));
  const p = report.numPassedTests ?? 0;
  const f = report.numFailedTests ?? 0;
  const s = report.numPendingTests ?? 0;
  if (p === 0) empty = true;
  for (const file of report.testResults ?? []) {
    for (const test of file.assertionResults ?? []) {
      if (test.status !== 'failed') continue;
      const message = (test.failureMessages ?? [])[0] ?? '';
      const firstLine = message.split('\n').find((line) => line.trim() !== '') ?? '';
      failures.push(
        `FAILED${label ? ` [${label}]` : ''} ${relative(file.name)} > ${test.fullName}` +
          (firstLine ? `\n    ${firstLine.trim().slice(0, 300)}` : ''),
      );
    }
    if (file.status === 'failed' && (file.assertionResults ?? []).length === 0) {
      failures.push(
        `FAILED${label ? ` [${label}]` : ''} ${relative(file.name)}: ${file.message ?? 'no tests ran'}`,
      );
    }
  }
  if (label !== undefined) {
    console.log(`${label}: ${p} passed, ${f} failed${s ? `, ${s} skipped` : ''}`);
  }
  passed += p;
  failed += f;
  skipped += s;
}
for (const line of failures) console.log(line);
console.log(`tests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 || empty ? 1 : 0);
