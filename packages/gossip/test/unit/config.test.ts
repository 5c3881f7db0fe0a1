import { ConfigError } from '@rpcnet/base';
import { describe, expect, it } from 'vitest';
import {
  lanClusterConfig,
  localClusterConfig,
  parseClusterConfig,
  wanClusterConfig,
  withAdvertiseAddr,
  withBindAddr,
  withGossipPort,
  withNodeId,
  withRpcAddress,
  withSecret,
  withSeedNodes,
  withTag,
  withTags,
} from '../../src/config.js';
import { ClusterConfigError } from '../../src/errors.js';

describe('ClusterConfig', () => {
  it('fills the LAN defaults (memberlist timings)', () => {
    const config = parseClusterConfig();
    expect(config).toMatchObject({
      bindAddr: '0.0.0.0',
      gossipPort: 7946,
      seedNodes: [],
      tags: {},
      gossipIntervalMs: 200,
      gossipFanout: 3,
      probeIntervalMs: 1000,
      probeTimeoutMs: 500,
      indirectProbeCount: 3,
      suspicionMultiplier: 4,
      suspicionMaxTimeoutMultiplier: 6,
      retransmitMultiplier: 4,
      pushPullIntervalMs: 30_000,
      phiThreshold: 8,
      maxDatagramBytes: 1400,
      partitionFraction: 1 / 3,
      partitionMinUnreachable: 2,
    });
    expect(config.secret).toBeUndefined();
    expect(lanClusterConfig()).toEqual(config);
  });

  it('offers WAN and local presets that differ where they should, and accept overrides', () => {
    expect(wanClusterConfig().probeIntervalMs).toBeGreaterThan(lanClusterConfig().probeIntervalMs);
    expect(wanClusterConfig().suspicionMultiplier).toBe(6);
    expect(localClusterConfig().probeTimeoutMs).toBeLessThan(lanClusterConfig().probeTimeoutMs);
    expect(localClusterConfig().bindAddr).toBe('127.0.0.1');
    expect(wanClusterConfig({ gossipFanout: 7 }).gossipFanout).toBe(7);
  });

  it('names the offending field in INVALID_CONFIG errors', () => {
    const attempt = (input: Record<string, unknown>): ClusterConfigError => {
      try {
        parseClusterConfig(input as never);
      } catch (error) {
        return error as ClusterConfigError;
      }
      throw new Error('expected a throw');
    };
    const badPort = attempt({ gossipPort: 70_000 });
    expect(badPort).toBeInstanceOf(ClusterConfigError);
    expect(badPort).toBeInstanceOf(ConfigError);
    expect(badPort.code).toBe('INVALID_CONFIG');
    expect(badPort.field).toBe('gossipPort');
    expect(badPort.message).toContain('"gossipPort"');
    expect(attempt({ seedNodes: ['no-port'] }).message).toContain('"seedNodes.0"');
    expect(attempt({ probeTimeoutMs: 2000 }).message).toContain('"probeTimeoutMs"');
    expect(attempt({ partitionFraction: 0 }).message).toContain('"partitionFraction"');
    expect(attempt({ gossipFanuot: 3 }).message).toContain('"gossipFanuot": is not a known field');
  });

  it('accepts IPv6 seed addresses and rejects out-of-range ports in them', () => {
    expect(parseClusterConfig({ seedNodes: ['[::1]:7946', 'node-1:1'] }).seedNodes).toHaveLength(2);
    expect(() => parseClusterConfig({ seedNodes: ['host:99999'] })).toThrow(/seedNodes.0/);
  });

  it('builds configs with the with* helpers, validating each step', () => {
    let config = lanClusterConfig();
    config = withBindAddr(config, '127.0.0.1', 0);
    config = withGossipPort(config, 8000);
    config = withAdvertiseAddr(config, '10.1.1.1', 9946);
    config = withRpcAddress(config, '10.1.1.1:9000');
    config = withSeedNodes(config, ['10.1.1.2:7946']);
    config = withTags(config, { role: 'worker' });
    config = withTag(config, 'zone', 'a');
    config = withSecret(config, 'a-sixteen-char-secret');
    config = withNodeId(config, 'node-1');
    expect(config).toMatchObject({
      bindAddr: '127.0.0.1',
      gossipPort: 8000,
      advertiseAddr: '10.1.1.1',
      advertisePort: 9946,
      rpcAddress: '10.1.1.1:9000',
      seedNodes: ['10.1.1.2:7946'],
      tags: { role: 'worker', zone: 'a' },
      secret: 'a-sixteen-char-secret',
      nodeId: 'node-1',
    });
    expect(() => withSeedNodes(config, ['bad'])).toThrow(ClusterConfigError);
  });

  it('refuses a guessable gossip secret, naming the field and the fix', () => {
    expect(() => lanClusterConfig({ secret: 'x' })).toThrow(
      /secret.*at least 16 characters.*openssl rand/,
    );
    expect(() =>
      lanClusterConfig({ secret: 'a-sixteen-char-secret', acceptedSecrets: ['short'] }),
    ).toThrow(/acceptedSecrets/);
    expect(lanClusterConfig({ secret: 'a-sixteen-char-secret' }).secret).toBe(
      'a-sixteen-char-secret',
    );
  });
});
