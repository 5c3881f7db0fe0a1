// Child process: a bare UDP server, the floor under every QUIC number (no protocol), on node:dgram
// or, for the lean driver's default sockets, on @rpcnet/batched-udp. Echoes datagrams, or counts
// a blast and acknowledges it.
import { benchUdpSocket } from './bench-udp-socket.js';
import { UDP_ACK_EVERY, UDP_MODE_BLAST, UDP_MODE_ECHO } from './rpc-bench-protocol.js';
import { runServerChild } from './rpc-server-child.js';

await runServerChild(async (spec) => {
  const socket = await benchUdpSocket(spec.driver === 'lean');
  let counted = 0;
  const ack = new Uint8Array(4);
  const ackView = new DataView(ack.buffer);
  socket.onMessage((message, from) => {
    if (message[0] === UDP_MODE_ECHO) {
      socket.send(message, from);
    } else if (message[0] === UDP_MODE_BLAST) {
      counted++;
      if (counted % UDP_ACK_EVERY === 0) {
        // A fresh buffer per ack: a queued dgram send keeps referencing it.
        ackView.setUint32(0, counted);
        socket.send(Uint8Array.from(ack), from);
      }
    }
  });
  return { port: socket.port, stop: () => socket.close() };
});
