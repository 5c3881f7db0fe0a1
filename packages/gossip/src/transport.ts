/** Carries gossip datagrams: real UDP in production, a simulated lossy network in tests. */
export interface PacketTransport {
  /** The `host:port` this transport receives on. */
  readonly localAddress: string;
  /** Registers the receiver of datagrams; `from` is the sender's `host:port`. */
  onPacket(handler: (data: Uint8Array, from: string) => void): void;
  /** Sends one datagram, best effort: network errors are counted, never thrown. */
  send(to: string, data: Uint8Array): void;
  /** Stops receiving and releases the socket. Idempotent. */
  close(): Promise<void>;
}
