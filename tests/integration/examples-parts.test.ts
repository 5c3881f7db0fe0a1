// The examples' own logic, without processes: settings, the failure cycle, the logical session,
// the director's assignments and the demo's options and summary.

import { createSeededRandom } from '@rpcnet/base';
import type { MembershipSource } from '@rpcnet/registry';
import { virtualWallClock } from '@rpcnet/test-utils';
import {
  type ClusterEvent,
  type ClusterNode,
  ErrorCode,
  LeastConnections,
  RpcError,
  WorkerRegistry,
} from 'rpcnet';
import { describe, expect, it } from 'vitest';
import { LogicalSession } from '../../examples/connection_swap/logical-session.js';
import { SessionService } from '../../examples/connection_swap/session.gen.js';
import { parseDemoOptions } from '../../examples/demo/demo-options.js';
import { DEMO_SCENARIOS } from '../../examples/demo/demo-scenarios.js';
import { DemoState } from '../../examples/demo/demo-state.js';
import { formatSummary, summarize } from '../../examples/demo/demo-summary.js';
import type { WorkerPhase } from '../../examples/shared/demo-report.js';
import { FailureCycle } from '../../examples/shared/failure-cycle.js';
import { readSettings } from '../../examples/shared/settings.js';
import { WorkerAssignments } from '../../examples/shared/worker-assignments.js';

/** A wall clock that moves only when told to. */

describe('example settings', () => {
  it('uses the documented defaults and the RPC port + 1000 gossip convention', () => {
    const settings = readSettings({});
    expect(settings.directorAddr).toEqual({ host: '127.0.0.1', port: 61000 });
    expect(settings.directorGossipAddr).toEqual({ host: '127.0.0.1', port: 62000 });
    expect(settings.workerLabel).toBe('worker-1');
    expect(settings.workerAddr).toEqual({ host: '127.0.0.1', port: 62001 });
    expect(settings.workerGossipPort).toBe(63001);
    expect(settings.failureEnabled).toBe(false);
    expect(settings.failure).toEqual({
      runMinMs: 10_000,
      runMaxMs: 25_000,
      warningMs: 3000,
      failedMs: 5000,
      recoveringMs: 2000,
    });
    expect(settings.logLevel).toBe('info');
    expect(settings.directorRequestIntervalMs).toBe(5000);
  });

  it('reads WORKER_RUN_MS as a range or one value, and WORKER_FAILURE_SEED', () => {
    const fixed = readSettings({ WORKER_RUN_MS: '1500', WORKER_FAILURE_SEED: '42' });
    expect(fixed.failure).toMatchObject({ runMinMs: 1500, runMaxMs: 1500 });
    expect(fixed.failureSeed).toBe(42);
    expect(readSettings({ WORKER_RUN_MS: '2000-4000' }).failure).toMatchObject({
      runMinMs: 2000,
      runMaxMs: 4000,
    });
    expect(() => readSettings({ WORKER_RUN_MS: '5000-2000' })).toThrow(/WORKER_RUN_MS/);
    expect(() => readSettings({ WORKER_FAILURE_SEED: 'x' })).toThrow(/WORKER_FAILURE_SEED/);
  });

  it('reads explicit values, RPCNET_LOG before LOG_LEVEL, and treats empty as unset', () => {
    const settings = readSettings({
      DIRECTOR_ADDR: '10.0.0.5:7000',
      DIRECTOR_GOSSIP_PORT: '7946',
      WORKER_ADDR: '',
      WORKER_FAILURE_ENABLED: 'true',
      LOG_LEVEL: 'warn',
      RPCNET_LOG: 'DEBUG',
    });
    expect(settings.directorGossipAddr).toEqual({ host: '10.0.0.5', port: 7946 });
    expect(settings.workerAddr.port).toBe(62001);
    expect(settings.failureEnabled).toBe(true);
    expect(settings.logLevel).toBe('debug');
  });

  it('names the variable that is invalid', () => {
    expect(() => readSettings({ WORKER_ADDR: '62001' })).toThrow(/WORKER_ADDR/);
    expect(() => readSettings({ WORKER_FAILURE_ENABLED: 'maybe' })).toThrow(
      /WORKER_FAILURE_ENABLED/,
    );
    expect(() => readSettings({ LOG_LEVEL: 'loud' })).toThrow(/LOG_LEVEL/);
    expect(() => readSettings({ WORKER_ADDR: '127.0.0.1:65000' })).toThrow(/WORKER_GOSSIP_PORT/);
  });
});

describe('FailureCycle', () => {
  it('cycles running, warning, failed, recovering with the configured durations', () => {
    const clock = virtualWallClock(0);
    const cycle = new FailureCycle(
      { runMinMs: 100, runMaxMs: 100, warningMs: 30, failedMs: 50, recoveringMs: 20 },
      createSeededRandom(1),
      clock,
    );
    const seen: Array<[number, WorkerPhase]> = [];
    cycle.onChange((phase) => seen.push([clock.now(), phase]));
    cycle.start();
    clock.advance(250);
    expect(seen).toEqual([
      [0, 'running'],
      [100, 'warning'],
      [130, 'failed'],
      [180, 'recovering'],
      [200, 'running'],
    ]);
    clock.advance(80);
    expect(cycle.failed).toBe(true);
    cycle.stop();
    expect(cycle.phase).toBe('running');
    clock.advance(1000);
    expect(seen).toHaveLength(7);
  });

  it('staggers failures: running phases are random within the range, different per seed', () => {
    const failuresOf = (seed: number): number[] => {
      const clock = virtualWallClock(0);
      const durations = { warningMs: 3000, failedMs: 5000, recoveringMs: 2000 };
      const cycle = new FailureCycle(
        { runMinMs: 10_000, runMaxMs: 25_000, ...durations },
        createSeededRandom(seed),
        clock,
      );
      const failedAt: number[] = [];
      const runs: number[] = [];
      cycle.onChange((phase, durationMs) => {
        if (phase === 'failed') failedAt.push(clock.now());
        if (phase === 'running') runs.push(durationMs);
      });
      cycle.start();
      clock.advance(300_000);
      cycle.stop();
      for (const run of runs) {
        expect(run).toBeGreaterThanOrEqual(10_000);
        expect(run).toBeLessThanOrEqual(25_000);
      }
      expect(new Set(runs).size).toBeGreaterThan(1);
      return failedAt;
    };
    expect(failuresOf(7)).toEqual(failuresOf(7));
    const [first, second] = [failuresOf(1), failuresOf(2)];
    // Two workers started together do not fail together.
    expect(Math.abs((first[0] ?? 0) - (second[0] ?? 0))).toBeGreaterThan(500);
  });
});

describe('connection_swap service generated from session.proto by rpcnet-gen', () => {
  it('speaks protobuf on swap.Session/Exchange, a bidirectional stream', () => {
    const exchange = SessionService.methods.exchange;
    expect(SessionService.wireName('exchange')).toBe('swap.Session/Exchange');
    expect(exchange.kind).toBe('bidiStream');
    const message = { sessionId: 'a1b2', seq: 3, value: 7, total: 12 };
    const bytes = exchange.request.encode(message);
    // Protobuf, not JSON: field tags and varints, far shorter than the JSON text.
    expect(bytes.length).toBeLessThan(JSON.stringify(message).length / 2);
    expect(exchange.request.decode(bytes)).toEqual(message);
    const ack = { sessionId: 'a1b2', seq: 3, total: 19, worker: 'worker-1' };
    expect(exchange.response.decode(exchange.response.encode(ack))).toEqual(ack);
  });
});

describe('LogicalSession', () => {
  it('keeps pending messages for resending and accepts acknowledgements only in order', () => {
    const session = new LogicalSession();
    const first = session.next(5);
    const second = session.next(7);
    expect(second.total).toBe(5);
    session.acknowledge({ sessionId: session.id, seq: first.seq, total: 5, worker: 'a' });
    expect(session.resendable()).toEqual([second]);
    expect(() =>
      session.acknowledge({ sessionId: session.id, seq: second.seq + 1, total: 12, worker: 'b' }),
    ).toThrow(/unexpected acknowledgement/);
    expect(() =>
      session.acknowledge({ sessionId: session.id, seq: second.seq, total: 99, worker: 'b' }),
    ).toThrow(/total 99/);
    session.acknowledge({ sessionId: session.id, seq: second.seq, total: 12, worker: 'b' });
    expect(session.total).toBe(12);
    expect(session.counts).toEqual({ sent: 2, acknowledged: 2, resent: 1, pending: 0 });
  });
});

describe('WorkerAssignments', () => {
  const node = (id: string, tags: Record<string, string>): ClusterNode => ({
    id,
    gossipAddress: `${id}:1`,
    rpcAddress: `${id}:2`,
    tags,
    state: 'alive',
    incarnation: 0,
  });
  function registryOf(nodes: ClusterNode[]) {
    const listeners = new Set<(event: ClusterEvent) => void>();
    const membership: MembershipSource = {
      localNode: () => node('director', { role: 'director' }),
      members: () => nodes,
      nodesByTag: (filter) =>
        nodes.filter((n) => Object.entries(filter).every(([k, v]) => n.tags[k] === v)),
      onEvent: (listener) => {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
    };
    const registry = new WorkerRegistry(membership, new LeastConnections(), {
      workerFilter: 'role=worker',
    });
    registry.start();
    const emit = (event: ClusterEvent): void => {
      for (const listener of listeners) listener(event);
    };
    return { registry, emit };
  }

  it('holds a connection per assignment, spreads them, and releases on release, removal or expiry', () => {
    const w1 = node('w1', { role: 'worker', label: 'worker-1' });
    const w2 = node('w2', { role: 'worker', label: 'worker-2' });
    const { registry, emit } = registryOf([w1, w2]);
    const clock = virtualWallClock(0);
    const assignments = new WorkerAssignments(registry, 'role=worker', clock, 1000);
    const a = assignments.assign();
    const b = assignments.assign();
    expect(new Set([a.label, b.label])).toEqual(new Set(['worker-1', 'worker-2']));
    expect(registry.workers().map((w) => w.inFlight)).toEqual([1, 1]);
    const c = assignments.assign([a.workerId]);
    expect(c.workerId).toBe(b.workerId);
    expect(assignments.release(a.assignmentId)).toBe(true);
    expect(assignments.release(a.assignmentId)).toBe(false);
    emit({ type: 'NodeFailed', node: { ...w2, state: 'dead' } });
    expect(assignments.size).toBe(0);
    const d = assignments.assign();
    expect(d.label).toBe('worker-1');
    clock.advance(1000);
    expect(assignments.size).toBe(0);
    assignments.close();
    registry.stop();
  });

  it('answers UNAVAILABLE no-workers when every worker is excluded', () => {
    const w1 = node('w1', { role: 'worker' });
    const { registry } = registryOf([w1]);
    const assignments = new WorkerAssignments(registry, 'role=worker');
    let error: unknown;
    try {
      assignments.assign(['w1']);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(RpcError);
    expect((error as RpcError).code).toBe(ErrorCode.UNAVAILABLE);
    expect((error as RpcError).details?.reason).toBe('no-workers');
    assignments.close();
    registry.stop();
  });
});

describe('demo options and summary', () => {
  it('parses the duration from the command line over the environment', () => {
    expect(parseDemoOptions(['--duration', '12'], { DEMO_DURATION_S: '30' }, false)).toEqual({
      durationS: 12,
      view: 'plain',
      sessions: 3,
      scenario: DEMO_SCENARIOS.cluster,
    });
    expect(parseDemoOptions(['--', '--sessions=2'], { DEMO_DURATION_S: '30' }, true)).toEqual({
      durationS: 30,
      view: 'tty',
      sessions: 2,
      scenario: DEMO_SCENARIOS.cluster,
    });
    expect(() => parseDemoOptions(['--duration', '-1'], {}, false)).toThrow(/duration/);
    expect(() => parseDemoOptions(['--bogus'], {}, false)).toThrow(/unknown option --bogus/);
  });

  it('selects the example: `swap`, `--example connection_swap`, cluster by default', () => {
    expect(parseDemoOptions(['swap', '--plain'], {}, true).scenario.name).toBe('swap');
    const named = parseDemoOptions(['--example', 'connection_swap'], {}, false);
    expect(named.scenario).toBe(DEMO_SCENARIOS.swap);
    expect(named.scenario.failing).toHaveLength(3);
    expect(() => parseDemoOptions(['--example', 'chat'], {}, false)).toThrow(
      /--example: unknown example "chat"/,
    );
  });

  it('measures detection per failure and is OK only with all workers, no loss and clean exits', () => {
    const state = new DemoState();
    for (const label of ['worker-1', 'worker-2', 'worker-3']) {
      state.apply({ type: 'worker-added', at: 0, label });
    }
    state.apply({ type: 'phase', at: 1000, label: 'worker-3', phase: 'failed' });
    state.apply({ type: 'failover', at: 1030, from: 'worker-3', to: 'worker-1', tokensSoFar: 4 });
    state.apply({ type: 'worker-removed', at: 1080, label: 'worker-3', reason: 'unhealthy' });
    const counters = {
      callsStarted: 10,
      callsCompleted: 10,
      callsLost: 0,
      callsCancelled: 0,
      failovers: 1,
      tokens: 200,
      activeCalls: 0,
    };
    state.apply({ type: 'client-stats', at: 2000, counters });
    const clean = { code: 0, signal: null, killed: false };
    const exits = ['client', 'worker-1', 'director'].map((name) => ({ name, pid: 1, exit: clean }));
    const summary = summarize(state, ['worker-1', 'worker-2', 'worker-3'], 20, exits);
    expect(summary.detections).toEqual([{ label: 'worker-3', registryMs: 80, clientMs: 30 }]);
    expect(summary.ok).toBe(true);
    expect(formatSummary(summary, DEMO_SCENARIOS.cluster)).toContain('lost calls = 0 ✅');
    expect(formatSummary(summary, DEMO_SCENARIOS.swap)).toContain(
      'messages: 10 sent, 10 acknowledged in order, 0 lost',
    );

    state.apply({ type: 'client-stats', at: 3000, counters: { ...counters, callsLost: 1 } });
    expect(summarize(state, ['worker-1', 'worker-2', 'worker-3'], 20, exits).ok).toBe(false);
    const killed = [{ name: 'client', pid: 1, exit: { ...clean, killed: true } }];
    state.apply({ type: 'client-stats', at: 4000, counters });
    expect(summarize(state, ['worker-1', 'worker-2', 'worker-3'], 20, killed).ok).toBe(false);
    expect(summarize(state, ['worker-1', 'worker-2', 'worker-4'], 20, exits).ok).toBe(false);
    // Stopped early by Ctrl-C: a worker not discovered yet is no failure, a lost call still is.
    expect(summarize(state, ['worker-1', 'worker-2', 'worker-4'], 5, exits, true).ok).toBe(true);
  });
});
