import {
  type ClusterConfig,
  type ClusterConfigInput,
  localClusterConfig,
} from '../../src/config.js';

/**
 * Loopback timings fast enough for tests (probe every 200 ms, suspicion 0.4-0.8 s), bound to
 * 127.0.0.1 on a free port. Detection takes about a second or two instead of LAN's several.
 */
export function fastLoopbackConfig(overrides: ClusterConfigInput = {}): ClusterConfig {
  return localClusterConfig({
    gossipPort: 0,
    probeIntervalMs: 200,
    probeTimeoutMs: 80,
    gossipIntervalMs: 50,
    suspicionMultiplier: 2,
    suspicionMaxTimeoutMultiplier: 2,
    pushPullIntervalMs: 2000,
    reconnectIntervalMs: 500,
    joinTimeoutMs: 3000,
    joinRetryInitialMs: 100,
    joinRetryMaxMs: 400,
    leaveTimeoutMs: 1000,
    ...overrides,
  });
}
