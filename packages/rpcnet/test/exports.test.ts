import * as clusterClient from '@rpcnet/cluster-client';
import * as core from '@rpcnet/core';
import * as gossip from '@rpcnet/gossip';
import * as management from '@rpcnet/management';
import * as phi from '@rpcnet/phi';
import * as registry from '@rpcnet/registry';
import { describe, expect, it } from 'vitest';
import * as meta from '../src/index.js';

const packages: Record<string, Record<string, unknown>> = {
  '@rpcnet/phi': phi,
  '@rpcnet/core': core,
  '@rpcnet/gossip': gossip,
  '@rpcnet/registry': registry,
  '@rpcnet/cluster-client': clusterClient,
  '@rpcnet/management': management,
};

/** Runtime names exported by more than one package, and how the meta-package resolves each. */
const collisions: Record<string, { plain: string; aliases: Record<string, string> }> = {
  PROTOCOL_VERSION: {
    plain: '@rpcnet/core',
    aliases: { '@rpcnet/gossip': 'GOSSIP_PROTOCOL_VERSION' },
  },
  systemClock: { plain: '@rpcnet/core', aliases: { '@rpcnet/gossip': 'gossipSystemClock' } },
};

function owners(): Map<string, string[]> {
  const byName = new Map<string, string[]>();
  for (const [name, module] of Object.entries(packages)) {
    for (const key of Object.keys(module)) byName.set(key, [...(byName.get(key) ?? []), name]);
  }
  return byName;
}

describe('the rpcnet meta-package', () => {
  it('has exactly the known name collisions between packages, each resolved', () => {
    const duplicated = [...owners()].filter(([, from]) => from.length > 1).map(([name]) => name);
    expect(duplicated.sort()).toEqual(Object.keys(collisions).sort());
  });

  it('re-exports every unambiguous name as the very same value', () => {
    const exported = meta as Record<string, unknown>;
    for (const [name, from] of owners()) {
      if (from.length > 1) continue;
      const [owner] = from;
      expect(exported[name], `${owner}.${name}`).toBe(packages[owner ?? '']?.[name]);
    }
  });

  it('gives a colliding name to one package and an alias to the other', () => {
    const exported = meta as Record<string, unknown>;
    for (const [name, resolution] of Object.entries(collisions)) {
      expect(exported[name], name).toBe(packages[resolution.plain]?.[name]);
      for (const [owner, alias] of Object.entries(resolution.aliases)) {
        expect(exported[alias], alias).toBe(packages[owner]?.[name]);
        expect(owners().has(alias), `${alias} must not shadow a package export`).toBe(false);
      }
    }
  });

  it('adds the server integration and the ConfigError base class on top', () => {
    expect(typeof meta.enableCluster).toBe('function');
    expect(new meta.RegistryConfigError('x', 'bad')).toBeInstanceOf(meta.ConfigError);
    expect(typeof meta.discoverNodes).toBe('function');
    expect(typeof meta.connectNode).toBe('function');
    const own = Object.keys(meta).filter((name) => !owners().has(name));
    expect(own.sort()).toEqual(
      [
        'ConfigError',
        'GOSSIP_PROTOCOL_VERSION',
        'connectNode',
        'discoverNodes',
        'enableCluster',
        'gossipSystemClock',
        'managementEndpointOf',
      ].sort(),
    );
  });
});
