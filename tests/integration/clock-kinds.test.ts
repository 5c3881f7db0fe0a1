import { InMemoryTransport, RpcClient, RpcServer } from '@rpcnet/core';
import { systemClock as gossipClock } from '@rpcnet/gossip';
import { afterEach, describe, expect, it } from 'vitest';

describe('a monotonic clock where RPC needs a wall clock', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it("RpcClient refuses gossip's clock (counts from process start) naming the clock option", async () => {
    const transport = new InMemoryTransport();
    const server = new RpcServer({ transport });
    server.unary('echo', (request) => request);
    const address = await server.start();
    cleanups.push(() => server.stop({ graceMs: 0 }));
    const connecting = RpcClient.connect(address, {
      transport,
      // @ts-expect-error a monotonic clock cannot stand in for the wall clock of epoch deadlines
      clock: gossipClock,
    });
    const outcome = await connecting
      .then(async (client) => {
        cleanups.push(() => client.close());
        return client.unary('echo', new Uint8Array(1), { deadline: Date.now() + 5000 });
      })
      .catch((error: unknown) => error);
    expect(outcome).toMatchObject({ name: 'RpcConfigError', field: 'clock' });
    expect(String((outcome as Error).message)).toMatch(/wall clock/);
  });
});
