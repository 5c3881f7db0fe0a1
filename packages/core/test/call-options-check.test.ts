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

describe('unknown option keys are refused, naming them', () => {
  it('RpcServer refuses a key it does not know (a limit belongs under limits)', () => {
    expect(() => new RpcServer({ maxConcurrentCalls: 1 } as never)).toThrow(/maxConcurrentCalls/);
    expect(() => new RpcServer({ limits: { maxConcurentCalls: 1 } } as never)).toThrow(
      /maxConcurentCalls/,
    );
  });

  it('RpcClient.connect refuses an unknown key and an address that is not one', async () => {
    await expect(RpcClient.connect('127.0.0.1:1', { bogus: 1 } as never)).rejects.toThrow(/bogus/);
    await expect(RpcClient.connect(42 as never)).rejects.toThrow(
      /address must be "host:port" or \{ host, port \}, got 42/,
    );
  });

  it('createDevCertificate refuses `host` (the option is `hosts`)', async () => {
    const { createDevCertificate } = await import('../src/quic/dev-certificate.js');
    expect(() => createDevCertificate({ host: ['x'] } as never)).toThrow(/host/);
  });
});
