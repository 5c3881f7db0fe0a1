export type { PhiClock } from './clock.js';
export type { PhiAccrualOptions, PhiModel } from './config.js';
export { PHI_DEFAULTS } from './config.js';
export { PhiAccrualDetector } from './detector.js';
export { PhiDetectorSet } from './detector-set.js';
export { PhiConfigError } from './errors.js';
