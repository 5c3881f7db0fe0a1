import { rejectionOf, virtualWallClock, waitFor } from '@rpcnet/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type CallContext,
  ErrorCode,
  InMemoryTransport,
  RpcClient,
  type RpcError,
  RpcServer,
} from '../src/index.js';
import { FrameType } from '../src/wire/frame.js';
import { connectRawPeer } from './support/raw-peer.js';
import { bytes } from './support/text-bytes.js';

/** A virtual wall clock at a realistic epoch time. */

describe('deadlines and keep-alive under a virtual clock', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function setup(limits: { keepAliveIntervalMs?: number; idleTimeoutMs?: number } = {}) {
    const clock = virtualWallClock();
    const transport = new InMemoryTransport();
    const contexts: CallContext[] = [];
    const server = new RpcServer({ transport, clock, limits });
    server.unary(
      'park',
      (_request, ctx) =>
        new Promise<Uint8Array>((_resolve, reject) => {
          contexts.push(ctx);
          ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason));
        }),
    );
    const address = await server.start();
    cleanups.push(() => server.stop({ graceMs: 0 }));
    const client = await RpcClient.connect(address, { transport, clock, limits });
    cleanups.push(() => client.close());
    return { clock, transport, server, client, contexts, address };
  }

  it('fails the call exactly at its deadline on both sides and passes the deadline to the handler', async () => {
    const { clock, client, server, contexts } = await setup();
    const pending = client.unary('park', bytes(''), { timeoutMs: 1000 });
    await waitFor(() => contexts.length === 1);
    expect(contexts[0]?.deadline).toBe(clock.now() + 1000);
    clock.advance(999);
    expect(client.inFlight).toBe(1);
    expect(contexts[0]?.signal.aborted).toBe(false);
    clock.advance(1);
    const error = (await rejectionOf(pending)) as RpcError;
    expect(error.code).toBe(ErrorCode.DEADLINE_EXCEEDED);
    expect(contexts[0]?.signal.aborted).toBe(true);
    expect(client.inFlight).toBe(0);
    await waitFor(() => server.metrics.activeCalls === 0);
  });

  it('uses the earlier of deadline and timeoutMs, and refuses an already passed deadline', async () => {
    const { clock, client, contexts } = await setup();
    const pending = client.unary('park', bytes(''), {
      timeoutMs: 5000,
      deadline: clock.now() + 200,
    });
    await waitFor(() => contexts.length === 1);
    clock.advance(200);
    expect(((await rejectionOf(pending)) as RpcError).code).toBe(ErrorCode.DEADLINE_EXCEEDED);
    const late = (await rejectionOf(
      client.unary('park', bytes(''), { deadline: clock.now() - 1 }),
    )) as RpcError;
    expect(late.code).toBe(ErrorCode.DEADLINE_EXCEEDED);
    expect(late.notProcessed).toBe(true);
  });

  it('applies defaultTimeoutMs only to calls without deadline or timeout, never shortening them', async () => {
    const { clock, server, transport, contexts } = await setup();
    const address = server.address!;
    const client = await RpcClient.connect(address, { transport, clock, defaultTimeoutMs: 50 });
    cleanups.push(() => client.close());
    const explicit = client.unary('park', bytes(''), { deadline: clock.now() + 5000 });
    const defaulted = client.unary('park', bytes(''));
    await waitFor(() => contexts.length === 2);
    clock.advance(50);
    expect(((await rejectionOf(defaulted)) as RpcError).code).toBe(ErrorCode.DEADLINE_EXCEEDED);
    expect(client.inFlight).toBe(1);
    clock.advance(4949);
    expect(client.inFlight).toBe(1);
    clock.advance(1);
    expect(((await rejectionOf(explicit)) as RpcError).code).toBe(ErrorCode.DEADLINE_EXCEEDED);
  });

  it('cancels timers when calls finish, leaving only the keep-alive timers', async () => {
    const { clock, client, contexts } = await setup({ keepAliveIntervalMs: 0, idleTimeoutMs: 0 });
    const abort = new AbortController();
    const pending = client.unary('park', bytes(''), { timeoutMs: 60_000, signal: abort.signal });
    await waitFor(() => contexts.length === 1);
    expect(clock.pendingTimers).toBe(2);
    abort.abort();
    await rejectionOf(pending);
    await waitFor(() => clock.pendingTimers === 0, {
      timeoutMs: 2000,
      message: 'deadline timers cancelled',
    });
  });

  it('keeps a quiet but healthy connection open with pings', async () => {
    const { clock, client } = await setup({ keepAliveIntervalMs: 1000, idleTimeoutMs: 3000 });
    for (let i = 0; i < 10; i++) {
      clock.advance(1000);
      // Let pings and their answers cross the in-memory network.
      for (let turn = 0; turn < 5; turn++) await new Promise((resolve) => setImmediate(resolve));
    }
    expect(client.closed).toBe(false);
  });

  it('closes a connection whose peer stopped answering after the idle timeout', async () => {
    const { clock, server, transport, address } = await setup({
      keepAliveIntervalMs: 1000,
      idleTimeoutMs: 3000,
    });
    const peer = await connectRawPeer(transport, address);
    await peer.hello();
    await waitFor(() => peer.frames.some((frame) => frame.type === FrameType.HELLO));
    clock.advance(1000);
    await waitFor(() => peer.frames.some((frame) => frame.type === FrameType.PING));
    clock.advance(2000);
    await waitFor(() => peer.closed(), { timeoutMs: 2000, message: 'silent peer dropped' });
    expect(server.metrics.connections).toBe(1);
  });

  it('fails connect with UNAVAILABLE, not processed, when the server never answers HELLO', async () => {
    const clock = virtualWallClock();
    const transport = new InMemoryTransport();
    const silent = await transport.listen({ host: '127.0.0.1', port: 0 }, (connection) => {
      connection.start({ onData: () => undefined, onClose: () => undefined });
    });
    cleanups.push(() => silent.close());
    const connecting = RpcClient.connect(silent.address, {
      transport,
      clock,
      connectTimeoutMs: 500,
    });
    await new Promise((resolve) => setImmediate(resolve));
    clock.advance(500);
    const error = (await rejectionOf(connecting)) as RpcError;
    expect(error.code).toBe(ErrorCode.UNAVAILABLE);
    expect(error.notProcessed).toBe(true);
  });
});
