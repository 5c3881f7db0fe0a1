import { QuicTransportError } from './errors.js';

/**
 * The transport hello: the first bytes each side writes on the connection's stream. The
 * client's makes the stream exist on the server (QUIC streams appear only with data); the
 * server's answer confirms the connection was accepted (including mutual-TLS checks).
 */
export const TRANSPORT_HELLO = Uint8Array.of(0x52, 0x50, 0x43, 0x51, 0x01); // "RPCQ", version 1

/** Reads exactly the hello from `reader`; returns the bytes that followed it. */
export async function readHello(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  signal: AbortSignal,
): Promise<Uint8Array> {
  let received = new Uint8Array(0);
  const aborted = new Promise<never>((_, reject) => {
    const fail = (): void =>
      reject(new QuicTransportError('connect', 'timed out waiting for the transport hello'));
    if (signal.aborted) fail();
    else signal.addEventListener('abort', fail, { once: true });
  });
  aborted.catch(() => {});
  while (received.length < TRANSPORT_HELLO.length) {
    const { value, done } = await Promise.race([reader.read(), aborted]);
    if (done) throw new QuicTransportError('protocol', 'stream ended before the transport hello');
    const joined = new Uint8Array(received.length + value.length);
    joined.set(received, 0);
    joined.set(value, received.length);
    received = joined;
  }
  for (let index = 0; index < TRANSPORT_HELLO.length; index++) {
    if (received[index] !== TRANSPORT_HELLO[index]) {
      throw new QuicTransportError('protocol', 'peer did not send the rpcnet transport hello');
    }
  }
  return received.subarray(TRANSPORT_HELLO.length);
}
