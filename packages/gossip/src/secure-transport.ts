import { type Keyring, SEAL_OVERHEAD_BYTES } from './keyring.js';
import { ReplayGuard, type ReplayGuardOptions } from './replay-guard.js';
import type { PacketTransport } from './transport.js';
import type { TransportDropReason } from './transport-drop.js';

const ENVELOPE_VERSION = 1;
/** version (1 byte) + sender wall-clock timestamp in ms (8 bytes, big-endian). */
const HEADER_BYTES = 9;

/** Bytes a {@link SecureTransport} adds to every datagram (header, key id, nonce, tag). */
export const SECURE_OVERHEAD_BYTES = HEADER_BYTES + SEAL_OVERHEAD_BYTES;

/** Options of {@link SecureTransport}. */
export interface SecureTransportOptions {
  /** Wall clock (ms since the epoch) for replay timestamps. Default `Date.now`. */
  readonly wallClock?: () => number;
  readonly replay?: ReplayGuardOptions;
}

/**
 * Wraps a {@link PacketTransport}: seals every datagram with the keyring's primary key
 * (AES-256-GCM) and delivers only those that authenticate under an accepted key and are neither
 * stale nor replayed. Everything else is dropped and reported through `onDrop`.
 */
export class SecureTransport implements PacketTransport {
  readonly localAddress: string;
  readonly #inner: PacketTransport;
  readonly #keyring: Keyring;
  readonly #wallClock: () => number;
  readonly #replay: ReplayGuard;
  #dropListener: ((reason: TransportDropReason) => void) | undefined;
  readonly #drops: Partial<Record<TransportDropReason, number>> = {};

  constructor(inner: PacketTransport, keyring: Keyring, options: SecureTransportOptions = {}) {
    this.#inner = inner;
    this.#keyring = keyring;
    this.localAddress = inner.localAddress;
    this.#wallClock = options.wallClock ?? Date.now;
    this.#replay = new ReplayGuard(options.replay);
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
    const header = new Uint8Array(HEADER_BYTES);
    const view = new DataView(header.buffer);
    view.setUint8(0, ENVELOPE_VERSION);
    view.setBigUint64(1, BigInt(Math.max(0, Math.floor(this.#wallClock()))));
    const sealed = this.#keyring.seal(data, header);
    const datagram = new Uint8Array(HEADER_BYTES + sealed.byteLength);
    datagram.set(header, 0);
    datagram.set(sealed, HEADER_BYTES);
    this.#inner.send(to, datagram);
  }

  close(): Promise<void> {
    return this.#inner.close();
  }

  /** Datagrams refused by this layer, by reason. */
  drops(): Readonly<Partial<Record<TransportDropReason, number>>> {
    return { ...this.#drops };
  }

  #open(data: Uint8Array): Uint8Array | undefined {
    if (data.byteLength < SECURE_OVERHEAD_BYTES || data[0] !== ENVELOPE_VERSION) {
      this.#drop('malformed-envelope');
      return undefined;
    }
    const header = data.subarray(0, HEADER_BYTES);
    const opened = this.#keyring.open(data.subarray(HEADER_BYTES), header);
    if (!opened.ok) {
      this.#drop(opened.reason);
      return undefined;
    }
    const sentAt = Number(
      new DataView(header.buffer, header.byteOffset, HEADER_BYTES).getBigUint64(1),
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
