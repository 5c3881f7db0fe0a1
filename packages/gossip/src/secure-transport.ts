import { type Keyring, SEAL_OVERHEAD_BYTES } from './keyring.js';
import { ReplayGuard, type ReplayGuardOptions } from './replay-guard.js';
import type { PacketTransport } from './transport.js';
import type { TransportDropReason } from './transport-drop.js';

const ENVELOPE_VERSION = 2;
/**
 * version (1 byte), sender wall-clock timestamp in ms (8 bytes, big-endian), then the length
 * (1 byte) and UTF-8 text of the destination `host:port` the sender addressed. All of it is
 * authenticated data: a datagram opens only at the destination it was sealed for.
 */
const FIXED_HEADER_BYTES = 10;
/** Longest destination text a header carries (a bracketed IPv6 address with port is at most 47). */
const MAX_DESTINATION_BYTES = 64;

/**
 * Bytes a {@link SecureTransport} adds to a datagram at most (header with the longest
 * destination, key id, nonce, tag). Typical destinations (`10.1.2.3:7946`) take far less.
 */
export const SECURE_OVERHEAD_BYTES =
  FIXED_HEADER_BYTES + MAX_DESTINATION_BYTES + SEAL_OVERHEAD_BYTES;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Options of {@link SecureTransport}. */
export interface SecureTransportOptions {
  /** Wall clock (ms since the epoch) for replay timestamps. Default `Date.now`. */
  readonly wallClock?: () => number;
  readonly replay?: ReplayGuardOptions;
  /**
   * Whether a destination `host:port` sealed into a datagram names this node. Default: only the
   * inner transport's `localAddress`. {@link Cluster} adds its advertised address and, for a
   * wildcard bind, every local interface address.
   */
  readonly isLocalDestination?: (destination: string) => boolean;
  /**
   * The destination to seal for a send target (and send to): e.g. a DNS name resolved to the
   * address the receiver knows as its own. Default: the target as given.
   */
  readonly resolveDestination?: (to: string) => string | Promise<string>;
}

/**
 * Wraps a {@link PacketTransport}: seals every datagram with the keyring's primary key
 * (AES-256-GCM), binding it to its destination address and send time, and delivers only those
 * that authenticate under an accepted key, were sealed for this node, and are neither stale nor
 * replayed. Everything else is dropped and reported through `onDrop`. A captured datagram is
 * useless at any other node, and at this one once seen or outside the replay window.
 */
export class SecureTransport implements PacketTransport {
  readonly localAddress: string;
  readonly #inner: PacketTransport;
  readonly #keyring: Keyring;
  readonly #wallClock: () => number;
  readonly #replay: ReplayGuard;
  readonly #isLocalDestination: (destination: string) => boolean;
  readonly #resolveDestination: ((to: string) => string | Promise<string>) | undefined;
  #dropListener: ((reason: TransportDropReason) => void) | undefined;
  readonly #drops: Partial<Record<TransportDropReason, number>> = {};

  constructor(inner: PacketTransport, keyring: Keyring, options: SecureTransportOptions = {}) {
    this.#inner = inner;
    this.#keyring = keyring;
    this.localAddress = inner.localAddress;
    this.#wallClock = options.wallClock ?? Date.now;
    this.#replay = new ReplayGuard(options.replay);
    const local = inner.localAddress;
    this.#isLocalDestination =
      options.isLocalDestination ?? ((destination) => destination === local);
    this.#resolveDestination = options.resolveDestination;
  }

  onPacket(handler: (data: Uint8Array, from: string) => void): void {
    this.#inner.onPacket((data, from) => {
      const plaintext = this.#open(data);
      if (plaintext) handler(plaintext, from);
    });
  }

  /** Registers a listener told about every datagram refused here, e.g. to feed metrics. */
  onDrop(listener: (reason: TransportDropReason) => void): void {
    this.#dropListener = listener;
  }

  send(to: string, data: Uint8Array): void {
    const destination = this.#resolveDestination?.(to) ?? to;
    if (typeof destination === 'string') {
      this.#sealAndSend(destination, data);
      return;
    }
    destination.then(
      (resolved) => this.#sealAndSend(resolved, data),
      () => this.#drop('bad-address'),
    );
  }

  #sealAndSend(destination: string, data: Uint8Array): void {
    const name = encoder.encode(destination);
    if (name.byteLength > MAX_DESTINATION_BYTES) {
      this.#drop('bad-address');
      return;
    }
    const header = new Uint8Array(FIXED_HEADER_BYTES + name.byteLength);
    const view = new DataView(header.buffer);
    view.setUint8(0, ENVELOPE_VERSION);
    view.setBigUint64(1, BigInt(Math.max(0, Math.floor(this.#wallClock()))));
    view.setUint8(9, name.byteLength);
    header.set(name, FIXED_HEADER_BYTES);
    const sealed = this.#keyring.seal(data, header);
    const datagram = new Uint8Array(header.byteLength + sealed.byteLength);
    datagram.set(header, 0);
    datagram.set(sealed, header.byteLength);
    this.#inner.send(destination, datagram);
  }

  close(): Promise<void> {
    return this.#inner.close();
  }

  /** Datagrams refused by this layer, by reason. */
  drops(): Readonly<Partial<Record<TransportDropReason, number>>> {
    return { ...this.#drops };
  }

  #open(data: Uint8Array): Uint8Array | undefined {
    const headerBytes =
      data.byteLength > FIXED_HEADER_BYTES ? FIXED_HEADER_BYTES + data[9]! : Number.NaN;
    if (!(data.byteLength >= headerBytes + SEAL_OVERHEAD_BYTES) || data[0] !== ENVELOPE_VERSION) {
      this.#drop('malformed-envelope');
      return undefined;
    }
    const header = data.subarray(0, headerBytes);
    const opened = this.#keyring.open(data.subarray(headerBytes), header);
    if (!opened.ok) {
      this.#drop(opened.reason);
      return undefined;
    }
    // Authentic, so the destination is what the sender sealed: it must name this node.
    if (!this.#isLocalDestination(decoder.decode(header.subarray(FIXED_HEADER_BYTES)))) {
      this.#drop('wrong-destination');
      return undefined;
    }
    const sentAt = Number(
      new DataView(header.buffer, header.byteOffset, headerBytes).getBigUint64(1),
    );
    const verdict = this.#replay.admit(sentAt, opened.nonce, this.#wallClock());
    if (verdict !== 'fresh') {
      this.#drop(verdict);
      return undefined;
    }
    return opened.plaintext;
  }

  #drop(reason: TransportDropReason): void {
    this.#drops[reason] = (this.#drops[reason] ?? 0) + 1;
    this.#dropListener?.(reason);
  }
}
