import { VirtualClock } from '@rpcnet/base';
import { ErrorCode, InMemoryTransport, RpcClient, RpcError, RpcServer } from '@rpcnet/core';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { MetricsConfigError, RpcnetMetrics } from '../src/index.js';
import { parseExposition, sample } from './samples.js';

const bytes = (size: number): Uint8Array => new Uint8Array(size);

async function drain(stream: AsyncIterable<Uint8Array>): Promise<number> {
  let count = 0;
  for await (const _ of stream) count += 1;
  return count;
}

describe('RpcnetMetrics RPC instruments', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  /** Server and client on one registry; every call takes 3 ms of the virtual clock. */
  async function setup() {
    const registry = new Registry();
    const clock = new VirtualClock({ kind: 'monotonic' });
    const metrics = new RpcnetMetrics({ registry, clock });
    const transport = new InMemoryTransport();
    const server = new RpcServer({ transport, observers: [metrics.serverObserver] });
    server.unary('echo', (request) => {
      clock.advance(3);
      return request;
    });
    server.unary('fail', () => {
      clock.advance(3);
      throw new RpcError(ErrorCode.FAILED_PRECONDITION, 'no');
    });
    server.serverStream('count', async function* (request) {
      for (let i = 0; i < request.length; i += 1) yield bytes(10);
      clock.advance(3);
    });
    server.serverStream('hang', async function* (_request, context) {
      yield bytes(1);
      await new Promise((resolve) => context.signal.addEventListener('abort', resolve));
    });
    server.bidiStream('echoStream', async function* (requests) {
      for await (const request of requests) yield request;
      clock.advance(3);
    });
    server.clientStream('sum', async (requests) => {
      let total = 0;
      for await (const request of requests) total += request.length;
      clock.advance(3);
      return bytes(total);
    });
    const address = await server.start();
    cleanups.push(() => server.stop({ graceMs: 0 }));
    const client = await RpcClient.connect(address, {
      transport,
      observers: [metrics.clientObserver],
    });
    cleanups.push(() => client.close());
    return { registry, client };
  }

  it('count every call by method, kind and code on both sides, with exact bytes and messages', async () => {
    const { registry, client } = await setup();
    for (let i = 0; i < 20; i += 1) await client.unary('echo', bytes(64));
    for (let i = 0; i < 3; i += 1) {
      await expect(client.unary('fail', bytes(5))).rejects.toMatchObject({
        code: ErrorCode.FAILED_PRECONDITION,
      });
    }
    expect(await drain(client.serverStream('count', bytes(7)))).toBe(7);
    const bidi = client.bidiStream('echoStream');
    for (let i = 0; i < 4; i += 1) await bidi.send(bytes(100));
    bidi.end();
    expect(await drain(bidi.responses)).toBe(4);
    const upload = client.clientStream('sum');
    await upload.send(bytes(30));
    await upload.send(bytes(12));
    upload.end();
    expect((await upload.response).length).toBe(42);

    const text = await registry.metrics();
    const samples = parseExposition(text);
    for (const side of ['server', 'client']) {
      const name = `rpcnet_rpc_${side}_`;
      const count = (method: string, kind: string, code: string) =>
        sample(samples, `${name}duration_seconds_count`, { method, kind, code });
      expect(count('echo', 'unary', 'OK'), side).toBe(20);
      expect(count('fail', 'unary', 'FAILED_PRECONDITION'), side).toBe(3);
      expect(count('count', 'serverStream', 'OK'), side).toBe(1);
      expect(count('echoStream', 'bidiStream', 'OK'), side).toBe(1);
      expect(count('sum', 'clientStream', 'OK'), side).toBe(1);
      // Each unary call took 3 ms of virtual time: all 20 sit in the 5 ms bucket, none below.
      const le = (bound: string) =>
        sample(samples, `${name}duration_seconds_bucket`, {
          method: 'echo',
          kind: 'unary',
          code: 'OK',
          le: bound,
        });
      expect([le('0.0025'), le('0.005')], side).toEqual([0, 20]);
      for (const method of ['echo', 'fail', 'count', 'echoStream', 'sum']) {
        expect(sample(samples, `${name}in_flight`, { method }), `${side} ${method}`).toBe(0);
      }
      const [toServer, fromServer] =
        side === 'server' ? ['received', 'sent'] : ['sent', 'received'];
      const bytesOf = (direction: string, method: string) =>
        sample(samples, `${name}${direction}_bytes_total`, { method });
      expect(bytesOf(toServer, 'echo'), side).toBe(20 * 64);
      expect(bytesOf(fromServer, 'echo'), side).toBe(20 * 64);
      expect(bytesOf(toServer, 'fail'), side).toBe(15);
      expect(bytesOf(fromServer, 'count'), side).toBe(70);
      expect(bytesOf(toServer, 'echoStream'), side).toBe(400);
      expect(bytesOf(fromServer, 'echoStream'), side).toBe(400);
      expect(bytesOf(toServer, 'sum'), side).toBe(42);
      const perStream = (direction: string, method: string) =>
        sample(samples, `${name}${direction}_messages_per_stream_sum`, { method });
      expect(perStream(fromServer, 'count'), side).toBe(7);
      expect(perStream(toServer, 'echoStream'), side).toBe(4);
      expect(perStream(fromServer, 'echoStream'), side).toBe(4);
      expect(perStream(toServer, 'sum'), side).toBe(2);
      expect(sample(samples, `${name}sent_messages_per_stream_count`, { method: 'echo' })).toBe(
        undefined,
      );
    }
  });

  it('count a call refused before it started on the client only, with its code', async () => {
    const { registry, client } = await setup();
    await expect(
      client.unary('echo', bytes(64), { deadline: Date.now() - 1 }),
    ).rejects.toMatchObject({ code: ErrorCode.DEADLINE_EXCEEDED });
    await client.unary('echo', bytes(64));
    const samples = parseExposition(await registry.metrics());
    const count = (side: string, code: string) =>
      sample(samples, `rpcnet_rpc_${side}_duration_seconds_count`, {
        method: 'echo',
        kind: 'unary',
        code,
      });
    expect([count('client', 'DEADLINE_EXCEEDED'), count('client', 'OK')]).toEqual([1, 1]);
    expect([count('server', 'DEADLINE_EXCEEDED'), count('server', 'OK')]).toEqual([undefined, 1]);
    expect(sample(samples, 'rpcnet_rpc_client_sent_bytes_total', { method: 'echo' })).toBe(64);
  });

  it('count a call the client cancels as CANCELLED on both sides', async () => {
    const { registry, client } = await setup();
    const stream = client.serverStream('hang', bytes(1));
    for await (const _ of stream) break;
    await expect(stream.trailers).rejects.toMatchObject({ code: ErrorCode.CANCELLED });
    await expect
      .poll(async () =>
        sample(parseExposition(await registry.metrics()), 'rpcnet_rpc_server_in_flight', {
          method: 'hang',
        }),
      )
      .toBe(0);
    const samples = parseExposition(await registry.metrics());
    for (const side of ['server', 'client']) {
      expect(
        sample(samples, `rpcnet_rpc_${side}_duration_seconds_count`, {
          method: 'hang',
          kind: 'serverStream',
          code: 'CANCELLED',
        }),
        side,
      ).toBe(1);
    }
  });

  it('refuse a missing registry or a bad prefix, naming the field', () => {
    expect(() => new RpcnetMetrics({} as never)).toThrow(MetricsConfigError);
    expect(() => new RpcnetMetrics({} as never)).toThrow(/"registry"/);
    expect(() => new RpcnetMetrics({ registry: new Registry(), prefix: 'no-dashes' })).toThrow(
      /"prefix"/,
    );
  });

  it('use the rpcnet_ prefix by default and register nothing until an observer is taken', async () => {
    const registry = new Registry();
    const metrics = new RpcnetMetrics({ registry });
    expect(await registry.metrics()).toBe('\n');
    void metrics.serverObserver;
    const names = (await registry.getMetricsAsJSON()).map((metric) => metric.name);
    expect(names).toEqual([
      'rpcnet_rpc_server_duration_seconds',
      'rpcnet_rpc_server_in_flight',
      'rpcnet_rpc_server_received_bytes_total',
      'rpcnet_rpc_server_sent_bytes_total',
      'rpcnet_rpc_server_received_messages_per_stream',
      'rpcnet_rpc_server_sent_messages_per_stream',
    ]);
  });
});
