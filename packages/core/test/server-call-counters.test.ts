import { VirtualClock } from '@rpcnet/base';
import { rejectionOf, waitFor } from '@rpcnet/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type CallContext,
  ErrorCode,
  InMemoryTransport,
  RpcClient,
  RpcError,
  RpcServer,
  type ServerInterceptor,
} from '../src/index.js';
import { bytes } from './support/text-bytes.js';

describe("RpcServer.metrics (kept by the server's built-in interceptor)", () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function setup(server: RpcServer, transport: InMemoryTransport) {
    const address = await server.start();
    cleanups.push(() => server.stop({ graceMs: 0 }));
    const client = await RpcClient.connect(address, { transport });
    cleanups.push(() => client.close());
    return client;
  }

  it('count a handler that returned after its deadline as failed, with the error on its context', async () => {
    const clock = new VirtualClock({ kind: 'wall', startMs: 1_700_000_000_000 });
    const transport = new InMemoryTransport();
    const server = new RpcServer({ transport, clock });
    const contexts: CallContext[] = [];
    let finishHandler: (() => void) | undefined;
    server.unary('slow', async (request, context) => {
      contexts.push(context);
      await new Promise<void>((resolve) => {
        finishHandler = resolve;
      });
      return request;
    });
    const client = await setup(server, transport);
    const pending = client.unary('slow', bytes('x'), { timeoutMs: 50 });
    await waitFor(() => contexts.length === 1, { timeoutMs: 2000, message: 'the handler runs' });
    expect(server.metrics).toMatchObject({ activeCalls: 1, callsStarted: 1 });
    expect(contexts[0]?.error).toBe(undefined);
    clock.advance(50);
    expect(((await rejectionOf(pending)) as RpcError).code).toBe(ErrorCode.DEADLINE_EXCEEDED);
    expect(contexts[0]?.error?.code).toBe(ErrorCode.DEADLINE_EXCEEDED);
    // The handler still runs: it is served until it returns.
    expect(server.metrics.activeCalls).toBe(1);
    finishHandler?.();
    await waitFor(() => server.metrics.activeCalls === 0, {
      timeoutMs: 2000,
      message: 'the handler returned',
    });
    expect(server.metrics).toMatchObject({ callsStarted: 1, callsSucceeded: 0, callsFailed: 1 });
  });

  it('count a server stream until its last message, and a call a user interceptor refused', async () => {
    const transport = new InMemoryTransport();
    const refuseAnonymous: ServerInterceptor = (next) => async (request) => {
      if (request.context.metadata.user === undefined) {
        throw new RpcError(ErrorCode.FAILED_PRECONDITION, 'who are you?');
      }
      return next(request);
    };
    const server = new RpcServer({ transport, interceptors: [refuseAnonymous] });
    let release: (() => void) | undefined;
    server.serverStream('two', async function* () {
      yield bytes('one');
      await new Promise<void>((resolve) => {
        release = resolve;
      });
      yield bytes('two');
    });
    const client = await setup(server, transport);
    const metadata = { user: 'bo' };
    const iterator = client.serverStream('two', bytes(''), { metadata })[Symbol.asyncIterator]();
    await iterator.next();
    await waitFor(() => release !== undefined, {
      timeoutMs: 2000,
      message: 'the handler waits between messages',
    });
    expect(server.metrics).toMatchObject({ activeCalls: 1, callsStarted: 1, callsSucceeded: 0 });
    release?.();
    expect((await iterator.next()).done).toBe(false);
    expect((await iterator.next()).done).toBe(true);
    await waitFor(() => server.metrics.activeCalls === 0, {
      timeoutMs: 2000,
      message: 'the stream ended',
    });
    const anonymous = client.serverStream('two', bytes(''))[Symbol.asyncIterator]();
    const refused = (await rejectionOf(anonymous.next())) as RpcError;
    expect(refused.code).toBe(ErrorCode.FAILED_PRECONDITION);
    expect(server.metrics).toMatchObject({
      activeCalls: 0,
      callsStarted: 2,
      callsSucceeded: 1,
      callsFailed: 1,
      callsRejected: 0,
    });
  });
});
