// Child process: a @grpc/grpc-js server (TLS, same certificate) with echo and stream methods.
import {
  type handleServerStreamingCall,
  type handleUnaryCall,
  Server,
  ServerCredentials,
} from '@grpc/grpc-js';
import { grpcBenchService } from './grpc-bench-service.js';
import { decodeStreamRequest } from './rpc-bench-protocol.js';
import { runServerChild } from './rpc-server-child.js';

await runServerChild(async (spec) => {
  const server = new Server();
  const echo: handleUnaryCall<Buffer, Buffer> = (call, callback) => callback(null, call.request);
  const generate: handleServerStreamingCall<Buffer, Buffer> = (call) => {
    const { messages, size } = decodeStreamRequest(call.request);
    const message = Buffer.alloc(size, 7);
    let sent = 0;
    const pump = (): void => {
      while (sent < messages) {
        sent++;
        if (!call.write(message)) {
          call.once('drain', pump);
          return;
        }
      }
      call.end();
    };
    pump();
  };
  server.addService(grpcBenchService, { echo, generate });
  const credentials = ServerCredentials.createSsl(null, [
    { cert_chain: Buffer.from(spec.certPem), private_key: Buffer.from(spec.keyPem) },
  ]);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', credentials, (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );
  return {
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 500);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      }),
  };
});
