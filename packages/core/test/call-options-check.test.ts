import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode, InMemoryTransport, RpcClient, RpcServer } from '../src/index.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function echoClient(): Promise<{ client: RpcClient; handled: () => number }> {
  const transport = new InMemoryTransport();
  const server = new RpcServer({ transport });
  let handled = 0;
  server.unary('echo', (request) => {
    handled += 1;
    return request;
  });
  const address = await server.start({ host: 'memory', port: 1 });
  cleanups.push(() => server.stop({ graceMs: 0 }));
  const client = await RpcClient.connect(address, { transport });
  cleanups.push(() => client.close());
  return { client, handled: () => handled };
}

describe('per-call options are checked before anything is sent', () => {
  it.each([
    [{ timeoutMs: '100' }, /timeoutMs must be a finite number of milliseconds.*"100" \(a string\)/],
    [{ timeoutMs: Number.NaN }, /timeoutMs .*got NaN/],
    [{ timeoutMs: -5 }, /timeoutMs .*got -5/],
    [{ timeoutMs: Number.POSITIVE_INFINITY }, /timeoutMs .*got Infinity/],
    [{ deadline: 'tomorrow' }, /deadline must be a time in epoch milliseconds/],
    [{ signal: {} }, /signal must be an AbortSignal/],
    [{ metadata: { 'x-id': 7 } }, /metadata must be an object of string values/],
  ])('refuses %o with INVALID_ARGUMENT naming the option', async (options, message) => {
    const { client, handled } = await echoClient();
    const call = client.unary('echo', Uint8Array.of(1), options as never);
    await expect(call).rejects.toMatchObject({
      code: ErrorCode.INVALID_ARGUMENT,
      notProcessed: true,
      message: expect.stringMatching(message),
    });
    expect(handled()).toBe(0);
  });

  it('accepts well-formed options, and a stream reports a bad one when read', async () => {
    const { client } = await echoClient();
    await expect(
      client.unary('echo', Uint8Array.of(2), {
        timeoutMs: 5000,
        deadline: Date.now() + 10_000,
        signal: new AbortController().signal,
        metadata: { 'x-id': 'a' },
      }),
    ).resolves.toEqual(Uint8Array.of(2));
    const stream = client.serverStream('echo', Uint8Array.of(3), { timeoutMs: '1' as never });
    await expect(
      (async () => {
        for await (const _ of stream) {
          // Never reached: the call fails before it starts.
        }
      })(),
    ).rejects.toMatchObject({ code: ErrorCode.INVALID_ARGUMENT });
  });
});
