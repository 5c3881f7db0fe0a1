// Child process: a bare QuicTransport listener for the raw-transport floor. The first byte of a
// connection picks the mode: echo every following byte, or stream chunks one way.
import { QuicTransport, type TransportConnection } from '@rpcnet/core';
import { driverOptions, RAW_MODE_ECHO, RAW_MODE_STREAM } from './rpc-bench-protocol.js';
import { runServerChild } from './rpc-server-child.js';

function serve(connection: TransportConnection): void {
  let mode: 'pending' | 'echo' | 'stream' = 'pending';
  let header = new Uint8Array(0);
  let closed = false;
  const echo = (bytes: Uint8Array): void => {
    if (bytes.length > 0) connection.write(bytes).catch(() => {});
  };
  // One write per event-loop turn, as the RPC layer's coalescing produces.
  const stream = async (size: number): Promise<void> => {
    const chunk = new Uint8Array(size).fill(5);
    while (!closed) {
      try {
        await connection.write(chunk);
      } catch {
        return;
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  connection.start({
    onData(chunk) {
      if (mode === 'echo') return echo(chunk);
      if (mode === 'stream') return;
      header = Buffer.concat([header, chunk]);
      if (header[0] === RAW_MODE_ECHO) {
        mode = 'echo';
        echo(header.subarray(1));
      } else if (header[0] === RAW_MODE_STREAM && header.length >= 5) {
        mode = 'stream';
        const size = new DataView(header.buffer, header.byteOffset, header.byteLength).getUint32(1);
        void stream(size);
      } else if (header[0] !== RAW_MODE_STREAM) {
        void connection.close(new Error('unknown raw benchmark mode'));
      }
    },
    onClose() {
      closed = true;
    },
  });
}

await runServerChild(async (spec) => {
  const transport = new QuicTransport({
    tls: { cert: spec.certPem, key: spec.keyPem },
    ...driverOptions(spec.driver),
    maxUdpPayloadSize: spec.udpPayload,
  });
  const listener = await transport.listen({ host: '127.0.0.1', port: 0 }, serve);
  return { port: listener.address.port, stop: () => listener.close() };
});
