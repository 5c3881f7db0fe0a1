// RPC benchmark: rpcnet over QUIC vs @grpc/grpc-js, plus the raw QUIC transport floor.
// Every server and every client case runs in its own child process; loopback only.
//   pnpm --filter @rpcnet/bench exec tsx src/rpc.ts
import { loadavg } from 'node:os';
import { pathToFileURL } from 'node:url';
import { createDevCertificate } from '@rpcnet/core';
import { formatCount, formatMs } from './measure.js';
import { BenchChild } from './rpc-bench-child.js';
import type { BenchSystem, ClientResult, ClientSpec, ServerSpec } from './rpc-bench-protocol.js';

/** One printed line of the benchmark. */
export interface RpcBenchResult {
  readonly system: BenchSystem;
  /** QUIC UDP payload size; undefined for grpc-js (TCP). */
  readonly udpPayload: number | undefined;
  readonly kind: ClientSpec['kind'];
  /** Bytes per message (raw: per frame). */
  readonly payloadBytes: number;
  /** Calls in flight (raw: batches in flight). */
  readonly concurrency: number;
  /** Case name shared by the systems it compares, e.g. `unary 64B c=64`. */
  readonly name: string;
  /** Calls, messages or frames completed in the measured window. */
  readonly ops: number;
  readonly durationMs: number;
  readonly opsPerSecond: number;
  readonly p50Ms: number | undefined;
  readonly p99Ms: number | undefined;
  readonly clientCpuMs: number;
  readonly serverCpuMs: number;
  /** false when the case hit its time limit or failed (`error` says why). */
  readonly completed: boolean;
  readonly error?: string;
  /** rpcnet ops/s divided by grpc-js ops/s for the same case. */
  readonly ratioVsGrpc?: number;
}

/** Knobs of {@link runRpcBench}; the defaults keep the whole run under about three minutes. */
export interface RpcBenchOptions {
  /** Measured window per unary/raw case. Default 2000 ms. */
  durationMs?: number;
  /** Warm-up before each window. Default 500 ms. */
  warmupMs?: number;
  /** Messages in the server-streaming case. Default 100,000. */
  streamMessages?: number;
  /** A streaming case stops after this long and reports what arrived. Default 15,000 ms. */
  streamTimeLimitMs?: number;
  /** UDP payload sizes to run rpcnet and the raw transport with. Default [1350, 16000]. */
  udpPayloads?: readonly number[];
  /** Which systems to run. Default: all (grpc-js, raw-quic, rpcnet). */
  systems?: readonly BenchSystem[];
  /** Receives every output line. Default: console.log. */
  print?: (line: string) => void;
}

const UNARY_CASES = [
  { payloadBytes: 64, concurrency: 1 },
  { payloadBytes: 64, concurrency: 64 },
  { payloadBytes: 4096, concurrency: 1 },
  { payloadBytes: 4096, concurrency: 64 },
] as const;
const STREAM_PAYLOAD = 64;
const RAW_FRAME_BYTES = 80;
// Ping-pong of one write at a time: 64 x 80 B mirrors a unary c=64 round, 256 x 80 B a larger
// batch, and one 64 KiB write the bulk throughput that bounds streaming.
const RAW_WRITES = [
  { frameBytes: RAW_FRAME_BYTES, framesPerWrite: 64 },
  { frameBytes: RAW_FRAME_BYTES, framesPerWrite: 256 },
  { frameBytes: 64 * 1024, framesPerWrite: 1 },
] as const;
const RAW_BATCHES_IN_FLIGHT = 1;

interface CaseSpec {
  readonly kind: ClientSpec['kind'];
  readonly payloadBytes: number;
  readonly concurrency: number;
  readonly messages: number;
  readonly name: string;
}

function caseName(
  kind: ClientSpec['kind'],
  payloadBytes: number,
  concurrency: number,
  messages: number,
): string {
  const size = payloadBytes >= 1024 ? `${payloadBytes / 1024}KiB` : `${payloadBytes}B`;
  if (kind === 'unary') return `unary ${size} c=${concurrency}`;
  if (kind === 'server-stream') return `server-stream ${formatCount(messages)}x${size}`;
  if (kind === 'raw-stream') return `raw one-way ${size} x${messages}/write`;
  const inFlight = concurrency > 1 ? `, ${concurrency} in flight` : '';
  return messages === 1
    ? `raw ${size} writes${inFlight}`
    : `raw ${size} x${messages}/write${inFlight}`;
}

function label(system: BenchSystem, udpPayload: number | undefined): string {
  return udpPayload === undefined ? system : `${system}[udp ${udpPayload}]`;
}

function formatLine(result: RpcBenchResult): string {
  const raw = result.kind === 'raw' || result.kind === 'raw-stream';
  const unit = result.kind === 'unary' ? 'calls/s' : raw ? 'frames/s' : 'msgs/s';
  const perK = (cpu: number): string =>
    result.ops > 0 ? `${((cpu / result.ops) * 1000).toFixed(0)} ms/1k` : '-';
  const pct = (cpu: number): string => `${((cpu / result.durationMs) * 100).toFixed(0)}%`;
  const parts = [
    `${label(result.system, result.udpPayload).padEnd(22)} ${result.name.padEnd(28)}`,
    `${formatCount(result.opsPerSecond).padStart(8)} ${unit}`,
    `p50 ${formatMs(result.p50Ms)} ms  p99 ${formatMs(result.p99Ms)} ms`,
    `cpu client ${perK(result.clientCpuMs)} (${pct(result.clientCpuMs)})  server ${perK(result.serverCpuMs)} (${pct(result.serverCpuMs)})`,
  ];
  if (raw) {
    const mibPerSecond = (result.opsPerSecond * result.payloadBytes) / (1024 * 1024);
    parts.push(`${mibPerSecond.toFixed(2)} MiB/s${result.kind === 'raw' ? ' each way' : ''}`);
  }
  if (result.ratioVsGrpc !== undefined)
    parts.push(`rpcnet/grpc-js ${result.ratioVsGrpc.toFixed(2)}`);
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
 * per printed line. Used by `src/rpc.ts` directly and by the lead's `run-all`.
 */
export async function runRpcBench(options: RpcBenchOptions = {}): Promise<RpcBenchResult[]> {
  const durationMs = options.durationMs ?? 2000;
  const warmupMs = options.warmupMs ?? 500;
  const streamMessages = options.streamMessages ?? 100_000;
  const streamTimeLimitMs = options.streamTimeLimitMs ?? 15_000;
  const udpPayloads = options.udpPayloads ?? [1350, 16000];
  const print = options.print ?? ((line: string) => console.log(line));
  // DEVELOPMENT certificate, made at run time: both systems use TLS with the same key.
  const certificate = createDevCertificate();

  const rpcCases: CaseSpec[] = [
    ...UNARY_CASES.map((c) => ({
      kind: 'unary' as const,
      ...c,
      messages: 0,
      name: caseName('unary', c.payloadBytes, c.concurrency, 0),
    })),
    {
      kind: 'server-stream',
      payloadBytes: STREAM_PAYLOAD,
      concurrency: 1,
      messages: streamMessages,
      name: caseName('server-stream', STREAM_PAYLOAD, 1, streamMessages),
    },
  ];
  const rawCases: CaseSpec[] = [
    ...RAW_WRITES.map(({ frameBytes, framesPerWrite }) => ({
      kind: 'raw' as const,
      payloadBytes: frameBytes,
      concurrency: RAW_BATCHES_IN_FLIGHT,
      messages: framesPerWrite,
      name: caseName('raw', frameBytes, RAW_BATCHES_IN_FLIGHT, framesPerWrite),
    })),
    {
      kind: 'raw-stream',
      payloadBytes: RAW_FRAME_BYTES,
      concurrency: 1,
      messages: 256,
      name: caseName('raw-stream', RAW_FRAME_BYTES, 1, 256),
    },
  ];

  const plan: Array<{ system: BenchSystem; udpPayload: number | undefined; cases: CaseSpec[] }> =
    [];
  const systems = new Set(options.systems ?? ['grpc-js', 'raw-quic', 'rpcnet']);
  if (systems.has('grpc-js')) {
    plan.push({ system: 'grpc-js', udpPayload: undefined, cases: rpcCases });
  }
  for (const udpPayload of udpPayloads) {
    if (systems.has('raw-quic')) plan.push({ system: 'raw-quic', udpPayload, cases: rawCases });
    if (systems.has('rpcnet')) plan.push({ system: 'rpcnet', udpPayload, cases: rpcCases });
  }

  const results: RpcBenchResult[] = [];
  const grpcByCase = new Map<string, number>();
  const load = (): string =>
    loadavg()
      .map((value) => value.toFixed(2))
      .join(' ');
  print(
    `rpc bench: loopback 127.0.0.1, TLS on both systems, ${durationMs} ms per case after ${warmupMs} ms warm-up; CPU = user+sys of each process; load average ${load()}`,
  );
  for (const step of plan) {
    const script =
      step.system === 'grpc-js'
        ? './grpc-server-process.ts'
        : step.system === 'raw-quic'
          ? './raw-server-process.ts'
          : './rpc-server-process.ts';
    const serverSpec: ServerSpec = {
      system: step.system,
      udpPayload: step.udpPayload ?? 0,
      certPem: certificate.certPem,
      keyPem: certificate.keyPem,
    };
    const server = new BenchChild(script, serverSpec);
    try {
      const { port } = await server.next('ready', 20_000);
      for (const spec of step.cases) {
        const clientSpec: ClientSpec = {
          system: step.system,
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
        let result: RpcBenchResult;
        try {
          const { client, serverCpuMs } = await runCase(server, clientSpec, timeoutMs);
          const opsPerSecond = client.ops / (client.durationMs / 1000);
          const grpc = grpcByCase.get(spec.name);
          result = {
            system: step.system,
            udpPayload: step.udpPayload,
            kind: spec.kind,
            payloadBytes: spec.payloadBytes,
            concurrency: spec.concurrency,
            name: spec.name,
            ops: client.ops,
            durationMs: client.durationMs,
            opsPerSecond,
            p50Ms: client.latenciesMs?.p50,
            p99Ms: client.latenciesMs?.p99,
            clientCpuMs: client.cpuMs,
            serverCpuMs,
            completed: client.completed,
            ...(client.error === undefined ? {} : { error: client.error }),
            ...(step.system === 'rpcnet' && grpc !== undefined && grpc > 0
              ? { ratioVsGrpc: opsPerSecond / grpc }
              : {}),
          };
          if (step.system === 'grpc-js') grpcByCase.set(spec.name, opsPerSecond);
        } catch (error) {
          result = {
            system: step.system,
            udpPayload: step.udpPayload,
            kind: spec.kind,
            payloadBytes: spec.payloadBytes,
            concurrency: spec.concurrency,
            name: spec.name,
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
  print(
    `rpc bench: load average at the end ${load()} (other processes on the machine skew every number)`,
  );
  return results;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const started = Date.now();
  await runRpcBench();
  console.log(`rpc bench done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}
