import { waitFor } from '@rpcnet/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import type { QuicTransportOptions } from '../../src/quic/config.js';
import { QuicTransportError } from '../../src/quic/errors.js';
import { QuicTransport } from '../../src/quic/quic-transport.js';
import type { TransportConnection, TransportListener } from '../../src/transport.js';
import {
  BlackholeRelay,
  certificates,
  MemoryLogger,
  RecordingReceiver,
  Resources,
} from './helpers.js';

const host = '127.0.0.1';
const resources = new Resources();
let relay: BlackholeRelay | undefined;
afterEach(async () => {
  await resources.closeAll();
  await relay?.close();
  relay = undefined;
});

type Tuning = Omit<QuicTransportOptions, 'tls'>;

function serverTransport(tuning: Tuning = {}): QuicTransport {
  const { server } = certificates();
  return new QuicTransport({ ...tuning, tls: { cert: server.certPem, key: server.keyPem } });
}

function clientTransport(tuning: Tuning = {}): QuicTransport {
  return new QuicTransport({ ...tuning, tls: { ca: certificates().server.certPem } });
}

interface Pair {
  listener: TransportListener;
  client: TransportConnection;
  server: TransportConnection;
  clientReceiver: RecordingReceiver;
  serverReceiver: RecordingReceiver;
}

async function connectedPair(
  tuning: Tuning = {},
  via?: (serverPort: number) => Promise<number>,
): Promise<Pair> {
  const accepted: TransportConnection[] = [];
  const serverReceiver = new RecordingReceiver();
  const listener = resources.listener(
    await serverTransport(tuning).listen({ host, port: 0 }, (connection) => {
      resources.connection(connection);
      connection.start(serverReceiver);
      accepted.push(connection);
    }),
  );
  const port = via === undefined ? listener.address.port : await via(listener.address.port);
  const client = resources.connection(await clientTransport(tuning).connect({ host, port }));
  const clientReceiver = new RecordingReceiver();
  client.start(clientReceiver);
  await waitFor(() => accepted.length === 1, { message: 'server accept' });
  return { listener, client, server: accepted[0]!, clientReceiver, serverReceiver };
}

/** Deterministic pseudo-random bytes (xorshift), so failures reproduce. */
function patternBytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let state = seed | 1;
  for (let i = 0; i < length; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    out[i] = state & 0xff;
  }
  return out;
}

describe('QuicTransport data path', { timeout: 20_000 }, () => {
  it('binds an ephemeral port and reports both addresses', async () => {
    const { listener, client, server } = await connectedPair();
    expect(listener.address.host).toBe(host);
    expect(listener.address.port).toBeGreaterThan(0);
    expect(client.remoteAddress).toBe(`${host}:${listener.address.port}`);
    expect(server.remoteAddress).toMatch(/127\.0\.0\.1:\d+$/);
  });

  it('uses 16000-byte packets to a loopback peer by default, and 1350 when told', async () => {
    const sizes: number[] = [];
    for (const tuning of [{}, { maxUdpPayloadSize: 1350 }]) {
      const { client, serverReceiver } = await connectedPair(tuning);
      const before = client.stats!();
      await client.write(patternBytes(256 * 1024, 1));
      await waitFor(() => serverReceiver.received === 256 * 1024, {
        timeoutMs: 10_000,
        message: 'bulk write',
      });
      const after = client.stats!();
      sizes.push((after.bytesSent - before.bytesSent) / (after.packetsSent - before.packetsSent));
    }
    expect(sizes[0]).toBeGreaterThan(8000);
    expect(sizes[1]).toBeLessThanOrEqual(1350);
  });

  it('delivers bytes in order in both directions under arbitrary chunking', async () => {
    const { client, server, clientReceiver, serverReceiver } = await connectedPair();
    const payload = patternBytes(300_000, 42);
    let offset = 0;
    let step = 1;
    const writes: Promise<void>[] = [];
    while (offset < payload.length) {
      const size = Math.min(payload.length - offset, (step * 7919) % 4099 || 1);
      writes.push(client.write(payload.subarray(offset, offset + size)));
      offset += size;
      step++;
      // Yield now and then so writes land in different turns as well as the same one.
      if (step % 50 === 0) await Promise.resolve();
    }
    await Promise.all(writes);
    await waitFor(() => serverReceiver.received === payload.length, {
      timeoutMs: 10_000,
      message: 'server receive',
    });
    expect(Buffer.compare(serverReceiver.bytes(), payload)).toBe(0);

    await server.write(serverReceiver.bytes());
    await waitFor(() => clientReceiver.received === payload.length, {
      timeoutMs: 10_000,
      message: 'echo',
    });
    expect(Buffer.compare(clientReceiver.bytes(), payload)).toBe(0);
  });

  it('carries one large write intact', async () => {
    const { client, serverReceiver } = await connectedPair({ maxUdpPayloadSize: 16000 });
    const payload = patternBytes(4 * 1024 * 1024, 7);
    await client.write(payload);
    await waitFor(() => serverReceiver.received === payload.length, {
      timeoutMs: 30_000,
      message: 'large write',
    });
    expect(Buffer.compare(serverReceiver.bytes(), payload)).toBe(0);
  }, 40_000);

  it('carries 1 MiB each way at 1350-byte packets between every pair of UDP socket kinds', async () => {
    const kinds = ['batched', 'dgram'] as const;
    for (const serverKind of kinds) {
      for (const clientKind of kinds) {
        const accepted: TransportConnection[] = [];
        const serverReceiver = new RecordingReceiver();
        const listener = resources.listener(
          await serverTransport({ udpSocket: serverKind, maxUdpPayloadSize: 1350 }).listen(
            { host, port: 0 },
            (connection) => {
              resources.connection(connection);
              connection.start(serverReceiver);
              accepted.push(connection);
            },
          ),
        );
        const client = resources.connection(
          await clientTransport({ udpSocket: clientKind, maxUdpPayloadSize: 1350 }).connect({
            host,
            port: listener.address.port,
          }),
        );
        const clientReceiver = new RecordingReceiver();
        client.start(clientReceiver);
        const payload = patternBytes(1024 * 1024, serverKind.length * 10 + clientKind.length);
        await client.write(payload);
        await waitFor(() => serverReceiver.received === payload.length, {
          timeoutMs: 20_000,
          message: 'upload',
        });
        expect(
          Buffer.compare(serverReceiver.bytes(), payload),
          `${clientKind} -> ${serverKind}`,
        ).toBe(0);
        await accepted[0]!.write(payload);
        await waitFor(() => clientReceiver.received === payload.length, {
          timeoutMs: 20_000,
          message: 'download',
        });
        expect(
          Buffer.compare(clientReceiver.bytes(), payload),
          `${serverKind} -> ${clientKind}`,
        ).toBe(0);
        // 1 MiB at 1350 bytes is ~800 packets each way: the stats count every one.
        const stats = client.stats?.();
        expect(stats?.packetsSent).toBeGreaterThanOrEqual(700);
        expect(stats?.packetsReceived).toBeGreaterThanOrEqual(700);
      }
    }
  }, 60_000);

  it('resolves a write only once flow control has let most of it through (backpressure)', async () => {
    const window = 64 * 1024;
    const { client, serverReceiver } = await connectedPair({
      initialMaxStreamData: window,
      initialMaxData: window * 2,
    });
    const payload = patternBytes(2 * 1024 * 1024, 3);
    await client.write(payload);
    // Without flow control the write would resolve at once, with almost nothing received. QUIC
    // lets the window grow while the reader keeps up, so the bound is loose: at least half.
    expect(serverReceiver.received).toBeGreaterThanOrEqual(payload.length / 2);
    await waitFor(() => serverReceiver.received === payload.length, {
      timeoutMs: 20_000,
      message: 'rest',
    });
  }, 40_000);

  it('closes gracefully: queued bytes arrive, then both sides see onClose() without error', async () => {
    const { client, clientReceiver, serverReceiver } = await connectedPair();
    const payload = patternBytes(500_000, 11);
    void client.write(payload);
    await client.close();
    expect(serverReceiver.received).toBe(payload.length);
    await waitFor(() => serverReceiver.closed && clientReceiver.closed, {
      message: 'close callbacks',
    });
    expect(serverReceiver.closeError).toBeUndefined();
    expect(clientReceiver.closeError).toBeUndefined();
    await expect(client.write(Uint8Array.of(1))).rejects.toBeInstanceOf(QuicTransportError);
  });

  it('lets the server close gracefully too, and close() is idempotent', async () => {
    const { server, clientReceiver, serverReceiver } = await connectedPair();
    await server.write(Uint8Array.of(1, 2, 3));
    await Promise.all([server.close(), server.close()]);
    await waitFor(() => clientReceiver.closed, { message: 'client onClose' });
    expect([...clientReceiver.bytes()]).toEqual([1, 2, 3]);
    expect(clientReceiver.closeError).toBeUndefined();
    expect(serverReceiver.closeError).toBeUndefined();
  });

  it('reports an abrupt close to the peer as an error', async () => {
    const { client, clientReceiver, serverReceiver } = await connectedPair();
    const reason = new Error('going away');
    await client.close(reason);
    expect(clientReceiver.closeError).toBe(reason);
    await waitFor(() => serverReceiver.closed, { message: 'server onClose' });
    expect(serverReceiver.closeError).toBeInstanceOf(QuicTransportError);
    expect((serverReceiver.closeError as QuicTransportError).kind).toBe('peer-closed');
  });

  it('notices a vanished peer within the idle timeout on both sides', async () => {
    const tuning = { maxIdleTimeoutMs: 1000, keepAliveIntervalMs: 200 };
    const pair = await connectedPair(tuning, async (serverPort) => {
      relay = await BlackholeRelay.start(serverPort);
      return relay.port;
    });
    await pair.client.write(Uint8Array.of(9));
    await waitFor(() => pair.serverReceiver.received === 1, { message: 'data through relay' });
    // Keep-alives hold the connection open while the path works.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(pair.clientReceiver.closed).toBe(false);
    relay!.dropping = true;
    const cutAt = Date.now();
    await waitFor(() => pair.clientReceiver.closed && pair.serverReceiver.closed, {
      message: 'idle timeout',
    });
    expect(Date.now() - cutAt).toBeLessThan(4000);
    for (const receiver of [pair.clientReceiver, pair.serverReceiver]) {
      expect(receiver.closeError).toBeInstanceOf(QuicTransportError);
      expect((receiver.closeError as QuicTransportError).kind).toBe('idle-timeout');
    }
    await expect(pair.client.write(Uint8Array.of(1))).rejects.toBeInstanceOf(QuicTransportError);
  });

  it('closing the listener closes its connections, even with writes pending', async () => {
    const { listener, client, clientReceiver, serverReceiver } = await connectedPair({
      closeTimeoutMs: 500,
    });
    const pending = [
      client.write(patternBytes(4 * 1024 * 1024, 5)),
      client.write(Uint8Array.of(1)),
    ];
    await listener.close();
    await waitFor(() => clientReceiver.closed && serverReceiver.closed, {
      timeoutMs: 15_000,
      message: 'closes',
    });
    await Promise.allSettled(pending);
    await expect(client.write(Uint8Array.of(2))).rejects.toBeInstanceOf(QuicTransportError);
  });

  it('refuses a connection to a port nobody listens on within the connect timeout', async () => {
    const probe = resources.listener(await serverTransport().listen({ host, port: 0 }, () => {}));
    const port = probe.address.port;
    await probe.close();
    const started = Date.now();
    await expect(
      clientTransport({ connectTimeoutMs: 500 }).connect({ host, port }),
    ).rejects.toMatchObject({ name: 'QuicTransportError', kind: 'connect' });
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('aborts connect() when the signal fires', async () => {
    const probe = resources.listener(await serverTransport().listen({ host, port: 0 }, () => {}));
    const port = probe.address.port;
    await probe.close();
    const controller = new AbortController();
    const attempt = clientTransport().connect({ host, port }, { signal: controller.signal });
    controller.abort(new Error('user gave up'));
    await expect(attempt).rejects.toBeInstanceOf(QuicTransportError);
  });

  it('never lets @matrixai/quic log at INFO, and stays quiet on a clean lifecycle', async () => {
    const logger = new MemoryLogger();
    const { server } = certificates();
    const transport = new QuicTransport({
      tls: { cert: server.certPem, key: server.keyPem, ca: server.certPem },
      logger,
    });
    const accepted: TransportConnection[] = [];
    const listener = resources.listener(
      await transport.listen({ host, port: 0 }, (connection) => {
        connection.start(new RecordingReceiver());
        accepted.push(connection);
      }),
    );
    const client = await transport.connect(listener.address);
    client.start(new RecordingReceiver());
    await client.write(Uint8Array.of(1));
    await waitFor(() => accepted.length === 1, { message: 'accept' });
    await client.close();
    await listener.close();
    expect(logger.lines.filter((line) => line.level === 'info' || line.level === 'debug')).toEqual(
      [],
    );
  });
});
