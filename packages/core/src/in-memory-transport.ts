import { formatHostPort } from '@rpcnet/base';
import type {
  ChannelReceiver,
  HostPort,
  Transport,
  TransportConnection,
  TransportListener,
} from './transport.js';

/** Settings of {@link InMemoryTransport}. */
export interface InMemoryTransportOptions {
  /** Splits every write into chunks of at most this many bytes, to exercise frame reassembly. */
  chunkBytes?: number;
}

type Delivery = { kind: 'data'; chunk: Uint8Array } | { kind: 'close'; error?: Error };

/** One direction-aware end of an in-memory byte pipe. */
class InMemoryConnection implements TransportConnection {
  readonly remoteAddress: string;
  peer: InMemoryConnection | undefined;
  /** Called once when this end closes (the listener forgets the connection). */
  onClosed: (() => void) | undefined;
  readonly #chunkBytes: number;
  #receiver: ChannelReceiver | undefined;
  #inbox: Delivery[] = [];
  #delivering = false;
  #closed = false;
  #receivedClose = false;

  constructor(remoteAddress: string, chunkBytes: number) {
    this.remoteAddress = remoteAddress;
    this.#chunkBytes = chunkBytes;
  }

  start(receiver: ChannelReceiver): void {
    if (this.#receiver !== undefined) throw new Error('connection already started');
    this.#receiver = receiver;
    this.#scheduleDelivery();
  }

  write(data: Uint8Array): Promise<void> {
    if (this.#closed || this.peer === undefined) {
      return Promise.reject(new Error('in-memory connection is closed'));
    }
    // A copy (Uint8Array semantics: Buffer#slice would only make a view).
    const copy = Uint8Array.prototype.slice.call(data);
    const step = this.#chunkBytes > 0 ? this.#chunkBytes : copy.length;
    for (let at = 0; at < copy.length; at += step) {
      this.peer.deliver({ kind: 'data', chunk: copy.subarray(at, at + step) });
    }
    return Promise.resolve();
  }

  close(error?: Error): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    this.peer?.deliver(error === undefined ? { kind: 'close' } : { kind: 'close', error });
    this.deliver(error === undefined ? { kind: 'close' } : { kind: 'close', error });
    this.onClosed?.();
    return Promise.resolve();
  }

  /** Queues something for this end's receiver, delivered on a later turn like a network would. */
  deliver(item: Delivery): void {
    if (this.#receivedClose) return;
    if (item.kind === 'close') this.#receivedClose = true;
    this.#inbox.push(item);
    this.#scheduleDelivery();
  }

  #scheduleDelivery(): void {
    if (this.#delivering || this.#receiver === undefined || this.#inbox.length === 0) return;
    this.#delivering = true;
    setImmediate(() => {
      this.#delivering = false;
      const receiver = this.#receiver;
      if (receiver === undefined) return;
      const items = this.#inbox;
      this.#inbox = [];
      for (const item of items) {
        if (item.kind === 'data') receiver.onData(item.chunk);
        else {
          if (!this.#closed) {
            this.#closed = true;
            this.onClosed?.();
          }
          receiver.onClose(item.error);
        }
      }
    });
  }
}

/**
 * A {@link Transport} inside one process: every instance is its own network. For tests of the
 * RPC engine and of code built on it; `chunkBytes` splits writes to exercise framing.
 */
export class InMemoryTransport implements Transport {
  readonly #chunkBytes: number;
  readonly #listeners = new Map<string, (connection: TransportConnection) => void>();
  #nextPort = 40_000;
  #nextClientPort = 50_000;

  constructor(options: InMemoryTransportOptions = {}) {
    const chunkBytes = options.chunkBytes ?? 0;
    if (!Number.isInteger(chunkBytes) || chunkBytes < 0) {
      throw new RangeError('chunkBytes: expected a non-negative integer');
    }
    this.#chunkBytes = chunkBytes;
  }

  listen(
    address: HostPort,
    onConnection: (connection: TransportConnection) => void,
  ): Promise<TransportListener> {
    const port = address.port === 0 ? this.#nextPort++ : address.port;
    const bound: HostPort = { host: address.host, port };
    const key = formatHostPort(bound);
    if (this.#listeners.has(key)) {
      return Promise.reject(new Error(`address in use: ${key}`));
    }
    const accepted = new Set<InMemoryConnection>();
    this.#listeners.set(key, (connection) => {
      if (connection instanceof InMemoryConnection) {
        accepted.add(connection);
        connection.onClosed = () => accepted.delete(connection);
      }
      onConnection(connection);
    });
    const listeners = this.#listeners;
    return Promise.resolve({
      address: bound,
      close: async () => {
        listeners.delete(key);
        await Promise.all([...accepted].map((connection) => connection.close()));
      },
    });
  }

  connect(address: HostPort, options: { signal?: AbortSignal } = {}): Promise<TransportConnection> {
    if (options.signal?.aborted) return Promise.reject(new Error('connect aborted'));
    const key = formatHostPort(address);
    const accept = this.#listeners.get(key);
    if (accept === undefined) return Promise.reject(new Error(`connection refused: ${key}`));
    const clientAddress = formatHostPort({ host: '127.0.0.1', port: this.#nextClientPort++ });
    const clientEnd = new InMemoryConnection(key, this.#chunkBytes);
    const serverEnd = new InMemoryConnection(clientAddress, this.#chunkBytes);
    clientEnd.peer = serverEnd;
    serverEnd.peer = clientEnd;
    accept(serverEnd);
    return Promise.resolve(clientEnd);
  }
}
