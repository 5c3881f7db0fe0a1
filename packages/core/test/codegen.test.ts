import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import { afterEach, describe, expect, expectTypeOf, it } from 'vitest';
import { generateTypeScript } from '../src/cli/generate.js';
import { InMemoryTransport, RpcClient, RpcServer } from '../src/index.js';
import {
  createGreeterClient,
  type GreeterServer,
  type HelloReply,
  registerGreeter,
  type Token,
} from './fixtures/greeter.gen.js';

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));
const protoPath = join(fixtures, 'greeter.proto');

function generateFixture(): string {
  return generateTypeScript(protobuf.loadSync(protoPath), {
    importFrom: '../../src/index.js',
    sourceNames: ['greeter.proto'],
  });
}

describe('rpcnet-gen', () => {
  it('emits exactly the checked-in fixture (regenerate it when the generator changes)', () => {
    expect(generateFixture()).toBe(readFileSync(join(fixtures, 'greeter.gen.ts'), 'utf8'));
  });

  it('runs as a CLI from dist and writes the same code', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rpcnet-gen-'));
    try {
      const out = join(dir, 'greeter.gen.ts');
      const cli = fileURLToPath(new URL('../dist/cli/rpcnet-gen.js', import.meta.url));
      execFileSync(process.execPath, [
        cli,
        protoPath,
        '--out',
        out,
        '--import-from',
        '../../src/index.js',
      ]);
      expect(readFileSync(out, 'utf8')).toBe(generateFixture());
      expect(() => execFileSync(process.execPath, [cli], { stdio: 'pipe' })).toThrow();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    // Two node start-ups: 0.4 s here, 9 s once on a machine at load 10 while dist was rebuilt.
  }, 30_000);
});

describe('generated Greeter service', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  const implementation: GreeterServer = {
    sayHello: (request) => ({
      message: `hello ${request.name} (${request.mood}, ${request.tags.join('+')}, ${request.counts.a ?? 0})`,
      servedAt: '9007199254740993',
      meta: { trace: Uint8Array.of(1, 2), cached: true, region: 'eu' },
    }),
    async *generate(request) {
      for (let i = 0; i < request.maxTokens; i++)
        yield { text: `${request.prompt}${i}`, logprob: -i };
    },
    async collect(tokens) {
      const texts: string[] = [];
      for await (const token of tokens) texts.push(token.text);
      return { count: texts.length, joined: texts.join(' ') };
    },
    async *chat(requests) {
      for await (const request of requests) {
        yield { message: `hi ${request.name}`, servedAt: '0' };
      }
    },
  };

  async function connect() {
    const transport = new InMemoryTransport();
    const server = new RpcServer({ transport });
    registerGreeter(server, implementation);
    const address = await server.start();
    cleanups.push(() => server.stop({ graceMs: 0 }));
    const client = await RpcClient.connect(address, { transport });
    cleanups.push(() => client.close());
    return createGreeterClient(client);
  }

  it('round-trips messages with enums, repeated, maps, int64, nested messages and oneofs', async () => {
    const greeter = await connect();
    const reply = await greeter.sayHello({
      name: 'ada',
      mood: 'HAPPY',
      tags: ['x', 'y'],
      counts: { a: 3 },
    });
    expectTypeOf(reply).toEqualTypeOf<HelloReply>();
    expect(reply.message).toBe('hello ada (HAPPY, x+y, 3)');
    expect(reply.servedAt).toBe('9007199254740993');
    expect(reply.meta?.cached).toBe(true);
    expect([...(reply.meta?.trace ?? [])]).toEqual([1, 2]);
    expect(reply.meta?.region).toBe('eu');
  });

  it('streams in every direction', async () => {
    const greeter = await connect();
    const tokens: Token[] = [];
    for await (const token of greeter.generate({ prompt: 't', maxTokens: 3 })) tokens.push(token);
    expect(tokens.map((token) => token.text)).toEqual(['t0', 't1', 't2']);

    const collect = greeter.collect();
    for (const text of ['a', 'b']) await collect.send({ text, logprob: 0 });
    collect.end();
    expect(await collect.response).toEqual({ count: 2, joined: 'a b' });

    const chat = greeter.chat();
    await chat.send({ name: 'bo', mood: 'GRUMPY', tags: [], counts: {} });
    chat.end();
    const replies: string[] = [];
    for await (const reply of chat.responses) replies.push(reply.message);
    expect(replies).toEqual(['hi bo']);
  });
});
