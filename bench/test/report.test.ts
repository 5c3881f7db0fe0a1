import { describe, expect, it } from 'vitest';
import { type BenchReport, grpcRatios, renderMarkdown, renderPlots } from '../src/report.js';
import type { RpcBenchResult } from '../src/rpc.js';

function rpcResult(overrides: Partial<RpcBenchResult>): RpcBenchResult {
  return {
    system: 'rpcnet',
    udpPayload: 1350,
    kind: 'unary',
    payloadBytes: 64,
    concurrency: 64,
    name: 'unary 64B c=64',
    ops: 1000,
    durationMs: 1000,
    opsPerSecond: 1000,
    p50Ms: 2,
    p99Ms: 9,
    clientCpuMs: 500,
    serverCpuMs: 400,
    completed: true,
    ...overrides,
  };
}

const rpcResults: RpcBenchResult[] = [
  rpcResult({ system: 'grpc-js', udpPayload: undefined, opsPerSecond: 4000, p50Ms: 1 }),
  rpcResult({ opsPerSecond: 2000 }),
  rpcResult({ udpPayload: 16000, opsPerSecond: 6000 }),
  rpcResult({ system: 'raw-quic', kind: 'raw', name: 'raw 80B x64/write', opsPerSecond: 9000 }),
  rpcResult({ name: 'unary 4KiB c=1', opsPerSecond: 100 }),
];

const run = <T>(results: T) => ({
  ranAt: '2026-11-23T18:00:00.000Z',
  quick: false,
  wallMs: 12_000,
  loadAverageStart: [1, 2, 3],
  loadAverageEnd: [1.5, 2, 3],
  results,
});

const report: BenchReport = {
  schema: 'rpcnet-bench/1',
  updatedAt: '2026-11-23T18:10:00.000Z',
  command: 'pnpm bench',
  machine: { node: 'v20', platform: 'linux x64', cpus: 2, cpuModel: 'cpu', totalMemoryMiB: 1024 },
  suites: {
    rpc: run({ results: rpcResults, grpcRatios: grpcRatios(rpcResults) }),
    gossip: run([
      {
        nodes: 10,
        formationMs: 300,
        joinPropagationMs: 400,
        failureFirstMs: 5000,
        failureAllMs: 8400,
        bytesPerNodePerSecond: 118,
        datagramsPerNodePerSecond: 2.5,
        falsePositives: [
          {
            lossRate: 0.1,
            simulatedMs: 3_600_000,
            falseFailures: 0,
            suspicions: 3,
            perNodeHour: 0,
          },
        ],
        wallClockMs: 4000,
      },
    ]),
    registry: { ...run(undefined), error: 'boom' },
  },
};

describe('grpcRatios', () => {
  it('pairs each rpcnet case with the grpc-js run of the same case, per UDP payload', () => {
    const ratios = grpcRatios(rpcResults);
    expect(ratios.map((r) => [r.case, r.udpPayload, r.ratio])).toEqual([
      ['unary 64B c=64', 1350, 0.5],
      ['unary 64B c=64', 16000, 1.5],
    ]);
    expect(ratios[0]).toMatchObject({ rpcnetP50Ms: 2, grpcP50Ms: 1, grpcOpsPerSecond: 4000 });
  });

  it('skips grpc-js cases that did not complete', () => {
    const incomplete = rpcResults.map((r) =>
      r.system === 'grpc-js' ? { ...r, completed: false } : r,
    );
    expect(grpcRatios(incomplete)).toEqual([]);
  });
});

describe('renderMarkdown', () => {
  const markdown = renderMarkdown(report);

  it('writes a section per suite present, with its run conditions and plots', () => {
    expect(markdown).toContain('Written by `pnpm bench` at 2026-11-23T18:10:00.000Z');
    expect(markdown).toContain('## RPC: rpcnet vs @grpc/grpc-js');
    expect(markdown).toContain(
      '| unary 64B c=64 | rpcnet[udp 16000] | 6,000 | 4,000 | 1.50 | 2.00 / 1.00 |',
    );
    expect(markdown).toContain('load average 1.00 2.00 3.00 at start');
    expect(markdown).toContain('![rpc-throughput.svg](rpc-throughput.svg)');
    expect(markdown).toContain('| 10 | 0.30 | 0.40 | 5.00 | 8.40 | 118 | 2.50 |');
    expect(markdown).not.toContain('## Failover');
  });

  it('keeps rendering the other suites when one holds results of an older format', () => {
    const old = renderMarkdown({
      ...report,
      suites: { ...report.suites, failover: run({}) as never },
    });
    expect(old).toContain('## Failover');
    expect(old).toContain('**Not rendered:**');
    expect(old).toContain('## Gossip membership');
  });

  it('reports a failed suite with its error instead of a table', () => {
    expect(markdown).toContain('## Worker registry');
    expect(markdown).toContain('**Failed:** boom');
  });
});

describe('renderPlots', () => {
  it('plots the gossip sizes and the RPC comparison when their results are present', () => {
    const plots = renderPlots(report);
    expect([...plots.keys()].sort()).toEqual([
      'gossip-convergence.svg',
      'gossip-detection.svg',
      'rpc-throughput.svg',
    ]);
    const rpc = plots.get('rpc-throughput.svg') ?? '';
    expect(rpc).toContain('rpcnet[udp 16000]');
    expect(rpc).not.toContain('raw 80B');
  });

  it('draws nothing for suites without results', () => {
    expect(renderPlots({ ...report, suites: {} }).size).toBe(0);
  });
});
