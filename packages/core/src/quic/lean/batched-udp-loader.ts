import type { DatagramSocket } from './datagram-socket.js';

/** A batched socket as this driver uses it (the consumer's view of @rpcnet/batched-udp). */
export interface BatchedDatagramSocket extends DatagramSocket {
  sendBatch: NonNullable<DatagramSocket['sendBatch']>;
  connect(host: string, port: number): void;
}

/** What this driver needs of @rpcnet/batched-udp. */
interface BatchedUdpModule {
  BatchedUdpSocket: {
    unavailableReason(): string | undefined;
    bind(host: string, port: number, bufferBytes: number): BatchedDatagramSocket;
  };
}

let loading: Promise<BatchedUdpModule | string> | undefined;

/**
 * The batched UDP socket factory, or why it cannot be used here: the optional dependency is not
 * installed, not built (no C compiler at install), or this is not Linux. Loaded once.
 */
export function loadBatchedUdp(): Promise<BatchedUdpModule | string> {
  loading ??= import('@rpcnet/batched-udp').then(
    (module: BatchedUdpModule) => module.BatchedUdpSocket.unavailableReason() ?? module,
    (error: unknown) => `@rpcnet/batched-udp is not installed (${String(error)})`,
  );
  return loading;
}
