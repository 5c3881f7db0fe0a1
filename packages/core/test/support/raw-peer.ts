import type { HostPort, Transport } from '../../src/index.js';
import { Envelopes } from '../../src/wire/envelopes.js';
import { encodeFrame, type Frame, FrameType } from '../../src/wire/frame.js';
import { FrameDecoder } from '../../src/wire/frame-decoder.js';

/** A hand-driven peer that speaks raw frames, for probing protocol handling. */
export interface RawPeer {
  readonly frames: Frame[];
  readonly closed: () => boolean;
  write(bytes: Uint8Array): Promise<void>;
  /** Sends HELLO, announcing `features` (ProtocolFeature bits; none by default). */
  hello(features?: number): Promise<void>;
  close(): Promise<void>;
}

/** Connects a {@link RawPeer} to `address`. */
export async function connectRawPeer(transport: Transport, address: HostPort): Promise<RawPeer> {
  const connection = await transport.connect(address);
  const frames: Frame[] = [];
  let closed = false;
  const decoder = new FrameDecoder(1 << 24, {
    onFrame: (frame) => frames.push({ ...frame, payload: frame.payload.slice() }),
    onProtocolError: () => undefined,
  });
  connection.start({
    onData: (chunk) => decoder.push(chunk),
    onClose: () => {
      closed = true;
    },
  });
  return {
    frames,
    closed: () => closed,
    write: (bytes) => connection.write(bytes),
    hello: (features = 0) =>
      connection.write(
        encodeFrame(
          FrameType.HELLO,
          0,
          0,
          Envelopes.hello.encode({
            protocol: 'rpcnet',
            version: 1,
            maxFrameBytes: 1 << 20,
            initialWindowBytes: 1 << 20,
            maxConcurrentCalls: 100,
            features,
          }),
        ),
      ),
    close: () => connection.close(),
  };
}

/** Encodes a REQUEST frame. */
export function requestFrame(callId: number, method: string, timeoutMs = 0): Uint8Array {
  return encodeFrame(
    FrameType.REQUEST,
    0,
    callId,
    Envelopes.request.encode({ method, metadata: {}, timeoutMs }),
  );
}
