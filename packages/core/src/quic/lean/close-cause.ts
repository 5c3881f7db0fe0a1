import { CloseCode } from '../close-code.js';
import { QuicTransportError } from '../errors.js';
import { describeTlsAlert, tlsAlertOf } from '../tls-alerts.js';
import type { QuicheConnection } from './quiche.js';

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
    const alert = peer.isApp ? undefined : tlsAlertOf(peer.errorCode);
    if (alert !== undefined) {
      return new QuicTransportError(
        'tls',
        `TLS handshake failed: the peer refused us with ${describeTlsAlert(alert)}`,
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
    const alert = local.isApp ? undefined : tlsAlertOf(local.errorCode);
    if (alert !== undefined) {
      return new QuicTransportError(
        'tls',
        `TLS handshake failed: we refused the peer with ${describeTlsAlert(alert)}`,
      );
    }
    return new QuicTransportError(
      'local-closed',
      `connection closed locally (${local.isApp ? 'application' : 'transport'} code ${local.errorCode})`,
    );
  }
  return new QuicTransportError('peer-closed', 'connection closed');
}
