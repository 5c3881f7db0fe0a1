import { ConfigError } from '@rpcnet/base';

/** Machine-readable reasons a cluster operation can fail. */
export const ClusterErrorCode = {
  /** A configuration value failed validation; the message names the field. */
  InvalidConfig: 'INVALID_CONFIG',
  /** No seed answered before `joinTimeoutMs`. */
  JoinFailed: 'JOIN_FAILED',
  /** The operation needs a started node. */
  NotStarted: 'NOT_STARTED',
  /** `start()` was called twice. */
  AlreadyStarted: 'ALREADY_STARTED',
  /** The node was stopped (or left) while the operation was pending. */
  Stopped: 'STOPPED',
  /** A datagram could not be decoded or failed validation. */
  DecodeFailed: 'DECODE_FAILED',
  /** A datagram exceeds the configured `maxDatagramBytes`. */
  DatagramTooLarge: 'DATAGRAM_TOO_LARGE',
  /** The gossip socket could not be bound. */
  BindFailed: 'BIND_FAILED',
  /** A datagram failed authentication, or a key is unusable. */
  AuthFailed: 'AUTH_FAILED',
  /** A seed source (DNS, a custom function) failed or did not answer in time. */
  SeedDiscoveryFailed: 'SEED_DISCOVERY_FAILED',
} as const;
/** One of {@link ClusterErrorCode}'s values. */
export type ClusterErrorCode = (typeof ClusterErrorCode)[keyof typeof ClusterErrorCode];

/** The one error type of `@rpcnet/gossip`; `code` says what went wrong. */
export class ClusterError extends Error {
  /** Why the operation failed. */
  readonly code: ClusterErrorCode;

  constructor(code: ClusterErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ClusterError';
    this.code = code;
  }
}

/** Thrown by `decodeDatagram` for bytes that are not a valid gossip datagram. */
export class DecodeError extends ClusterError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ClusterErrorCode.DecodeFailed, message, options);
    this.name = 'DecodeError';
  }
}

/**
 * An invalid cluster option or argument, thrown where it is given; `field` names it. A
 * {@link ConfigError}, with `code` INVALID_CONFIG as gossip's other errors carry a code.
 */
export class ClusterConfigError extends ConfigError {
  /** Always {@link ClusterErrorCode.InvalidConfig}. */
  readonly code = ClusterErrorCode.InvalidConfig;

  constructor(field: string, reason: string) {
    super(field, reason, { component: 'cluster' });
    this.name = 'ClusterConfigError';
  }
}
