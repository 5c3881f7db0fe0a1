// What the RPC suite's results mean: labels, the ratios computed within one run (rpcnet vs
// grpc-js, lean vs classic driver), CPU per UDP packet against the bare-UDP floor, the targets of
// issue 12, and their rendering as Markdown tables and the throughput plot.
import { barChartSvg } from './plot.js';
import type { QuicheFloorResult } from './quiche-floor.js';
import type { RpcBenchResult } from './rpc.js';
import type { BenchDriver } from './rpc-bench-protocol.js';

/** rpcnet's throughput relative to @grpc/grpc-js for one case. */
export interface GrpcRatio {
  readonly case: string;
  /** QUIC driver rpcnet ran with (undefined in results from before the lean driver). */
  readonly driver?: BenchDriver;
  /** QUIC UDP payload size rpcnet ran with. */
  readonly udpPayload: number | undefined;
  readonly rpcnetOpsPerSecond: number;
  readonly grpcOpsPerSecond: number;
  /** rpcnet / grpc-js (above 1: rpcnet is faster). */
  readonly ratio: number;
  readonly rpcnetP50Ms: number | undefined;
  readonly grpcP50Ms: number | undefined;
}

/** The lean driver against the classic one: same system, case and UDP payload. */
export interface DriverRatio {
  readonly system: RpcBenchResult['system'];
  readonly case: string;
  readonly udpPayload: number | undefined;
  readonly leanOpsPerSecond: number;
  readonly classicOpsPerSecond: number;
  /** lean / classic ops/s (above 1: lean is faster). */
  readonly ratio: number;
  readonly leanP50Ms: number | undefined;
  readonly classicP50Ms: number | undefined;
  /** Client + server CPU per 1,000 ops, ms. */
  readonly leanCpuPerKOps: number | undefined;
  readonly classicCpuPerKOps: number | undefined;
}

/** The RPC suite's results plus the comparisons derived from them in the same run. */
export interface RpcSection {
  readonly results: readonly RpcBenchResult[];
  readonly grpcRatios: readonly GrpcRatio[];
  /** Absent in reports written before the lean driver; derived from `results` when rendering. */
  readonly driverRatios?: readonly DriverRatio[];
  /** Absent in older reports; derived from `results` when rendering. */
  readonly targets?: readonly TargetCheck[];
  /** quiche and its binding alone, in memory (absent in older reports). */
  readonly quicheFloor?: readonly QuicheFloorResult[];
}

/** How a line is labelled: `rpcnet[lean 1350]`, `raw-quic[classic 16000]`, `grpc-js`, `udp`. */
export function systemLabel(
  result: Pick<RpcBenchResult, 'system' | 'driver' | 'udpPayload'>,
): string {
  if (result.system === 'udp') return result.driver === 'lean' ? 'udp[batched]' : 'udp';
  if (result.udpPayload === undefined) return result.system;
  return `${result.system}[${result.driver ?? 'udp'} ${result.udpPayload}]`;
}

/** Client + server CPU per packet on the wire, in µs; undefined where packets are not counted. */
export function cpuPerPacketUs(
  result: Pick<RpcBenchResult, 'clientCpuMs' | 'serverCpuMs' | 'packets'>,
): number | undefined {
  const packets = result.packets === undefined ? 0 : result.packets.sent + result.packets.received;
  if (packets <= 0) return undefined;
  return ((result.clientCpuMs + result.serverCpuMs) * 1000) / packets;
}

/** Payload MiB/s (each way for echo cases), for the cases where bytes are the point. */
export function mibPerSecond(
  result: Pick<RpcBenchResult, 'kind' | 'opsPerSecond' | 'payloadBytes'>,
): number | undefined {
  const bulkUnary = result.kind === 'unary' && result.payloadBytes >= 64 * 1024;
  if (result.kind === 'unary' && !bulkUnary) return undefined;
  if (result.kind === 'server-stream') return undefined;
  return (result.opsPerSecond * result.payloadBytes) / (1024 * 1024);
}

const cpuPerKOps = (result: RpcBenchResult): number | undefined =>
  result.ops > 0 ? ((result.clientCpuMs + result.serverCpuMs) / result.ops) * 1000 : undefined;

/** Pairs every rpcnet case with the grpc-js run of the same case. */
export function grpcRatios(results: readonly RpcBenchResult[]): GrpcRatio[] {
  const grpc = new Map(
    results
      .filter((result) => result.system === 'grpc-js' && result.completed)
      .map((result) => [result.name, result]),
  );
  return results.flatMap((result) => {
    const reference = grpc.get(result.name);
    if (result.system !== 'rpcnet' || reference === undefined || reference.opsPerSecond <= 0) {
      return [];
    }
    return [
      {
        case: result.name,
        ...(result.driver === undefined ? {} : { driver: result.driver }),
        udpPayload: result.udpPayload,
        rpcnetOpsPerSecond: result.opsPerSecond,
        grpcOpsPerSecond: reference.opsPerSecond,
        ratio: result.opsPerSecond / reference.opsPerSecond,
        rpcnetP50Ms: result.p50Ms,
        grpcP50Ms: reference.p50Ms,
      },
    ];
  });
}

/**
 * Pairs every lean-driver line with the classic-driver line of the same system, case and UDP
 * payload (both must have run; an incomplete classic line still counts, it measured a rate).
 */
export function driverRatios(results: readonly RpcBenchResult[]): DriverRatio[] {
  const key = (r: RpcBenchResult): string => `${r.system}|${r.name}|${r.udpPayload}`;
  const classic = new Map(
    results.filter((r) => r.driver === 'classic' && r.ops > 0).map((r) => [key(r), r]),
  );
  return results.flatMap((lean) => {
    const reference = lean.driver === 'lean' ? classic.get(key(lean)) : undefined;
    if (reference === undefined || reference.opsPerSecond <= 0) return [];
    return [
      {
        system: lean.system,
        case: lean.name,
        udpPayload: lean.udpPayload,
        leanOpsPerSecond: lean.opsPerSecond,
        classicOpsPerSecond: reference.opsPerSecond,
        ratio: lean.opsPerSecond / reference.opsPerSecond,
        leanP50Ms: lean.p50Ms,
        classicP50Ms: reference.p50Ms,
        leanCpuPerKOps: cpuPerKOps(lean),
        classicCpuPerKOps: cpuPerKOps(reference),
      },
    ];
  });
}

/** The bare-UDP case whose per-packet cost is the floor under a raw QUIC case. */
export function udpFloorFor(
  result: RpcBenchResult,
  results: readonly RpcBenchResult[],
): RpcBenchResult | undefined {
  const kind =
    result.kind === 'raw' ? 'udp-pingpong' : result.kind === 'raw-stream' ? 'udp-blast' : undefined;
  if (kind === undefined) return undefined;
  const floors = results.filter((r) => r.system === 'udp' && r.kind === kind);
  // The lean driver's default socket is batched UDP; lean-dgram and classic run on node:dgram.
  const batched = result.driver === 'lean';
  return floors.find((r) => (r.driver === 'lean') === batched) ?? floors[0];
}

/** One target of issue 12, checked against one run at one UDP payload (lean driver). */
export interface TargetCheck {
  readonly target: string;
  readonly udpPayload: number;
  /** Measured value in `unit`; undefined when a line it needs did not run or complete. */
  readonly measured: number | undefined;
  readonly goal: number;
  readonly unit: string;
  /** `>=` or `<=` goal. */
  readonly direction: 'at least' | 'at most';
  readonly met: boolean | undefined;
}

interface TargetSpec {
  readonly target: string;
  readonly goal: number;
  readonly unit: string;
  readonly direction: TargetCheck['direction'];
  measure(
    lean: (name: string) => RpcBenchResult | undefined,
    grpc: (name: string) => RpcBenchResult | undefined,
  ): number | undefined;
}

const ratioOf = (a: number | undefined, b: number | undefined): number | undefined =>
  a === undefined || b === undefined || b <= 0 ? undefined : a / b;

/** Case names the targets refer to; rpc.ts builds its cases with the same names. */
export const TARGET_CASES = {
  rawPingPong: 'raw ping-pong 64B',
  rawBulk: 'raw one-way 64KiB writes',
  unary64c1: 'unary 64B c=1',
  unary64c64: 'unary 64B c=64',
  unary4kc64: 'unary 4KiB c=64',
  unary1m: 'unary 1MiB c=1',
  streamPrefix: 'server-stream ',
} as const;

const TARGETS: readonly TargetSpec[] = [
  {
    target: `CPU per UDP packet, request/response (raw-quic ${TARGET_CASES.rawPingPong})`,
    goal: 30,
    unit: 'µs',
    direction: 'at most',
    measure: (lean) => {
      const line = lean(TARGET_CASES.rawPingPong);
      return line === undefined ? undefined : cpuPerPacketUs(line);
    },
  },
  {
    target: `CPU per UDP packet, bulk (raw-quic ${TARGET_CASES.rawBulk})`,
    goal: 16,
    unit: 'µs',
    direction: 'at most',
    measure: (lean) => {
      const line = lean(TARGET_CASES.rawBulk);
      return line === undefined ? undefined : cpuPerPacketUs(line);
    },
  },
  {
    target: 'bulk on one stream (raw-quic one-way 64 KiB writes)',
    goal: 80,
    unit: 'MiB/s',
    direction: 'at least',
    measure: (lean) => {
      const line = lean(TARGET_CASES.rawBulk);
      return line === undefined ? undefined : mibPerSecond(line);
    },
  },
  {
    target: 'unary 64 B, 1 in flight: p50 rpcnet / grpc-js',
    goal: 0.5,
    unit: 'x',
    direction: 'at most',
    measure: (lean, grpc) =>
      ratioOf(lean(TARGET_CASES.unary64c1)?.p50Ms, grpc(TARGET_CASES.unary64c1)?.p50Ms),
  },
  ...(
    [
      ['unary 64 B, 1 in flight: calls/s', TARGET_CASES.unary64c1, 2],
      ['unary 64 B, 64 in flight: calls/s', TARGET_CASES.unary64c64, 4],
      ['unary 4 KiB, 64 in flight: calls/s', TARGET_CASES.unary4kc64, 2],
      ['one 1 MiB unary call: calls/s', TARGET_CASES.unary1m, 1],
      ['server streaming, 64 B messages: msgs/s', TARGET_CASES.streamPrefix, 3],
    ] as const
  ).map(
    ([target, name, goal]): TargetSpec => ({
      target: `${target} rpcnet / grpc-js`,
      goal,
      unit: 'x',
      direction: 'at least',
      measure: (lean, grpc) => ratioOf(lean(name)?.opsPerSecond, grpc(name)?.opsPerSecond),
    }),
  ),
  {
    target: 'server streaming, 64 B messages: rpcnet msgs/s',
    goal: 200_000,
    unit: 'msgs/s',
    direction: 'at least',
    measure: (lean) => lean(TARGET_CASES.streamPrefix)?.opsPerSecond,
  },
];

/**
 * Checks issue 12's targets against one run, per UDP payload the lean driver ran with (the
 * issue's targets are for 1350 bytes; 16000 is shown alongside). A name ending in a space
 * matches by prefix (the streaming case's name carries its message count).
 */
export function issueTargets(results: readonly RpcBenchResult[]): TargetCheck[] {
  const completed = results.filter((r) => r.completed && r.ops > 0);
  const find = (pool: readonly RpcBenchResult[], name: string): RpcBenchResult | undefined =>
    pool.find((r) => (name.endsWith(' ') ? r.name.startsWith(name) : r.name === name));
  const grpcLines = completed.filter((r) => r.system === 'grpc-js');
  const payloads = [
    ...new Set(
      completed.flatMap((r) =>
        r.driver === 'lean' && r.udpPayload !== undefined ? [r.udpPayload] : [],
      ),
    ),
  ].sort((a, b) => a - b);
  return payloads.flatMap((udpPayload) => {
    const lean = (name: string): RpcBenchResult | undefined =>
      find(
        completed.filter(
          (r) =>
            r.driver === 'lean' &&
            r.udpPayload === udpPayload &&
            (name.startsWith('raw ') ? r.system === 'raw-quic' : r.system === 'rpcnet'),
        ),
        name,
      );
    const grpc = (name: string): RpcBenchResult | undefined => find(grpcLines, name);
    return TARGETS.map((spec) => {
      const measured = spec.measure(lean, grpc);
      return {
        target: spec.target,
        udpPayload,
        measured,
        goal: spec.goal,
        unit: spec.unit,
        direction: spec.direction,
        met:
          measured === undefined
            ? undefined
            : spec.direction === 'at least'
              ? measured >= spec.goal
              : measured <= spec.goal,
      };
    });
  });
}

const count = (value: number): string => Math.round(value).toLocaleString('en-US');
const ms = (value: number | undefined): string =>
  value === undefined || Number.isNaN(value)
    ? '-'
    : value < 10
      ? value.toFixed(2)
      : value.toFixed(0);
const fixed = (value: number | undefined, digits: number): string =>
  value === undefined || Number.isNaN(value) ? '-' : value.toFixed(digits);

/** Formats a measured or goal value of a target in its unit. */
export function formatTargetValue(value: number | undefined, unit: string): string {
  if (value === undefined) return '-';
  if (unit === 'x') return `${value.toFixed(2)}x`;
  if (unit === 'µs') return `${value.toFixed(1)} µs`;
  if (unit === 'MiB/s') return `${value.toFixed(1)} MiB/s`;
  return `${count(value)} ${unit}`;
}

function table(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const line = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** Unit of a line's ops/s. */
export function opsUnit(result: Pick<RpcBenchResult, 'kind'>): string {
  switch (result.kind) {
    case 'unary':
      return 'calls/s';
    case 'server-stream':
      return 'msgs/s';
    case 'udp-pingpong':
      return 'round trips/s';
    case 'udp-blast':
      return 'datagrams/s';
    case 'raw-stream':
      return 'writes/s';
    default:
      return 'frames/s';
  }
}

/** The RPC suite as Markdown: targets, ratios, CPU per packet, then every line. */
export function rpcSection(section: RpcSection): string {
  const results = section.results;
  const targets = issueTargets(results);
  const drivers = section.driverRatios ?? driverRatios(results);
  const parts: string[] = [];
  if (targets.length > 0) {
    parts.push(
      'Issue 12 targets, lean driver, ratios within this run (the targets are set for UDP payload 1350):',
      '',
      table(
        ['target', 'UDP payload', 'measured', 'goal', 'met'],
        targets.map((t) => [
          t.target,
          `${t.udpPayload}`,
          formatTargetValue(t.measured, t.unit),
          `${t.direction === 'at least' ? '>=' : '<='} ${formatTargetValue(t.goal, t.unit)}`,
          t.met === undefined ? '-' : t.met ? 'yes' : '**no**',
        ]),
      ),
      '',
    );
  }
  parts.push(
    'rpcnet vs @grpc/grpc-js, same case:',
    '',
    table(
      [
        'case',
        'rpcnet',
        'rpcnet ops/s',
        'grpc-js ops/s',
        'rpcnet / grpc-js',
        'p50 ms rpcnet / grpc-js',
      ],
      section.grpcRatios.map((r) => [
        r.case,
        systemLabel({ system: 'rpcnet', driver: r.driver, udpPayload: r.udpPayload }),
        count(r.rpcnetOpsPerSecond),
        count(r.grpcOpsPerSecond),
        r.ratio.toFixed(2),
        `${ms(r.rpcnetP50Ms)} / ${ms(r.grpcP50Ms)}`,
      ]),
    ),
    '',
  );
  if (drivers.length > 0) {
    parts.push(
      'Lean driver vs classic (@matrixai/quic classes), same system, case and UDP payload:',
      '',
      table(
        [
          'system',
          'case',
          'UDP payload',
          'lean ops/s',
          'classic ops/s',
          'lean / classic',
          'p50 ms lean / classic',
          'CPU ms/1k ops lean / classic',
        ],
        drivers.map((r) => [
          r.system,
          r.case,
          r.udpPayload === undefined ? '-' : `${r.udpPayload}`,
          count(r.leanOpsPerSecond),
          count(r.classicOpsPerSecond),
          r.ratio.toFixed(2),
          `${ms(r.leanP50Ms)} / ${ms(r.classicP50Ms)}`,
          `${fixed(r.leanCpuPerKOps, 0)} / ${fixed(r.classicCpuPerKOps, 0)}`,
        ]),
      ),
      '',
    );
  }
  const perPacket = results.filter(
    (r) => r.system === 'raw-quic' || r.system === 'udp' || cpuPerPacketUs(r) !== undefined,
  );
  if (perPacket.some((r) => r.system === 'udp' || r.driver !== undefined)) {
    parts.push(
      'CPU per UDP packet, sender + receiver: (client CPU + server CPU) / (packets the client sent + received) in the measured window. QUIC counts come from the lean driver’s `connection.stats()` (classic: `-`); `udp` is bare node:dgram, one syscall per datagram each way, and `udp[batched]` bare @rpcnet/batched-udp (the lean driver’s default socket): the matching one’s share is the floor under the QUIC number on this machine.',
      '',
      table(
        [
          'system',
          'case',
          'packets/s',
          'packets/op',
          'CPU µs/packet',
          'bare UDP µs/packet (share)',
          'MiB/s',
        ],
        perPacket.map((r) => {
          const perPacketUs = cpuPerPacketUs(r);
          const packets = r.packets === undefined ? 0 : r.packets.sent + r.packets.received;
          const floor = r.system === 'raw-quic' ? udpFloorFor(r, results) : undefined;
          const floorUs = floor === undefined ? undefined : cpuPerPacketUs(floor);
          return [
            systemLabel(r),
            r.name,
            packets > 0 && r.durationMs > 0 ? count(packets / (r.durationMs / 1000)) : '-',
            packets > 0 && r.ops > 0 ? (packets / r.ops).toFixed(1) : '-',
            fixed(perPacketUs, 1),
            floorUs === undefined || perPacketUs === undefined
              ? '-'
              : `${floorUs.toFixed(1)} (${Math.round((floorUs / perPacketUs) * 100)}%)`,
            fixed(mibPerSecond(r), 1),
          ];
        }),
      ),
      ...(section.quicheFloor === undefined || section.quicheFloor.length === 0
        ? []
        : [
            '',
            'quiche and its Node binding alone, a client and a server connection in one process with packets handed over in memory (no socket, no event loop; `bench/src/quiche-floor.ts`): what every QUIC packet costs before UDP I/O. The bare UDP floor plus this is the least a QUIC packet can cost here.',
            '',
            table(
              ['case', 'UDP payload', 'packets', 'CPU µs/packet (send + recv, both sides)'],
              section.quicheFloor.map((f) => [
                f.name,
                `${f.udpPayload}`,
                count(f.packets),
                f.cpuPerPacketUs.toFixed(1),
              ]),
            ),
          ]),
      '',
    );
  }
  const ratioByLine = new Map(drivers.map((d) => [`${d.system}|${d.case}|${d.udpPayload}`, d]));
  const grpcByLine = new Map(
    section.grpcRatios.map((g) => [`${g.case}|${g.driver}|${g.udpPayload}`, g]),
  );
  const cpuPerK = (cpu: number, ops: number): string =>
    ops > 0 ? ((cpu / ops) * 1000).toFixed(0) : '-';
  parts.push(
    'Every case:',
    '',
    table(
      [
        'system',
        'case',
        'ops/s',
        'p50 ms',
        'p99 ms',
        'client CPU ms/1k',
        'server CPU ms/1k',
        'CPU µs/packet',
        'MiB/s',
        'vs grpc-js',
        'lean / classic',
        'note',
      ],
      results.map((r) => [
        systemLabel(r),
        r.name,
        `${count(r.opsPerSecond)} ${opsUnit(r)}`,
        ms(r.p50Ms),
        ms(r.p99Ms),
        cpuPerK(r.clientCpuMs, r.ops),
        cpuPerK(r.serverCpuMs, r.ops),
        fixed(cpuPerPacketUs(r), 1),
        fixed(mibPerSecond(r), 1),
        fixed(
          r.system === 'rpcnet'
            ? grpcByLine.get(`${r.name}|${r.driver}|${r.udpPayload}`)?.ratio
            : undefined,
          2,
        ),
        fixed(
          r.driver === 'lean'
            ? ratioByLine.get(`${r.system}|${r.name}|${r.udpPayload}`)?.ratio
            : undefined,
          2,
        ),
        r.completed ? '' : `incomplete${r.error ? `: ${r.error}` : ''}`,
      ]),
    ),
  );
  return parts.join('\n');
}

/** The RPC throughput bar chart (unary and streaming cases, one bar per system label). */
export function rpcThroughputPlot(results: readonly RpcBenchResult[]): string | undefined {
  const rpc = results.filter((r) => r.kind === 'unary' || r.kind === 'server-stream');
  const categories = [...new Set(rpc.map((r) => r.name))];
  if (categories.length === 0) return undefined;
  const systems = [...new Set(rpc.map(systemLabel))];
  return barChartSvg({
    title: 'RPC throughput on loopback: rpcnet vs @grpc/grpc-js',
    yLabel: 'calls/s (streaming: messages/s)',
    categories,
    logY: true,
    series: systems.map((system) => ({
      name: system,
      values: categories.map(
        (name) => rpc.find((r) => r.name === name && systemLabel(r) === system)?.opsPerSecond,
      ),
    })),
  });
}
