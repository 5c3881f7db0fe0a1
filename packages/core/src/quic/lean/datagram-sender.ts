import type { DatagramSocket } from './datagram-socket.js';
import type { QuicheConnection } from './quiche.js';

const SLAB_BYTES = 256 * 1024;

/**
 * Drains a quiche connection's outgoing packets into a UDP socket. Packets are carved from a
 * slab and never reused: node:dgram may queue a send and keep reading the buffer until it
 * leaves, so a region is handed out once and the slab is dropped when it is used up.
 */
export class DatagramSender {
  readonly #socket: DatagramSocket;
  readonly #packetBytes: number;
  #slab = Buffer.allocUnsafe(SLAB_BYTES);
  #offset = 0;
  #closed = false;

  /** `connected`: the socket is connected to its one peer, so packets name no address. */
  constructor(
    socket: DatagramSocket,
    packetBytes: number,
    private readonly connected: boolean,
  ) {
    this.#socket = socket;
    this.#packetBytes = packetBytes;
  }

  /** Stops sending (the socket is closing); later drains only discard packets. */
  close(): void {
    this.#closed = true;
  }

  /** Sends every packet quiche has ready; returns how many. Throws what `send` throws. */
  drain(connection: QuicheConnection): number {
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

  /** Sends one datagram built outside a connection (Retry, version negotiation). */
  sendRaw(datagram: Uint8Array, port: number, host: string): void {
    if (!this.#closed) this.#socket.send(datagram, 0, datagram.length, port, host);
  }
}
