import { isIPv6 } from 'node:net';
import { type BatchedUdpAddon, loadAddon, type NativeSocket } from './addon.js';

/** Where a datagram came from. */
export interface DatagramOrigin {
  readonly address: string;
  readonly port: number;
}

/** Receives a datagram; `datagram` is only valid during the call (the next batch reuses it). */
export type DatagramListener = (datagram: Buffer, from: DatagramOrigin) => void;

/** A socket error, as node:dgram reports it (`code` such as `ECONNREFUSED`). */
export type ErrorListener = (error: NodeJS.ErrnoException) => void;

const ORIGIN_CACHE_LIMIT = 4096;

/**
 * A UDP socket that sends a batch of packets in one syscall (sendmmsg, with UDP GSO for runs of
 * equal-sized packets) and reads every waiting datagram in one (recvmmsg). Shaped like the parts
 * of node:dgram's Socket a QUIC driver uses, plus {@link sendBatch}.
 */
export class BatchedUdpSocket {
  readonly #addon: BatchedUdpAddon;
  readonly #native: NativeSocket;
  readonly #messageListeners: DatagramListener[] = [];
  readonly #errorListeners: ErrorListener[] = [];
  readonly #origins = new Map<number | string, DatagramOrigin>();
  #closed = false;
  #receiving = false;

  private constructor(addon: BatchedUdpAddon, native: NativeSocket) {
    this.#addon = addon;
    this.#native = native;
  }

  /** True when the addon is built and loads on this platform. */
  static available(): boolean {
    return loadAddon().addon !== undefined;
  }

  /** Why the addon cannot be used here, or undefined when it can. */
  static unavailableReason(): string | undefined {
    return loadAddon().reason;
  }

  /**
   * Binds a socket at `host:port` (an IP literal; port 0 = ephemeral) with kernel buffers of
   * `bufferBytes` (best effort). Throws when the addon is unavailable or the bind fails.
   */
  static bind(host: string, port: number, bufferBytes: number): BatchedUdpSocket {
    const { addon, reason } = loadAddon();
    if (addon === undefined) throw new Error(`batched UDP is unavailable: ${reason}`);
    const native = addon.open(isIPv6(host) ? 6 : 4);
    const socket = new BatchedUdpSocket(addon, native);
    try {
      addon.bind(native, host, port);
      addon.setBufferSizes(native, bufferBytes);
    } catch (error) {
      addon.close(native);
      throw error;
    }
    return socket;
  }

  /** Connects to one peer: sends name no address, and ICMP errors arrive as `error` events. */
  connect(host: string, port: number): void {
    this.#addon.connect(this.#native, host, port);
  }

  address(): DatagramOrigin {
    const [address, port] = this.#addon.localAddress(this.#native);
    return { address, port };
  }

  on(event: 'message', listener: DatagramListener): this;
  on(event: 'error', listener: ErrorListener): this;
  on(event: 'message' | 'error', listener: DatagramListener | ErrorListener): this {
    if (event === 'message') {
      this.#messageListeners.push(listener as DatagramListener);
      this.#startReceiving();
    } else {
      this.#errorListeners.push(listener as ErrorListener);
      this.#startReceiving();
    }
    return this;
  }

  off(event: 'message' | 'error', listener: DatagramListener | ErrorListener): this {
    const listeners: unknown[] =
      event === 'message' ? this.#messageListeners : this.#errorListeners;
    const index = listeners.indexOf(listener);
    if (index !== -1) listeners.splice(index, 1);
    return this;
  }

  /** Sends one datagram (`length` bytes of `data` from `offset`). */
  send(data: Uint8Array, offset: number, length: number, port?: number, host?: string): void {
    const buffer = Buffer.from(data.buffer, data.byteOffset + offset, length);
    this.sendBatch(buffer, Uint32Array.of(length), 1, port, host);
  }

  /**
   * Sends `count` packets lying back to back in `buffer` (`lengths[i]` bytes each) to one
   * destination. The buffer may be reused as soon as this returns (the addon copies what the
   * kernel cannot take yet). Errors are reported as `error` events, as node:dgram does.
   */
  sendBatch(
    buffer: Buffer,
    lengths: Uint32Array,
    count: number,
    port?: number,
    host?: string,
  ): void {
    if (this.#closed || count === 0) return;
    try {
      if (port === undefined) this.#addon.send(this.#native, buffer, lengths, count);
      else this.#addon.send(this.#native, buffer, lengths, count, port, host);
    } catch (error) {
      process.nextTick(() => this.#emitError(error as NodeJS.ErrnoException));
    }
  }

  /**
   * Bytes waiting for the kernel; datagrams dropped (the send queue was full, or a received
   * datagram did not fit a 64 KiB slot); whether sends use GSO and receives GRO.
   */
  stats(): { queuedBytes: number; dropped: number; gso: boolean; gro: boolean } {
    const [queuedBytes, dropped, gso, gro] = this.#addon.stats(this.#native);
    return { queuedBytes, dropped, gso, gro };
  }

  ref(): this {
    if (!this.#closed) this.#addon.ref(this.#native);
    return this;
  }

  unref(): this {
    if (!this.#closed) this.#addon.unref(this.#native);
    return this;
  }

  close(callback?: () => void): void {
    if (this.#closed) throw new Error('socket is already closed');
    this.#closed = true;
    this.#addon.close(this.#native, callback);
  }

  #startReceiving(): void {
    if (this.#receiving || this.#closed) return;
    this.#receiving = true;
    this.#addon.startReceiving(this.#native, this.#onDatagrams, this.#onError);
  }

  readonly #onDatagrams = (count: number): void => {
    const { receiveArea, receiveMeta, metaWords } = this.#addon;
    for (let i = 0; i < count && !this.#closed; i++) {
      const base = i * metaWords;
      const start = receiveMeta[base + 8]!;
      const datagram = receiveArea.subarray(start, start + receiveMeta[base]!);
      const from = this.#origin(receiveMeta, base);
      for (const listener of this.#messageListeners) listener(datagram, from);
    }
  };

  readonly #onError = (code: string, syscall: string): void => {
    const error: NodeJS.ErrnoException = new Error(`${syscall} ${code}`);
    error.code = code;
    error.syscall = syscall;
    this.#emitError(error);
  };

  #emitError(error: NodeJS.ErrnoException): void {
    if (this.#closed) return;
    for (const listener of [...this.#errorListeners]) listener(error);
  }

  /** The origin object of a datagram, cached by address and port (a peer sends many). */
  #origin(meta: Int32Array, base: number): DatagramOrigin {
    const port = meta[base + 1]!;
    const key =
      meta[base + 2] === 4
        ? (meta[base + 3]! >>> 0) * 65536 + port
        : `${meta[base + 4]},${meta[base + 5]},${meta[base + 6]},${meta[base + 7]},${port}`;
    let origin = this.#origins.get(key);
    if (origin === undefined) {
      if (this.#origins.size >= ORIGIN_CACHE_LIMIT) this.#origins.clear();
      origin = { address: formatAddress(meta, base), port };
      this.#origins.set(key, origin);
    }
    return origin;
  }
}

function formatAddress(meta: Int32Array, base: number): string {
  const bytes = new Uint8Array(meta.buffer, meta.byteOffset + (base + 4) * 4, 16);
  if (meta[base + 2] === 4) {
    const v4 = new Uint8Array(meta.buffer, meta.byteOffset + (base + 3) * 4, 4);
    return `${v4[0]}.${v4[1]}.${v4[2]}.${v4[3]}`;
  }
  const mapped =
    bytes.subarray(0, 10).every((b) => b === 0) && bytes[10] === 255 && bytes[11] === 255;
  if (mapped) return `::ffff:${bytes[12]}.${bytes[13]}.${bytes[14]}.${bytes[15]}`;
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  return compressIPv6(groups);
}

/** The canonical (RFC 5952) text of eight hex groups: the longest run of zeros becomes `::`. */
function compressIPv6(groups: string[]): string {
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  if (bestStart === -1) return groups.join(':');
  return `${groups.slice(0, bestStart).join(':')}::${groups.slice(bestStart + bestLength).join(':')}`;
}
