import { rejectionOf, waitFor } from '@rpcnet/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ErrorCode,
  InMemoryTransport,
  type Logger,
  RpcClient,
  RpcError,
  RpcServer,
} from '../src/index.js';
import { bytes, text } from './support/text-bytes.js';

describe('RpcServer.onStop', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  });

  async function started(logger?: Logger) {
    const transport = new InMemoryTransport();
    const server = new RpcServer({ transport, ...(logger ? { logger } : {}) });
    server.unary('echo', (request) => request);
    const address = await server.start();
    cleanups.push(() => server.stop({ graceMs: 0 }));
    const client = await RpcClient.connect(address, { transport });
    cleanups.push(() => client.close());
    return { server, client };
  }

  it('runs beforeDrain while calls are still served, afterDrain once the server is closed', async () => {
    const { server, client } = await started();
    let finishSlow: () => void = () => undefined;
    server.unary('slow', async () => {
      await new Promise<void>((resolve) => {
        finishSlow = resolve;
      });
      return bytes('slow done');
    });
    const slow = client.unary('slow', new Uint8Array());
    await waitFor(() => server.metrics.activeCalls === 1, {
      timeoutMs: 2000,
      message: 'the slow call runs',
    });

    const seen: string[] = [];
    let releaseBefore: () => void = () => undefined;
    server.onStop({
      beforeDrain: async () => {
        seen.push('beforeDrain');
        await new Promise<void>((resolve) => {
          releaseBefore = resolve;
        });
      },
      afterDrain: () => {
        seen.push(
          `afterDrain address=${String(server.address)} active=${server.metrics.activeCalls}`,
        );
      },
    });
    const stopping = server.stop({ graceMs: 5000 });
    await waitFor(() => seen.length === 1, { timeoutMs: 2000, message: 'beforeDrain runs' });
    // No GOAWAY yet: a new call is still served while beforeDrain runs.
    expect(text(await client.unary('echo', bytes('still open')))).toBe('still open');
    releaseBefore();
    // Then GOAWAY: new calls are refused (safe to retry) while the slow call drains.
    let refused: unknown;
    const giveUpAt = Date.now() + 2000;
    while (refused === undefined && Date.now() < giveUpAt) {
      refused = await client.unary('echo', bytes('late')).then(
        () => undefined,
        (error: unknown) => error,
      );
    }
    expect(refused).toMatchObject({ code: ErrorCode.UNAVAILABLE, notProcessed: true });
    expect(seen).toEqual(['beforeDrain']);
    finishSlow();
    expect(text(await slow)).toBe('slow done');
    await stopping;
    expect(seen).toEqual(['beforeDrain', 'afterDrain address=undefined active=0']);
  });

  it('runs beforeDrain hooks in registration order and afterDrain hooks newest first', async () => {
    const { server } = await started();
    const seen: string[] = [];
    for (const name of ['a', 'b', 'c']) {
      server.onStop({
        beforeDrain: () => void seen.push(`before ${name}`),
        afterDrain: () => void seen.push(`after ${name}`),
      });
    }
    await server.stop({ graceMs: 0 });
    expect(seen).toEqual(['before a', 'before b', 'before c', 'after c', 'after b', 'after a']);
  });

  it('stops calling a hook once it is unsubscribed', async () => {
    const { server } = await started();
    let calls = 0;
    const unsubscribe = server.onStop({ beforeDrain: () => void calls++ });
    unsubscribe();
    unsubscribe();
    await server.stop({ graceMs: 0 });
    expect(calls).toBe(0);
  });

  it('logs a failing hook and still stops, running the afterDrain hooks', async () => {
    const errors: string[] = [];
    const logger: Logger = {
      debug: () => undefined,
      info: () => undefined,
      warn: () => undefined,
      error: (message, fields) => void errors.push(`${message}: ${String(fields?.error)}`),
    };
    const { server, client } = await started(logger);
    let afterRan = false;
    server.onStop({
      beforeDrain: () => {
        throw new Error('registry unreachable');
      },
    });
    server.onStop({
      afterDrain: () => {
        afterRan = true;
      },
    });
    await server.stop({ graceMs: 0 });
    expect(afterRan).toBe(true);
    expect(server.address).toBeUndefined();
    expect(errors).toEqual(['rpc server stop hook failed: registry unreachable']);
    const error = await rejectionOf(client.unary('echo', bytes('x')));
    expect(error).toBeInstanceOf(RpcError);
    expect((error as RpcError).code).toBe(ErrorCode.UNAVAILABLE);
  });

  it('runs the hooks once when stop() is called concurrently, and not for a stopped server', async () => {
    const { server } = await started();
    let before = 0;
    let after = 0;
    server.onStop({ beforeDrain: () => void before++, afterDrain: () => void after++ });
    const first = server.stop({ graceMs: 0 });
    const second = server.stop({ graceMs: 0 });
    expect(second).toBe(first);
    await Promise.all([first, second]);
    expect([before, after]).toEqual([1, 1]);
    await server.stop({ graceMs: 0 });
    expect([before, after]).toEqual([1, 1]);
  });
});
