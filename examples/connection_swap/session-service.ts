import { bidiStreamMethod, defineService, jsonCodec } from 'rpcnet';

/**
 * One message of a logical session. The client owns the session's state (`seq`, `total`), so any
 * worker can carry on with it: that is what lets the client swap connections freely.
 */
export interface SessionMessage {
  readonly sessionId: string;
  /** Position in the session, from 1; a resent message keeps its number. */
  readonly seq: number;
  readonly value: number;
  /** The session's running total before this message. */
  readonly total: number;
}

/** A worker's acknowledgement of one message, with the new total it computed. */
export interface SessionAck {
  readonly sessionId: string;
  readonly seq: number;
  readonly total: number;
  readonly worker: string;
}

/** The connection_swap worker API: one bidirectional stream per connected session. */
export const sessionService = defineService('swap', {
  exchange: bidiStreamMethod(jsonCodec<SessionMessage>(), jsonCodec<SessionAck>()),
});
