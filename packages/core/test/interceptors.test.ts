import type { VirtualClock } from '@rpcnet/base';
import { rejectionOf, virtualWallClock, waitFor } from '@rpcnet/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type CallContext,
  type CallKind,
  type ClientInterceptor,
  type ClientResponse,
  ErrorCode,
  InMemoryTransport,
  RpcClient,
  RpcError,
  RpcServer,
  type ServerInterceptor,
} from '../src/index.js';
import { bytes, text } from './support/text-bytes.js';

/** A virtual wall clock at a realistic epoch time. */

async function* echoStream(requests: AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> {
  for await (const request of requests) yield request;
}

async function collect(stream: AsyncIterable<Uint8Array>): Promise<string[]> {
  const out: string[] = [];
  for await (const message of stream) out.push(text(message));
  return out;
}

describe('interceptors', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  interface SetupOptions {
    client?: ClientInterceptor[];
    server?: ServerInterceptor[];
    clock?: VirtualClock<'wall'>;
  }

  /** A server with one method of each kind (echo; `who` answers with metadata `user`). */
  async function setup(options: SetupOptions = {}) {
    const transport = new InMemoryTransport();
    const clock = options.clock;
    const contexts: CallContext[] = [];
    const server = new RpcServer({
      transport,
      ...(clock ? { clock } : {}),
      ...(options.server ? { interceptors: options.server } : {}),
    });
    server.unary('unary', (request, context) => {
      contexts.push(context);
      return bytes(`${text(request)}:${context.metadata.user ?? '-'}`);
    });
    server.serverStream('serverStream', async function* (request, context) {
      contexts.push(context);
      yield request;
      yield bytes(context.metadata.user ?? '-');
    });
    server.clientStream('clientStream', async (requests, context) => {
      contexts.push(context);
      return bytes((await collect(requests)).join(','));
    });
    server.bidiStream('bidiStream', (requests, context) => {
      contexts.push(context);
      return echoStream(requests);
    });
    server.unary('fail', () => {
      throw new RpcError(ErrorCode.FAILED_PRECONDITION, 'refused by the handler');
    });
    server.unary(
      'park',
      (_request, context) =>
        new Promise<Uint8Array>((_resolve, reject) => {
          contexts.push(context);
          context.signal.addEventListener('abort', () => reject(context.signal.reason));
        }),
    );
    const address = await server.start();
    cleanups.push(() => server.stop({ graceMs: 0 }));
    const client = await RpcClient.connect(address, {
      transport,
      ...(clock ? { clock } : {}),
      ...(options.client ? { interceptors: options.client } : {}),
    });
    cleanups.push(() => client.close());
    return { server, client, contexts };
  }

  /** Makes one call of every kind and returns what each answered. */
  async function callEveryKind(client: RpcClient) {
    const unary = text(await client.unary('unary', bytes('u')));
    const serverStream = await collect(client.serverStream('serverStream', bytes('s')));
    const upload = client.clientStream('clientStream');
    await upload.send(bytes('c1'));
    await upload.send(bytes('c2'));
    upload.end();
    const clientStream = text(await upload.response);
    const bidi = client.bidiStream('bidiStream');
    await bidi.send(bytes('b1'));
    bidi.end();
    const bidiStream = await collect(bidi.responses);
    return { unary, serverStream, clientStream, bidiStream };
  }

  it('run client interceptors on every call kind, the first outermost, with metadata they add', async () => {
    const log: string[] = [];
    const tag =
      (name: string): ClientInterceptor =>
      (next) =>
      async (request) => {
        log.push(`${name}>${request.kind}:${request.method}`);
        const response = await next({
          ...request,
          metadata: { ...request.metadata, user: `${request.metadata.user ?? ''}${name}` },
        });
        log.push(`${name}<${request.kind}`);
        return response;
      };
    const { client } = await setup({ client: [tag('a'), tag('b')] });
    const answers = await callEveryKind(client);
    expect(answers).toEqual({
      unary: 'u:ab',
      serverStream: ['s', 'ab'],
      clientStream: 'c1,c2',
      bidiStream: ['b1'],
    });
    const kinds: CallKind[] = ['unary', 'serverStream', 'clientStream', 'bidiStream'];
    expect(log).toEqual(
      kinds.flatMap((kind) => [`a>${kind}:${kind}`, `b>${kind}:${kind}`, `b<${kind}`, `a<${kind}`]),
    );
  });

  it('let a client interceptor refuse a call of any kind before anything is sent', async () => {
    const refuse: ClientInterceptor = () => async () => {
      throw new RpcError(ErrorCode.FAILED_PRECONDITION, 'no token');
    };
    const { client, server } = await setup({ client: [refuse] });
    const unary = (await rejectionOf(client.unary('unary', bytes('u')))) as RpcError;
    const stream = (await rejectionOf(
      collect(client.serverStream('serverStream', bytes('s'))),
    )) as RpcError;
    const upload = client.clientStream('clientStream');
    const send = (await rejectionOf(upload.send(bytes('x')))) as RpcError;
    const response = (await rejectionOf(upload.response)) as RpcError;
    const bidi = client.bidiStream('bidiStream');
    const bidiError = (await rejectionOf(collect(bidi.responses))) as RpcError;
    const trailers = (await rejectionOf(bidi.responses.trailers)) as RpcError;
    for (const error of [unary, stream, send, response, bidiError, trailers]) {
      expect(error).toBeInstanceOf(RpcError);
      expect(error.code).toBe(ErrorCode.FAILED_PRECONDITION);
    }
    expect(server.metrics.callsStarted).toBe(0);
    expect(client.inFlight).toBe(0);
  });

  it('turn anything a client interceptor throws into an RpcError', async () => {
    const broken: ClientInterceptor = () => () => {
      throw new Error('interceptor bug');
    };
    const { client } = await setup({ client: [broken] });
    const error = (await rejectionOf(client.unary('unary', bytes('u')))) as RpcError;
    expect(error).toBeInstanceOf(RpcError);
    expect(error.code).toBe(ErrorCode.INTERNAL);
    expect(error.message).toBe('interceptor bug');
  });

  it('hand each interceptor a next that rejects, never throws, when a later step throws at once', async () => {
    const seen: string[] = [];
    // Records whether `next` threw or returned a rejected promise, then passes the outcome on.
    const observe = <F extends (request: never) => Promise<unknown>>(side: string, next: F): F =>
      ((request: never) => {
        let result: Promise<unknown>;
        try {
          result = next(request);
        } catch (error) {
          seen.push(`${side} threw ${(error as Error).message}`);
          throw error;
        }
        return result.catch((error: unknown) => {
          seen.push(`${side} rejected ${(error as Error).message}`);
          throw error;
        });
      }) as F;
    const clientObserver: ClientInterceptor = (next) => observe('client', next);
    const clientBroken: ClientInterceptor = () => () => {
      throw new RpcError(ErrorCode.FAILED_PRECONDITION, 'client says no');
    };
    const serverObserver: ServerInterceptor = (next) => observe('server', next);
    const serverBroken: ServerInterceptor = () => () => {
      throw new RpcError(ErrorCode.RESOURCE_EXHAUSTED, 'server says no');
    };
    const refused = await setup({ client: [clientObserver, clientBroken] });
    const clientError = (await rejectionOf(refused.client.unary('unary', bytes('u')))) as RpcError;
    expect(clientError.code).toBe(ErrorCode.FAILED_PRECONDITION);
    const { client } = await setup({ server: [serverObserver, serverBroken] });
    const serverError = (await rejectionOf(client.unary('unary', bytes('u')))) as RpcError;
    expect(serverError.code).toBe(ErrorCode.RESOURCE_EXHAUSTED);
    expect(seen).toEqual(['client rejected client says no', 'server rejected server says no']);
  });

  it("show client interceptors every call's status: a unary call's as next settles, a stream's in its trailers", async () => {
    const outcomes: string[] = [];
    const observe: ClientInterceptor = (next) => async (request) => {
      let response: ClientResponse;
      try {
        response = await next(request);
      } catch (error) {
        outcomes.push(`${request.method}:rejected:${(error as RpcError).code}`);
        throw error;
      }
      if (request.kind === 'unary') {
        // Settled with the call: its response and OK status are already in.
        outcomes.push(`${request.method}:resolved:${response.receivedBytes?.()}`);
        return response;
      }
      response.trailers.then(
        () => outcomes.push(`${request.method}:OK`),
        (error: RpcError) => outcomes.push(`${request.method}:${error.code}`),
      );
      return response;
    };
    const { client } = await setup({ client: [observe] });
    await callEveryKind(client);
    const failed = (await rejectionOf(client.unary('fail', bytes('')))) as RpcError;
    expect(failed.code).toBe(ErrorCode.FAILED_PRECONDITION);
    await waitFor(() => outcomes.length === 5, { timeoutMs: 2000, message: 'five outcomes' });
    expect(outcomes).toEqual([
      'unary:resolved:3',
      'serverStream:OK',
      'clientStream:OK',
      'bidiStream:OK',
      `fail:rejected:${ErrorCode.FAILED_PRECONDITION}`,
    ]);
  });

  it("tell client interceptors each call's response payload bytes once its status arrives", async () => {
    const received: string[] = [];
    const count: ClientInterceptor = (next) => async (request) => {
      const response = await next(request);
      const receivedBytes = response.receivedBytes;
      response.trailers.then(
        () => received.push(`${request.method}:${receivedBytes?.()}`),
        () => received.push(`${request.method}:failed:${receivedBytes?.()}`),
      );
      return response;
    };
    const { client } = await setup({ client: [count] });
    await callEveryKind(client);
    await waitFor(() => received.length === 4, { timeoutMs: 2000, message: 'four counts' });
    // unary 'u:-', serverStream 's' + '-', clientStream 'c1,c2', bidiStream 'b1'.
    expect(received).toEqual(['unary:3', 'serverStream:2', 'clientStream:5', 'bidiStream:2']);
  });

  it('keep deadlines and cancellation working through a client chain', async () => {
    const clock = virtualWallClock();
    const seen: Array<{ deadline: number | undefined; signal: boolean }> = [];
    const passThrough: ClientInterceptor = (next) => (request) => {
      seen.push({ deadline: request.deadline, signal: request.signal !== undefined });
      return next(request);
    };
    const { client, contexts } = await setup({ client: [passThrough, passThrough], clock });
    const timed = client.unary('park', bytes(''), { timeoutMs: 1000 });
    await waitFor(() => contexts.length === 1, { timeoutMs: 2000, message: 'the timed call runs' });
    expect(contexts[0]?.deadline).toBe(clock.now() + 1000);
    clock.advance(1000);
    expect(((await rejectionOf(timed)) as RpcError).code).toBe(ErrorCode.DEADLINE_EXCEEDED);
    const abort = new AbortController();
    const cancelled = client.unary('park', bytes(''), { signal: abort.signal });
    await waitFor(() => contexts.length === 2, {
      timeoutMs: 2000,
      message: 'the cancellable call runs',
    });
    abort.abort();
    expect(((await rejectionOf(cancelled)) as RpcError).code).toBe(ErrorCode.CANCELLED);
    await waitFor(() => contexts[1]?.signal.aborted === true, {
      timeoutMs: 2000,
      message: 'the handler sees the cancel',
    });
    expect(seen).toEqual([
      { deadline: 1_700_000_001_000, signal: false },
      { deadline: 1_700_000_001_000, signal: false },
      { deadline: undefined, signal: true },
      { deadline: undefined, signal: true },
    ]);
  });

  it('let a client interceptor shorten the deadline it passes on', async () => {
    const clock = virtualWallClock();
    const tighten: ClientInterceptor = (next) => (request) =>
      next({ ...request, deadline: clock.now() + 200 });
    const { client, contexts } = await setup({ client: [tighten], clock });
    const pending = client.unary('park', bytes(''), { timeoutMs: 5000 });
    await waitFor(() => contexts.length === 1, { timeoutMs: 2000, message: 'the call runs' });
    expect(contexts[0]?.deadline).toBe(clock.now() + 200);
    clock.advance(200);
    expect(((await rejectionOf(pending)) as RpcError).code).toBe(ErrorCode.DEADLINE_EXCEEDED);
  });

  it('let a client interceptor count the messages of a stream in both directions', async () => {
    const counts = { sent: 0, received: 0 };
    const count: ClientInterceptor = (next) => async (request) => {
      const response = await next(request);
      return {
        ...response,
        send: (message) => {
          counts.sent += 1;
          return response.send(message);
        },
        messages: {
          async *[Symbol.asyncIterator]() {
            for await (const message of response.messages) {
              counts.received += 1;
              yield message;
            }
          },
        },
      };
    };
    const { client } = await setup({ client: [count] });
    const bidi = client.bidiStream('bidiStream');
    for (const word of ['x', 'y', 'z']) await bidi.send(bytes(word));
    bidi.end();
    expect(await collect(bidi.responses)).toEqual(['x', 'y', 'z']);
    expect(counts).toEqual({ sent: 3, received: 3 });
  });

  it('run server interceptors on every call kind, the first outermost, with the call metadata', async () => {
    const log: string[] = [];
    const tag =
      (name: string): ServerInterceptor =>
      (next) =>
      async (request) => {
        log.push(`${name}>${request.kind}:${request.context.metadata.user ?? '-'}`);
        const response = await next(request);
        log.push(`${name}<${request.kind}`);
        return response;
      };
    const addUser: ClientInterceptor = (next) => (request) =>
      next({ ...request, metadata: { user: 'ann' } });
    const { client } = await setup({ client: [addUser], server: [tag('a'), tag('b')] });
    const answers = await callEveryKind(client);
    expect(answers.unary).toBe('u:ann');
    const kinds: CallKind[] = ['unary', 'serverStream', 'clientStream', 'bidiStream'];
    expect(log).toEqual(
      kinds.flatMap((kind) => [`a>${kind}:ann`, `b>${kind}:ann`, `b<${kind}`, `a<${kind}`]),
    );
  });

  it('let a server interceptor refuse a call: the client gets its code and no handler runs', async () => {
    const requireUser: ServerInterceptor = (next) => async (request) => {
      if (request.context.metadata.user === undefined) {
        throw new RpcError(ErrorCode.INVALID_ARGUMENT, 'who are you?');
      }
      return next(request);
    };
    const { client, contexts, server } = await setup({ server: [requireUser] });
    const unary = (await rejectionOf(client.unary('unary', bytes('u')))) as RpcError;
    const stream = (await rejectionOf(
      collect(client.serverStream('serverStream', bytes('s'))),
    )) as RpcError;
    expect([unary.code, stream.code]).toEqual([
      ErrorCode.INVALID_ARGUMENT,
      ErrorCode.INVALID_ARGUMENT,
    ]);
    expect(unary.message).toBe('who are you?');
    expect(contexts).toHaveLength(0);
    expect(text(await client.unary('unary', bytes('u'), { metadata: { user: 'bo' } }))).toBe(
      'u:bo',
    );
    expect(server.metrics).toMatchObject({ callsStarted: 3, callsFailed: 2, callsSucceeded: 1 });
  });

  it('let a server interceptor observe handler errors and set response trailers', async () => {
    const errors: string[] = [];
    const observe: ServerInterceptor = (next) => async (request) => {
      request.context.setTrailer({ 'served-by': 'interceptor' });
      try {
        return await next(request);
      } catch (error) {
        errors.push(`${request.method}:${(error as RpcError).code}`);
        throw error;
      }
    };
    const { client } = await setup({ server: [observe] });
    const failed = (await rejectionOf(client.unary('fail', bytes('')))) as RpcError;
    expect(failed.code).toBe(ErrorCode.FAILED_PRECONDITION);
    expect(errors).toEqual([`fail:${ErrorCode.FAILED_PRECONDITION}`]);
    const stream = client.serverStream('serverStream', bytes('s'));
    expect(await collect(stream)).toEqual(['s', '-']);
    expect(await stream.trailers).toEqual({ 'served-by': 'interceptor' });
  });

  it('let a server interceptor wrap the request and response streams', async () => {
    const upper = (stream: AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> => ({
      async *[Symbol.asyncIterator]() {
        for await (const message of stream) yield bytes(text(message).toUpperCase());
      },
    });
    const shout: ServerInterceptor = (next) => async (request) => {
      const response = await next(
        request.messages ? { ...request, messages: upper(request.messages) } : request,
      );
      return response.messages ? { messages: upper(response.messages) } : response;
    };
    const { client } = await setup({ server: [shout] });
    const bidi = client.bidiStream('bidiStream');
    await bidi.send(bytes('hi'));
    bidi.end();
    expect(await collect(bidi.responses)).toEqual(['HI']);
    expect(text(await client.unary('unary', bytes('u')))).toBe('u:-');
  });

  it('show a server interceptor a deadline that passed while its handler ran', async () => {
    const clock = virtualWallClock();
    const statuses: string[] = [];
    const observe: ServerInterceptor = (next) => async (request) => {
      try {
        const response = await next(request);
        const signal = request.context.signal;
        statuses.push(signal.aborted ? (signal.reason as RpcError).code : 'OK');
        return response;
      } catch (error) {
        statuses.push((error as RpcError).code);
        throw error;
      }
    };
    const { client, contexts } = await setup({ server: [observe], clock });
    const pending = client.unary('park', bytes(''), { timeoutMs: 50 });
    await waitFor(() => contexts.length === 1, { timeoutMs: 2000, message: 'the call runs' });
    clock.advance(50);
    expect(((await rejectionOf(pending)) as RpcError).code).toBe(ErrorCode.DEADLINE_EXCEEDED);
    await waitFor(() => statuses.length === 1, {
      timeoutMs: 2000,
      message: 'the interceptor sees the end',
    });
    expect(statuses).toEqual([ErrorCode.DEADLINE_EXCEEDED]);
  });

  it('fail a call with INTERNAL, naming why, when what the chain answered cannot be sent', async () => {
    const dropping: ServerInterceptor = (next) => async (request) => {
      const response = await next(request);
      return request.method === 'unary' ? {} : request.method === 'serverStream' ? {} : response;
    };
    const { client } = await setup({ server: [dropping] });
    const unary = (await rejectionOf(client.unary('unary', bytes('u')))) as RpcError;
    expect(unary.code).toBe(ErrorCode.INTERNAL);
    expect(unary.message).toContain('an interceptor dropped the response of unary');
    const stream = (await rejectionOf(
      collect(client.serverStream('serverStream', bytes('s'))),
    )) as RpcError;
    expect(stream.code).toBe(ErrorCode.INTERNAL);
    expect(stream.message).toContain('an interceptor dropped the responses of serverStream');
    // The connection stays usable for the calls the interceptor passes on.
    const upload = client.clientStream('clientStream');
    await upload.send(bytes('c'));
    upload.end();
    expect(text(await upload.response)).toBe('c');

    const transport = new InMemoryTransport();
    const server = new RpcServer({ transport });
    server.unary('notBytes', () => 'text' as unknown as Uint8Array);
    server.serverStream('breaks', async function* () {
      yield bytes('first');
      throw new RpcError(ErrorCode.UNAVAILABLE, 'the source went away');
    });
    const address = await server.start();
    cleanups.push(() => server.stop({ graceMs: 0 }));
    const direct = await RpcClient.connect(address, { transport });
    cleanups.push(() => direct.close());
    const notBytes = (await rejectionOf(direct.unary('notBytes', bytes('x')))) as RpcError;
    expect(notBytes.code).toBe(ErrorCode.INTERNAL);
    expect(notBytes.message).toContain('not a Uint8Array');
    const received: string[] = [];
    const broken = (await rejectionOf(
      (async () => {
        for await (const message of direct.serverStream('breaks', bytes('x'))) {
          received.push(text(message));
        }
      })(),
    )) as RpcError;
    expect(received).toEqual(['first']);
    expect(broken.code).toBe(ErrorCode.UNAVAILABLE);
    expect(broken.message).toBe('the source went away');
  });

  it('refuse an interceptors option that is not a list of functions, naming the field', async () => {
    expect(() => new RpcServer({ interceptors: ['nope' as never] })).toThrow(/interceptors/);
    await expect(
      RpcClient.connect('127.0.0.1:1', {
        transport: new InMemoryTransport(),
        interceptors: [42 as never],
      }),
    ).rejects.toThrow(/interceptors/);
  });
});
