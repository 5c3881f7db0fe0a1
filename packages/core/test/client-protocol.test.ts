import { rejectionOf, waitFor } from '@rpcnet/test-utils';
import { describe, expect, it } from 'vitest';
import { ErrorCode, InMemoryTransport, RpcClient, type TransportConnection } from '../src/index.js';
import { Envelopes } from '../src/wire/envelopes.js';
import { encodeFrame, FrameType } from '../src/wire/frame.js';

const hello = encodeFrame(
  FrameType.HELLO,
  0,
  0,
  Envelopes.hello.encode({
    protocol: 'rpcnet',
    version: 1,
    maxFrameBytes: 4096,
    initialWindowBytes: 65536,
    maxConcurrentCalls: 10,
  }),
);

/** A hand-driven server: answers HELLO, then lets the test write raw bytes. */
async function rawServer(transport: InMemoryTransport) {
  const connections: TransportConnection[] = [];
  const listener = await transport.listen({ host: '127.0.0.1', port: 0 }, (connection) => {
    connections.push(connection);
    connection.start({
      onData: () => undefined,
      onClose: () => undefined,
    });
    void connection.write(hello);
  });
  return { listener, connections };
}

describe('client protocol robustness', () => {
  it('counts garbage from the server, keeps calls intact and honours the server limits', async () => {
    const transport = new InMemoryTransport();
    const { listener, connections } = await rawServer(transport);
    const client = await RpcClient.connect(listener.address, { transport });
    const oversized = (await rejectionOf(client.unary('x', new Uint8Array(4097)))) as {
      code: string;
      notProcessed: boolean;
    };
    expect(oversized).toMatchObject({ code: ErrorCode.RESOURCE_EXHAUSTED, notProcessed: true });

    const pending = rejectionOf(client.unary('x', new Uint8Array(1), { timeoutMs: 10_000 }));
    const server = connections[0]!;
    await server.write(encodeFrame(FrameType.MESSAGE, 0, 77, Uint8Array.of(1)));
    await server.write(encodeFrame(FrameType.TRAILERS, 0, 1, Uint8Array.of(0xff, 0xff)));
    await waitFor(() => client.metrics.protocolErrors === 2, {
      timeoutMs: 2000,
      message: 'two protocol errors',
    });
    const error = (await pending) as { code: string };
    expect(error.code).toBe(ErrorCode.PROTOCOL_ERROR);
    expect(client.closed).toBe(false);
    await client.close();
    await listener.close();
  });

  it('takes a unary response that arrives with its status, and fails one that has no message', async () => {
    const transport = new InMemoryTransport();
    const { listener, connections } = await rawServer(transport);
    const client = await RpcClient.connect(listener.address, { transport });
    const ok = Envelopes.trailers.encode({ code: '' });

    const answered = client.unary('x', Uint8Array.of(1), { timeoutMs: 10_000 });
    const server = connections[0]!;
    // Message and status in one write: the status is processed in the same turn as the message.
    await server.write(
      Uint8Array.from([
        ...encodeFrame(FrameType.MESSAGE, 0, 1, Uint8Array.of(7, 8)),
        ...encodeFrame(FrameType.TRAILERS, 0, 1, ok),
      ]),
    );
    expect(await answered).toEqual(Uint8Array.of(7, 8));

    const empty = rejectionOf(client.unary('x', Uint8Array.of(1), { timeoutMs: 10_000 }));
    await server.write(encodeFrame(FrameType.TRAILERS, 0, 2, ok));
    expect(await empty).toMatchObject({
      code: ErrorCode.INTERNAL,
      message: 'the server sent no response message',
    });
    await client.close();
    await listener.close();
  });

  it('refuses a server that does not speak rpcnet', async () => {
    const transport = new InMemoryTransport();
    const listener = await transport.listen({ host: '127.0.0.1', port: 0 }, (connection) => {
      connection.start({ onData: () => undefined, onClose: () => undefined });
      void connection.write(
        encodeFrame(FrameType.HELLO, 0, 0, Envelopes.hello.encode({ protocol: 'other' })),
      );
    });
    const error = await rejectionOf(RpcClient.connect(listener.address, { transport }));
    expect(error).toMatchObject({ code: ErrorCode.PROTOCOL_ERROR, notProcessed: true });
    await listener.close();
  });
});
