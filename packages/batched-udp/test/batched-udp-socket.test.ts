import { createSocket } from 'node:dgram';
import { waitFor } from '@rpcnet/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import { BatchedUdpSocket, type DatagramOrigin } from '../src/index.js';

const BUFFER_BYTES = 4 * 1024 * 1024;

describe('BatchedUdpSocket', () => {
  const open: BatchedUdpSocket[] = [];
  afterEach(() => {
    for (const socket of open.splice(0)) socket.close();
  });
  const bind = (host = '127.0.0.1'): BatchedUdpSocket => {
    const socket = BatchedUdpSocket.bind(host, 0, BUFFER_BYTES);
    open.push(socket);
    return socket;
  };

  it('loads on Linux (the build compiles it)', () => {
    expect(BatchedUdpSocket.unavailableReason()).toBeUndefined();
    expect(BatchedUdpSocket.available()).toBe(true);
  });

  it('sends a batch in one call and delivers every packet intact, in order, with its origin (GSO out, GRO in)', async () => {
    const receiver = bind();
    const sender = bind();
    const received: Array<{ bytes: Buffer; from: DatagramOrigin }> = [];
    receiver.on('message', (datagram, from) => {
      // The area is reused by the next batch: copy what is kept.
      received.push({ bytes: Buffer.from(datagram), from });
    });
    // 40 full packets (GSO runs) then a short one, each filled with its index.
    const lengths = Uint32Array.from({ length: 41 }, (_, i) => (i === 40 ? 300 : 1200));
    const buffer = Buffer.alloc(40 * 1200 + 300);
    let offset = 0;
    lengths.forEach((length, index) => {
      buffer.fill(index, offset, offset + length);
      offset += length;
    });
    const to = receiver.address();
    sender.sendBatch(buffer, lengths, lengths.length, to.port, to.address);
    buffer.fill(0xff); // reusable at once
    await waitFor(() => received.length === 41);
    received.forEach(({ bytes, from }, index) => {
      expect(bytes.length).toBe(lengths[index]);
      expect(bytes.every((byte) => byte === index)).toBe(true);
      expect(from).toEqual(sender.address());
    });
    expect(sender.stats()).toEqual({ queuedBytes: 0, dropped: 0, gso: true, gro: true });
    // The receiver got the GSO train as one GRO buffer (Linux >= 5.0) and split it back.
    expect(receiver.stats()).toMatchObject({ dropped: 0, gro: true });
  });

  it('interoperates with node:dgram both ways, over IPv4 and IPv6', async () => {
    for (const host of ['127.0.0.1', '::1']) {
      const batched = bind(host);
      const plain = createSocket(host === '::1' ? 'udp6' : 'udp4');
      await new Promise<void>((resolve) => plain.bind(0, host, resolve));
      const atPlain: Buffer[] = [];
      const atBatched: DatagramOrigin[] = [];
      plain.on('message', (message) => atPlain.push(message));
      batched.on('message', (_datagram, from) => atBatched.push(from));
      batched.send(Buffer.from('xxhello'), 2, 5, plain.address().port, host);
      plain.send('hi', batched.address().port, host);
      await waitFor(() => atPlain.length === 1 && atBatched.length === 1);
      expect(atPlain[0]!.toString()).toBe('hello');
      expect(atBatched[0]).toEqual({ address: host, port: plain.address().port });
      plain.close();
    }
  });

  it('reports ECONNREFUSED as an error event on a connected socket whose peer is gone', async () => {
    const gone = bind();
    const { port } = gone.address();
    await new Promise<void>((resolve) => gone.close(resolve));
    open.splice(open.indexOf(gone), 1);
    const client = bind();
    client.connect('127.0.0.1', port);
    const errors: string[] = [];
    client.on('error', (error) => errors.push(String(error.code)));
    client.send(Buffer.from('ping'), 0, 4);
    await waitFor(() => errors.length > 0);
    expect(errors[0]).toBe('ECONNREFUSED');
  });

  it('refuses a host that is not an IP literal, and a second close', () => {
    expect(() => BatchedUdpSocket.bind('localhost', 0, BUFFER_BYTES)).toThrow(/IP literal/);
    const socket = BatchedUdpSocket.bind('127.0.0.1', 0, BUFFER_BYTES);
    socket.close();
    expect(() => socket.close()).toThrow(/already closed/);
    // A send after close is dropped quietly, as node:dgram's would fail without throwing.
    expect(() => socket.send(Buffer.from('x'), 0, 1, 9, '127.0.0.1')).not.toThrow();
  });
});
