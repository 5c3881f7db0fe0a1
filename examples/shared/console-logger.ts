import type { LogFields, Logger } from 'rpcnet';
import { LOG_LEVELS, type LogLevel } from './settings.js';

/** A console logger for one example process: `12:00:01.250 [worker-1] message key=value`. */
export interface ExampleLogger extends Logger {
  /** The process name shown on every line. */
  readonly name: string;
  /** The same output for the rpcnet libraries, one level quieter (their info lines are debug). */
  readonly library: Logger;
}

/** A library warning repeated within this window is logged at debug level. */
const REPEAT_QUIET_MS = 30_000;

const rank = (level: LogLevel): number => LOG_LEVELS.indexOf(level);

/** Creates the logger of an example process; lines below `level` are dropped. */
export function createExampleLogger(name: string, level: LogLevel): ExampleLogger {
  const lastWarned = new Map<string, number>();
  const write = (lineLevel: LogLevel, message: string, fields?: LogFields): void => {
    if (rank(lineLevel) < rank(level)) return;
    const time = new Date().toISOString().slice(11, 23);
    const marker = lineLevel === 'info' ? '' : `${lineLevel.toUpperCase()} `;
    const line = `${time} [${name}] ${marker}${message}${formatFields(fields)}`;
    if (lineLevel === 'error' || lineLevel === 'warn') console.error(line);
    else console.log(line);
  };
  return {
    name,
    debug: (message, fields) => write('debug', message, fields),
    info: (message, fields) => write('info', message, fields),
    warn: (message, fields) => write('warn', message, fields),
    error: (message, fields) => write('error', message, fields),
    library: {
      debug: (message, fields) => write('debug', `(rpcnet) ${message}`, fields),
      info: (message, fields) => write('debug', `(rpcnet) ${message}`, fields),
      warn: (message, fields) => {
        // A library warning that repeats (a failing health check each round) is shown once a while.
        const now = Date.now();
        if (now - (lastWarned.get(message) ?? Number.NEGATIVE_INFINITY) < REPEAT_QUIET_MS) {
          write('debug', `(rpcnet) ${message}`, fields);
          return;
        }
        lastWarned.set(message, now);
        write('warn', `(rpcnet) ${message}`, fields);
      },
      error: (message, fields) => write('error', `(rpcnet) ${message}`, fields),
    },
  };
}

function formatFields(fields: LogFields | undefined): string {
  if (fields === undefined) return '';
  const parts = Object.entries(fields).map(([key, value]) => {
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    return `${key}=${text}`;
  });
  return parts.length === 0 ? '' : ` ${parts.join(' ')}`;
}
