import type { DatagramSocket } from './datagram-socket.js';
import type { QuicheConnection } from './quiche.js';

const SLAB_BYTES = 256 * 1024;
/** Packets a batched socket gets per call at most (a GSO send takes up to 64 segments). */
const BATCH_PACKETS = 128;

/**
 * Drains a quiche connection's outgoing packets into a UDP socket. On a batched socket the
 * packets of one drain are laid back to back in one reused buffer and leave in one call per
 * destination. On node:dgram, packets are carved from a slab and never reused: dgram may queue a
 * send and keep reading the buffer until it leaves, so a region is handed out once and the slab
 * is dropped when it is used up.
 */
export class DatagramSender {
  readonly #socket: DatagramSocket;
  readonly #packetBytes: number;
  #slab = Buffer.allocUnsafe(SLAB_BYTES);
  #offset = 0;
  #closed = false;
  readonly #batch: { buffer: Buffer; lengths: Uint32Array } | undefined;

  /** `connected`: the socket is connected to its one peer, so packets name no address. */
  constructor(
    socket: DatagramSocket,
    packetBytes: number,
    private readonly connected: boolean,
  ) {
    this.#socket = socket;
    this.#packetBytes = packetBytes;
    this.#batch =
      socket.sendBatch === undefined
        ? undefined
        : {
            buffer: Buffer.allocUnsafe(BATCH_PACKETS * packetBytes),
            lengths: new Uint32Array(BATCH_PACKETS),
          };
  }

  /** Stops sending (the socket is closing); later drains only discard packets. */
  close(): void {
    this.#closed = true;
  }

  /** Sends every packet quiche has ready; returns how many. Throws what `send` throws. */
  drain(connection: QuicheConnection): number {
    if (this.#batch !== undefined) return this.#drainBatched(connection, this.#batch);
    let packets = 0;
    for (;;) {
      if (this.#slab.length - this.#offset < this.#packetBytes) {
        this.#slab = Buffer.allocUnsafe(Math.max(SLAB_BYTES, this.#packetBytes));
        this.#offset = 0;
      }
      const packet = this.#slab.subarray(this.#offset, this.#offset + this.#packetBytes);
      const result = connection.send(packet);
      if (result === null) return packets;
      const length = result[0];
      // 8-byte alignment keeps the next packet's copy-in aligned.
      this.#offset += (length + 7) & ~7;
      packets++;
      if (this.#closed) continue;
      if (this.connected) {
        this.#socket.send(packet, 0, length);
      } else {
        const to = result[1].to;
        this.#socket.send(packet, 0, length, to.port, to.host);
      }
    }
  }

  #drainBatched(
    connection: QuicheConnection,
    batch: { buffer: Buffer; lengths: Uint32Array },
  ): number {
    const { buffer, lengths } = batch;
    let packets = 0;
    let count = 0;
    let offset = 0;
    let port: number | undefined;
    let host: string | undefined;
    const flush = (): void => {
      if (count > 0 && !this.#closed) {
        this.#socket.sendBatch?.(buffer, lengths, count, port, host);
      }
      count = 0;
      offset = 0;
    };
    for (;;) {
      if (count === BATCH_PACKETS) flush();
      const result = connection.send(buffer.subarray(offset, offset + this.#packetBytes));
      if (result === null) break;
      packets++;
      if (!this.connected) {
        const to = result[1].to;
        if (count > 0 && (to.port !== port || to.host !== host)) {
          // A new destination (path migration): send what is queued for the old one first.
          const packet = Buffer.from(buffer.subarray(offset, offset + result[0]));
          flush();
          packet.copy(buffer, 0);
        }
        port = to.port;
        host = to.host;
      }
      lengths[count++] = result[0];
      offset += result[0];
    }
    flush();
    return packets;
  }

  /** Sends one datagram built outside a connection (Retry, version negotiation). */
  sendRaw(datagram: Uint8Array, port: number, host: string): void {
    if (!this.#closed) this.#socket.send(datagram, 0, datagram.length, port, host);
  }
}
