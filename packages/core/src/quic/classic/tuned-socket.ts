import type MatrixLogger from '@matrixai/logger';
import { QUICSocket } from '@matrixai/quic';
import { LIBRARY_ERROR_EVENT } from './quic-connection.js';

/**
 * A QUIC UDP socket with enlarged kernel buffers. The library handles each packet in
 * JavaScript (slowly), so bursts overflow the default ~200 KiB receive buffer; the dropped
 * packets then cost retransmission timeouts and throughput collapses.
 */
class TunedQuicSocket extends QUICSocket {
  /** Asks the kernel for `bytes` of send and receive buffer (it caps at net.core.*mem_max). */
  setBufferSizes(bytes: number): void {
    this.socket.setRecvBufferSize(bytes);
    this.socket.setSendBufferSize(bytes);
  }
}

/** Starts a UDP socket for one QUIC client or server, with `bufferBytes` kernel buffers. */
export async function startTunedSocket(options: {
  host: string;
  port: number;
  bufferBytes: number;
  logger: MatrixLogger;
  onLibraryError: (event: Event) => void;
}): Promise<QUICSocket> {
  const socket = new TunedQuicSocket({ logger: options.logger.getChild('socket') });
  socket.addEventListener(LIBRARY_ERROR_EVENT, options.onLibraryError);
  await socket.start({ host: options.host, port: options.port });
  try {
    socket.setBufferSizes(options.bufferBytes);
  } catch {
    // Best effort: the kernel may refuse; the defaults still work, only slower under bursts.
  }
  return socket;
}
