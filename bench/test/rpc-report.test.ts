import { describe, expect, it } from 'vitest';
import type { RpcBenchResult } from '../src/rpc.js';
import {
  cpuPerPacketUs,
  driverRatios,
  formatTargetValue,
  grpcRatios,
  issueTargets,
  mibPerSecond,
  rpcSection,
  rpcThroughputPlot,
  systemLabel,
  udpFloorFor,
} from '../src/rpc-report.js';

function line(overrides: Partial<RpcBenchResult>): RpcBenchResult {
  return {
    system: 'rpcnet',
    driver: 'lean',
    udpPayload: 1350,
    kind: 'unary',
    payloadBytes: 64,
    concurrency: 1,
    name: 'unary 64B c=1',
    ops: 1000,
    durationMs: 1000,
    opsPerSecond: 1000,
    p50Ms: 0.2,
    p99Ms: 1,
    clientCpuMs: 300,
    serverCpuMs: 200,
    completed: true,
    ...overrides,
  };
}

const grpc = (name: string, opsPerSecond: number, p50Ms = 0.5): RpcBenchResult =>
  line({ system: 'grpc-js', udpPayload: undefined, name, opsPerSecond, p50Ms });
const quic = (
  system: 'rpcnet' | 'raw-quic',
  driver: 'lean' | 'classic',
  udpPayload: number,
  name: string,
  opsPerSecond: number,
  extra: Partial<RpcBenchResult> = {},
): RpcBenchResult => line({ system, driver, udpPayload, name, opsPerSecond, ...extra });

describe('systemLabel', () => {
  it('names the driver and UDP payload of QUIC lines, nothing else for grpc-js and udp', () => {
    expect(systemLabel(line({}))).toBe('rpcnet[lean 1350]');
    expect(systemLabel(line({ system: 'raw-quic', driver: 'classic', udpPayload: 16000 }))).toBe(
      'raw-quic[classic 16000]',
    );
    expect(systemLabel(grpc('x', 1))).toBe('grpc-js');
    expect(systemLabel(line({ system: 'udp', driver: undefined, udpPayload: undefined }))).toBe(
      'udp',
    );
    // Reports written before the lean driver have no driver.
    expect(systemLabel(line({ driver: undefined }))).toBe('rpcnet[udp 1350]');
  });
});

describe('cpuPerPacketUs and mibPerSecond', () => {
  it('divides client + server CPU by the packets the client sent and received', () => {
    const result = line({
      clientCpuMs: 30,
      serverCpuMs: 20,
      packets: { sent: 1000, received: 1500, lost: 3 },
    });
    expect(cpuPerPacketUs(result)).toBe(20);
    expect(cpuPerPacketUs(line({}))).toBeUndefined();
    expect(cpuPerPacketUs(line({ packets: { sent: 0, received: 0, lost: 0 } }))).toBeUndefined();
  });

  it('reports MiB/s for bulk cases only', () => {
    expect(
      mibPerSecond(line({ kind: 'raw-stream', payloadBytes: 64 * 1024, opsPerSecond: 1600 })),
    ).toBe(100);
    expect(mibPerSecond(line({ payloadBytes: 1024 * 1024, opsPerSecond: 12 }))).toBe(12);
    expect(mibPerSecond(line({}))).toBeUndefined();
    expect(mibPerSecond(line({ kind: 'server-stream' }))).toBeUndefined();
  });
});

describe('driverRatios', () => {
  const results = [
    quic('raw-quic', 'classic', 1350, 'raw ping-pong 64B', 500),
    quic('raw-quic', 'lean', 1350, 'raw ping-pong 64B', 10_000),
    quic('rpcnet', 'classic', 1350, 'unary 64B c=1', 400, { p50Ms: 2 }),
    quic('rpcnet', 'lean', 1350, 'unary 64B c=1', 2000, { p50Ms: 0.4 }),
    // No classic at 16000 and no classic of this case: no ratio.
    quic('rpcnet', 'lean', 16000, 'unary 64B c=1', 2500),
    quic('rpcnet', 'lean', 1350, 'unary 64B c=64', 9000),
    // A classic line that measured nothing is no reference.
    quic('rpcnet', 'classic', 1350, 'unary 4KiB c=64', 0, { ops: 0 }),
    quic('rpcnet', 'lean', 1350, 'unary 4KiB c=64', 3000),
  ];

  it('pairs each lean line with the classic line of the same system, case and payload', () => {
    const ratios = driverRatios(results);
    expect(ratios.map((r) => [r.system, r.case, r.udpPayload, r.ratio])).toEqual([
      ['raw-quic', 'raw ping-pong 64B', 1350, 20],
      ['rpcnet', 'unary 64B c=1', 1350, 5],
    ]);
    expect(ratios[1]).toMatchObject({ leanP50Ms: 0.4, classicP50Ms: 2, leanCpuPerKOps: 500 });
  });

  it('keeps the driver on grpc-js ratios, so lean and classic lines stay apart', () => {
    const ratios = grpcRatios([grpc('unary 64B c=1', 1000), ...results]);
    expect(ratios.map((r) => [r.driver, r.udpPayload, r.ratio])).toEqual([
      ['classic', 1350, 0.4],
      ['lean', 1350, 2],
      ['lean', 16000, 2.5],
    ]);
  });
});

describe('udpFloorFor', () => {
  it('matches ping-pong with ping-pong and bulk with the blast', () => {
    const pingPong = line({ system: 'udp', kind: 'udp-pingpong', name: 'udp ping-pong 64B' });
    const blast = line({ system: 'udp', kind: 'udp-blast', name: 'udp one-way 1350B datagrams' });
    const all = [pingPong, blast];
    expect(udpFloorFor(line({ system: 'raw-quic', kind: 'raw' }), all)).toBe(pingPong);
    expect(udpFloorFor(line({ system: 'raw-quic', kind: 'raw-stream' }), all)).toBe(blast);
    expect(udpFloorFor(line({}), all)).toBeUndefined();
  });

  it('gives the lean driver the batched-UDP floor and lean-dgram the node:dgram one', () => {
    const dgram = line({ system: 'udp', driver: undefined, kind: 'udp-pingpong' });
    const batched = line({ system: 'udp', driver: 'lean', kind: 'udp-pingpong' });
    const all = [dgram, batched];
    expect(udpFloorFor(line({ system: 'raw-quic', driver: 'lean', kind: 'raw' }), all)).toBe(
      batched,
    );
    expect(udpFloorFor(line({ system: 'raw-quic', driver: 'lean-dgram', kind: 'raw' }), all)).toBe(
      dgram,
    );
    expect(systemLabel(batched)).toBe('udp[batched]');
    expect(systemLabel(dgram)).toBe('udp');
  });
});

describe('issueTargets', () => {
  const packets = (count: number) => ({ sent: count / 2, received: count / 2, lost: 0 });
  const results = [
    grpc('unary 64B c=1', 1000, 0.5),
    grpc('unary 64B c=64', 4000),
    grpc('unary 4KiB c=64', 3000),
    grpc('unary 1MiB c=1', 50),
    grpc('server-stream 100,000x64B', 70_000),
    quic('raw-quic', 'lean', 1350, 'raw ping-pong 64B', 10_000, {
      kind: 'raw',
      clientCpuMs: 250,
      serverCpuMs: 250,
      packets: packets(20_000),
    }),
    quic('raw-quic', 'lean', 1350, 'raw one-way 64KiB writes', 1600, {
      kind: 'raw-stream',
      payloadBytes: 64 * 1024,
      clientCpuMs: 500,
      serverCpuMs: 500,
      packets: packets(80_000),
    }),
    quic('rpcnet', 'lean', 1350, 'unary 64B c=1', 2500, { p50Ms: 0.2 }),
    quic('rpcnet', 'lean', 1350, 'unary 64B c=64', 12_000),
    quic('rpcnet', 'lean', 1350, 'unary 4KiB c=64', 6000, { completed: false }),
    quic('rpcnet', 'lean', 1350, 'unary 1MiB c=1', 40, { payloadBytes: 1024 * 1024 }),
    quic('rpcnet', 'lean', 1350, 'server-stream 100,000x64B', 250_000, {
      kind: 'server-stream',
    }),
    // Classic lines never count towards the targets.
    quic('rpcnet', 'classic', 1350, 'unary 64B c=64', 1_000_000),
  ];
  const byTarget = new Map(issueTargets(results).map((t) => [t.target, t]));
  const get = (prefix: string) => [...byTarget.values()].find((t) => t.target.startsWith(prefix));

  it('checks every target at each UDP payload the lean driver ran with', () => {
    expect(issueTargets(results)).toHaveLength(10);
    expect(issueTargets(results).every((t) => t.udpPayload === 1350)).toBe(true);
  });

  it('measures CPU per packet and bulk MiB/s from the raw-quic lines', () => {
    expect(get('CPU per UDP packet, request/response')).toMatchObject({ measured: 25, met: true });
    expect(get('CPU per UDP packet, bulk')).toMatchObject({ measured: 12.5, met: true });
    expect(get('bulk on one stream')).toMatchObject({ measured: 100, met: true });
  });

  it('compares rpcnet with grpc-js, and says when a line is missing or incomplete', () => {
    expect(get('unary 64 B, 1 in flight: p50')).toMatchObject({ measured: 0.4, met: true });
    expect(get('unary 64 B, 1 in flight: calls/s')).toMatchObject({ measured: 2.5, met: true });
    expect(get('unary 64 B, 64 in flight')).toMatchObject({ measured: 3, met: false });
    expect(get('unary 4 KiB, 64 in flight')).toMatchObject({ measured: undefined, met: undefined });
    expect(get('one 1 MiB unary call')).toMatchObject({ measured: 0.8, met: false });
    expect(get('server streaming, 64 B messages: msgs/s rpcnet / grpc-js')?.measured).toBeCloseTo(
      250 / 70,
    );
    expect(get('server streaming, 64 B messages: rpcnet msgs/s')).toMatchObject({
      measured: 250_000,
      met: true,
    });
  });

  it('formats values in their unit', () => {
    expect(formatTargetValue(0.456, 'x')).toBe('0.46x');
    expect(formatTargetValue(12.34, 'µs')).toBe('12.3 µs');
    expect(formatTargetValue(200_000, 'msgs/s')).toBe('200,000 msgs/s');
    expect(formatTargetValue(undefined, 'x')).toBe('-');
  });
});

describe('rpcSection', () => {
  const results = [
    grpc('unary 64B c=1', 1000),
    line({
      system: 'udp',
      driver: undefined,
      udpPayload: undefined,
      kind: 'udp-pingpong',
      name: 'udp ping-pong 64B',
      clientCpuMs: 100,
      serverCpuMs: 100,
      packets: { sent: 10_000, received: 10_000, lost: 0 },
    }),
    quic('raw-quic', 'classic', 1350, 'raw ping-pong 64B', 500, { kind: 'raw' }),
    quic('raw-quic', 'lean', 1350, 'raw ping-pong 64B', 10_000, {
      kind: 'raw',
      ops: 10_000,
      clientCpuMs: 250,
      serverCpuMs: 250,
      packets: { sent: 10_000, received: 10_000, lost: 0 },
    }),
    quic('rpcnet', 'classic', 1350, 'unary 64B c=1', 400),
    quic('rpcnet', 'lean', 1350, 'unary 64B c=1', 2000),
  ];
  const markdown = rpcSection({ results, grpcRatios: grpcRatios(results) });

  it('renders targets, both ratio tables, CPU per packet with the UDP floor, and every line', () => {
    expect(markdown).toContain('Issue 12 targets');
    expect(markdown).toContain('| unary 64B c=1 | rpcnet[lean 1350] | 2,000 | 1,000 | 2.00 |');
    expect(markdown).toContain('| rpcnet | unary 64B c=1 | 1350 | 2,000 | 400 | 5.00 |');
    // 500 ms over 20,000 packets is 25 µs; the udp floor is 200 ms / 20,000 = 10 µs, 40% of it.
    expect(markdown).toContain(
      '| raw-quic[lean 1350] | raw ping-pong 64B | 20,000 | 2.0 | 25.0 | 10.0 (40%) | 0.6 |',
    );
    expect(markdown).toMatch(/\| raw-quic\[classic 1350\] \| raw ping-pong 64B \|.*\| - \| - \|/);
    expect(markdown).toMatch(
      /\| rpcnet\[lean 1350\] \| unary 64B c=1 \|.*\| 2\.00 \| 5\.00 \| {2}\|/,
    );
  });

  it('adds the in-memory quiche floor when the run measured it, and nothing when it did not', () => {
    const withFloor = rpcSection({
      results,
      grpcRatios: grpcRatios(results),
      quicheFloor: [
        {
          name: 'quiche in memory: ping-pong 64B',
          udpPayload: 1350,
          packets: 20_000,
          cpuMs: 190,
          cpuPerPacketUs: 9.5,
        },
      ],
    });
    expect(withFloor).toContain('| quiche in memory: ping-pong 64B | 1350 | 20,000 | 9.5 |');
    expect(markdown).not.toContain('quiche in memory');
  });

  it('plots one bar series per label', () => {
    const svg = rpcThroughputPlot(results) ?? '';
    expect(svg).toContain('rpcnet[lean 1350]');
    expect(svg).toContain('rpcnet[classic 1350]');
    expect(svg).not.toContain('raw ping-pong');
    expect(rpcThroughputPlot([])).toBeUndefined();
  });
});
