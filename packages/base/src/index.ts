export type { AnyClock, CancelTimer, MonotonicClock, TimerScheduler, WallClock } from './clock.js';
export { ConfigError, type ConfigErrorOptions } from './config-error.js';
export { type DeadlineOptions, minDeadline, resolveDeadline } from './deadline.js';
export {
  EventListeners,
  type EventOf,
  type EventSource,
  type TypedEvent,
  type Unsubscribe,
} from './events.js';
export { hasMethods, isClock, isLogger, isMonotonicClock, isWallClock } from './guards.js';
export { formatHostPort, type HostPort, parseHostPort, tryParseHostPort } from './host-port.js';
export { type LogFields, type Logger, silentLogger } from './logger.js';
export { type PinoLikeLogger, pinoLogger } from './pino-logger.js';
export { createSeededRandom, type RandomSource } from './random.js';
export { systemMonotonicClock, systemWallClock } from './system-clocks.js';
export { MAX_TIMER_DELAY_MS, setCappedTimer } from './timer.js';
export {
  type ClockKind,
  type RunUntilOptions,
  settle,
  VirtualClock,
  type VirtualClockOptions,
} from './virtual-clock.js';
