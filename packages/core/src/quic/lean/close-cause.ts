import { CloseCode } from '../close-code.js';
import { QuicTransportError } from '../errors.js';
import { isCryptoErrorCode, type QuicheConnection } from './quiche.js';

/** The TLS alert a crypto error code carries (RFC 9001 §4.8). */
function alertOf(code: number): number {
  return code - 0x100;
}

/**
 * Why quiche's connection ended: `graceful` when the peer closed with rpcnet's graceful code,
 * otherwise the transport error to report.
 */
export function closeCause(native: QuicheConnection): QuicTransportError | 'graceful' {
  if (native.isTimedOut()) {
    return new QuicTransportError('idle-timeout', 'peer unresponsive: idle timeout');
  }
  const peer = native.peerError();
  if (peer !== null) {
    if (!peer.isApp && isCryptoErrorCode(peer.errorCode)) {
      return new QuicTransportError(
        'tls',
        `TLS handshake failed: the peer sent TLS alert ${alertOf(peer.errorCode)}`,
      );
    }
    if (peer.isApp && peer.errorCode === CloseCode.GRACEFUL) return 'graceful';
    return new QuicTransportError(
      'peer-closed',
      `peer closed the connection (${peer.isApp ? 'application' : 'transport'} code ${peer.errorCode})`,
    );
  }
  const local = native.localError();
  if (local !== null) {
    if (!local.isApp && isCryptoErrorCode(local.errorCode)) {
      return new QuicTransportError(
        'tls',
        `TLS handshake failed: certificate rejected (TLS alert ${alertOf(local.errorCode)})`,
      );
    }
    return new QuicTransportError(
      'local-closed',
      `connection closed locally (${local.isApp ? 'application' : 'transport'} code ${local.errorCode})`,
    );
  }
  return new QuicTransportError('peer-closed', 'connection closed');
}
