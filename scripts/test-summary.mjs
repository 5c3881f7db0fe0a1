// Prints the plain closing lines "tests: N passed, N failed" from vitest's JSON reports: one line
// per report (labelled `name=path` arguments, e.g. `node20=.vitest-results.json`), then the total.
import { readFileSync } from 'node:fs';

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
for (const { label, path } of reports) {
  const report = JSON.parse(readFileSync(path, 'utf8'));
  const p = report.numPassedTests ?? 0;
  const f = report.numFailedTests ?? 0;
  const s = report.numPendingTests ?? 0;
  if (p === 0) empty = true;
  if (label !== undefined) {
    console.log(`${label}: ${p} passed, ${f} failed${s ? `, ${s} skipped` : ''}`);
  }
  passed += p;
  failed += f;
  skipped += s;
}
console.log(`tests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 || empty ? 1 : 0);
