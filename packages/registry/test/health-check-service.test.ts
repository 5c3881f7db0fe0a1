import { VirtualClock } from '@rpcnet/base';
import { afterEach, describe, expect, it } from 'vitest';
import {
  alwaysHealthy,
  type HealthCheck,
  HealthCheckService,
  type HealthStatus,
  RegistryConfigError,
  RoundRobin,
  WorkerRegistry,
} from '../src/index.js';
import { FakeMembership, makeNode } from './support/fake-membership.js';

class RecordingPublisher {
  readonly published: string[] = [];
  setTag(key: string, value: string): void {
    this.published.push(`${key}=${value}`);
  }
}

/** A check whose answer the test sets; counts how often it ran. */
class SwitchCheck implements HealthCheck {
  runs = 0;
  constructor(
    readonly name: string,
    public status: HealthStatus = { healthy: true },
  ) {}
  check(): Promise<HealthStatus> {
    this.runs += 1;
    return Promise.resolve(this.status);
  }
}

/** A check that settles only when the test says so (or never). */
class PendingCheck implements HealthCheck {
  readonly name = 'pending';
  private resolveStatus: ((status: HealthStatus) => void) | undefined;
  check(): Promise<HealthStatus> {
    return new Promise((resolve) => {
      this.resolveStatus = resolve;
    });
  }
  settle(status: HealthStatus): void {
    this.resolveStatus?.(status);
  }
}

const services: HealthCheckService[] = [];

function createService(
  checks: readonly HealthCheck[],
  overrides: { intervalMs?: number; timeoutMs?: number } = {},
) {
  const clock = new VirtualClock();
  const publisher = new RecordingPublisher();
  const service = new HealthCheckService({
    publisher,
    checks,
    clock,
    intervalMs: overrides.intervalMs ?? 1000,
    timeoutMs: overrides.timeoutMs ?? 100,
  });
  services.push(service);
  return { service, clock, publisher };
}

afterEach(async () => {
  for (const service of services.splice(0)) {
    await service.stop();
  }
});

describe('HealthCheckService', () => {
  it('is healthy by default through alwaysHealthy', async () => {
    const publisher = new RecordingPublisher();
    const service = new HealthCheckService({ publisher, clock: new VirtualClock() });
    services.push(service);
    const report = await service.runOnce();
    expect(report.healthy).toBe(true);
    expect(report.results.map((result) => result.name)).toEqual([alwaysHealthy.name]);
    expect(publisher.published).toEqual(['healthy=true']);
  });

  it('aggregates checks run in parallel: healthy only if all pass', async () => {
    const database = new SwitchCheck('database');
    const disk = new SwitchCheck('disk', {
      healthy: false,
      message: 'disk full',
      metadata: { freeMb: 3 },
    });
    const { service } = createService([database, disk]);
    const report = await service.runOnce();
    expect(report.healthy).toBe(false);
    expect(report.results).toMatchObject([
      { name: 'database', status: { healthy: true }, timedOut: false },
      { name: 'disk', status: { healthy: false, message: 'disk full', metadata: { freeMb: 3 } } },
    ]);
  });

  it('counts a check that exceeds its timeout, throws or rejects as unhealthy', async () => {
    const pending = new PendingCheck();
    const throwing: HealthCheck = {
      name: 'throwing',
      check: () => {
        throw new Error('sync failure');
      },
    };
    const rejecting: HealthCheck = {
      name: 'rejecting',
      check: () => Promise.reject(new Error('async failure')),
    };
    const { service, clock } = createService([pending, throwing, rejecting], { timeoutMs: 100 });
    const round = service.runOnce();
    await clock.advanceSettling(100);
    const report = await round;
    expect(report.healthy).toBe(false);
    expect(report.results).toMatchObject([
      {
        name: 'pending',
        timedOut: true,
        durationMs: 100,
        status: { message: 'timed out after 100 ms' },
      },
      { name: 'throwing', timedOut: false, status: { healthy: false, message: 'sync failure' } },
      { name: 'rejecting', timedOut: false, status: { healthy: false, message: 'async failure' } },
    ]);
    // A late answer after the timeout changes nothing.
    pending.settle({ healthy: true });
    expect(service.lastReport).toBe(report);
    expect(clock.pendingTimers).toBe(0);
  });

  it('runs periodically and publishes the tag only when it changes', async () => {
    const check = new SwitchCheck('app');
    const { service, clock, publisher } = createService([check], { intervalMs: 1000 });
    service.start();
    await clock.advanceSettling(0);
    expect(check.runs).toBe(1);
    await clock.advanceSettling(3000);
    expect(check.runs).toBe(4);
    expect(publisher.published).toEqual(['healthy=true']);

    check.status = { healthy: false, message: 'overloaded' };
    await clock.advanceSettling(1000);
    await clock.advanceSettling(1000);
    check.status = { healthy: true };
    await clock.advanceSettling(1000);
    expect(check.runs).toBe(7);
    expect(publisher.published).toEqual(['healthy=true', 'healthy=false', 'healthy=true']);
  });

  it('logs a failing check when it starts failing and when it recovers, not every round', async () => {
    const check = new SwitchCheck('db', { healthy: false, message: 'down' });
    const lines: string[] = [];
    const record = (level: string) => (message: string) => lines.push(`${level} ${message}`);
    const clock = new VirtualClock();
    const service = new HealthCheckService({
      publisher: new RecordingPublisher(),
      checks: [check],
      clock,
      intervalMs: 1000,
      timeoutMs: 100,
      logger: {
        debug: record('debug'),
        info: record('info'),
        warn: record('warn'),
        error: record('error'),
      },
    });
    services.push(service);
    service.start();
    await clock.advanceSettling(0);
    await clock.advanceSettling(3000);
    expect(check.runs).toBe(4);
    check.status = { healthy: true };
    await clock.advanceSettling(1000);
    expect(lines).toEqual(['warn health: check failed', 'info health: check recovered']);
  });

  it('stops gracefully: waits for the round in progress and schedules no more', async () => {
    const pending = new PendingCheck();
    const { service, clock } = createService([pending], { timeoutMs: 500, intervalMs: 1000 });
    service.start();
    await clock.advanceSettling(0);
    let stopped = false;
    const stopping = service.stop().then(() => {
      stopped = true;
    });
    await clock.advanceSettling(10);
    expect(stopped).toBe(false);
    pending.settle({ healthy: true });
    await stopping;
    expect(stopped).toBe(true);
    expect(service.started).toBe(false);
    expect(clock.pendingTimers).toBe(0);
  });

  it('rejects duplicate check names and invalid options naming the field', () => {
    const { service } = createService([new SwitchCheck('db')]);
    expect(() => service.register(new SwitchCheck('db'))).toThrow(/"db" is already registered/);
    const unregister = service.register(new SwitchCheck('cache'));
    unregister();
    expect(() => service.register(new SwitchCheck('cache'))).not.toThrow();
    const publisher = new RecordingPublisher();
    expect(() => new HealthCheckService({ publisher, timeoutMs: 0 })).toThrow(RegistryConfigError);
    expect(() => new HealthCheckService({ publisher, timeoutMs: 0 })).toThrow('"timeoutMs"');
    expect(() => new HealthCheckService({ publisher, intervalMs: -5 })).toThrow('"intervalMs"');
  });

  it('takes an unhealthy worker out of a remote registry and brings it back', async () => {
    // The worker's own membership view publishes tags; the director sees the same fake cluster.
    const cluster = new FakeMembership(makeNode('worker-1', { tags: { role: 'worker' } }));
    const director = new WorkerRegistry(cluster, new RoundRobin(), { clock: new VirtualClock() });
    director.start();
    const check = new SwitchCheck('app');
    const clock = new VirtualClock();
    const service = new HealthCheckService({
      publisher: cluster,
      checks: [check],
      clock,
      intervalMs: 1000,
    });
    services.push(service);
    service.start();
    await clock.advanceSettling(0);
    expect(director.workers('role=worker').map((worker) => worker.id)).toEqual(['worker-1']);

    check.status = { healthy: false };
    await clock.advanceSettling(1000);
    expect(director.workers('role=worker')).toEqual([]);
    check.status = { healthy: true };
    await clock.advanceSettling(1000);
    expect(director.workers('role=worker').map((worker) => worker.tags.healthy)).toEqual(['true']);
    director.stop();
  });
});
