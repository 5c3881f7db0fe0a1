import { createSocket, type Socket } from 'node:dgram';
import { createSeededRandom } from '@rpcnet/base';
import {
  QuicTransport,
  type Transport,
  type TransportConnection,
  type TransportListener,
} from '@rpcnet/core';
import { seedFromEnv, waitFor } from '@rpcnet/test-utils';
import { createDevCertificate, type HostPort, RpcClient, RpcServer } from 'rpcnet';
import { afterEach, describe, expect, it } from 'vitest';
import {
  flipBits,
  pick,
  randomBytes,
  randomInt,
  truncate,
} from '../fixtures/faults/byte-mutations.js';
import { mib, settledHeapBytes } from '../fixtures/faults/heap.js';
import { UdpSender } from '../fixtures/faults/udp-sender.js';

const SEED = seedFromEnv('RPCNET_FAULTS_SEED', 12);
/** Hostile datagrams of each kind sent at the live listener. */
const PER_KIND = 150;
/** 1 KiB kept per fuzzed datagram would exceed it. */
const HEAP_GROWTH_BOUND_BYTES = 8 * 1024 * 1024;

const certificate = createDevCertificate();

/** Keeps the listener a transport made, to read its counters. */
class ListenerCapture implements Transport {
  listener: TransportListener | undefined;
  readonly #inner = new QuicTransport({
    tls: { cert: certificate.certPem, key: certificate.keyPem },
  });

  async listen(
    address: HostPort,
    onConnection: (connection: TransportConnection) => void,
  ): Promise<TransportListener> {
    this.listener = await this.#inner.listen(address, onConnection);
    return this.listener;
  }

  connect(address: HostPort): Promise<TransportConnection> {
    return this.#inner.connect(address);
  }
}

/** A UDP relay in front of the server that keeps a copy of every datagram the client sends. */
async function recordingRelay(serverPort: number): Promise<{
  port: number;
  captured: Uint8Array[];
  close(): Promise<void>;
}> {
  const front: Socket = createSocket('udp4');
  const back: Socket = createSocket('udp4');
  const captured: Uint8Array[] = [];
  let client: { address: string; port: number } | undefined;
  front.on('message', (message, from) => {
    client = { address: from.address, port: from.port };
    if (captured.length < 500) captured.push(Uint8Array.from(message));
    back.send(message, serverPort, '127.0.0.1');
  });
  back.on('message', (message) => {
    if (client !== undefined) front.send(message, client.port, client.address);
  });
  await new Promise<void>((resolve) => front.bind(0, '127.0.0.1', resolve));
  await new Promise<void>((resolve) => back.bind(0, '127.0.0.1', resolve));
  return {
    port: front.address().port,
    captured,
    close: async () => {
      await new Promise<void>((resolve) => front.close(() => resolve()));
      await new Promise<void>((resolve) => back.close(() => resolve()));
    },
  };
}

/** A QUIC v1 Initial with a random destination id and a forged token, padded to 1200 bytes. */
function forgedInitial(random: () => number): Uint8Array {
  const header = [0xc0, 0, 0, 0, 1, 20, ...randomBytes(random, 20), 8, ...randomBytes(random, 8)];
  const token = randomBytes(random, 40);
  const rest = 1200 - header.length - 1 - token.length - 2;
  return Uint8Array.from([
    ...header,
    token.length,
    ...token,
    0x40 | (rest >> 8),
    rest & 0xff,
    ...randomBytes(random, rest),
  ]);
}

describe(`fuzzing a live lean QUIC listener with hostile datagrams (seed ${SEED})`, () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('counts and drops random, truncated, bit-flipped, replayed and forged datagrams and keeps serving', {
    timeout: 120_000,
  }, async () => {
    const random = createSeededRandom(SEED);
    const transport = new ListenerCapture();
    const server = new RpcServer({ transport });
    server.unary('echo', (request) => request);
    const address = await server.start({ host: '127.0.0.1', port: 0 });
    cleanups.push(() => server.stop({ graceMs: 0 }));
    const relay = await recordingRelay(address.port);
    cleanups.push(() => relay.close());
    const client = await RpcClient.connect(
      { host: '127.0.0.1', port: relay.port },
      { tls: { ca: certificate.certPem } },
    );
    cleanups.push(() => client.close());
    const payload = new TextEncoder().encode('still serving');
    for (let index = 0; index < 50; index += 1) await client.unary('echo', payload);
    const real = [...relay.captured];
    expect(real.length).toBeGreaterThan(10);

    const datagrams: Uint8Array[] = [];
    for (let index = 0; index < PER_KIND; index += 1) {
      datagrams.push(randomBytes(random, randomInt(random, 0, 1500)));
      datagrams.push(truncate(random, pick(random, real)));
      datagrams.push(flipBits(random, pick(random, real), randomInt(random, 1, 8)));
      datagrams.push(Uint8Array.from(pick(random, real)));
      datagrams.push(forgedInitial(random));
    }
    const listener = transport.listener!;
    const before = listener.stats!();
    const heapBefore = await settledHeapBytes();
    const sender = await UdpSender.open();
    cleanups.push(() => sender.close());
    // The real client keeps calling while the listener is under fire.
    const calls = (async () => {
      let served = 0;
      for (let index = 0; index < 200; index += 1) {
        const response = await client.unary('echo', payload);
        if (new TextDecoder().decode(response) === 'still serving') served += 1;
      }
      return served;
    })();
    await sender.send(`127.0.0.1:${address.port}`, datagrams);
    expect(await calls).toBe(200);
    await waitFor(
      () => listener.stats!().datagramsReceived - before.datagramsReceived >= datagrams.length,
      { timeoutMs: 10_000, message: 'every fuzzed datagram read' },
    );
    const after = listener.stats!();
    const dropped = (reason: string) =>
      (after.droppedDatagrams[reason] ?? 0) - (before.droppedDatagrams[reason] ?? 0);
    // Forged tokens are refused; random and cut-off headers are malformed or unroutable.
    expect(dropped('invalidToken')).toBeGreaterThanOrEqual(PER_KIND);
    expect(dropped('malformed') + dropped('unknownConnection')).toBeGreaterThan(PER_KIND / 2);
    // No fuzzed datagram opened a connection: the real client's is the only one.
    expect(after.connections).toBe(1);
    expect(after.connectionsAccepted).toBe(before.connectionsAccepted);
    const heapAfter = await settledHeapBytes();
    expect(heapAfter - heapBefore).toBeLessThan(HEAP_GROWTH_BOUND_BYTES);
    console.log(
      `faults/quic-fuzz: ${datagrams.length} hostile datagrams; dropped ${JSON.stringify(
        Object.fromEntries(Object.keys(after.droppedDatagrams).map((key) => [key, dropped(key)])),
      )}; 200/200 calls served meanwhile; heap ${mib(heapBefore)} -> ${mib(heapAfter)}`,
    );
  });
});
