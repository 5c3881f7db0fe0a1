import { waitFor } from '@rpcnet/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import { InMemoryTransport, RpcClient, RpcServer, type TransportConnection } from '../src/index.js';
import { Envelopes } from '../src/wire/envelopes.js';
import {
  decodeRequestWithMessage,
  encodeFrame,
  encodeRequestWithMessage,
  type Frame,
  FrameFlag,
  FrameType,
  ProtocolFeature,
} from '../src/wire/frame.js';
import { FrameDecoder } from '../src/wire/frame-decoder.js';
import { connectRawPeer, type RawPeer, requestFrame } from './support/raw-peer.js';
import { bytes, text } from './support/text-bytes.js';

const { IMPLICIT_OK_TRAILERS, REQUEST_WITH_MESSAGE } = ProtocolFeature;

/** A hand-driven server announcing `features`; records what the client sends. */
async function rawServer(transport: InMemoryTransport, features: number) {
  const received: Frame[] = [];
  let connection: TransportConnection | undefined;
  const listener = await transport.listen({ host: '127.0.0.1', port: 0 }, (accepted) => {
    connection = accepted;
    const decoder = new FrameDecoder(1 << 20, {
      onFrame: (frame) => received.push({ ...frame, payload: frame.payload.slice() }),
      onProtocolError: () => undefined,
    });
    accepted.start({ onData: (chunk) => decoder.push(chunk), onClose: () => undefined });
    void accepted.write(
      encodeFrame(
        FrameType.HELLO,
        0,
        0,
        Envelopes.hello.encode({ protocol: 'rpcnet', version: 1, features }),
      ),
    );
  });
  return { listener, received, write: (bytes: Uint8Array) => connection!.write(bytes) };
}

describe('IMPLICIT_OK_TRAILERS (HELLO feature bit 0x01)', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  });

  async function serverAndPeer(features: number): Promise<RawPeer> {
    const transport = new InMemoryTransport();
    const server = new RpcServer({ transport });
    server.unary('echo', (request) => request);
    server.unary('withTrailer', (request, context) => {
      context.setTrailer({ served: 'yes' });
      return request;
    });
    const address = await server.start();
    cleanups.push(() => server.stop({ graceMs: 0 }));
    const peer = await connectRawPeer(transport, address);
    cleanups.push(() => peer.close());
    await peer.hello(features);
    return peer;
  }

  async function unaryFrames(peer: RawPeer, id: number, method: string): Promise<Frame[]> {
    await peer.write(requestFrame(id, method));
    await peer.write(encodeFrame(FrameType.MESSAGE, FrameFlag.END_STREAM, id, bytes(`m${id}`)));
    await waitFor(
      () =>
        peer.frames.some((f) => f.callId === id && (f.flags & FrameFlag.END_STREAM) !== 0) ||
        peer.frames.some((f) => f.callId === id && f.type === FrameType.TRAILERS),
      { timeoutMs: 2000, message: `call ${id} ends` },
    );
    return peer.frames.filter((frame) => frame.callId === id);
  }

  it('ends a unary call with MESSAGE|END_STREAM and no TRAILERS for a client that announced it', async () => {
    const peer = await serverAndPeer(IMPLICIT_OK_TRAILERS);
    await waitFor(() => peer.frames.length > 0, { timeoutMs: 2000, message: 'the server HELLO' });
    const serverHello = peer.frames.find((frame) => frame.type === FrameType.HELLO);
    expect(Envelopes.hello.decode(serverHello!.payload).features & IMPLICIT_OK_TRAILERS).toBe(
      IMPLICIT_OK_TRAILERS,
    );
    const frames = await unaryFrames(peer, 1, 'echo');
    expect(frames.map((frame) => [frame.type, frame.flags])).toEqual([
      [FrameType.MESSAGE, FrameFlag.END_STREAM],
    ]);
    expect(text(frames[0]!.payload)).toBe('m1');
  });

  it('still sends TRAILERS when the handler set trailers', async () => {
    const peer = await serverAndPeer(IMPLICIT_OK_TRAILERS);
    const frames = await unaryFrames(peer, 1, 'withTrailer');
    expect(frames.map((frame) => [frame.type, frame.flags])).toEqual([
      [FrameType.MESSAGE, 0],
      [FrameType.TRAILERS, 0],
    ]);
    expect(Envelopes.trailers.decode(frames[1]!.payload).metadata).toEqual({ served: 'yes' });
  });

  it('sends plain version-1 frames (MESSAGE, then an empty OK TRAILERS) to a client without it', async () => {
    const peer = await serverAndPeer(0);
    const frames = await unaryFrames(peer, 1, 'echo');
    expect(frames.map((frame) => [frame.type, frame.flags, frame.payload.length])).toEqual([
      [FrameType.MESSAGE, 0, 2],
      [FrameType.TRAILERS, 0, 0],
    ]);
  });

  it('the client announces the feature and completes a call on MESSAGE|END_STREAM', async () => {
    const transport = new InMemoryTransport();
    const server = await rawServer(transport, IMPLICIT_OK_TRAILERS);
    cleanups.push(() => server.listener.close());
    const client = await RpcClient.connect(server.listener.address, { transport });
    cleanups.push(() => client.close());
    await waitFor(() => server.received.length > 0, {
      timeoutMs: 2000,
      message: 'the client HELLO',
    });
    const clientHello = server.received.find((frame) => frame.type === FrameType.HELLO);
    expect(Envelopes.hello.decode(clientHello!.payload).features & IMPLICIT_OK_TRAILERS).toBe(
      IMPLICIT_OK_TRAILERS,
    );

    const reply = client.unary('echo', bytes('ping'));
    await waitFor(() => server.received.some((frame) => frame.type === FrameType.REQUEST), {
      timeoutMs: 2000,
      message: 'REQUEST',
    });
    await server.write(encodeFrame(FrameType.MESSAGE, FrameFlag.END_STREAM, 1, bytes('pong')));
    expect(text(await reply)).toBe('pong');
    expect(client.inFlight).toBe(0);
    expect(client.metrics.protocolErrors).toBe(0);
  });
});

describe('REQUEST_WITH_MESSAGE (HELLO feature bit 0x02)', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  });

  it('splits what it joins, with multi-byte length prefixes, and refuses a bad prefix', () => {
    const body = new Uint8Array(300).fill(5);
    const payload = encodeRequestWithMessage(body, bytes('hi'));
    expect([...payload.subarray(0, 2)]).toEqual([0xac, 0x02]);
    const parts = decodeRequestWithMessage(payload);
    expect(parts?.body).toEqual(body);
    expect(text(parts!.message)).toBe('hi');
    expect(decodeRequestWithMessage(Uint8Array.of(0x05, 1, 2))).toBeUndefined();
    expect(decodeRequestWithMessage(Uint8Array.of(0x80, 0x80))).toBeUndefined();
    expect(decodeRequestWithMessage(new Uint8Array(0))).toBeUndefined();
  });

  async function clientRequestFrames(features: number): Promise<Frame[]> {
    const transport = new InMemoryTransport();
    const server = await rawServer(transport, features);
    cleanups.push(() => server.listener.close());
    const client = await RpcClient.connect(server.listener.address, { transport });
    cleanups.push(() => client.close());
    void client.unary('svc.Echo', bytes('payload')).catch(() => undefined);
    await waitFor(() => server.received.some((frame) => frame.type === FrameType.REQUEST), {
      timeoutMs: 2000,
      message: 'REQUEST',
    });
    // Both framings leave in the same write, so everything of the call is there now.
    return server.received.filter((frame) => frame.callId === 1);
  }

  it('the client sends one REQUEST|WITH_MESSAGE to a server that announced it', async () => {
    const frames = await clientRequestFrames(REQUEST_WITH_MESSAGE);
    expect(frames.map((frame) => [frame.type, frame.flags])).toEqual([
      [FrameType.REQUEST, FrameFlag.WITH_MESSAGE],
    ]);
    const parts = decodeRequestWithMessage(frames[0]!.payload);
    expect(Envelopes.request.decode(parts!.body).method).toBe('svc.Echo');
    expect(text(parts!.message)).toBe('payload');
  });

  it('the client sends REQUEST and MESSAGE|END_STREAM to a server that did not', async () => {
    const frames = await clientRequestFrames(0);
    expect(frames.map((frame) => [frame.type, frame.flags])).toEqual([
      [FrameType.REQUEST, 0],
      [FrameType.MESSAGE, FrameFlag.END_STREAM],
    ]);
  });

  it('the server answers a REQUEST|WITH_MESSAGE and refuses a malformed one', async () => {
    const transport = new InMemoryTransport();
    const server = new RpcServer({ transport });
    server.unary('echo', (request) => request);
    const address = await server.start();
    cleanups.push(() => server.stop({ graceMs: 0 }));
    const peer = await connectRawPeer(transport, address);
    cleanups.push(() => peer.close());
    await peer.hello();
    await waitFor(() => peer.frames.length > 0, { timeoutMs: 2000, message: 'the server HELLO' });
    const serverHello = Envelopes.hello.decode(peer.frames[0]!.payload);
    expect(serverHello.features & REQUEST_WITH_MESSAGE).toBe(REQUEST_WITH_MESSAGE);

    const body = Envelopes.request.encode({ method: 'echo', metadata: {}, timeoutMs: 0 });
    await peer.write(
      encodeFrame(
        FrameType.REQUEST,
        FrameFlag.WITH_MESSAGE,
        1,
        encodeRequestWithMessage(body, bytes('inline')),
      ),
    );
    await peer.write(
      encodeFrame(FrameType.REQUEST, FrameFlag.WITH_MESSAGE, 2, Uint8Array.of(0x40)),
    );
    await waitFor(
      () => peer.frames.filter((frame) => frame.type === FrameType.TRAILERS).length === 2,
      { timeoutMs: 2000, message: 'both calls end' },
    );
    const reply = peer.frames.find((frame) => frame.type === FrameType.MESSAGE);
    expect([reply?.callId, text(reply!.payload)]).toEqual([1, 'inline']);
    const refused = peer.frames.find(
      (frame) => frame.type === FrameType.TRAILERS && frame.callId === 2,
    );
    expect(Envelopes.trailers.decode(refused!.payload)).toMatchObject({
      code: 'PROTOCOL_ERROR',
      notProcessed: true,
    });
    expect(server.metrics.protocolErrors).toBe(1);
  });
});
