import {
  type CallObserver,
  type ClientInterceptor,
  createDevCertificate,
  RpcServer,
} from '@rpcnet/core';
import type { Worker, WorkerLease } from '@rpcnet/registry';
import { afterEach, describe, expect, it } from 'vitest';
import { ClusterClient, type WorkerSource } from '../src/index.js';

/** One worker at `rpcAddress`, always selected. */
function oneWorker(rpcAddress: string): WorkerSource {
  const worker = {
    id: 'w1',
    rpcAddress,
    state: 'alive',
    tags: {},
    inFlight: 0,
  } as unknown as Worker;
  return {
    workers: () => [worker],
    onEvent: () => () => undefined,
    selectWorker: () => {
      let released = false;
      const lease: WorkerLease = {
        worker,
        get released() {
          return released;
        },
        release: () => {
          const first = !released;
          released = true;
          return first;
        },
      };
      return lease;
    },
  };
}

describe('the default QUIC connector', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it("hands the client's interceptors and observers to each worker connection", async () => {
    const certificate = createDevCertificate();
    const server = new RpcServer({ tls: { cert: certificate.certPem, key: certificate.keyPem } });
    server.unary('who', (_request, context) => new TextEncoder().encode(context.metadata.caller));
    const address = await server.start({ host: '127.0.0.1', port: 0 });
    cleanups.push(() => server.stop({ graceMs: 0 }));

    const tagCaller: ClientInterceptor = (next) => (request) =>
      next({ ...request, metadata: { ...request.metadata, caller: 'director' } });
    const observed: string[] = [];
    const observer: CallObserver = {
      started: (call) => ({
        ended: (outcome) => {
          observed.push(
            `${call.kind} ${call.method} ${outcome.code ?? 'OK'} ${outcome.sentBytes}/${outcome.receivedBytes}`,
          );
        },
      }),
    };
    const client = new ClusterClient(oneWorker(`127.0.0.1:${address.port}`), {
      tls: { ca: certificate.certPem },
      interceptors: [tagCaller],
      observers: [observer],
    });
    cleanups.push(() => client.close());

    const answer = await client.callWorker('who', new Uint8Array(3));
    expect(new TextDecoder().decode(answer)).toBe('director');
    expect(observed).toEqual(['unary who OK 3/8']);
  });
});
