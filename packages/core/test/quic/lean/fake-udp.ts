import type { DatagramOrigin, DatagramSocket } from '../../../src/quic/lean/datagram-socket.js';

type MessageListener = (datagram: Buffer, from: DatagramOrigin) => void;
type ErrorListener = (error: NodeJS.ErrnoException) => void;

/** Decides whether a datagram crosses the fake network (false drops it). */
export type DatagramFilter = (datagram: Uint8Array, from: number, to: number) => boolean;

/**
 * An in-memory UDP network on 127.0.0.1: sockets by port, datagrams delivered on a later
 * macrotask (like the kernel's loopback), a filter to drop, and ICMP-like refusals for
 * connected sockets whose peer port is closed.
 */
export class FakeUdpNetwork {
  readonly #sockets = new Map<number, FakeDatagramSocket>();
  #nextPort = 40_000;
  filter: DatagramFilter = () => true;
  delivered = 0;
  dropped = 0;
  /**
   * Deliver every datagram sent in one turn in one macrotask, back to back, as a batched socket's
   * recvmmsg does (false: one macrotask per datagram, as node:dgram does).
   */
  batched = false;
  #pending: Array<() => void> = [];

  /** A socket bound to a fresh port. */
  bind(): FakeDatagramSocket {
    const socket = new FakeDatagramSocket(this, this.#nextPort++);
    this.#sockets.set(socket.port, socket);
    return socket;
  }

  /** Injects a datagram as if `fromPort` had sent it. */
  inject(datagram: Uint8Array, fromPort: number, toPort: number): void {
    this.transmit(Buffer.from(datagram), fromPort, toPort, undefined);
  }

  /** @internal */
  transmit(
    datagram: Buffer,
    from: number,
    to: number,
    sender: FakeDatagramSocket | undefined,
  ): void {
    const deliver = (): void => {
      if (!this.filter(datagram, from, to)) {
        this.dropped++;
        return;
      }
      const target = this.#sockets.get(to);
      if (target === undefined) {
        if (sender?.connectedTo !== undefined) {
          sender.emitError(
            Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
          );
        }
        return;
      }
      this.delivered++;
      target.emitMessage(datagram, { address: '127.0.0.1', port: from });
    };
    if (!this.batched) {
      setImmediate(deliver);
      return;
    }
    if (this.#pending.push(deliver) === 1) {
      setImmediate(() => {
        const batch = this.#pending;
        this.#pending = [];
        for (const next of batch) next();
      });
    }
  }

  /** @internal */
  release(port: number): void {
    this.#sockets.delete(port);
  }
}

/** A {@link DatagramSocket} on a {@link FakeUdpNetwork}. */
export class FakeDatagramSocket implements DatagramSocket {
  readonly #network: FakeUdpNetwork;
  readonly port: number;
  connectedTo: number | undefined;
  closed = false;
  sent = 0;
  readonly #message = new Set<MessageListener>();
  readonly #error = new Set<ErrorListener>();

  constructor(network: FakeUdpNetwork, port: number) {
    this.#network = network;
    this.port = port;
  }

  /** Sends to this one peer only, as a connected UDP socket does. */
  connect(port: number): this {
    this.connectedTo = port;
    return this;
  }

  send(data: Uint8Array, offset: number, length: number, port?: number): void {
    if (this.closed) throw new Error('socket is closed');
    const to = port ?? this.connectedTo;
    if (to === undefined) throw new Error('no destination');
    this.sent++;
    this.#network.transmit(
      Buffer.from(data.subarray(offset, offset + length)),
      this.port,
      to,
      this,
    );
  }

  on(event: 'message' | 'error', listener: MessageListener | ErrorListener): this {
    if (event === 'message') this.#message.add(listener as MessageListener);
    else this.#error.add(listener as ErrorListener);
    return this;
  }

  off(_event: 'message', listener: MessageListener): this {
    this.#message.delete(listener);
    return this;
  }

  address(): DatagramOrigin {
    return { address: '127.0.0.1', port: this.port };
  }

  close(callback?: () => void): void {
    this.closed = true;
    this.#network.release(this.port);
    callback?.();
  }

  unref(): this {
    return this;
  }

  /** @internal */
  emitMessage(datagram: Buffer, from: DatagramOrigin): void {
    if (this.closed) return;
    if (this.connectedTo !== undefined && from.port !== this.connectedTo) return;
    for (const listener of this.#message) listener(datagram, from);
  }

  /** @internal */
  emitError(error: NodeJS.ErrnoException): void {
    if (this.closed) return;
    for (const listener of this.#error) listener(error);
  }
}
