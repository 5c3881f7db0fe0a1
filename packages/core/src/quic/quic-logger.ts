import MatrixLogger, { Handler, LogLevel, type LogRecord } from '@matrixai/logger';
import type { Logger } from '@rpcnet/base';

/** How verbose @matrixai/quic may be; INFO and DEBUG are never allowed (it logs every stream). */
export type QuicLogLevel = 'warn' | 'error';

const SOURCE = '@matrixai/quic';

/** Forwards @matrixai/logger records into an rpcnet {@link Logger}; it never prints. */
class RoutingHandler extends Handler {
  constructor(private readonly target: Logger) {
    super();
  }

  override handle(record: LogRecord): void {
    const message = record.msg ?? '';
    const fields = { source: SOURCE, logger: record.key };
    if (record.level >= LogLevel.ERROR) this.target.error(message, fields);
    else if (record.level >= LogLevel.WARN) this.target.warn(message, fields);
    else this.target.debug(message, fields);
  }

  emit(): void {
    // Unreachable: `handle` routes records without formatting them into text.
  }
}

/**
 * A @matrixai/logger `Logger` for the QUIC library, at WARN or above, whose records go to
 * `target`. The library's own default would print every stream open/close at INFO.
 */
export function createQuicLogger(target: Logger, level: QuicLogLevel = 'warn'): MatrixLogger {
  return new MatrixLogger('quic', level === 'error' ? LogLevel.ERROR : LogLevel.WARN, [
    new RoutingHandler(target),
  ]);
}
