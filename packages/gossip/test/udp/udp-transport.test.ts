import { parseHostPort } from '@rpcnet/base';
import { waitFor } from '@rpcnet/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import { UdpTransport } from '../../src/udp-transport.js';

const open: UdpTransport[] = [];
async function bind(maxDatagramBytes?: number): Promise<UdpTransport> {
  const transport = await UdpTransport.bind({ host: '127.0.0.1', port: 0, maxDatagramBytes });
  open.push(transport);
  return transport;
}

afterEach(async () => {
  await Promise.all(open.splice(0).map((transport) => transport.close()));
});

describe('UdpTransport', () => {
  it('binds an ephemeral port and exchanges datagrams with the sender address', async () => {
    const a = await bind();
    const b = await bind();
    expect(parseHostPort(a.localAddress).port).toBeGreaterThan(0);
    const received: Array<{ text: string; from: string }> = [];
    b.onPacket((data, from) => received.push({ text: Buffer.from(data).toString(), from }));
    a.send(b.localAddress, new TextEncoder().encode('ping'));
    await waitFor(() => received.length === 1);
    expect(received[0]).toEqual({ text: 'ping', from: a.localAddress });
    expect(a.stats()).toMatchObject({ datagramsOut: 1, bytesOut: 4 });
    expect(b.stats()).toMatchObject({ datagramsIn: 1, bytesIn: 4 });
  });

  it('refuses oversized datagrams on send and drops them on receipt', async () => {
    const small = await bind(16);
    const large = await bind();
    const drops: string[] = [];
    small.onDrop((reason) => drops.push(reason));
    const received: Uint8Array[] = [];
    small.onPacket((data) => received.push(data));
    small.send(large.localAddress, new Uint8Array(17));
    large.send(small.localAddress, new Uint8Array(17));
    large.send(small.localAddress, new Uint8Array(16));
    await waitFor(() => received.length === 1 && drops.length === 2);
    expect(drops.sort()).toEqual(['oversize', 'oversize-send']);
    expect(large.stats().datagramsIn).toBe(0);
  });

  it('counts bad addresses and sends after close instead of throwing', async () => {
    const a = await bind();
    a.send('not-an-address', new Uint8Array(1));
    a.send('127.0.0.1:0', new Uint8Array(1));
    await a.close();
    await a.close();
    a.send('127.0.0.1:9', new Uint8Array(1));
    expect(a.stats().drops).toEqual({ 'bad-address': 2, closed: 1 });
  });

  it('survives a handler that throws', async () => {
    const a = await bind();
    const b = await bind();
    let calls = 0;
    b.onPacket(() => {
      calls += 1;
      throw new Error('receiver bug');
    });
    a.send(b.localAddress, new Uint8Array(1));
    a.send(b.localAddress, new Uint8Array(1));
    await waitFor(() => calls === 2);
    expect(b.stats().drops).toEqual({ 'handler-error': 2 });
  });

  it('rejects binding a port that is taken', async () => {
    const a = await bind();
    const port = parseHostPort(a.localAddress).port;
    await expect(UdpTransport.bind({ host: '127.0.0.1', port })).rejects.toThrow(/EADDRINUSE/);
  });
});
