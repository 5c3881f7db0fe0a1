// Child process: an rpcnet RpcServer over QUIC with the benchmark's echo and stream methods.
import { RpcServer } from '@rpcnet/core';
import { decodeStreamRequest, driverOptions } from './rpc-bench-protocol.js';
import { runServerChild } from './rpc-server-child.js';

await runServerChild(async (spec) => {
  const server = new RpcServer({
    tls: { cert: spec.certPem, key: spec.keyPem },
    quic: {
      ...driverOptions(spec.driver),
      maxUdpPayloadSize: spec.udpPayload,
    },
  });
  server.unary('bench.Echo', (request) => request);
  server.serverStream('bench.Generate', async function* (request) {
    const { messages, size } = decodeStreamRequest(request);
    const message = new Uint8Array(size).fill(7);
    for (let i = 0; i < messages; i++) yield message;
  });
  const address = await server.start({ host: '127.0.0.1', port: 0 });
  return { port: address.port, stop: () => server.stop({ graceMs: 500 }) };
});
