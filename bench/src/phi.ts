// Micro-benchmarks of @rpcnet/phi: time and heap allocation per heartbeat / phi / isAvailable call,
// and the cost of sweeping phi over 10,000 peers in a PhiDetectorSet.
// Run directly: pnpm --filter @rpcnet/bench exec tsx src/phi.ts
import { PerformanceObserver } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';
import { PhiAccrualDetector, PhiDetectorSet } from '@rpcnet/phi';

/** One measured case of the phi benchmark. */
export interface PhiBenchResult {
  /** What was measured. */
  name: string;
  /** How many calls one operation makes (1, or the number of peers for a sweep). */
  callsPerOp: number;
  /** Operations timed in the best of the timing runs. */
  iterations: number;
  /** Nanoseconds per operation (best of several runs). */
  nsPerOp: number;
  /** Heap bytes allocated per operation (smallest heapUsed growth of several GC-free runs). */
  bytesPerOp: number;
  /** False if a GC ran during every allocation run, making bytesPerOp only a lower bound. */
  allocationExact: boolean;
}

interface BenchCase {
  name: string;
  callsPerOp: number;
  iterations: number;
  allocationIterations: number;
  /** Runs `count` operations in a tight loop; returns a value so the work cannot be optimised away. */
  run(count: number): number;
}

const TIMING_RUNS = 5;
const ALLOCATION_TRIALS = 7;
const PEERS = 10_000;

/** Returns a function forcing a full GC: the exposed one, or one obtained at runtime. */
function obtainGc(): () => void {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (exposed !== undefined) return exposed;
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
}

/** Detector with a full window of jittered ~1 s intervals; returns it and the time of its last beat. */
function warmedDetector(model: 'normal' | 'exponential'): {
  detector: PhiAccrualDetector;
  t: number;
} {
  const detector = new PhiAccrualDetector({ model });
  let t = 0;
  for (let i = 0; i < 2000; i++) {
    t += 950 + (i % 100);
    detector.heartbeat(t);
  }
  return { detector, t };
}

function buildCases(): BenchCase[] {
  const integer = warmedDetector('normal');
  const fractional = warmedDetector('normal');
  const normal = warmedDetector('normal');
  const exponential = warmedDetector('exponential');
  const clocked = new PhiAccrualDetector();
  clocked.heartbeat();

  const set = new PhiDetectorSet();
  const keys: string[] = [];
  for (let p = 0; p < PEERS; p++) keys.push(`node-${p}`);
  let setTime = 0;
  for (let round = 0; round < 20; round++) {
    setTime += 1000;
    for (let p = 0; p < PEERS; p++) set.heartbeat(keys[p]!, setTime + (p % 50));
  }

  return [
    {
      name: 'PhiAccrualDetector.heartbeat(now), integer ms',
      callsPerOp: 1,
      iterations: 2_000_000,
      allocationIterations: 20_000,
      run(count) {
        const detector = integer.detector;
        // Keep timestamps small integers (V8 Smis) however long the bench runs.
        if (integer.t > 500_000_000) {
          detector.reset();
          integer.t = 0;
        }
        // Timestamps derive from a constant base rather than a running sum: a double carried
        // around the loop gets boxed by V8, which would charge the loop's allocation to the call.
        const base = integer.t;
        for (let i = 0; i < count; i++) detector.heartbeat(base + i * 100 + (i & 15));
        integer.t = base + count * 100 + 16;
        return detector.sampleCount;
      },
    },
    {
      name: 'PhiAccrualDetector.heartbeat(now), fractional ms',
      callsPerOp: 1,
      iterations: 2_000_000,
      allocationIterations: 20_000,
      run(count) {
        const detector = fractional.detector;
        const base = fractional.t;
        for (let i = 0; i < count; i++) detector.heartbeat(base + i * 1000.25 + (i & 63));
        fractional.t = base + count * 1000.25 + 64;
        return detector.sampleCount;
      },
    },
    {
      name: 'PhiAccrualDetector.phi(now), normal, integer ms',
      callsPerOp: 1,
      iterations: 2_000_000,
      allocationIterations: 20_000,
      run(count) {
        const { detector, t } = normal;
        let sum = 0;
        for (let i = 0; i < count; i++) sum += detector.phi(t + (i & 2047));
        return sum;
      },
    },
    {
      name: 'PhiAccrualDetector.phi(now), normal, fractional ms',
      callsPerOp: 1,
      iterations: 2_000_000,
      allocationIterations: 20_000,
      run(count) {
        const { detector, t } = normal;
        let sum = 0;
        for (let i = 0; i < count; i++) sum += detector.phi(t + 0.25 + (i & 2047));
        return sum;
      },
    },
    {
      name: 'PhiAccrualDetector.phi(now), exponential',
      callsPerOp: 1,
      iterations: 2_000_000,
      allocationIterations: 20_000,
      run(count) {
        const { detector, t } = exponential;
        let sum = 0;
        for (let i = 0; i < count; i++) sum += detector.phi(t + (i & 2047));
        return sum;
      },
    },
    {
      name: 'PhiAccrualDetector.isAvailable(now)',
      callsPerOp: 1,
      iterations: 2_000_000,
      allocationIterations: 20_000,
      run(count) {
        const { detector, t } = normal;
        let available = 0;
        for (let i = 0; i < count; i++) if (detector.isAvailable(t + (i & 2047))) available++;
        return available;
      },
    },
    {
      name: 'PhiAccrualDetector.phi() via performance.now',
      callsPerOp: 1,
      iterations: 1_000_000,
      allocationIterations: 20_000,
      run(count) {
        let sum = 0;
        for (let i = 0; i < count; i++) sum += clocked.phi();
        return sum;
      },
    },
    {
      name: `PhiDetectorSet.phi sweep of ${PEERS} peers`,
      callsPerOp: PEERS,
      iterations: 200,
      allocationIterations: 20,
      run(count) {
        let sum = 0;
        for (let i = 0; i < count; i++) {
          const now = setTime + 500 + i;
          for (let p = 0; p < PEERS; p++) sum += set.phi(keys[p]!, now);
        }
        return sum;
      },
    },
    {
      name: `PhiDetectorSet.heartbeat sweep of ${PEERS} peers`,
      callsPerOp: PEERS,
      iterations: 100,
      allocationIterations: 20,
      run(count) {
        for (let i = 0; i < count; i++) {
          setTime += 1000;
          for (let p = 0; p < PEERS; p++) set.heartbeat(keys[p]!, setTime + (p % 50));
        }
        return set.size;
      },
    },
  ];
}

/**
 * Heap bytes per operation: the smallest heapUsed growth over several runs during which no GC ran.
 * One-time costs (recompilation after a forced GC, concurrent optimisation finishing) show up in
 * some runs only; an allocation made by every call shows up in all of them.
 */
async function measureAllocation(
  benchCase: BenchCase,
  gc: () => void,
  gcStarts: readonly number[],
): Promise<{ bytesPerOp: number; exact: boolean; sink: number }> {
  const trials: Array<{ start: number; end: number; delta: number }> = [];
  let sink = 0;
  gc();
  await new Promise((resolve) => setImmediate(resolve));
  sink += benchCase.run(benchCase.allocationIterations);
  for (let trial = 0; trial < ALLOCATION_TRIALS; trial++) {
    const start = performance.now();
    const heapBefore = process.memoryUsage().heapUsed;
    sink += benchCase.run(benchCase.allocationIterations);
    const heapAfter = process.memoryUsage().heapUsed;
    trials.push({ start, end: performance.now(), delta: heapAfter - heapBefore });
  }
  // GC entries are delivered asynchronously; let the observer catch up before checking.
  await new Promise((resolve) => setTimeout(resolve, 20));
  const clean = trials.filter(
    ({ start, end }) => !gcStarts.some((gcStart) => gcStart >= start && gcStart <= end),
  );
  const pool = clean.length > 0 ? clean : trials;
  const smallest = Math.min(...pool.map(({ delta }) => Math.max(0, delta)));
  return {
    bytesPerOp: smallest / benchCase.allocationIterations,
    exact: clean.length > 0,
    sink,
  };
}

function formatLine(result: PhiBenchResult): string {
  const perCall =
    result.callsPerOp > 1 ? ` (${(result.nsPerOp / result.callsPerOp).toFixed(1)} ns/call)` : '';
  const bound = result.allocationExact ? '' : ' (lower bound: GC ran)';
  return `phi  ${result.name.padEnd(52)} ${result.nsPerOp.toFixed(1).padStart(12)} ns/op${perCall}  ${result.bytesPerOp.toFixed(2)} B/op${bound}  [${result.iterations} ops]`;
}

/** Runs every phi case, printing one line per case, and returns the measurements. */
export async function runPhiBench(): Promise<PhiBenchResult[]> {
  const gc = obtainGc();
  const gcStarts: number[] = [];
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) gcStarts.push(entry.startTime);
  });
  observer.observe({ entryTypes: ['gc'] });
  const results: PhiBenchResult[] = [];
  let sink = 0;
  try {
    for (const benchCase of buildCases()) {
      // Warm up so the loop is optimised before it is timed.
      sink += benchCase.run(Math.max(1, Math.floor(benchCase.iterations / 10)));

      let bestNs = Number.POSITIVE_INFINITY;
      for (let r = 0; r < TIMING_RUNS; r++) {
        const start = process.hrtime.bigint();
        sink += benchCase.run(benchCase.iterations);
        const elapsed = Number(process.hrtime.bigint() - start);
        bestNs = Math.min(bestNs, elapsed / benchCase.iterations);
      }

      const allocation = await measureAllocation(benchCase, gc, gcStarts);
      sink += allocation.sink;

      const result: PhiBenchResult = {
        name: benchCase.name,
        callsPerOp: benchCase.callsPerOp,
        iterations: benchCase.iterations,
        nsPerOp: bestNs,
        bytesPerOp: allocation.bytesPerOp,
        allocationExact: allocation.exact,
      };
      results.push(result);
      console.log(formatLine(result));
    }
  } finally {
    observer.disconnect();
  }
  if (Number.isNaN(sink)) console.log('phi bench: unexpected NaN result');
  return results;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await runPhiBench();
}
