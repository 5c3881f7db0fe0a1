import { VirtualClock } from '@rpcnet/base';

/** An epoch time (2023-11-14) that virtual wall clocks start at unless told otherwise. */
export const VIRTUAL_EPOCH_MS = 1_700_000_000_000;

/**
 * A virtual wall clock (epoch ms), where deadlines are computed: base's `VirtualClock` with
 * `kind: 'wall'`, started at a realistic epoch time so date arithmetic looks like production.
 */
export function virtualWallClock(startMs = VIRTUAL_EPOCH_MS): VirtualClock<'wall'> {
  return new VirtualClock({ kind: 'wall', startMs });
}

/** A virtual monotonic clock (ms since an arbitrary origin), for periods, probes and leases. */
export function virtualMonotonicClock(startMs = 0): VirtualClock<'monotonic'> {
  return new VirtualClock({ kind: 'monotonic', startMs });
}
