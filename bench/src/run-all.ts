// Runs every benchmark in this workspace in sequence. Benchmarks register
// themselves in the list below as they land.
const suites: Array<{ name: string; run: () => Promise<void> }> = [];

if (suites.length === 0) {
  console.log('rpcnet bench: no benchmark suites yet.');
}
for (const suite of suites) {
  console.log(`== ${suite.name} ==`);
  await suite.run();
}
