// `pnpm bench`: runs the phi, registry, gossip-simulation, RPC and failover benchmarks in sequence
// and writes bench/results/latest.{md,json} plus SVG plots. Suites not run this time (--only) keep
// their previous results in the report, each marked with when it ran.
//   pnpm bench [--quick] [--only rpc,failover] [--out <dir>] [--gossip-1000]
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runFailoverBench } from './failover.js';
import { benchClusterSize, type GossipBenchResult, runGossipBench } from './gossip.js';
import { compareRules, printRuleComparison, selectedRulePlans } from './gossip-rules.js';
import { runPhiBench } from './phi.js';
import { formatQuicheFloor, runQuicheFloor } from './quiche-floor.js';
import { runRegistryBench } from './registry.js';
import {
  type BenchReport,
  driverRatios,
  grpcRatios,
  issueTargets,
  renderMarkdown,
  renderPlots,
  type SuiteName,
  type SuiteRun,
} from './report.js';
import { runRpcBench } from './rpc.js';
import { parseRunOptions, type RunOptions, USAGE } from './run-options.js';

/**
 * Extra cluster sizes of a full run, for the curves: short loss windows, and a steady-state window
 * of whole push-pull periods (30 s up to 32 members, 150 s at 300 with the lanClusterConfig() preset), so the
 * bandwidth includes every member's full-state exchange exactly as often as it happens.
 */
const GOSSIP_SCALING_PLANS = [
  { nodes: 30, lossWindowMs: 10_000, steadyWindowMs: 60_000 },
  { nodes: 300, lossWindowMs: 10_000, steadyWindowMs: 150_000 },
] as const;
const DEFAULT_OUT_DIR = fileURLToPath(new URL('../results/', import.meta.url));

/** Runs one suite, timing it and turning a throw into a recorded failure. */
async function runSuite<T>(
  name: SuiteName,
  quick: boolean,
  run: () => Promise<T>,
): Promise<SuiteRun<T>> {
  const ranAt = new Date().toISOString();
  const loadAverageStart = loadavg();
  const started = performance.now();
  console.log(
    `\n== ${name}${quick ? ' (quick)' : ''} == load average ${loadAverageStart.map((v) => v.toFixed(2)).join(' ')}`,
  );
  try {
    const results = await run();
    return {
      ranAt,
      quick,
      wallMs: performance.now() - started,
      loadAverageStart,
      loadAverageEnd: loadavg(),
      results,
    };
  } catch (error) {
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
    console.error(`bench: suite ${name} failed: ${message}`);
    return {
      ranAt,
      quick,
      wallMs: performance.now() - started,
      loadAverageStart,
      loadAverageEnd: loadavg(),
      results: undefined,
      error: error instanceof Error ? error.message : String(error),
    };
  }
}

/**
 * Gossip simulation. Full: the gossip bench's own plans for 10 and 100 nodes (1 h and 10 min of
 * simulated loss), plus 30 and 300 nodes with short loss windows as extra points of the
 * detection/convergence curves, and the suspicion-rule comparison at 100. 1,000 nodes only on
 * request (`--gossip-1000`, or GOSSIP_BENCH_SIZES / GOSSIP_RULE_SIZES), as they take tens of
 * minutes of wall time on a loaded 2-core machine. Quick: 10 and 100 nodes with short loss windows.
 */
async function gossipSuite(quick: boolean, with1000: boolean): Promise<GossipBenchResult[]> {
  const rows: GossipBenchResult[] = [];
  if (quick) {
    rows.push(benchClusterSize({ nodes: 10, lossWindowMs: 600_000, steadyWindowMs: 30_000 }));
    rows.push(benchClusterSize({ nodes: 100, lossWindowMs: 60_000, steadyWindowMs: 10_000 }));
  } else {
    const requested = process.env.GOSSIP_BENCH_SIZES;
    if (requested === undefined) {
      process.env.GOSSIP_BENCH_SIZES = with1000 ? '10,100,1000' : '10,100';
    }
    try {
      rows.push(...(await runGossipBench()));
    } finally {
      if (requested === undefined) delete process.env.GOSSIP_BENCH_SIZES;
    }
    for (const plan of GOSSIP_SCALING_PLANS) {
      if (rows.some((row) => row.nodes === plan.nodes)) continue;
      rows.push(benchClusterSize(plan));
      await new Promise((resolve) => setImmediate(resolve));
    }
    // The adaptive suspicion rule against the memberlist preset, same seeds and crashes.
    const comparisons = selectedRulePlans(with1000 ? [100, 1000] : [100]).map(compareRules);
    printRuleComparison(comparisons);
    for (const comparison of comparisons) {
      const index = rows.findIndex((row) => row.nodes === comparison.nodes);
      if (index >= 0) rows[index] = { ...rows[index]!, rules: comparison };
    }
  }
  for (const row of rows) {
    console.log(
      `gossip n=${row.nodes}: formation ${row.formationMs} ms, join seen by all ${row.joinPropagationMs} ms, crash -> first NodeFailed ${row.failureFirstMs} ms, -> all ${row.failureAllMs} ms, ${Math.round(row.bytesPerNodePerSecond)} B/node/s`,
    );
  }
  return rows.sort((a, b) => a.nodes - b.nodes);
}

/**
 * RPC suite. Full: grpc-js, bare UDP, and raw-quic and rpcnet with every QUIC driver (classic, lean
 * on node:dgram, lean on batched UDP) at UDP
 * payloads 1350 and 16000. Quick (about a minute): short windows at 1350 only; grpc-js, bare UDP,
 * lean raw-quic and lean rpcnet in full, and the classic driver only on unary 64B c=1 and c=64,
 * enough for a lean/classic ratio.
 */
async function rpcSuite(quick: boolean) {
  const results = await runRpcBench(
    quick
      ? {
          durationMs: 600,
          warmupMs: 200,
          streamMessages: 20_000,
          streamTimeLimitMs: 8000,
          udpPayloads: [1350],
          systems: ['grpc-js', 'udp', 'raw-quic', 'rpcnet'],
          classicCases: ['unary 64B c=1', 'unary 64B c=64'],
        }
      : {},
  );
  // quiche alone, in memory: the share of a QUIC packet no driver or socket can remove.
  const quicheFloor = runQuicheFloor(quick ? 600 : 2000);
  for (const line of quicheFloor) console.log(formatQuicheFloor(line));
  return {
    results,
    grpcRatios: grpcRatios(results),
    driverRatios: driverRatios(results),
    targets: issueTargets(results),
    quicheFloor,
  };
}

async function readPrevious(path: string): Promise<Partial<BenchReport>> {
  try {
    const previous = JSON.parse(await readFile(path, 'utf8')) as Partial<BenchReport>;
    return previous.schema === 'rpcnet-bench/1' ? previous : {};
  } catch {
    return {};
  }
}

async function writeAtomically(path: string, content: string): Promise<void> {
  await writeFile(`${path}.tmp`, content);
  await rename(`${path}.tmp`, path);
}

async function main(options: RunOptions): Promise<boolean> {
  const started = performance.now();
  const jsonPath = join(options.outDir, 'latest.json');
  const previous = await readPrevious(jsonPath);
  const suites: BenchReport['suites'] = previous.suites ?? {};
  const { quick } = options;
  let allPassed = true;
  for (const name of options.suites) {
    let failed = false;
    switch (name) {
      case 'phi':
        suites.phi = await runSuite(name, quick, runPhiBench);
        failed = suites.phi.results === undefined;
        break;
      case 'registry':
        suites.registry = await runSuite(name, quick, runRegistryBench);
        failed = suites.registry.results === undefined;
        break;
      case 'gossip':
        suites.gossip = await runSuite(name, quick, () => gossipSuite(quick, options.gossip1000));
        failed = suites.gossip.results === undefined;
        break;
      case 'rpc':
        suites.rpc = await runSuite(name, quick, () => rpcSuite(quick));
        failed = suites.rpc.results === undefined;
        break;
      case 'failover':
        suites.failover = await runSuite(name, quick, () =>
          runFailoverBench({ trials: quick ? 1 : 5 }),
        );
        failed = suites.failover.results === undefined;
        break;
    }
    if (failed) allPassed = false;
  }

  const argv = process.argv.slice(2).filter((arg) => arg !== '--');
  const cpuList = cpus();
  const report: BenchReport = {
    schema: 'rpcnet-bench/1',
    updatedAt: (options.renderOnly ? previous.updatedAt : undefined) ?? new Date().toISOString(),
    command:
      (options.renderOnly ? previous.command : undefined) ?? ['pnpm bench', ...argv].join(' '),
    machine: {
      node: process.version,
      platform: `${process.platform} ${process.arch}`,
      cpus: cpuList.length,
      cpuModel: cpuList[0]?.model.trim() ?? 'unknown',
      totalMemoryMiB: totalmem() / (1024 * 1024),
    },
    suites,
  };
  await mkdir(options.outDir, { recursive: true });
  if (!options.renderOnly) await writeAtomically(jsonPath, `${JSON.stringify(report, null, 2)}\n`);
  await writeAtomically(join(options.outDir, 'latest.md'), renderMarkdown(report));
  for (const [file, svg] of renderPlots(report)) {
    await writeAtomically(join(options.outDir, file), svg);
  }
  console.log(
    `\nbench: ${options.suites.join(', ')} done in ${((performance.now() - started) / 1000).toFixed(0)} s; wrote ${options.outDir}`,
  );
  return allPassed;
}

const argv = process.argv.slice(2);
if (argv.includes('--help') || argv.includes('-h')) {
  console.log(USAGE);
} else {
  let options: RunOptions;
  try {
    options = parseRunOptions(argv, DEFAULT_OUT_DIR);
  } catch (error) {
    console.error(`bench: ${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
    process.exit(2);
  }
  const passed = await main(options);
  // Child processes and sockets are closed by each suite; exit explicitly so a stray handle in a
  // library cannot keep the command from finishing.
  process.exit(passed ? 0 : 1);
}
