import { hasMethods, isLogger, isWallClock, type Logger, type WallClock } from '@rpcnet/base';
import { z } from 'zod';
import type { Transport } from './transport.js';

/** Accepts any {@link Logger}. */
export const loggerSchema = z.custom<Logger>(isLogger, {
  message: 'expected a Logger with debug/info/warn/error',
});

/**
 * Accepts a {@link WallClock} only: deadlines are epoch ms, so a monotonic clock (gossip's, which
 * counts from process start) would expire every call with a `deadline` at once.
 */
export const clockSchema = z.custom<WallClock>(isWallClock, {
  message:
    "expected a wall clock (kind: 'wall', epoch ms) such as systemClock; a monotonic clock counts from process start and would expire every deadline at once",
});

/** Accepts any {@link Transport}. */
export const transportSchema = z.custom<Transport>(
  (value) => hasMethods(value, 'listen', 'connect'),
  { message: 'expected a Transport with listen/connect' },
);
