import { rejectionOf } from '@rpcnet/test-utils';
import { describe, expect, it } from 'vitest';
import { type ErrorCode, InMemoryTransport, RpcClient, RpcError, RpcServer } from '../src/index.js';
import { bytes } from './support/text-bytes.js';

describe('a handler that throws an RpcError with a code outside ErrorCode', () => {
  it('fails the call with UNKNOWN naming the code, never with an empty code that reads as OK', async () => {
    const transport = new InMemoryTransport();
    const server = new RpcServer({ transport });
    server.unary('bad', () => {
      throw new RpcError('NOT_A_CODE' as ErrorCode, 'refused');
    });
    server.unary('none', () => {
      throw new RpcError(undefined as unknown as ErrorCode, 'no code');
    });
    const address = await server.start();
    const client = await RpcClient.connect(address, { transport });
    try {
      const bad = await rejectionOf(client.unary('bad', bytes('x')));
      expect(bad).toBeInstanceOf(RpcError);
      expect((bad as RpcError).code).toBe('UNKNOWN');
      expect((bad as RpcError).message).toBe('refused (handler used unknown code "NOT_A_CODE")');
      const none = await rejectionOf(client.unary('none', bytes('x')));
      expect((none as RpcError).code).toBe('UNKNOWN');
    } finally {
      await client.close();
      await server.stop({ graceMs: 0 });
    }
  });
});
