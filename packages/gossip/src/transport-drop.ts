/**
 * Why a transport (UDP or the secure wrapper) dropped a datagram instead of delivering or
 * sending it. Reported to the protocol's metrics as `dropped datagrams by reason`.
 */
export type TransportDropReason =
  /** Received datagram larger than the configured maximum. */
  | 'oversize'
  /** Refused to send a datagram larger than the configured maximum. */
  | 'oversize-send'
  /** Send target is not a valid `host:port`. */
  | 'bad-address'
  /** The socket reported an error for a send. */
  | 'send-error'
  /** Send after `close()`. */
  | 'closed'
  /** The packet handler threw (a bug; the datagram is dropped, the socket survives). */
  | 'handler-error'
  /** Failed AES-GCM authentication: wrong key, tampered or forged. */
  | 'auth'
  /** Sealed with a key id this keyring does not accept. */
  | 'unknown-key'
  /** Too short or of an unknown envelope version to be a sealed datagram. */
  | 'malformed-envelope'
  /** Authentic but stamped outside the replay window (old capture or clock skew). */
  | 'stale'
  /** Authentic but its nonce was already seen within the replay window. */
  | 'replay'
  /** Authentic but sealed for another node's address (captured and replayed elsewhere). */
  | 'wrong-destination';
