import { describe, expect, it } from 'vitest';
import { resolvePhiOptions } from '../src/config.js';
import {
  PHI_DEFAULTS,
  PhiAccrualDetector,
  type PhiAccrualOptions,
  PhiConfigError,
  PhiDetectorSet,
} from '../src/index.js';

describe('phi options', () => {
  it('documents the defaults of the brief', () => {
    expect(PHI_DEFAULTS).toEqual({
      threshold: 8,
      maxSampleSize: 1000,
      minStdDeviationMs: 100,
      acceptableHeartbeatPauseMs: 0,
      firstHeartbeatEstimateMs: 1000,
      model: 'normal',
    });
    expect(Object.isFrozen(PHI_DEFAULTS)).toBe(true);
    const detector = new PhiAccrualDetector();
    expect(detector.threshold).toBe(8);
    expect(detector.model).toBe('normal');
  });

  it('returns options it resolved as they are, and validates any other object', () => {
    const resolved = resolvePhiOptions({ threshold: 5 });
    expect(Object.isFrozen(resolved)).toBe(true);
    expect(resolvePhiOptions(resolved)).toBe(resolved);
    // An equal copy is not trusted: it is validated (and resolved) again.
    const copy = { ...resolved };
    expect(resolvePhiOptions(copy)).not.toBe(copy);
    expect(resolvePhiOptions(copy)).toEqual(resolved);
    expect(() => resolvePhiOptions({ ...resolved, threshold: -1 })).toThrow(PhiConfigError);
    // A detector set validates once; its detectors use the same options.
    const set = new PhiDetectorSet({ threshold: 5, clock: { now: () => 0 } });
    set.heartbeat('a', 0);
    expect(set.get('a')?.threshold).toBe(5);
  });

  const invalid: Array<[field: string, options: Record<string, unknown>]> = [
    ['threshold', { threshold: 0 }],
    ['threshold', { threshold: Number.NaN }],
    ['threshold', { threshold: Number.POSITIVE_INFINITY }],
    ['maxSampleSize', { maxSampleSize: 1 }],
    ['maxSampleSize', { maxSampleSize: 10.5 }],
    ['maxSampleSize', { maxSampleSize: 2_000_000 }],
    ['minStdDeviationMs', { minStdDeviationMs: 0 }],
    ['acceptableHeartbeatPauseMs', { acceptableHeartbeatPauseMs: -1 }],
    ['firstHeartbeatEstimateMs', { firstHeartbeatEstimateMs: 0 }],
    ['firstHeartbeatEstimateMs', { firstHeartbeatEstimateMs: '1000' }],
    ['model', { model: 'weibull' }],
    ['clock', { clock: Date }],
    ['clock', { clock: { now: 5 } }],
    ['tresHold', { tresHold: 8 }],
  ];

  it.each(invalid)('rejects an invalid %s at construction, naming the field', (field, options) => {
    for (const create of [
      () => new PhiAccrualDetector(options as PhiAccrualOptions),
      () => new PhiDetectorSet(options as PhiAccrualOptions),
    ]) {
      let error: unknown;
      try {
        create();
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(PhiConfigError);
      expect((error as PhiConfigError).field).toBe(field);
      expect((error as PhiConfigError).message).toContain(`"${field}"`);
    }
  });

  it('accepts valid edge values', () => {
    const detector = new PhiAccrualDetector({
      threshold: 0.5,
      maxSampleSize: 2,
      minStdDeviationMs: 0.001,
      acceptableHeartbeatPauseMs: 0,
      firstHeartbeatEstimateMs: 0.5,
      model: 'exponential',
      clock: { now: () => 0 },
    });
    expect(detector.threshold).toBe(0.5);
  });
});
