import type { MonotonicClock as Clock, RandomSource } from '@rpcnet/base';
import type { PacketTransport } from '../transport.js';

/** Options of a {@link SimulatedNetwork}; loss and delay can be changed later. */
export interface SimulatedNetworkOptions {
  readonly clock: Clock;
  readonly random: RandomSource;
  /** Probability that a datagram is lost, 0..1. Default 0. */
  readonly lossRate?: number;
  /** Base one-way delay in ms. Default 1. */
  readonly delayMs?: number;
  /** Extra uniformly random delay in ms, 0..jitterMs. Default 0. */
  readonly jitterMs?: number;
  /**
   * Deliver a copy of each datagram (default true), as a socket would. False hands the receiver
   * the sender's very bytes, for senders that never change a buffer once sent (`SwimProtocol`):
   * it saves a copy per datagram and lets a `SharedMessageCodec` recognize its datagrams.
   */
  readonly copyDatagrams?: boolean;
}

/** Counters of a {@link SimulatedNetwork}. */
export interface SimulatedNetworkStats {
  readonly sent: number;
  readonly delivered: number;
  readonly bytesSent: number;
  readonly lost: number;
  readonly blockedByPartition: number;
  /** Datagrams to an address with no open transport. */
  readonly unreachable: number;
}

class SimulatedTransport implements PacketTransport {
  handler: ((data: Uint8Array, from: string) => void) | undefined;
  closed = false;

  constructor(
    readonly localAddress: string,
    private readonly network: SimulatedNetwork,
  ) {}

  onPacket(handler: (data: Uint8Array, from: string) => void): void {
    this.handler = handler;
  }

  send(to: string, data: Uint8Array): void {
    if (!this.closed) this.network.route(this.localAddress, to, data);
  }

  close(): Promise<void> {
    this.network.detach(this);
    return Promise.resolve();
  }
}

/**
 * An in-memory datagram network for deterministic tests: seeded loss, delay and jitter, and
 * partitions that block traffic between two sets of addresses.
 */
export class SimulatedNetwork {
  private readonly clock: Clock;
  private readonly random: RandomSource;
  private lossRate: number;
  private delayMs: number;
  private jitterMs: number;
  private readonly copyDatagrams: boolean;
  private readonly transports = new Map<string, SimulatedTransport>();
  private readonly partitions: Array<readonly [ReadonlySet<string>, ReadonlySet<string>]> = [];
  private nextHost = 1;
  private counters = {
    sent: 0,
    delivered: 0,
    bytesSent: 0,
    lost: 0,
    blockedByPartition: 0,
    unreachable: 0,
  };

  constructor(options: SimulatedNetworkOptions) {
    this.clock = options.clock;
    this.random = options.random;
    this.lossRate = options.lossRate ?? 0;
    this.delayMs = options.delayMs ?? 1;
    this.jitterMs = options.jitterMs ?? 0;
    this.copyDatagrams = options.copyDatagrams ?? true;
  }

  /** A transport bound at `address` (default a fresh `10.0.x.y:7946`); the address must be free. */
  createTransport(address?: string): PacketTransport {
    const bound = address ?? this.freshAddress();
    if (this.transports.has(bound)) throw new Error(`address ${bound} is already bound`);
    const transport = new SimulatedTransport(bound, this);
    this.transports.set(bound, transport);
    return transport;
  }

  /** Sets the probability of losing each datagram (0..1). */
  setLossRate(lossRate: number): void {
    this.lossRate = lossRate;
  }

  /** Sets the base delay and jitter in ms. */
  setDelay(delayMs: number, jitterMs = 0): void {
    this.delayMs = delayMs;
    this.jitterMs = jitterMs;
  }

  /** Blocks all traffic between addresses of `sideA` and of `sideB` (both directions). */
  partition(sideA: Iterable<string>, sideB: Iterable<string>): void {
    this.partitions.push([new Set(sideA), new Set(sideB)]);
  }

  /** Removes every partition. */
  heal(): void {
    this.partitions.length = 0;
  }

  /** True if a partition blocks `from` -> `to`. */
  isBlocked(from: string, to: string): boolean {
    return this.partitions.some(
      ([a, b]) => (a.has(from) && b.has(to)) || (b.has(from) && a.has(to)),
    );
  }

  /** Counters since creation. */
  stats(): SimulatedNetworkStats {
    return { ...this.counters };
  }

  /** Delivers `data` from `from` to `to` after the configured delay, unless lost or blocked. */
  route(from: string, to: string, data: Uint8Array): void {
    this.counters.sent++;
    this.counters.bytesSent += data.length;
    if (this.isBlocked(from, to)) {
      this.counters.blockedByPartition++;
      return;
    }
    if (this.lossRate > 0 && this.random() < this.lossRate) {
      this.counters.lost++;
      return;
    }
    const copy = this.copyDatagrams ? data.slice() : data;
    const delay = this.delayMs + (this.jitterMs > 0 ? this.random() * this.jitterMs : 0);
    this.clock.setTimer(delay, () => {
      const receiver = this.transports.get(to);
      if (receiver === undefined || receiver.closed || receiver.handler === undefined) {
        this.counters.unreachable++;
        return;
      }
      this.counters.delivered++;
      receiver.handler(copy, from);
    });
  }

  /** Unbinds a closed transport. */
  detach(transport: SimulatedTransport): void {
    transport.closed = true;
    if (this.transports.get(transport.localAddress) === transport) {
      this.transports.delete(transport.localAddress);
    }
  }

  private freshAddress(): string {
    for (;;) {
      const n = this.nextHost++;
      const address = `10.0.${(n >> 8) & 255}.${n & 255}:7946`;
      if (!this.transports.has(address)) return address;
    }
  }
}
