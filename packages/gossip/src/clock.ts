/** Cancels a scheduled callback; calling it after the callback ran is harmless. */
export type CancelTimer = () => void;

/** Time as the protocol sees it: real in production, virtual in simulations. Milliseconds. */
export interface Clock {
  now(): number;
  /** Runs `callback` once after `delayMs`. */
  setTimer(delayMs: number, callback: () => void): CancelTimer;
}

/** A source of uniform random numbers in [0, 1): `Math.random` in production, seeded in tests. */
export type RandomSource = () => number;
