import { describe, expect, it } from 'vitest';
import { benchCongestionControl, driverOptions } from '../src/rpc-bench-protocol.js';

describe('benchCongestionControl', () => {
  it('reads cubic, reno or bbr, and leaves the default when unset', () => {
    expect(benchCongestionControl('bbr')).toBe('bbr');
    expect(benchCongestionControl('reno')).toBe('reno');
    expect(benchCongestionControl(undefined)).toBeUndefined();
    expect(benchCongestionControl('')).toBeUndefined();
  });

  it('names the variable and the choices when the value is unknown', () => {
    expect(() => benchCongestionControl('vegas')).toThrow(
      "RPC_BENCH_CONGESTION_CONTROL: 'vegas' is not one of cubic, reno, bbr",
    );
  });

  it('adds no option to grpc-js and udp lines (no driver)', () => {
    expect(driverOptions(undefined)).toEqual({});
    expect(driverOptions('lean-dgram')).toMatchObject({ driver: 'lean', udpSocket: 'dgram' });
  });
});
