import { settle, VirtualClock } from '@rpcnet/base';
import { ErrorCode, RpcError } from '@rpcnet/core';
import { beforeEach, describe, expect, it } from 'vitest';
import { ExponentialBackoff } from '../src/backoff.js';
import { ConnectionPool } from '../src/index.js';
import { FakeWorkers } from './support/fake-workers.js';

const workerA = { id: 'a', rpcAddress: '127.0.0.1:9001' };
const workerB = { id: 'b', rpcAddress: '127.0.0.1:9002' };
const reconnect = { initialDelayMs: 100, maxDelayMs: 1000, multiplier: 2, jitter: 0 };

describe('ConnectionPool', () => {
  let clock: VirtualClock<'wall'>;
  let workers: FakeWorkers;
  let pool: ConnectionPool;

  function createPool(maxConnectionsPerWorker = 2): ConnectionPool {
    return new ConnectionPool({
      connect: workers.connect,
      maxConnectionsPerWorker,
      reconnect,
      clock,
      random: () => 0.5,
    });
  }

  beforeEach(() => {
    clock = new VirtualClock({ kind: 'wall', startMs: 1_000_000 });
    workers = new FakeWorkers(clock);
    pool = createPool();
  });

  it('dials on first use and reuses the connection for later calls', async () => {
    const first = await pool.acquire(workerA);
    first.release();
    const second = await pool.acquire(workerA);
    second.release();
    expect(second.connection).toBe(first.connection);
    expect(workers.dials).toEqual(['a']);
    expect(pool.stats).toMatchObject({ workers: 1, connections: 1, dials: 1 });
  });

  it('keeps separate connections per worker', async () => {
    const a = await pool.acquire(workerA);
    const b = await pool.acquire(workerB);
    expect(a.connection).not.toBe(b.connection);
    expect(workers.dials).toEqual(['a', 'b']);
  });

  it('coalesces concurrent dials to one worker into one', async () => {
    workers.holdDials = true;
    const pending = Array.from({ length: 20 }, () => pool.acquire(workerA));
    await settle();
    expect(workers.dials).toEqual(['a']);
    workers.releaseDials();
    const leases = await Promise.all(pending);
    expect(new Set(leases.map((lease) => lease.connection)).size).toBe(1);
    expect(pool.stats.dials).toBe(1);
  });

  it('grows to the cap when connections are busy, spreads calls, and never exceeds the cap', async () => {
    const first = await pool.acquire(workerA);
    // The first connection is busy: the next call uses it now and a second one is dialled behind it.
    const second = await pool.acquire(workerA);
    expect(second.connection).toBe(first.connection);
    await settle();
    expect(pool.connectionCount('a')).toBe(2);
    const third = await pool.acquire(workerA);
    expect(third.connection).not.toBe(first.connection);
    const more = await Promise.all(Array.from({ length: 10 }, () => pool.acquire(workerA)));
    await settle();
    expect(pool.connectionCount('a')).toBe(2);
    expect(workers.dials).toHaveLength(2);
    const perConnection = new Map<unknown, number>();
    for (const lease of [first, second, third, ...more]) {
      perConnection.set(lease.connection, (perConnection.get(lease.connection) ?? 0) + 1);
    }
    expect([...perConnection.values()].sort()).toEqual([6, 7]);
  });

  it('with a cap of one never dials a second connection', async () => {
    pool = createPool(1);
    const leases = await Promise.all(Array.from({ length: 5 }, () => pool.acquire(workerA)));
    await settle();
    expect(new Set(leases.map((lease) => lease.connection)).size).toBe(1);
    expect(workers.dials).toEqual(['a']);
  });

  it('closes a removed worker’s connections at once when it failed', async () => {
    const lease = await pool.acquire(workerA);
    pool.remove('a', { immediate: true });
    const [connection] = workers.connectionsTo('a');
    expect(connection?.closeCalls).toBe(1);
    expect(pool.stats).toMatchObject({ workers: 0, connections: 0 });
    lease.release();
    expect(connection?.closeCalls).toBe(1);
  });

  it('lets a removed worker’s running calls finish before closing when it left gracefully', async () => {
    const lease = await pool.acquire(workerA);
    pool.remove('a');
    const [connection] = workers.connectionsTo('a');
    expect(connection?.closeCalls).toBe(0);
    const next = await pool.acquire(workerA);
    expect(next.connection).not.toBe(connection);
    lease.release();
    await settle();
    expect(connection?.closeCalls).toBe(1);
  });

  it('closes a connection whose dial finishes after its worker was removed', async () => {
    workers.holdDials = true;
    const pending = pool.acquire(workerA);
    await settle();
    pool.remove('a', { immediate: true });
    workers.releaseDials();
    await expect(pending).rejects.toMatchObject({
      code: ErrorCode.UNAVAILABLE,
      notProcessed: true,
    });
    expect(workers.connectionsTo('a')[0]?.closeCalls).toBe(1);
    expect(pool.stats.connections).toBe(0);
  });

  it('fails a dial with UNAVAILABLE and backs off exponentially before dialling again', async () => {
    workers.setReachable('a', false);
    await expect(pool.acquire(workerA)).rejects.toMatchObject({
      code: ErrorCode.UNAVAILABLE,
      notProcessed: true,
    });
    // Within the backoff window calls fail fast without dialling.
    await expect(pool.acquire(workerA)).rejects.toMatchObject({
      details: { reason: 'backoff' },
    });
    expect(workers.dials).toHaveLength(1);
    await clock.advanceSettling(99);
    await expect(pool.acquire(workerA)).rejects.toMatchObject({ details: { reason: 'backoff' } });
    await clock.advanceSettling(1);
    await expect(pool.acquire(workerA)).rejects.toMatchObject({ details: { reason: 'connect' } });
    expect(workers.dials).toHaveLength(2);
    // Second failure: 200 ms.
    await clock.advanceSettling(199);
    await expect(pool.acquire(workerA)).rejects.toMatchObject({ details: { reason: 'backoff' } });
    workers.setReachable('a', true);
    await clock.advanceSettling(1);
    const lease = await pool.acquire(workerA);
    expect(lease.workerId).toBe('a');
    expect(pool.stats).toMatchObject({ dials: 3, dialFailures: 2, connections: 1 });
  });

  it('drops a lost connection and re-dials only after the backoff', async () => {
    const lease = await pool.acquire(workerA);
    lease.release();
    const [lost] = workers.connectionsTo('a');
    lost?.lose();
    expect(pool.stats).toMatchObject({ connections: 0, connectionsLost: 1 });
    await expect(pool.acquire(workerA)).rejects.toMatchObject({ details: { reason: 'backoff' } });
    await clock.advanceSettling(100);
    const again = await pool.acquire(workerA);
    expect(again.connection).not.toBe(lost);
    expect(workers.dials).toEqual(['a', 'a']);
  });

  it('does not storm a flapping worker: dials stay bounded by the backoff under steady demand', async () => {
    // Every connection to the worker drops right after it is made, for two seconds of calls.
    let attempts = 0;
    for (let elapsed = 0; elapsed < 2000; elapsed += 10) {
      for (let caller = 0; caller < 5; caller += 1) {
        attempts += 1;
        const lease = await pool.acquire(workerA).catch(() => undefined);
        lease?.release();
      }
      for (const connection of workers.connectionsTo('a')) connection.lose();
      await clock.advanceSettling(10);
    }
    expect(attempts).toBe(1000);
    // 100 + 200 + 400 + 800 ms of backoff: at most five dials in two seconds.
    expect(workers.dials.length).toBeLessThanOrEqual(5);
    expect(workers.dials.length).toBeGreaterThanOrEqual(4);
  });

  it('starts the backoff over once a worker stayed up for a quiet period', async () => {
    for (let flap = 0; flap < 3; flap += 1) {
      (await pool.acquire(workerA)).release();
      for (const connection of workers.connectionsTo('a')) connection.lose();
      await clock.advanceSettling(1000);
    }
    // Three quick losses: the next delay would be 800 ms. After a quiet 2 s it is 100 ms again.
    (await pool.acquire(workerA)).release();
    await clock.advanceSettling(2001);
    for (const connection of workers.connectionsTo('a')) connection.lose();
    await clock.advanceSettling(100);
    await expect(pool.acquire(workerA)).resolves.toMatchObject({ workerId: 'a' });
  });

  it('takes a connection out of the pool when a call is refused because the worker goes away', async () => {
    const lease = await pool.acquire(workerA);
    lease.release(
      new RpcError(ErrorCode.UNAVAILABLE, 'the server is going away', { notProcessed: true }),
    );
    await settle();
    expect(workers.connectionsTo('a')[0]?.closeCalls).toBe(1);
    const next = await pool.acquire(workerA);
    expect(next.connection).not.toBe(lease.connection);
  });

  it('keeps the connection when a handler failed with an application error', async () => {
    const lease = await pool.acquire(workerA);
    lease.release(new RpcError(ErrorCode.INVALID_ARGUMENT, 'bad input'));
    const next = await pool.acquire(workerA);
    expect(next.connection).toBe(lease.connection);
  });

  it('stops waiting for a dial when the caller aborts, and still pools the connection', async () => {
    workers.holdDials = true;
    const controller = new AbortController();
    const pending = pool.acquire(workerA, controller.signal);
    await settle();
    controller.abort(new RpcError(ErrorCode.CANCELLED, 'stop'));
    await expect(pending).rejects.toMatchObject({ code: ErrorCode.CANCELLED });
    workers.releaseDials();
    await settle();
    expect(pool.connectionCount('a')).toBe(1);
  });

  it('re-dials when a worker comes back under the same id at a new address', async () => {
    const old = await pool.acquire(workerA);
    old.release();
    const moved = await pool.acquire({ id: 'a', rpcAddress: '127.0.0.1:9999' });
    expect(moved.connection).not.toBe(old.connection);
    await settle();
    expect(workers.connectionsTo('a')[0]?.closeCalls).toBe(1);
  });

  it('closes everything on close() and refuses later calls', async () => {
    await pool.acquire(workerA);
    await pool.acquire(workerB);
    await pool.close();
    expect(workers.connections.every((connection) => connection.closeCalls === 1)).toBe(true);
    await expect(pool.acquire(workerA)).rejects.toMatchObject({ code: ErrorCode.UNAVAILABLE });
  });
});

describe('ExponentialBackoff', () => {
  it('doubles from the initial delay up to the cap', () => {
    const backoff = new ExponentialBackoff(reconnect, () => 0);
    expect([0, 1, 2, 3, 4, 5].map((failures) => backoff.delayMs(failures))).toEqual([
      0, 100, 200, 400, 800, 1000,
    ]);
  });

  it('takes up to the jitter fraction off each delay', () => {
    const options = { ...reconnect, jitter: 0.5 };
    expect(new ExponentialBackoff(options, () => 0.999).delayMs(3)).toBeCloseTo(200.2, 1);
    expect(new ExponentialBackoff(options, () => 0).delayMs(3)).toBe(400);
  });
});

describe('ConnectionPool with a connector that throws synchronously', () => {
  it('fails the dial with UNAVAILABLE and dials again after the backoff', async () => {
    const clock = new VirtualClock({ kind: 'wall', startMs: 1_000_000 });
    const workers = new FakeWorkers(clock);
    let broken = true;
    const pool = new ConnectionPool({
      connect: (worker) => {
        if (broken) throw new Error('bad address');
        return workers.connect(worker);
      },
      maxConnectionsPerWorker: 1,
      reconnect,
      clock,
    });
    await expect(pool.acquire(workerA)).rejects.toMatchObject({
      code: ErrorCode.UNAVAILABLE,
      details: { reason: 'connect' },
    });
    broken = false;
    await clock.advanceSettling(100);
    const lease = await pool.acquire(workerA);
    expect(lease.workerId).toBe('a');
    expect(pool.stats.dialing).toBe(0);
  });
});
