import { waitFor } from '@rpcnet/test-utils';
import { describe, expect, it } from 'vitest';
import { InMemoryTransport } from '../src/index.js';

describe('InMemoryTransport', () => {
  it('delivers bytes in order, split into chunks of at most chunkBytes, then the close', async () => {
    const transport = new InMemoryTransport({ chunkBytes: 3 });
    const received: Uint8Array[] = [];
    const events: string[] = [];
    const listener = await transport.listen({ host: '127.0.0.1', port: 0 }, (connection) => {
      connection.start({
        onData: (chunk) => received.push(chunk),
        onClose: (error) => events.push(error ? `error:${error.message}` : 'closed'),
      });
    });
    const client = await transport.connect(listener.address);
    client.start({ onData: () => undefined, onClose: () => undefined });
    await client.write(Uint8Array.of(1, 2, 3, 4, 5, 6, 7));
    await client.write(Uint8Array.of(8));
    await client.close();
    await waitFor(() => events.length === 1);
    expect(received.map((chunk) => [...chunk])).toEqual([[1, 2, 3], [4, 5, 6], [7], [8]]);
    expect(events).toEqual(['closed']);
    await expect(client.write(Uint8Array.of(9))).rejects.toThrow(/closed/);
    await listener.close();
  });

  it('reports an abrupt close with its error, and closing the listener closes its connections', async () => {
    const transport = new InMemoryTransport();
    const serverSide: Array<(error?: Error) => void> = [];
    const listener = await transport.listen({ host: '127.0.0.1', port: 0 }, (connection) => {
      connection.start({ onData: () => undefined, onClose: () => undefined });
      serverSide.push((error) => void connection.close(error));
    });
    const closes: Array<string | undefined> = [];
    const a = await transport.connect(listener.address);
    a.start({ onData: () => undefined, onClose: (error) => closes.push(error?.message) });
    const b = await transport.connect(listener.address);
    b.start({ onData: () => undefined, onClose: (error) => closes.push(error?.message) });
    await waitFor(() => serverSide.length === 2);
    serverSide[0]?.(new Error('reset'));
    await waitFor(() => closes.length === 1);
    expect(closes).toEqual(['reset']);
    await listener.close();
    await waitFor(() => closes.length === 2);
    expect(closes[1]).toBeUndefined();
    await expect(transport.connect(listener.address)).rejects.toThrow(/refused/);
  });

  it('gives ephemeral ports and refuses a port in use', async () => {
    const transport = new InMemoryTransport();
    const first = await transport.listen({ host: '127.0.0.1', port: 0 }, () => undefined);
    const second = await transport.listen({ host: '127.0.0.1', port: 0 }, () => undefined);
    expect(first.address.port).not.toBe(second.address.port);
    await expect(transport.listen(first.address, () => undefined)).rejects.toThrow(/in use/);
    await first.close();
    await second.close();
    expect(() => new InMemoryTransport({ chunkBytes: -1 })).toThrow(/chunkBytes/);
  });
});
