import type { AnyClock, MonotonicClock, WallClock } from './clock.js';
import type { Logger } from './logger.js';

/** True when `value` is an object with a function under each of `methods` (for option checks). */
export function hasMethods(value: unknown, ...methods: readonly string[]): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return methods.every((method) => typeof record[method] === 'function');
}

/** True when `value` implements {@link Logger}. */
export function isLogger(value: unknown): value is Logger {
  return hasMethods(value, 'debug', 'info', 'warn', 'error');
}

/** True when `value` is a clock of either kind (`now`, `setTimer` and a `kind` brand). */
export function isClock(value: unknown): value is AnyClock {
  const kind = (value as { kind?: unknown } | null)?.kind;
  return hasMethods(value, 'now', 'setTimer') && (kind === 'wall' || kind === 'monotonic');
}

/** True when `value` is a {@link WallClock} (epoch ms), not a monotonic one. */
export function isWallClock(value: unknown): value is WallClock {
  return isClock(value) && value.kind === 'wall';
}

/** True when `value` is a {@link MonotonicClock}, not a wall clock. */
export function isMonotonicClock(value: unknown): value is MonotonicClock {
  return isClock(value) && value.kind === 'monotonic';
}
