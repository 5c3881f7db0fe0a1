// Child process: a bare node:dgram server, the floor under every QUIC number (one syscall per
// datagram each way, no protocol). Echoes datagrams, or counts a blast and acknowledges it.
import { createSocket } from 'node:dgram';
import { UDP_ACK_EVERY, UDP_MODE_BLAST, UDP_MODE_ECHO } from './rpc-bench-protocol.js';
import { runServerChild } from './rpc-server-child.js';

const SOCKET_BUFFER_BYTES = 4 * 1024 * 1024;

/** Addresses are IP literals: skip dgram's DNS lookup per unconnected send. */
const literalLookup = (
  address: string,
  _family: unknown,
  callback: (error: Error | null, address: string, family: number) => void,
): void => callback(null, address, 4);

await runServerChild(async () => {
  const socket = createSocket({ type: 'udp4', lookup: literalLookup as never });
  let counted = 0;
  const ack = new Uint8Array(4);
  const ackView = new DataView(ack.buffer);
  socket.on('message', (message, from) => {
    if (message[0] === UDP_MODE_ECHO) {
      socket.send(message, from.port, from.address);
    } else if (message[0] === UDP_MODE_BLAST) {
      counted++;
      if (counted % UDP_ACK_EVERY === 0) {
        // A fresh buffer per ack: a queued send keeps referencing it.
        ackView.setUint32(0, counted);
        socket.send(Uint8Array.from(ack), from.port, from.address);
      }
    }
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => {
      socket.off('error', reject);
      resolve();
    });
  });
  socket.setRecvBufferSize(SOCKET_BUFFER_BYTES);
  socket.setSendBufferSize(SOCKET_BUFFER_BYTES);
  return {
    port: socket.address().port,
    stop: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
});
