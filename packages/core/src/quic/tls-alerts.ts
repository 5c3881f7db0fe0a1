/**
 * TLS alerts (RFC 8446 §6) a QUIC handshake ends with (QUIC sends them as transport error
 * 0x100 + alert), named, with what usually fixes them.
 */
const ALERTS: Readonly<Record<number, { name: string; hint: string }>> = {
  40: { name: 'handshake_failure', hint: 'the peers share no cipher suite or ALPN protocol' },
  42: { name: 'bad_certificate', hint: 'the certificate is malformed or does not name this host' },
  43: { name: 'unsupported_certificate', hint: 'the certificate type or key is not supported' },
  44: { name: 'certificate_revoked', hint: 'the certificate was revoked' },
  45: { name: 'certificate_expired', hint: 'the certificate is expired or not yet valid' },
  46: { name: 'certificate_unknown', hint: 'the certificate was refused' },
  48: {
    name: 'unknown_ca',
    hint: 'the certificate is not signed by a CA the peer trusts (tls.ca)',
  },
  49: { name: 'access_denied', hint: 'the peer refused this identity' },
  70: { name: 'protocol_version', hint: 'the peers share no TLS version' },
  80: { name: 'internal_error', hint: 'the peer failed internally' },
  116: {
    name: 'certificate_required',
    hint: 'the server requires a client certificate (mutual TLS: set tls.cert and tls.key)',
  },
  120: {
    name: 'no_application_protocol',
    hint: 'the peers use different applicationProtocol values',
  },
};

/** `unknown_ca (48): the certificate is not signed by a CA the peer trusts (tls.ca)`. */
export function describeTlsAlert(alert: number): string {
  const known = ALERTS[alert];
  return known === undefined
    ? `TLS alert ${alert}`
    : `${known.name} (TLS alert ${alert}): ${known.hint}`;
}

/** The TLS alert a QUIC crypto error code carries (RFC 9001 §4.8), or undefined. */
export function tlsAlertOf(quicErrorCode: number): number | undefined {
  return quicErrorCode >= 0x100 && quicErrorCode <= 0x1ff ? quicErrorCode - 0x100 : undefined;
}
