import { describe, expect, it } from 'vitest';
import {
  defaultRpcLimits,
  formatHostPort,
  InMemoryTransport,
  parseHostPort,
  RpcClient,
  RpcServer,
} from '../src/index.js';

describe('configuration', () => {
  it('documents its defaults', () => {
    expect(defaultRpcLimits).toEqual({
      maxFrameBytes: 4 * 1024 * 1024,
      maxConcurrentCalls: 4096,
      initialWindowBytes: 4 * 1024 * 1024,
      writeHighWaterBytes: 1024 * 1024,
      keepAliveIntervalMs: 5000,
      idleTimeoutMs: 15_000,
    });
  });

  it('rejects invalid server options with a message naming the field', () => {
    expect(() => new RpcServer({ limits: { maxFrameBytes: 10 } })).toThrow(/limits\.maxFrameBytes/);
    expect(() => new RpcServer({ stopGraceMs: -1 })).toThrow(/stopGraceMs/);
    expect(() => new RpcServer({ limits: { maxConcurrentCalls: 1.5 } })).toThrow(
      /limits\.maxConcurrentCalls/,
    );
  });

  it('rejects invalid client options with a message naming the field', async () => {
    const transport = new InMemoryTransport();
    await expect(
      RpcClient.connect('127.0.0.1:1', { transport, connectTimeoutMs: 0 }),
    ).rejects.toThrow(/connectTimeoutMs/);
    await expect(
      RpcClient.connect('127.0.0.1:1', { transport, limits: { initialWindowBytes: 1 } }),
    ).rejects.toThrow(/limits\.initialWindowBytes/);
  });

  it('refuses duplicate and empty method names', () => {
    const server = new RpcServer({ transport: new InMemoryTransport() });
    server.unary('a', (request) => request);
    expect(() => server.unary('a', (request) => request)).toThrow(/already registered/);
    expect(() => server.serverStream('', async function* () {})).toThrow(/method/);
  });

  it('fails to connect with UNAVAILABLE, not processed, when nothing listens', async () => {
    const transport = new InMemoryTransport();
    await expect(RpcClient.connect('127.0.0.1:9', { transport })).rejects.toMatchObject({
      code: 'UNAVAILABLE',
      notProcessed: true,
    });
  });
});

describe('host:port addresses', () => {
  it('parses and formats IPv4, names and IPv6', () => {
    expect(parseHostPort('127.0.0.1:8080')).toEqual({ host: '127.0.0.1', port: 8080 });
    expect(parseHostPort('example.org:0')).toEqual({ host: 'example.org', port: 0 });
    expect(parseHostPort('[::1]:443')).toEqual({ host: '::1', port: 443 });
    expect(formatHostPort({ host: '::1', port: 443 })).toBe('[::1]:443');
    expect(formatHostPort({ host: '10.0.0.1', port: 1 })).toBe('10.0.0.1:1');
  });

  it.each(['', 'host', ':80', 'host:', 'host:65536', 'host:-1', 'host:8x', '[::1]80', '[::1]:'])(
    'rejects %j',
    (address) => {
      expect(() => parseHostPort(address)).toThrow(TypeError);
    },
  );
});
