import { waitFor } from '@rpcnet/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode, InMemoryTransport, RpcClient, RpcServer } from '../src/index.js';
import { Envelopes } from '../src/wire/envelopes.js';
import { encodeFrame, FrameFlag, FrameType } from '../src/wire/frame.js';
import { connectRawPeer, requestFrame } from './support/raw-peer.js';
import { bytes, text } from './support/text-bytes.js';

const MAX_FRAME = 4096;

describe('server protocol robustness', () => {
  let server: RpcServer;
  let transport: InMemoryTransport;

  afterEach(async () => {
    await server.stop({ graceMs: 0 });
  });

  async function start() {
    transport = new InMemoryTransport();
    server = new RpcServer({ transport, limits: { maxFrameBytes: MAX_FRAME } });
    server.unary('echo', (request) => request);
    server.clientStream('count', async (requests) => {
      let n = 0;
      for await (const _ of requests) n += 1;
      return bytes(String(n));
    });
    return server.start();
  }

  function trailersOf(frames: { type: number; callId: number; payload: Uint8Array }[], id: number) {
    const frame = frames.find((f) => f.type === FrameType.TRAILERS && f.callId === id);
    return frame && Envelopes.trailers.decode(frame.payload);
  }

  it('closes a connection that does not start with HELLO and counts it', async () => {
    const address = await start();
    const peer = await connectRawPeer(transport, address);
    await peer.write(Uint8Array.from({ length: 40 }, (_, i) => i * 7));
    await waitFor(() => peer.closed(), { timeoutMs: 2000, message: 'connection closed' });
    expect(server.metrics.protocolErrors).toBeGreaterThanOrEqual(1);
    expect(peer.frames.some((frame) => frame.type === FrameType.GOAWAY)).toBe(true);
  });

  it('fails only the call whose frame is oversized; other calls continue', async () => {
    const address = await start();
    const peer = await connectRawPeer(transport, address);
    await peer.hello();
    await peer.write(requestFrame(1, 'count'));
    await peer.write(requestFrame(2, 'count'));
    await peer.write(encodeFrame(FrameType.MESSAGE, 0, 1, new Uint8Array(MAX_FRAME + 1)));
    await peer.write(encodeFrame(FrameType.MESSAGE, 0, 2, bytes('a')));
    await peer.write(encodeFrame(FrameType.MESSAGE, FrameFlag.END_STREAM, 2, bytes('b')));
    await waitFor(
      () => trailersOf(peer.frames, 1) !== undefined && trailersOf(peer.frames, 2) !== undefined,
    );
    expect(trailersOf(peer.frames, 1)?.code).toBe(ErrorCode.RESOURCE_EXHAUSTED);
    expect(trailersOf(peer.frames, 2)?.code).toBe('');
    const reply = peer.frames.find((f) => f.type === FrameType.MESSAGE && f.callId === 2);
    expect(text(reply!.payload)).toBe('2');
    expect(server.metrics.protocolErrors).toBe(1);
    expect(peer.closed()).toBe(false);
  });

  it('answers a malformed REQUEST body with PROTOCOL_ERROR and counts it', async () => {
    const address = await start();
    const peer = await connectRawPeer(transport, address);
    await peer.hello();
    await peer.write(encodeFrame(FrameType.REQUEST, 0, 1, Uint8Array.of(0x0a, 0xff, 0xff)));
    await waitFor(() => trailersOf(peer.frames, 1) !== undefined);
    expect(trailersOf(peer.frames, 1)?.code).toBe(ErrorCode.PROTOCOL_ERROR);
    expect(trailersOf(peer.frames, 1)?.notProcessed).toBe(true);
    expect(server.metrics.protocolErrors).toBe(1);
  });

  it('counts frames for calls never opened, reused call ids and unknown frame types', async () => {
    const address = await start();
    const peer = await connectRawPeer(transport, address);
    await peer.hello();
    await peer.write(encodeFrame(FrameType.MESSAGE, 0, 99, bytes('x')));
    await peer.write(requestFrame(5, 'echo'));
    await peer.write(encodeFrame(FrameType.MESSAGE, FrameFlag.END_STREAM, 5, bytes('ok')));
    await peer.write(requestFrame(5, 'echo'));
    const unknown = encodeFrame(FrameType.MESSAGE, 0, 5, bytes('?'));
    unknown[4] = 77;
    await peer.write(unknown);
    // The errors are counted when the frames arrive; call 5's trailers reach the peer a turn later.
    await waitFor(
      () => server.metrics.protocolErrors === 3 && trailersOf(peer.frames, 5) !== undefined,
      { timeoutMs: 2000, message: 'three protocol errors and the trailers of call 5' },
    );
    expect(server.metrics.protocolErrors).toBe(3);
    expect(trailersOf(peer.frames, 5)?.code).toBe('');
    expect(server.metrics.callsSucceeded).toBe(1);
  });

  it('counts a frame truncated by the end of the connection and frees the call', async () => {
    const address = await start();
    const peer = await connectRawPeer(transport, address);
    await peer.hello();
    await peer.write(requestFrame(1, 'count'));
    await peer.write(encodeFrame(FrameType.MESSAGE, 0, 1, bytes('partial')).subarray(0, 12));
    await waitFor(() => server.metrics.activeCalls === 1);
    await peer.close();
    await waitFor(() => server.metrics.protocolErrors === 1 && server.metrics.activeCalls === 0);
    expect(server.metrics.connections).toBe(0);
  });

  it('keeps serving well-behaved clients while a peer sends garbage', async () => {
    const address = await start();
    const client = await RpcClient.connect(address, { transport });
    const peer = await connectRawPeer(transport, address);
    await peer.hello();
    const calls = Array.from({ length: 50 }, (_, i) => client.unary('echo', bytes(String(i))));
    for (let i = 0; i < 20; i++) {
      const junk = encodeFrame(FrameType.MESSAGE, 0, 1000 + i, new Uint8Array(i));
      junk[4] = 200 + i;
      await peer.write(junk);
    }
    expect((await Promise.all(calls)).map(text)).toEqual(calls.map((_, i) => String(i)));
    expect(server.metrics.protocolErrors).toBe(20);
    await client.close();
  });
});
