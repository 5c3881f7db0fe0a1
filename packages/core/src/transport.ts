import type { HostPort } from '@rpcnet/base';

/** A network address as host and port (from `@rpcnet/base`). Port 0 asks the OS for an ephemeral port. */
export type { HostPort };

/** What a channel delivers to its receiver. */
export interface ChannelReceiver {
  /** Bytes in order; chunk boundaries carry no meaning (frames may be split or joined). */
  onData(chunk: Uint8Array): void;
  /** The channel is gone: `error` is set when it did not close gracefully. Called once. */
  onClose(error?: Error): void;
}

/** Counters of a transport connection, for diagnostics (QUIC: quiche's own figures). */
export interface TransportConnectionStats {
  /** Smoothed round-trip time in milliseconds, when the transport measures it. */
  readonly rttMs: number | undefined;
  /** Congestion window in bytes, when the transport has one. */
  readonly congestionWindowBytes: number | undefined;
  readonly packetsSent: number;
  readonly packetsReceived: number;
  /** Packets declared lost (and retransmitted). */
  readonly packetsLost: number;
  readonly bytesSent: number;
  readonly bytesReceived: number;
}

/**
 * One connection between two peers as an ordered, reliable byte channel: the RPC layer
 * multiplexes every call of the connection over it as frames.
 */
export interface TransportConnection {
  /** `host:port` of the peer, for logs and errors. */
  readonly remoteAddress: string;
  /** Registers the receiver; called once, before any data is delivered. */
  start(receiver: ChannelReceiver): void;
  /**
   * Sends bytes. Resolves when the transport has accepted them, so awaiting it is the
   * backpressure signal; rejects when the connection is gone.
   */
  write(data: Uint8Array): Promise<void>;
  /** Closes gracefully (flushing what was written), or abruptly when `error` is given. Idempotent. */
  close(error?: Error): Promise<void>;
  /** Counters of the connection, where the transport keeps them (the lean QUIC driver does). */
  stats?(): TransportConnectionStats;
}

/** Counters of a listener, for diagnostics. */
export interface TransportListenerStats {
  /** Connections held now (handshaking, open or draining). */
  readonly connections: number;
  readonly connectionsAccepted: number;
  readonly datagramsReceived: number;
  /** Datagrams dropped, by reason (e.g. `malformed`, `unknownConnection`). */
  readonly droppedDatagrams: Readonly<Record<string, number>>;
}

/** A bound server endpoint. */
export interface TransportListener {
  /** The address actually bound (the real port when 0 was asked for). */
  readonly address: HostPort;
  /** Counters, where the transport keeps them (the lean QUIC driver does). */
  stats?(): TransportListenerStats;
  /** Stops accepting and closes every connection it accepted. */
  close(): Promise<void>;
}

/** Carries RPC connections: QUIC in production, in-memory in tests. */
export interface Transport {
  listen(
    address: HostPort,
    onConnection: (connection: TransportConnection) => void,
  ): Promise<TransportListener>;
  connect(address: HostPort, options?: { signal?: AbortSignal }): Promise<TransportConnection>;
}
