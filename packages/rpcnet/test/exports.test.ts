import { readFileSync } from 'node:fs';
import * as base from '@rpcnet/base';
import * as clusterClient from '@rpcnet/cluster-client';
import * as core from '@rpcnet/core';
import * as gossip from '@rpcnet/gossip';
import * as management from '@rpcnet/management';
import * as registry from '@rpcnet/registry';
import { describe, expect, it } from 'vitest';
import * as discover from '../src/discover-nodes.js';
import * as enable from '../src/enable-cluster.js';
import * as meta from '../src/index.js';

/** Half of the 126 names the package exported when it re-exported every package whole (#13). */
const MAX_VALUES = 63;

const owners: Record<string, Record<string, unknown>> = {
  '@rpcnet/base': base,
  '@rpcnet/core': core,
  '@rpcnet/gossip': gossip,
  '@rpcnet/registry': registry,
  '@rpcnet/cluster-client': clusterClient,
  '@rpcnet/management': management,
  rpcnet: { ...discover, ...enable },
};

interface Listed {
  readonly from: string;
  readonly values: string[];
  readonly types: string[];
}

/** The README's "Exports" list: a `### \`package\`` heading, then `- values:` and `- types:`. */
function readmeList(): Listed[] {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const section = readme.slice(
    readme.indexOf('<!-- exports:start -->'),
    readme.indexOf('<!-- exports:end -->'),
  );
  const names = (line = '') => [...line.matchAll(/`([^`]+)`/g)].map((m) => m[1] ?? '');
  return section
    .split(/^### /m)
    .slice(1)
    .map((block) => {
      const [heading, ...lines] = block.split('\n');
      return {
        from: names(heading)[0] ?? '',
        values: names(lines.find((line) => line.startsWith('- values:'))),
        types: names(lines.find((line) => line.startsWith('- types:'))),
      };
    });
}

/** Type-only names the source index exports (`export type { ... } from`). */
function sourceTypeExports(): string[] {
  const source = readFileSync(new URL('../src/index.ts', import.meta.url), 'utf8');
  return [...source.matchAll(/export type \{([^}]*)\}/g)].flatMap((m) =>
    (m[1] ?? '')
      .split(',')
      .map((name) => name.trim())
      .filter(Boolean),
  );
}

const sorted = (names: string[]) => [...names].sort();

describe('the rpcnet export list', () => {
  it('is the one the README documents: every value, nothing more', () => {
    const listed = readmeList().flatMap((entry) => entry.values);
    expect(sorted(listed)).toEqual(sorted(Object.keys(meta)));
  });

  it('documents every type export in the README, nothing more', () => {
    const listed = readmeList().flatMap((entry) => entry.types);
    expect(sorted(listed)).toEqual(sorted(sourceTypeExports()));
  });

  it(`has at most ${MAX_VALUES} values`, () => {
    expect(Object.keys(meta).length).toBeLessThanOrEqual(MAX_VALUES);
  });

  it('re-exports each value as the very object of the package the README names', () => {
    const exported = meta as Record<string, unknown>;
    for (const { from, values } of readmeList()) {
      const owner = owners[from];
      expect(owner, from).toBeDefined();
      for (const name of values) expect(exported[name], `${from} ${name}`).toBe(owner?.[name]);
    }
  });

  it('leaves protocol internals and generic names to their packages', () => {
    for (const name of [
      'SwimProtocol',
      'MemberTable',
      'SimulatedNetwork',
      'encodeDatagram',
      'encodeFrame',
      'FrameDecoder',
      'PROTOCOL_VERSION',
      'systemClock',
      'Random',
      'InMemoryTransport',
    ]) {
      expect(meta, name).not.toHaveProperty(name);
    }
  });

  it('every option error is a ConfigError', () => {
    expect(new meta.RegistryConfigError('x', 'bad')).toBeInstanceOf(meta.ConfigError);
    expect(new meta.ClusterClientConfigError('x', 'bad')).toBeInstanceOf(meta.ConfigError);
  });
});
