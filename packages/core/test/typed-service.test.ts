import { rejectionOf } from '@rpcnet/test-utils';
import { afterEach, describe, expect, expectTypeOf, it } from 'vitest';
import {
  bidiStreamMethod,
  clientStreamMethod,
  defineService,
  ErrorCode,
  InMemoryTransport,
  jsonCodec,
  type MessageCodec,
  RpcClient,
  RpcServer,
  rawCodec,
  serverStreamMethod,
  serviceClient,
  unaryMethod,
} from '../src/index.js';

interface AddRequest {
  a: number;
  b: number;
}
interface Sum {
  sum: number;
}

const add = jsonCodec<AddRequest>();
const sum = jsonCodec<Sum>();
const strict: MessageCodec<Sum> = {
  encode: (value) => sum.encode(value),
  decode: (bytes) => {
    const value = sum.decode(bytes);
    if (typeof value.sum !== 'number') throw new Error('sum must be a number');
    return value;
  },
};

const Calculator = defineService('demo.Calculator', {
  add: unaryMethod(add, sum),
  countTo: serverStreamMethod(jsonCodec<number>(), jsonCodec<number>()),
  total: clientStreamMethod(jsonCodec<number>(), strict),
  runningTotal: bidiStreamMethod(jsonCodec<number>(), sum),
  raw: unaryMethod(rawCodec, rawCodec, 'raw-bytes'),
});

describe('typed services defined in TypeScript', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function setup() {
    const transport = new InMemoryTransport();
    const server = new RpcServer({ transport }).service(Calculator, {
      add: ({ a, b }) => ({ sum: a + b }),
      async *countTo(n) {
        for (let i = 1; i <= n; i++) yield i;
      },
      async total(numbers) {
        let total = 0;
        for await (const n of numbers) total += n;
        return { sum: total };
      },
      async *runningTotal(numbers) {
        let total = 0;
        for await (const n of numbers) {
          total += n;
          yield { sum: total };
        }
      },
      raw: (bytes) => bytes.slice().reverse(),
    });
    const address = await server.start();
    cleanups.push(() => server.stop({ graceMs: 0 }));
    const client = await RpcClient.connect(address, { transport });
    cleanups.push(() => client.close());
    return { calculator: serviceClient(client, Calculator), client };
  }

  it('calls every kind with inferred types and no casts', async () => {
    const { calculator } = await setup();
    const added = await calculator.add({ a: 2, b: 3 });
    expectTypeOf(added).toEqualTypeOf<Sum>();
    expect(added).toEqual({ sum: 5 });

    const counted: number[] = [];
    for await (const n of calculator.countTo(4)) counted.push(n);
    expect(counted).toEqual([1, 2, 3, 4]);

    const total = calculator.total();
    for (const n of [10, 20, 30]) await total.send(n);
    total.end();
    expect(await total.response).toEqual({ sum: 60 });

    const running = calculator.runningTotal();
    const iterator = running.responses[Symbol.asyncIterator]();
    await running.send(1);
    expect((await iterator.next()).value).toEqual({ sum: 1 });
    await running.send(2);
    expect((await iterator.next()).value).toEqual({ sum: 3 });
    running.end();
    expect((await iterator.next()).done).toBe(true);
  });

  it('uses the wire name override and passes raw bytes through', async () => {
    const { calculator, client } = await setup();
    expect(Calculator.wireName('raw')).toBe('raw-bytes');
    expect(Calculator.wireName('add')).toBe('demo.Calculator/add');
    expect([...(await calculator.raw(Uint8Array.of(1, 2, 3)))]).toEqual([3, 2, 1]);
    expect([...(await client.unary('raw-bytes', Uint8Array.of(9, 8)))]).toEqual([8, 9]);
  });

  it('reports undecodable requests as INVALID_ARGUMENT', async () => {
    const { client } = await setup();
    const error = await rejectionOf(client.unary('demo.Calculator/add', Uint8Array.of(0x7b)));
    expect(error).toMatchObject({ code: ErrorCode.INVALID_ARGUMENT });
  });

  it('refuses an implementation with a missing method', () => {
    const Partial = defineService('demo.Partial', { add: unaryMethod(add, sum) });
    const server = new RpcServer({ transport: new InMemoryTransport() });
    const incomplete = Object.create(null);
    expect(() => server.service(Partial, incomplete)).toThrow(/"add" is missing/);
  });
});
