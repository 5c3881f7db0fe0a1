import { z } from 'zod';
import type { Clock } from './clock.js';
import type { Logger } from './logger.js';
import type { Transport } from './transport.js';

function hasMethods(value: unknown, methods: readonly string[]): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return methods.every((method) => typeof record[method] === 'function');
}

/** Accepts any {@link Logger}. */
export const loggerSchema = z.custom<Logger>(
  (value) => hasMethods(value, ['debug', 'info', 'warn', 'error']),
  { message: 'expected a Logger with debug/info/warn/error' },
);

/** Accepts any {@link Clock}. */
export const clockSchema = z.custom<Clock>((value) => hasMethods(value, ['now', 'setTimer']), {
  message: 'expected a Clock with now/setTimer',
});

/** Accepts any {@link Transport}. */
export const transportSchema = z.custom<Transport>(
  (value) => hasMethods(value, ['listen', 'connect']),
  { message: 'expected a Transport with listen/connect' },
);
