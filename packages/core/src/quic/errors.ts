/** Why a QUIC transport connection failed or ended abruptly. */
export type QuicTransportErrorKind =
  /** No packet from the peer within the idle timeout: the peer vanished. */
  | 'idle-timeout'
  /** The peer closed the connection with an error, or reset the stream. */
  | 'peer-closed'
  /** This side closed the connection with an error. */
  | 'local-closed'
  /** The TLS handshake failed (e.g. untrusted certificate). */
  | 'tls'
  /** Connecting failed or timed out. */
  | 'connect'
  /** The peer broke the transport hello. */
  | 'protocol'
  /** The connection is already closed. */
  | 'closed';

/** The error a QUIC transport connection reports; `kind` tells why. */
export class QuicTransportError extends Error {
  readonly kind: QuicTransportErrorKind;

  constructor(kind: QuicTransportErrorKind, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'QuicTransportError';
    this.kind = kind;
  }
}
