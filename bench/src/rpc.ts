// RPC benchmark: rpcnet over QUIC vs @grpc/grpc-js, both QUIC drivers (lean and classic) side by
// side, the raw QUIC transport's per-packet cost, and bare node:dgram as the syscall floor.
// Every server and every client case runs in its own child process; loopback only.
//   pnpm --filter @rpcnet/bench exec tsx src/rpc.ts
import { loadavg } from 'node:os';
import { pathToFileURL } from 'node:url';
import { createDevCertificate } from '@rpcnet/core';
import { formatCount, formatMs } from './measure.js';
import { BenchChild } from './rpc-bench-child.js';
import {
  type BenchDriver,
  type BenchSystem,
  benchCongestionControl,
  type ClientResult,
  type ClientSpec,
  type PacketCounts,
  type ServerSpec,
} from './rpc-bench-protocol.js';
import {
  cpuPerPacketUs,
  driverRatios,
  formatTargetValue,
  grpcRatios,
  issueTargets,
  mibPerSecond,
  opsUnit,
  systemLabel,
} from './rpc-report.js';

/** One printed line of the benchmark. */
export interface RpcBenchResult {
  readonly system: BenchSystem;
  /** QUIC driver (rpcnet, raw-quic); undefined for grpc-js, udp and reports from before it. */
  readonly driver?: BenchDriver;
  /** QUIC UDP payload size; undefined for grpc-js (TCP) and udp. */
  readonly udpPayload: number | undefined;
  readonly kind: ClientSpec['kind'];
  /** Bytes per message (raw: per frame or write; udp: per datagram). */
  readonly payloadBytes: number;
  /** Calls in flight (raw: writes in flight). */
  readonly concurrency: number;
  /** Case name shared by the systems it compares, e.g. `unary 64B c=64`. */
  readonly name: string;
  /** Calls, messages, frames or datagrams completed in the measured window. */
  readonly ops: number;
  readonly durationMs: number;
  readonly opsPerSecond: number;
  readonly p50Ms: number | undefined;
  readonly p99Ms: number | undefined;
  readonly clientCpuMs: number;
  readonly serverCpuMs: number;
  /** UDP packets the client sent and received in the window (lean driver and udp only). */
  readonly packets?: PacketCounts;
  /** false when the case hit its time limit or failed (`error` says why). */
  readonly completed: boolean;
  readonly error?: string;
  /** rpcnet ops/s divided by grpc-js ops/s for the same case. */
  readonly ratioVsGrpc?: number;
  /** Lean-driver ops/s divided by classic-driver ops/s, same system, case and UDP payload. */
  readonly ratioLeanVsClassic?: number;
}

/** Knobs of {@link runRpcBench}; the defaults are the full run (a few minutes). */
export interface RpcBenchOptions {
  /** Measured window per unary/raw/udp case. Default 2000 ms. */
  durationMs?: number;
  /** Warm-up before each window. Default 500 ms. */
  warmupMs?: number;
  /** Messages in the server-streaming case. Default 100,000. */
  streamMessages?: number;
  /** A streaming case stops after this long and reports what arrived. Default 15,000 ms. */
  streamTimeLimitMs?: number;
  /** UDP payload sizes to run rpcnet and the raw transport with. Default [1350, 16000]. */
  udpPayloads?: readonly number[];
  /** Which systems to run. Default: all (grpc-js, udp, raw-quic, rpcnet). */
  systems?: readonly BenchSystem[];
  /** QUIC drivers to run rpcnet and raw-quic with. Default both, classic first in each pair. */
  drivers?: readonly BenchDriver[];
  /**
   * Case names the classic driver runs (it is ~10x slower per packet, so quick runs keep it to a
   * few). Default: every case, at every UDP payload.
   */
  classicCases?: readonly string[];
  /** UDP payloads the classic driver runs at. Default: all of `udpPayloads`. */
  classicUdpPayloads?: readonly number[];
  /** Receives every output line. Default: console.log. */
  print?: (line: string) => void;
}

/** One measured case as the plan describes it. */
export interface CaseSpec {
  readonly kind: ClientSpec['kind'];
  readonly payloadBytes: number;
  readonly concurrency: number;
  /** Server-stream: messages in the call. Raw: frames per write. */
  readonly messages: number;
  readonly name: string;
}

/** One server process of the plan and the cases run against it. */
export interface PlanStep {
  readonly system: BenchSystem;
  readonly driver: BenchDriver | undefined;
  readonly udpPayload: number | undefined;
  readonly cases: readonly CaseSpec[];
}

const UNARY_CASES = [
  { payloadBytes: 64, concurrency: 1 },
  { payloadBytes: 64, concurrency: 64 },
  { payloadBytes: 4096, concurrency: 1 },
  { payloadBytes: 4096, concurrency: 64 },
  { payloadBytes: 1024 * 1024, concurrency: 1 },
] as const;
const STREAM_PAYLOAD = 64;
/** Ping-pong frame (request/response without RPC) and one-way bulk write of the raw transport. */
const RAW_PING_PONG_BYTES = 64;
const RAW_BULK_WRITE_BYTES = 64 * 1024;
/** Bare UDP: ping-pong datagram, and the blast's datagram (the default QUIC UDP payload). */
const UDP_PING_PONG_BYTES = 64;
const UDP_BLAST_BYTES = 1350;

function sizeName(bytes: number): string {
  if (bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)}MiB`;
  return bytes % 1024 === 0 ? `${bytes / 1024}KiB` : `${bytes}B`;
}

/** The case name shared by every system that runs a case, e.g. `unary 64B c=64`. */
export function caseName(
  kind: ClientSpec['kind'],
  payloadBytes: number,
  concurrency: number,
  messages: number,
): string {
  const size = sizeName(payloadBytes);
  switch (kind) {
    case 'unary':
      return `unary ${size} c=${concurrency}`;
    case 'server-stream':
      return `server-stream ${formatCount(messages)}x${size}`;
    case 'raw-stream':
      return messages === 1
        ? `raw one-way ${size} writes`
        : `raw one-way ${size} x${messages}/write`;
    case 'udp-pingpong':
      return `udp ping-pong ${size}`;
    case 'udp-blast':
      return `udp one-way ${size} datagrams`;
    case 'raw': {
      if (messages === 1 && concurrency === 1) return `raw ping-pong ${size}`;
      const inFlight = concurrency > 1 ? `, ${concurrency} in flight` : '';
      return messages === 1
        ? `raw ${size} writes${inFlight}`
        : `raw ${size} x${messages}/write${inFlight}`;
    }
  }
}

const caseSpec = (
  kind: ClientSpec['kind'],
  payloadBytes: number,
  concurrency: number,
  messages: number,
): CaseSpec => ({
  kind,
  payloadBytes,
  concurrency,
  messages,
  name: caseName(kind, payloadBytes, concurrency, messages),
});

/**
 * What a run does, in order: grpc-js, bare UDP, then per UDP payload the raw transport and
 * rpcnet, each with the classic driver, then the lean one on node:dgram, then the lean one with
 * its default (batched) sockets, back to back, so the machine's load moves them alike.
 */
export function rpcBenchPlan(options: RpcBenchOptions = {}): PlanStep[] {
  const streamMessages = options.streamMessages ?? 100_000;
  const udpPayloads = options.udpPayloads ?? [1350, 16000];
  const systems = new Set(options.systems ?? ['grpc-js', 'udp', 'raw-quic', 'rpcnet']);
  const drivers = (['classic', 'lean-dgram', 'lean'] as const).filter((driver) =>
    (options.drivers ?? ['classic', 'lean-dgram', 'lean']).includes(driver),
  );
  const classicCases =
    options.classicCases === undefined ? undefined : new Set(options.classicCases);
  const classicPayloads = new Set(options.classicUdpPayloads ?? udpPayloads);
  const rpcCases = [
    ...UNARY_CASES.map((c) => caseSpec('unary', c.payloadBytes, c.concurrency, 0)),
    caseSpec('server-stream', STREAM_PAYLOAD, 1, streamMessages),
  ];
  const rawCases = [
    caseSpec('raw', RAW_PING_PONG_BYTES, 1, 1),
    caseSpec('raw-stream', RAW_BULK_WRITE_BYTES, 1, 1),
  ];
  const udpCases = [
    caseSpec('udp-pingpong', UDP_PING_PONG_BYTES, 1, 1),
    caseSpec('udp-blast', UDP_BLAST_BYTES, 1, 1),
  ];
  const plan: PlanStep[] = [];
  if (systems.has('grpc-js')) {
    plan.push({ system: 'grpc-js', driver: undefined, udpPayload: undefined, cases: rpcCases });
  }
  if (systems.has('udp')) {
    // The floor of each socket the lean driver runs on: node:dgram, then batched UDP.
    plan.push({ system: 'udp', driver: undefined, udpPayload: undefined, cases: udpCases });
    if (drivers.includes('lean')) {
      plan.push({ system: 'udp', driver: 'lean', udpPayload: undefined, cases: udpCases });
    }
  }
  for (const udpPayload of udpPayloads) {
    for (const [system, cases] of [
      ['raw-quic', rawCases],
      ['rpcnet', rpcCases],
    ] as const) {
      if (!systems.has(system)) continue;
      for (const driver of drivers) {
        const run =
          driver !== 'classic'
            ? cases
            : classicPayloads.has(udpPayload)
              ? cases.filter((c) => classicCases === undefined || classicCases.has(c.name))
              : [];
        if (run.length > 0) plan.push({ system, driver, udpPayload, cases: run });
      }
    }
  }
  return plan;
}

const SERVER_SCRIPTS: Record<BenchSystem, string> = {
  'grpc-js': './grpc-server-process.ts',
  'raw-quic': './raw-server-process.ts',
  rpcnet: './rpc-server-process.ts',
  udp: './udp-server-process.ts',
};

/** The printed line of one result. */
export function formatLine(result: RpcBenchResult): string {
  const perK = (cpu: number): string =>
    result.ops > 0 ? `${((cpu / result.ops) * 1000).toFixed(0)} ms/1k` : '-';
  const pct = (cpu: number): string =>
    result.durationMs > 0 ? `${((cpu / result.durationMs) * 100).toFixed(0)}%` : '-';
  const parts = [
    `${systemLabel(result).padEnd(23)} ${result.name.padEnd(26)}`,
    `${formatCount(result.opsPerSecond).padStart(8)} ${opsUnit(result)}`,
    `p50 ${formatMs(result.p50Ms)} ms  p99 ${formatMs(result.p99Ms)} ms`,
    `cpu client ${perK(result.clientCpuMs)} (${pct(result.clientCpuMs)})  server ${perK(result.serverCpuMs)} (${pct(result.serverCpuMs)})`,
  ];
  const perPacket = cpuPerPacketUs(result);
  if (perPacket !== undefined && result.packets !== undefined) {
    const packets = result.packets.sent + result.packets.received;
    const perOp = result.ops > 0 ? ` ${(packets / result.ops).toFixed(1)} pkt/op` : '';
    const lost = result.packets.lost > 0 ? ` ${result.packets.lost} lost` : '';
    parts.push(`${perPacket.toFixed(1)} µs/pkt${perOp}${lost}`);
  } else if (result.system === 'raw-quic' || result.system === 'rpcnet') {
    parts.push('- µs/pkt');
  }
  const mib = mibPerSecond(result);
  if (mib !== undefined) {
    const eachWay =
      result.kind === 'raw' || result.kind === 'unary' || result.kind === 'udp-pingpong';
    parts.push(`${mib.toFixed(1)} MiB/s${eachWay ? ' each way' : ''}`);
  }
  if (result.ratioVsGrpc !== undefined) parts.push(`vs grpc-js ${result.ratioVsGrpc.toFixed(2)}`);
  if (result.ratioLeanVsClassic !== undefined) {
    parts.push(`lean/classic ${result.ratioLeanVsClassic.toFixed(2)}`);
  }
  if (!result.completed) parts.push(`INCOMPLETE${result.error ? `: ${result.error}` : ''}`);
  return parts.join('  ');
}

/** Runs one client case against a running server child, sampling the server's CPU alongside. */
async function runCase(
  server: BenchChild,
  clientSpec: ClientSpec,
  timeoutMs: number,
): Promise<{ client: ClientResult; serverCpuMs: number }> {
  const client = new BenchChild('./rpc-client-process.ts', clientSpec);
  let serverCpuStart = 0;
  let serverCpuMs = 0;
  client.onMeasure = async (phase) => {
    if (phase === 'start') serverCpuStart = await server.cpuMs();
    else serverCpuMs = (await server.cpuMs()) - serverCpuStart;
  };
  try {
    const { result } = await client.next('result', timeoutMs);
    return { client: result, serverCpuMs };
  } finally {
    await client.stop();
  }
}

/**
 * Runs the RPC benchmark (each server and client in its own process) and returns one result
 * per printed line, with the ratios of the same run. Used by `src/rpc.ts` directly and by
 * `run-all`.
 */
export async function runRpcBench(options: RpcBenchOptions = {}): Promise<RpcBenchResult[]> {
  const durationMs = options.durationMs ?? 2000;
  const warmupMs = options.warmupMs ?? 500;
  const streamTimeLimitMs = options.streamTimeLimitMs ?? 15_000;
  const print = options.print ?? ((line: string) => console.log(line));
  // DEVELOPMENT certificate, made at run time: both systems use TLS with the same key.
  const certificate = createDevCertificate();
  const plan = rpcBenchPlan(options);

  const results: RpcBenchResult[] = [];
  const grpcByCase = new Map<string, number>();
  const classicByCase = new Map<string, number>();
  const load = (): string =>
    loadavg()
      .map((value) => value.toFixed(2))
      .join(' ');
  print(
    `rpc bench: loopback 127.0.0.1, TLS on every QUIC and gRPC case, ${durationMs} ms per case after ${warmupMs} ms warm-up; CPU = user+sys of each process; µs/pkt = (client + server CPU) / UDP packets the client sent + received; QUIC congestion control ${benchCongestionControl() ?? 'cubic (default)'}; load average ${load()}`,
  );
  for (const step of plan) {
    const serverSpec: ServerSpec = {
      system: step.system,
      ...(step.driver === undefined ? {} : { driver: step.driver }),
      udpPayload: step.udpPayload ?? 0,
      certPem: certificate.certPem,
      keyPem: certificate.keyPem,
    };
    const server = new BenchChild(SERVER_SCRIPTS[step.system], serverSpec);
    try {
      const { port } = await server.next('ready', 20_000);
      for (const spec of step.cases) {
        const clientSpec: ClientSpec = {
          system: step.system,
          ...(step.driver === undefined ? {} : { driver: step.driver }),
          udpPayload: step.udpPayload ?? 0,
          caPem: certificate.certPem,
          port,
          kind: spec.kind,
          payloadBytes: spec.payloadBytes,
          concurrency: spec.concurrency,
          durationMs,
          warmupMs,
          messages: spec.messages,
          timeLimitMs: streamTimeLimitMs,
        };
        const timeoutMs =
          20_000 +
          (spec.kind === 'server-stream' ? streamTimeLimitMs * 1.5 : durationMs + warmupMs);
        const line = {
          system: step.system,
          ...(step.driver === undefined ? {} : { driver: step.driver }),
          udpPayload: step.udpPayload,
          kind: spec.kind,
          payloadBytes: spec.payloadBytes,
          concurrency: spec.concurrency,
          name: spec.name,
        };
        const pairKey = `${step.system}|${spec.name}|${step.udpPayload}`;
        let result: RpcBenchResult;
        try {
          const { client, serverCpuMs } = await runCase(server, clientSpec, timeoutMs);
          const opsPerSecond = client.durationMs > 0 ? client.ops / (client.durationMs / 1000) : 0;
          const grpc = grpcByCase.get(spec.name);
          const classic = step.driver === 'lean' ? classicByCase.get(pairKey) : undefined;
          result = {
            ...line,
            ops: client.ops,
            durationMs: client.durationMs,
            opsPerSecond,
            p50Ms: client.latenciesMs?.p50,
            p99Ms: client.latenciesMs?.p99,
            clientCpuMs: client.cpuMs,
            serverCpuMs,
            ...(client.packets === undefined ? {} : { packets: client.packets }),
            completed: client.completed,
            ...(client.error === undefined ? {} : { error: client.error }),
            ...(step.system === 'rpcnet' && grpc !== undefined && grpc > 0
              ? { ratioVsGrpc: opsPerSecond / grpc }
              : {}),
            ...(classic !== undefined && classic > 0
              ? { ratioLeanVsClassic: opsPerSecond / classic }
              : {}),
          };
          if (step.system === 'grpc-js' && client.completed) {
            grpcByCase.set(spec.name, opsPerSecond);
          }
          if (step.driver === 'classic' && client.ops > 0) classicByCase.set(pairKey, opsPerSecond);
        } catch (error) {
          result = {
            ...line,
            ops: 0,
            durationMs: 0,
            opsPerSecond: 0,
            p50Ms: undefined,
            p99Ms: undefined,
            clientCpuMs: 0,
            serverCpuMs: 0,
            completed: false,
            error: error instanceof Error ? error.message : String(error),
          };
        }
        results.push(result);
        print(formatLine(result));
      }
    } finally {
      await server.stop();
    }
  }
  for (const line of summaryLines(results)) print(line);
  print(
    `rpc bench: load average at the end ${load()} (other processes on the machine skew every number)`,
  );
  return results;
}

/** The end-of-run summary: every ratio of the run and issue 12's targets, one line each. */
export function summaryLines(results: readonly RpcBenchResult[]): string[] {
  const lines: string[] = [];
  const drivers = driverRatios(results);
  if (drivers.length > 0) {
    lines.push('', 'lean / classic (ops/s, same system, case and UDP payload):');
    for (const r of drivers) {
      lines.push(
        `  ${`${r.system}[${r.udpPayload}]`.padEnd(18)} ${r.case.padEnd(26)} ${r.ratio.toFixed(2).padStart(7)}x  (${formatCount(r.leanOpsPerSecond)} vs ${formatCount(r.classicOpsPerSecond)})`,
      );
    }
  }
  const grpc = grpcRatios(results);
  if (grpc.length > 0) {
    lines.push('', 'rpcnet / grpc-js (ops/s; p50 ms rpcnet / grpc-js):');
    for (const r of grpc) {
      const label = systemLabel({ system: 'rpcnet', driver: r.driver, udpPayload: r.udpPayload });
      lines.push(
        `  ${label.padEnd(22)} ${r.case.padEnd(26)} ${r.ratio.toFixed(2).padStart(7)}x  p50 ${formatMs(r.rpcnetP50Ms)} / ${formatMs(r.grpcP50Ms)}`,
      );
    }
  }
  const targets = issueTargets(results);
  if (targets.length > 0) {
    lines.push('', 'issue 12 targets (lean driver; set for UDP payload 1350):');
    for (const t of targets) {
      const verdict = t.met === undefined ? 'not measured' : t.met ? 'met' : 'MISSED';
      lines.push(
        `  [${t.udpPayload}] ${t.target}: ${formatTargetValue(t.measured, t.unit)} (goal ${t.direction} ${formatTargetValue(t.goal, t.unit)}) ${verdict}`,
      );
    }
  }
  return lines;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const started = Date.now();
  await runRpcBench();
  console.log(`rpc bench done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}
