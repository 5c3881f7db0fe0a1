import { rejectionOf, waitFor } from '@rpcnet/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type CallObserver,
  type CallOutcome,
  ErrorCode,
  InMemoryTransport,
  type ObservedCall,
  RpcClient,
  RpcError,
  RpcServer,
} from '../src/index.js';
import { bytes, text } from './support/text-bytes.js';

interface Seen {
  kind: string;
  method: string;
  code?: string | undefined;
  sentBytes?: number;
  receivedBytes?: number;
  sentMessages?: number;
  receivedMessages?: number;
}

/** An observer that keeps what it was told, in order: a start, then (copied) its outcome. */
function recorder(): { observer: CallObserver; seen: Seen[]; open: () => number } {
  const seen: Seen[] = [];
  let open = 0;
  const observer: CallObserver = {
    started(call: ObservedCall) {
      const entry: Seen = { kind: call.kind, method: call.method };
      seen.push(entry);
      open += 1;
      return {
        ended(outcome: CallOutcome) {
          open -= 1;
          Object.assign(entry, {
            code: outcome.code,
            sentBytes: outcome.sentBytes,
            receivedBytes: outcome.receivedBytes,
            sentMessages: outcome.sentMessages,
            receivedMessages: outcome.receivedMessages,
          });
        },
      };
    },
  };
  return { observer, seen, open: () => open };
}

async function collect(stream: AsyncIterable<Uint8Array>): Promise<string[]> {
  const out: string[] = [];
  for await (const message of stream) out.push(text(message));
  return out;
}

describe('call observers', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function setup(server: CallObserver[], client: CallObserver[]) {
    const transport = new InMemoryTransport();
    const rpcServer = new RpcServer({ transport, observers: server });
    rpcServer.unary('unary', (request) => bytes(`${text(request)}!`));
    rpcServer.serverStream('serverStream', async function* (request) {
      yield request;
      yield bytes('two');
    });
    rpcServer.clientStream('clientStream', async (requests) =>
      bytes((await collect(requests)).join(',')),
    );
    rpcServer.bidiStream('bidiStream', async function* (requests) {
      for await (const request of requests) yield request;
    });
    rpcServer.unary('fail', () => {
      throw new RpcError(ErrorCode.FAILED_PRECONDITION, 'refused by the handler');
    });
    const address = await rpcServer.start();
    cleanups.push(() => rpcServer.stop({ graceMs: 0 }));
    const rpcClient = await RpcClient.connect(address, { transport, observers: client });
    cleanups.push(() => rpcClient.close());
    return { server: rpcServer, client: rpcClient };
  }

  it('tell each side of every call kind its start and its end: code, bytes and messages', async () => {
    const server = recorder();
    const client = recorder();
    const { client: rpc } = await setup([server.observer], [client.observer]);
    expect(text(await rpc.unary('unary', bytes('abc')))).toBe('abc!');
    expect(await collect(rpc.serverStream('serverStream', bytes('hello')))).toEqual([
      'hello',
      'two',
    ]);
    const upload = rpc.clientStream('clientStream');
    await upload.send(bytes('a'));
    await upload.send(bytes('bc'));
    upload.end();
    expect(text(await upload.response)).toBe('a,bc');
    const bidi = rpc.bidiStream('bidiStream');
    await bidi.send(bytes('x'));
    await bidi.send(bytes('yz'));
    bidi.end();
    expect(await collect(bidi.responses)).toEqual(['x', 'yz']);
    await waitFor(() => server.open() === 0 && client.open() === 0);

    const ok = { code: undefined };
    expect(client.seen).toEqual([
      {
        kind: 'unary',
        method: 'unary',
        ...ok,
        sentBytes: 3,
        receivedBytes: 4,
        sentMessages: 1,
        receivedMessages: 1,
      },
      {
        kind: 'serverStream',
        method: 'serverStream',
        ...ok,
        sentBytes: 5,
        receivedBytes: 8,
        sentMessages: 1,
        receivedMessages: 2,
      },
      {
        kind: 'clientStream',
        method: 'clientStream',
        ...ok,
        sentBytes: 3,
        receivedBytes: 4,
        sentMessages: 2,
        receivedMessages: 1,
      },
      {
        kind: 'bidiStream',
        method: 'bidiStream',
        ...ok,
        sentBytes: 3,
        receivedBytes: 3,
        sentMessages: 2,
        receivedMessages: 2,
      },
    ]);
    // The server's view is the mirror image.
    expect(server.seen).toEqual(
      client.seen.map((call) => ({
        ...call,
        sentBytes: call.receivedBytes,
        receivedBytes: call.sentBytes,
        sentMessages: call.receivedMessages,
        receivedMessages: call.sentMessages,
      })),
    );
  });

  it('tell both sides the error code of a failed call, and the client of a call refused before it started', async () => {
    const server = recorder();
    const client = recorder();
    const { client: rpc } = await setup([server.observer], [client.observer]);
    const failed = (await rejectionOf(rpc.unary('fail', bytes('x')))) as RpcError;
    expect(failed.code).toBe(ErrorCode.FAILED_PRECONDITION);
    const late = (await rejectionOf(
      rpc.unary('unary', bytes('x'), { deadline: Date.now() - 1 }),
    )) as RpcError;
    expect(late.code).toBe(ErrorCode.DEADLINE_EXCEEDED);
    await waitFor(() => server.open() === 0 && client.open() === 0);
    expect(
      client.seen.map(({ method, code, sentMessages }) => ({ method, code, sentMessages })),
    ).toEqual([
      { method: 'fail', code: ErrorCode.FAILED_PRECONDITION, sentMessages: 1 },
      { method: 'unary', code: ErrorCode.DEADLINE_EXCEEDED, sentMessages: 0 },
    ]);
    // The refused call never reached the server.
    expect(server.seen.map(({ method, code }) => ({ method, code }))).toEqual([
      { method: 'fail', code: ErrorCode.FAILED_PRECONDITION },
    ]);
  });

  it('log an observer that throws and keep the calls and the other observers going', async () => {
    const warnings: string[] = [];
    const logger = {
      debug: () => undefined,
      info: () => undefined,
      warn: (message: string, fields?: Record<string, unknown>) => {
        warnings.push(`${message}: ${String(fields?.message)}`);
      },
      error: () => undefined,
    };
    const broken: CallObserver = {
      started: () => ({
        ended: () => {
          throw new Error('observer bug at the end');
        },
      }),
    };
    const throwsAtStart: CallObserver = {
      started: () => {
        throw new Error('observer bug at the start');
      },
    };
    const kept = recorder();
    const transport = new InMemoryTransport();
    const server = new RpcServer({ transport, logger, observers: [throwsAtStart, broken] });
    server.unary('unary', (request) => request);
    const address = await server.start();
    cleanups.push(() => server.stop({ graceMs: 0 }));
    const client = await RpcClient.connect(address, {
      transport,
      logger,
      observers: [broken, kept.observer],
    });
    cleanups.push(() => client.close());
    expect(text(await client.unary('unary', bytes('still works')))).toBe('still works');
    await waitFor(() => warnings.length === 3);
    expect(warnings.sort()).toEqual([
      'rpc call observer threw: observer bug at the end',
      'rpc call observer threw: observer bug at the end',
      'rpc call observer threw: observer bug at the start',
    ]);
    expect(kept.seen).toEqual([
      {
        kind: 'unary',
        method: 'unary',
        code: undefined,
        sentBytes: 11,
        receivedBytes: 11,
        sentMessages: 1,
        receivedMessages: 1,
      },
    ]);
  });

  it('refuse an observers option that is not a list of observers, naming the field', async () => {
    expect(() => new RpcServer({ observers: [() => undefined] as never })).toThrow(/observers/);
    await expect(
      RpcClient.connect('127.0.0.1:1', {
        transport: new InMemoryTransport(),
        observers: [{}] as never,
      }),
    ).rejects.toThrow(/observers/);
  });
});
