import { describe, expect, it } from 'vitest';
import { KEY_BYTES, Keyring, SEAL_OVERHEAD_BYTES } from '../../src/keyring.js';
import { SECURE_OVERHEAD_BYTES, SecureTransport } from '../../src/secure-transport.js';
import type { PacketTransport } from '../../src/transport.js';

/** Two in-memory endpoints that hand datagrams straight to each other and record the wire. */
function linkedPair(): {
  a: PacketTransport;
  b: PacketTransport;
  c: PacketTransport;
  wire: Uint8Array[];
} {
  const handlers = new Map<string, (data: Uint8Array, from: string) => void>();
  const wire: Uint8Array[] = [];
  const make = (address: string): PacketTransport => ({
    localAddress: address,
    onPacket: (handler) => handlers.set(address, handler),
    send: (to, data) => {
      wire.push(data);
      handlers.get(to)?.(data, address);
    },
    close: async () => {},
  });
  return { a: make('a:1'), b: make('b:1'), c: make('c:1'), wire };
}

const key = (fill: number): Uint8Array => new Uint8Array(KEY_BYTES).fill(fill);

describe('SecureTransport', () => {
  it('delivers what the peer sent, encrypted on the wire', () => {
    const { a, b, wire } = linkedPair();
    const sender = new SecureTransport(a, new Keyring(key(7)));
    const receiver = new SecureTransport(b, new Keyring(key(7)));
    const received: string[] = [];
    receiver.onPacket((data, from) => received.push(`${from} ${Buffer.from(data).toString()}`));
    sender.send('b:1', new TextEncoder().encode('hello-cluster'));
    expect(received).toEqual(['a:1 hello-cluster']);
    // Header (10 bytes + the destination 'b:1'), then key id, nonce and tag.
    expect(wire[0]!.byteLength).toBe(
      'hello-cluster'.length + 10 + 'b:1'.length + SEAL_OVERHEAD_BYTES,
    );
    expect(wire[0]!.byteLength).toBeLessThanOrEqual('hello-cluster'.length + SECURE_OVERHEAD_BYTES);
    expect(Buffer.from(wire[0]!).includes('hello-cluster')).toBe(false);
  });

  it('drops and counts datagrams from a node with another key', () => {
    const { a, b } = linkedPair();
    const intruder = new SecureTransport(a, new Keyring(key(1)));
    const receiver = new SecureTransport(b, new Keyring(key(2)));
    const reasons: string[] = [];
    const received: Uint8Array[] = [];
    receiver.onDrop((reason) => reasons.push(reason));
    receiver.onPacket((data) => received.push(data));
    intruder.send('b:1', new Uint8Array([1, 2, 3]));
    expect(received).toHaveLength(0);
    expect(reasons).toEqual(['unknown-key']);
    expect(receiver.drops()).toEqual({ 'unknown-key': 1 });
  });

  it('drops plaintext, forged and replayed datagrams', () => {
    const { a, b, wire } = linkedPair();
    const sender = new SecureTransport(a, new Keyring(key(3)));
    const receiver = new SecureTransport(b, new Keyring(key(3)));
    const received: Uint8Array[] = [];
    receiver.onPacket((data) => received.push(data));
    sender.send('b:1', new Uint8Array([9, 9, 9]));
    expect(received).toHaveLength(1);
    a.send('b:1', wire[0]!); // replay of the captured datagram
    const forged = Uint8Array.from(wire[0]!);
    forged[forged.byteLength - 1]! ^= 0xff;
    a.send('b:1', forged);
    a.send('b:1', new Uint8Array([1, 2, 3]));
    const restamped = Uint8Array.from(wire[0]!);
    restamped[8]! ^= 0x01; // the timestamp is authenticated too
    a.send('b:1', restamped);
    expect(received).toHaveLength(1);
    expect(receiver.drops()).toEqual({ replay: 1, auth: 2, 'malformed-envelope': 1 });
  });

  it('drops an authentic datagram at any node but the one it was sealed for', () => {
    const { a, b, c, wire } = linkedPair();
    const sender = new SecureTransport(a, new Keyring(key(5)));
    const atB = new SecureTransport(b, new Keyring(key(5)));
    const atC = new SecureTransport(c, new Keyring(key(5)));
    const received: string[] = [];
    atB.onPacket((data) => received.push(`b ${data[0]}`));
    atC.onPacket((data) => received.push(`c ${data[0]}`));
    sender.send('b:1', new Uint8Array([7]));
    a.send('c:1', wire[0]!); // captured on its way to b, replayed to c
    expect(received).toEqual(['b 7']);
    expect(atC.drops()).toEqual({ 'wrong-destination': 1 });
    // The destination is authenticated: rewriting it breaks the seal.
    const redirected = Uint8Array.from(wire[0]!);
    redirected[10] = 'c'.charCodeAt(0);
    a.send('c:1', redirected);
    expect(atC.drops()).toEqual({ 'wrong-destination': 1, auth: 1 });
  });

  it('seals for the address a send target resolves to, and accepts what names this node', async () => {
    const { a, b } = linkedPair();
    const sender = new SecureTransport(a, new Keyring(key(6)), {
      resolveDestination: async (to) => (to === 'node-b.example:1' ? 'b:1' : to),
    });
    const receiver = new SecureTransport(b, new Keyring(key(6)), {
      isLocalDestination: (destination) => destination === 'b:1' || destination === 'b-alias:1',
    });
    const received: number[] = [];
    receiver.onPacket((data) => received.push(data[0]!));
    sender.send('node-b.example:1', new Uint8Array([1]));
    await new Promise((resolve) => setImmediate(resolve));
    expect(received).toEqual([1]);
  });

  it('drops authentic datagrams stamped outside the replay window', () => {
    const { a, b } = linkedPair();
    const sender = new SecureTransport(a, new Keyring(key(4)), { wallClock: () => 1_000_000 });
    const receiver = new SecureTransport(b, new Keyring(key(4)), {
      wallClock: () => 1_000_000 + 60_001,
      replay: { windowMs: 60_000 },
    });
    receiver.onPacket(() => {});
    sender.send('b:1', new Uint8Array([1]));
    expect(receiver.drops()).toEqual({ stale: 1 });
  });
});
