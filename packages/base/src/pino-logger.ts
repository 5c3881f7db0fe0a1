import type { LogFields, Logger } from './logger.js';

/**
 * What rpcnet calls on a pino logger: the level methods, structured fields first and the message
 * second. A `pino()` instance (or a child of one) fits as it is.
 */
export interface PinoLikeLogger {
  debug(fields: object, message: string): void;
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

const NO_FIELDS: LogFields = Object.freeze({});

/**
 * A {@link Logger} that writes to a pino logger: `new RpcServer({ logger: pinoLogger(pino()) })`.
 * rpcnet's `(message, fields)` becomes pino's `(fields, message)`, so fields stay structured.
 */
export function pinoLogger(pino: PinoLikeLogger): Logger {
  return {
    debug: (message, fields) => pino.debug(fields ?? NO_FIELDS, message),
    info: (message, fields) => pino.info(fields ?? NO_FIELDS, message),
    warn: (message, fields) => pino.warn(fields ?? NO_FIELDS, message),
    error: (message, fields) => pino.error(fields ?? NO_FIELDS, message),
  };
}
