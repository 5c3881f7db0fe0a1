/** Where a datagram came from. */
export interface DatagramOrigin {
  readonly address: string;
  readonly port: number;
}

/**
 * The UDP socket the lean driver needs: node:dgram's Socket in production, an in-memory fake
 * in the driver's unit tests.
 */
export interface DatagramSocket {
  /** Sends `length` bytes of `data` from `offset`; a connected socket omits port and address. */
  send(data: Uint8Array, offset: number, length: number, port?: number, address?: string): void;
  on(event: 'message', listener: (datagram: Buffer, from: DatagramOrigin) => void): unknown;
  on(event: 'error', listener: (error: NodeJS.ErrnoException) => void): unknown;
  off(event: 'message', listener: (datagram: Buffer, from: DatagramOrigin) => void): unknown;
  address(): DatagramOrigin;
  close(callback?: () => void): void;
  /**
   * Sends `count` packets lying back to back in `buffer` (`lengths[i]` bytes each) to one
   * destination in one syscall; `buffer` is reusable when it returns. Batched sockets only.
   */
  sendBatch?(
    buffer: Buffer,
    lengths: Uint32Array,
    count: number,
    port?: number,
    address?: string,
  ): void;
  /** Lets the process exit while the socket is open (draining connections). */
  unref(): unknown;
}
