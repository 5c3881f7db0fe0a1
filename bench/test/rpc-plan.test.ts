import { describe, expect, it } from 'vitest';
import {
  caseName,
  formatLine,
  type RpcBenchResult,
  rpcBenchPlan,
  summaryLines,
} from '../src/rpc.js';
import { TARGET_CASES } from '../src/rpc-report.js';

const describeStep = (step: ReturnType<typeof rpcBenchPlan>[number]): string =>
  `${step.system} ${step.driver ?? '-'} ${step.udpPayload ?? '-'}: ${step.cases.length}`;

describe('rpcBenchPlan', () => {
  it('runs every system, every driver at both payloads: classic, lean on dgram, lean', () => {
    expect(rpcBenchPlan().map(describeStep)).toEqual([
      'grpc-js - -: 6',
      'udp - -: 2',
      'udp lean -: 2',
      'raw-quic classic 1350: 2',
      'raw-quic lean-dgram 1350: 2',
      'raw-quic lean 1350: 2',
      'rpcnet classic 1350: 6',
      'rpcnet lean-dgram 1350: 6',
      'rpcnet lean 1350: 6',
      'raw-quic classic 16000: 2',
      'raw-quic lean-dgram 16000: 2',
      'raw-quic lean 16000: 2',
      'rpcnet classic 16000: 6',
      'rpcnet lean-dgram 16000: 6',
      'rpcnet lean 16000: 6',
    ]);
  });

  it('runs every case the issue 12 targets refer to', () => {
    const names = new Set(rpcBenchPlan().flatMap((step) => step.cases.map((c) => c.name)));
    for (const name of Object.values(TARGET_CASES)) {
      expect([...names].some((n) => (name.endsWith(' ') ? n.startsWith(name) : n === name))).toBe(
        true,
      );
    }
  });

  it('limits the classic driver to the cases and payloads asked for (quick mode)', () => {
    const plan = rpcBenchPlan({
      udpPayloads: [1350],
      classicCases: ['unary 64B c=1', 'unary 64B c=64'],
    });
    expect(plan.map(describeStep)).toEqual([
      'grpc-js - -: 6',
      'udp - -: 2',
      'udp lean -: 2',
      'raw-quic lean-dgram 1350: 2',
      'raw-quic lean 1350: 2',
      'rpcnet classic 1350: 2',
      'rpcnet lean-dgram 1350: 6',
      'rpcnet lean 1350: 6',
    ]);
    expect(
      rpcBenchPlan({
        classicUdpPayloads: [1350],
        systems: ['rpcnet'],
        drivers: ['classic', 'lean'],
      }).map(describeStep),
    ).toEqual(['rpcnet classic 1350: 6', 'rpcnet lean 1350: 6', 'rpcnet lean 16000: 6']);
  });
});

describe('caseName', () => {
  it('names sizes in B, KiB or MiB and the raw and udp patterns', () => {
    expect(caseName('unary', 1024 * 1024, 1, 0)).toBe('unary 1MiB c=1');
    expect(caseName('unary', 4096, 64, 0)).toBe('unary 4KiB c=64');
    expect(caseName('raw', 64, 1, 1)).toBe('raw ping-pong 64B');
    expect(caseName('raw-stream', 64 * 1024, 1, 1)).toBe('raw one-way 64KiB writes');
    expect(caseName('udp-blast', 1350, 1, 1)).toBe('udp one-way 1350B datagrams');
    expect(caseName('server-stream', 64, 1, 100_000)).toBe('server-stream 100,000x64B');
  });
});

describe('formatLine and summaryLines', () => {
  const base: RpcBenchResult = {
    system: 'raw-quic',
    driver: 'lean',
    udpPayload: 1350,
    kind: 'raw-stream',
    payloadBytes: 64 * 1024,
    concurrency: 1,
    name: 'raw one-way 64KiB writes',
    ops: 3200,
    durationMs: 2000,
    opsPerSecond: 1600,
    p50Ms: undefined,
    p99Ms: undefined,
    clientCpuMs: 800,
    serverCpuMs: 800,
    packets: { sent: 4000, received: 156_000, lost: 2 },
    completed: true,
    ratioLeanVsClassic: 40,
  };

  it('prints the label, CPU per packet, MiB/s and the lean/classic ratio', () => {
    const text = formatLine(base);
    expect(text).toMatch(/^raw-quic\[lean 1350\] +raw one-way 64KiB writes/);
    expect(text).toContain('10.0 µs/pkt 50.0 pkt/op 2 lost');
    expect(text).toContain('100.0 MiB/s');
    expect(text).toContain('lean/classic 40.00');
    const { packets: _, ...classic } = { ...base, driver: 'classic' as const };
    expect(formatLine(classic)).toContain('- µs/pkt');
  });

  it('sums up the ratios and targets of the run', () => {
    const classic: RpcBenchResult = { ...base, driver: 'classic', opsPerSecond: 40 };
    const lines = summaryLines([classic, base]);
    expect(lines).toContain('lean / classic (ops/s, same system, case and UDP payload):');
    expect(lines.some((l) => l.includes('raw one-way 64KiB writes') && l.includes('40.00x'))).toBe(
      true,
    );
    expect(lines.some((l) => l.includes('CPU per UDP packet, bulk') && l.includes('met'))).toBe(
      true,
    );
  });
});
