import { randomBytes } from 'node:crypto';
import { waitFor } from '@rpcnet/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import { parseQuicTransportOptions, type QuicTransportOptions } from '../../../src/quic/config.js';
import { QuicTransportError } from '../../../src/quic/errors.js';
import { startClientConnection } from '../../../src/quic/lean/lean-client.js';
import type { LeanConnection } from '../../../src/quic/lean/lean-connection.js';
import { LeanQuicListener } from '../../../src/quic/lean/lean-listener.js';
import { buildQuicheConfig } from '../../../src/quic/lean/quiche-config.js';
import { checkServerChainForIp } from '../../../src/quic/peer-verification.js';
import { resolveConnectTls, resolveListenerTls } from '../../../src/quic/tls.js';
import type { TransportConnection } from '../../../src/transport.js';
import { certificates, RecordingReceiver } from '../helpers.js';
import { FakeUdpNetwork } from './fake-udp.js';

type Tuning = Omit<QuicTransportOptions, 'tls'>;

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A lean listener on a fake socket, recording what it accepts. */
async function fakeListener(network: FakeUdpNetwork, tuning: Tuning = {}) {
  const { server } = certificates();
  const options = parseQuicTransportOptions({
    tls: { cert: server.certPem, key: server.keyPem },
    ...tuning,
  });
  const config = buildQuicheConfig(options, await resolveListenerTls(options.tls), 1350);
  const socket = network.bind();
  const accepted: Array<{ connection: TransportConnection; receiver: RecordingReceiver }> = [];
  const listener = new LeanQuicListener(socket, config, options, (connection) => {
    const receiver = new RecordingReceiver();
    connection.start(receiver);
    accepted.push({ connection, receiver });
  });
  cleanups.push(() => listener.close());
  return { listener, socket, accepted };
}

/** A lean client connection over a fake socket, verifying the server's IP certificate in JS. */
async function fakeConnect(
  network: FakeUdpNetwork,
  serverPort: number,
  tuning: Tuning = {},
): Promise<{ connection: LeanConnection; receiver: RecordingReceiver; port: number }> {
  const { server } = certificates();
  const options = parseQuicTransportOptions({ tls: { ca: server.certPem }, ...tuning });
  const tls = await resolveConnectTls(options.tls);
  const socket = network.bind().connect(serverPort);
  const connection = await startClientConnection({
    socket,
    local: { host: '127.0.0.1', port: socket.port },
    peer: { host: '127.0.0.1', port: serverPort },
    remoteAddress: `127.0.0.1:${serverPort}`,
    serverName: null,
    config: buildQuicheConfig(options, tls, 1350, true),
    udpPayloadBytes: 1350,
    verifyServer: (chain) => checkServerChainForIp('127.0.0.1', chain, [server.certPem]),
    options,
  });
  cleanups.push(() => connection.close(new Error('test cleanup')));
  const receiver = new RecordingReceiver();
  connection.start(receiver);
  return { connection, receiver, port: socket.port };
}

/** A QUIC long-header Initial (RFC 9000 §17.2.2) with a random, undecryptable payload. */
function initialDatagram(options: {
  version?: number;
  dcid?: Uint8Array;
  token?: Uint8Array;
  size?: number;
}): Uint8Array {
  const dcid = options.dcid ?? randomBytes(20);
  const scid = randomBytes(8);
  const token = options.token ?? new Uint8Array(0);
  const size = options.size ?? 1200;
  const header = Buffer.alloc(7 + dcid.length + scid.length + 1 + token.length + 2);
  let offset = 0;
  header[offset++] = 0xc0; // long header, fixed bit, type Initial, 1-byte packet number
  header.writeUInt32BE(options.version ?? 1, offset);
  offset += 4;
  header[offset++] = dcid.length;
  header.set(dcid, offset);
  offset += dcid.length;
  header[offset++] = scid.length;
  header.set(scid, offset);
  offset += scid.length;
  header[offset++] = token.length; // one-byte varint: tokens here are under 64 bytes
  header.set(token, offset);
  offset += token.length;
  const rest = size - offset - 2;
  header.writeUInt16BE(0x4000 | rest, offset);
  return Buffer.concat([header, randomBytes(rest)]);
}

describe('lean QUIC driver: routing', { timeout: 20_000 }, () => {
  it('admits connections after a stateless Retry and routes each datagram to its connection', async () => {
    const network = new FakeUdpNetwork();
    const { socket, listener, accepted } = await fakeListener(network);
    const first = await fakeConnect(network, socket.port);
    const second = await fakeConnect(network, socket.port);
    await first.connection.write(Buffer.from('from the first'));
    await second.connection.write(Buffer.from('from the second'));
    await waitFor(() => accepted.length === 2, { message: 'two accepted connections' });
    await waitFor(() => accepted.every(({ receiver }) => receiver.received > 0), {
      message: 'data on both',
    });
    const texts = accepted.map(({ receiver }) => receiver.bytes().toString()).sort();
    expect(texts).toEqual(['from the first', 'from the second']);
    expect(listener.counters.retriesSent).toBe(2);
    expect(listener.counters.connectionsAccepted).toBe(2);
    expect(listener.connectionCount).toBe(2);
    // Replies find their way back to the right client.
    for (const { connection, receiver } of accepted) await connection.write(receiver.bytes());
    await waitFor(() => first.receiver.received > 0 && second.receiver.received > 0, {
      message: 'echo',
    });
    expect(first.receiver.bytes().toString()).toBe('from the first');
    expect(second.receiver.bytes().toString()).toBe('from the second');
  });

  it('counts and drops datagrams it cannot route, and keeps serving', async () => {
    const network = new FakeUdpNetwork();
    const { socket, listener } = await fakeListener(network);
    const stray = 50_000;
    network.inject(new Uint8Array(0), stray, socket.port);
    network.inject(Uint8Array.of(0xc0, 0, 0), stray, socket.port); // truncated long header
    network.inject(Buffer.concat([Uint8Array.of(0x40), randomBytes(40)]), stray, socket.port);
    network.inject(initialDatagram({ size: 600 }), stray, socket.port); // Initials are >= 1200 B
    network.inject(initialDatagram({ token: randomBytes(40) }), stray, socket.port); // forged token
    network.inject(initialDatagram({ version: 0x1a2a3a4a }), stray, socket.port);
    await waitFor(() => listener.counters.datagramsReceived === 6, {
      message: 'all datagrams read',
    });
    expect(listener.counters.dropped).toEqual({
      malformed: 3,
      unknownConnection: 1,
      refused: 0,
      invalidToken: 1,
    });
    expect(listener.counters.versionNegotiations).toBe(1);
    expect(listener.connectionCount).toBe(0);
    const client = await fakeConnect(network, socket.port);
    await expect(client.connection.write(Uint8Array.of(1))).resolves.toBeUndefined();
  });

  it('refuses new handshakes beyond maxPendingHandshakes', async () => {
    const network = new FakeUdpNetwork();
    const { socket, listener } = await fakeListener(network, { maxPendingHandshakes: 1 });
    // The first client's handshake stalls: after the Retry, nothing reaches it any more.
    let stalledPort = -1;
    let toStalled = 0;
    network.filter = (_datagram, from, to) =>
      !(from === socket.port && to === stalledPort && ++toStalled > 1);
    const { server } = certificates();
    const options = parseQuicTransportOptions({
      tls: { ca: server.certPem },
      connectTimeoutMs: 1500,
    });
    const stalledSocket = network.bind().connect(socket.port);
    stalledPort = stalledSocket.port;
    const stalled = startClientConnection({
      socket: stalledSocket,
      local: { host: '127.0.0.1', port: stalledSocket.port },
      peer: { host: '127.0.0.1', port: socket.port },
      remoteAddress: 'stalled',
      serverName: null,
      config: buildQuicheConfig(options, await resolveConnectTls(options.tls), 1350, true),
      udpPayloadBytes: 1350,
      options,
    }).catch((error: unknown) => error);
    await waitFor(() => listener.connectionCount === 1, { message: 'a pending handshake' });
    await expect(
      fakeConnect(network, socket.port, { connectTimeoutMs: 500 }),
    ).rejects.toMatchObject({ kind: 'connect' });
    expect(listener.counters.dropped.refused).toBeGreaterThanOrEqual(1);
    expect(await stalled).toBeInstanceOf(QuicTransportError);
  });
});

describe('lean QUIC driver: limits per peer', { timeout: 20_000 }, () => {
  it('refuses connections from one address beyond maxConnectionsPerAddress, and admits again once one ends', async () => {
    const network = new FakeUdpNetwork();
    const { socket, listener } = await fakeListener(network, { maxConnectionsPerAddress: 2 });
    const first = await fakeConnect(network, socket.port);
    await fakeConnect(network, socket.port);
    await expect(
      fakeConnect(network, socket.port, { connectTimeoutMs: 500 }),
    ).rejects.toMatchObject({ kind: 'connect' });
    expect(listener.counters.dropped.refused).toBeGreaterThanOrEqual(1);
    await first.connection.close();
    await waitFor(() => listener.connectionCount === 1, {
      message: 'the first connection released',
    });
    await expect(fakeConnect(network, socket.port)).resolves.toBeDefined();
  });
});

describe('lean QUIC driver: timers and close', { timeout: 20_000 }, () => {
  it('keeps an idle connection open with keep-alives, and times out a silent peer', async () => {
    const network = new FakeUdpNetwork();
    // Keep-alives every 100 ms against a 1 s idle timeout: a loaded machine's timer delays stay
    // well inside the margin.
    const tuning = { maxIdleTimeoutMs: 1000, keepAliveIntervalMs: 100 };
    const { socket, accepted } = await fakeListener(network, tuning);
    const client = await fakeConnect(network, socket.port, tuning);
    await client.connection.write(Uint8Array.of(7));
    await waitFor(() => accepted.length === 1, { message: 'accept' });
    const idleFrom = Date.now();
    // Three idle timeouts pass; keep-alives hold the connection.
    await waitFor(() => Date.now() - idleFrom >= 3000, { timeoutMs: 5000, message: 'idle time' });
    expect(client.receiver.closed).toBe(false);
    expect(accepted[0]!.receiver.closed).toBe(false);
    network.filter = () => false;
    const cutAt = Date.now();
    await waitFor(() => client.receiver.closed && accepted[0]!.receiver.closed, {
      timeoutMs: 10_000,
      message: 'idle timeout on both sides',
    });
    expect(Date.now() - cutAt).toBeLessThan(5000);
    for (const receiver of [client.receiver, accepted[0]!.receiver]) {
      expect(receiver.closeError).toMatchObject({ kind: 'idle-timeout' });
    }
  });

  it('closes gracefully after every queued byte has arrived, without an error on either side', async () => {
    const network = new FakeUdpNetwork();
    const { socket, accepted } = await fakeListener(network);
    const client = await fakeConnect(network, socket.port);
    const payload = randomBytes(200_000);
    void client.connection.write(payload);
    await client.connection.close();
    await waitFor(() => accepted[0]?.receiver.closed === true, { message: 'server onClose' });
    expect(Buffer.compare(accepted[0]!.receiver.bytes(), payload)).toBe(0);
    expect(accepted[0]!.receiver.closeError).toBeUndefined();
    expect(client.receiver.closeError).toBeUndefined();
    await expect(client.connection.write(Uint8Array.of(1))).rejects.toBeInstanceOf(
      QuicTransportError,
    );
  });

  it('reads a batch of datagrams from the stream at once, handing full reads over intact', async () => {
    const network = new FakeUdpNetwork();
    network.batched = true;
    const { socket, accepted } = await fakeListener(network);
    const client = await fakeConnect(network, socket.port);
    const payload = randomBytes(2_000_000);
    await client.connection.write(payload);
    await waitFor(() => accepted[0]?.receiver.received === payload.length, {
      timeoutMs: 10_000,
      message: 'all bytes',
    });
    const { chunks } = accepted[0]!.receiver;
    expect(Buffer.compare(accepted[0]!.receiver.bytes(), payload)).toBe(0);
    // Reads span many packets (one per datagram would be at most ~1.3 KB each)...
    expect(Math.max(...chunks.map((chunk) => chunk.length))).toBeGreaterThan(16 * 1024);
    expect(chunks.length).toBeLessThan(payload.length / 1350 / 4);
    // ...and a full read is handed over as its own memory, not overwritten by the next one.
    const full = chunks.filter((chunk) => chunk.length === 64 * 1024);
    expect(full.length).toBeGreaterThan(0);
    expect(new Set(full.map((chunk) => chunk.buffer)).size).toBe(full.length);
  });

  it('moves data intact with each congestion controller (cubic, reno, bbr)', async () => {
    for (const congestionControl of ['cubic', 'reno', 'bbr'] as const) {
      const network = new FakeUdpNetwork();
      network.batched = true;
      const { socket, accepted } = await fakeListener(network, { congestionControl });
      const client = await fakeConnect(network, socket.port, { congestionControl });
      const payload = randomBytes(500_000);
      await client.connection.write(payload);
      await waitFor(() => accepted[0]?.receiver.received === payload.length, {
        timeoutMs: 10_000,
        message: congestionControl,
      });
      expect(Buffer.compare(accepted[0]!.receiver.bytes(), payload)).toBe(0);
    }
  });

  it('reports an abrupt close to the peer as peer-closed', async () => {
    const network = new FakeUdpNetwork();
    const { socket, accepted } = await fakeListener(network);
    const client = await fakeConnect(network, socket.port);
    await client.connection.write(Uint8Array.of(1));
    await waitFor(() => accepted.length === 1, { message: 'accept' });
    const reason = new Error('going away');
    await client.connection.close(reason);
    expect(client.receiver.closeError).toBe(reason);
    await waitFor(() => accepted[0]!.receiver.closed, { message: 'server onClose' });
    expect(accepted[0]!.receiver.closeError).toMatchObject({ kind: 'peer-closed' });
  });

  it('fails a connection at once when the peer port is refused (ICMP), without waiting', async () => {
    const network = new FakeUdpNetwork();
    const { socket, listener, accepted } = await fakeListener(network);
    const client = await fakeConnect(network, socket.port);
    await client.connection.write(Uint8Array.of(1));
    await waitFor(() => accepted.length === 1, { message: 'accept' });
    socket.close(); // the server process is gone: its port answers "unreachable"
    const killedAt = Date.now();
    void client.connection.write(Uint8Array.of(2)).catch(() => {});
    await waitFor(() => client.receiver.closed, { timeoutMs: 5000, message: 'client onClose' });
    // Far below the 5 s idle timeout it would otherwise wait for.
    expect(Date.now() - killedAt).toBeLessThan(2500);
    expect(client.receiver.closeError).toMatchObject({ kind: 'peer-closed' });
    expect(listener.connectionCount).toBe(1);
  });

  it('closing the listener closes its connections and releases its socket', async () => {
    const network = new FakeUdpNetwork();
    const { socket, listener, accepted } = await fakeListener(network);
    const client = await fakeConnect(network, socket.port);
    await client.connection.write(Uint8Array.of(1));
    await waitFor(() => accepted.length === 1, { message: 'accept' });
    await listener.close();
    expect(socket.closed).toBe(true);
    expect(listener.connectionCount).toBe(0);
    await waitFor(() => client.receiver.closed, { timeoutMs: 15_000, message: 'client onClose' });
    expect(client.receiver.closeError).toBeUndefined();
  });

  it('reports packets, bytes and RTT from quiche in stats()', async () => {
    const network = new FakeUdpNetwork();
    const { socket } = await fakeListener(network);
    const client = await fakeConnect(network, socket.port);
    const before = client.connection.stats();
    await client.connection.write(randomBytes(10_000));
    await waitFor(() => client.connection.stats().bytesSent >= before.bytesSent + 10_000, {
      message: 'bytes sent',
    });
    const after = client.connection.stats();
    expect(after.packetsSent).toBeGreaterThan(before.packetsSent + 5);
    expect(after.packetsReceived).toBeGreaterThan(0);
    expect(after.rttMs).toBeGreaterThanOrEqual(0);
    expect(after.congestionWindowBytes).toBeGreaterThan(0);
  });
});
