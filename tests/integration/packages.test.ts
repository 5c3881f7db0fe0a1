import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const packages = [
  '@rpcnet/base',
  '@rpcnet/phi',
  '@rpcnet/core',
  '@rpcnet/gossip',
  '@rpcnet/registry',
  '@rpcnet/cluster-client',
  '@rpcnet/management',
  'rpcnet',
  '@rpcnet/prometheus',
  '@rpcnet/opentelemetry',
];

/** Each export's name and runtime kind, sorted by name. */
function kinds(mod: Record<string, unknown>): string[] {
  return Object.keys(mod)
    .sort()
    .map((key) => `${key}: ${typeof mod[key]}`);
}

// The layer order: a package may depend only on packages before it in this list.
const layers = packages;

/** What the meta-package `rpcnet` re-exports: not the exporters, whose peers users opt into. */
const metaReexported = packages.slice(1, packages.indexOf('rpcnet'));

describe('workspace packages', () => {
  for (const name of packages) {
    it(`${name} resolves by name to its built ESM entry and declarations`, async () => {
      const entry = fileURLToPath(import.meta.resolve(name));
      expect(entry).toMatch(/dist[/\\]index\.js$/);
      expect(existsSync(entry.replace(/\.js$/, '.d.ts'))).toBe(true);
      // The built entry exports exactly what the package's source index does, same kinds.
      const built = (await import(name)) as Record<string, unknown>;
      const source = (await import(
        `../../packages/${name.replace('@rpcnet/', '')}/src/index.ts`
      )) as Record<string, unknown>;
      expect(Object.keys(built).length).toBeGreaterThan(0);
      expect(kinds(built)).toEqual(kinds(source));
    });

    it(`${name} depends only on layers below it`, () => {
      const manifest = fileURLToPath(import.meta.resolve(`${name}/package.json`));
      const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as {
        dependencies?: Record<string, string>;
      };
      const own = layers.indexOf(name);
      for (const dep of Object.keys(pkg.dependencies ?? {})) {
        const index = layers.indexOf(dep);
        if (index === -1) continue;
        expect(index, `${name} -> ${dep}`).toBeLessThan(own);
        expect(pkg.dependencies?.[dep]).toBe('workspace:^');
      }
    });
  }

  it('@rpcnet/base, the bottom layer, has no dependencies at all', () => {
    const manifest = fileURLToPath(import.meta.resolve('@rpcnet/base/package.json'));
    const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as { dependencies?: object };
    expect(pkg.dependencies ?? {}).toEqual({});
  });

  // rpcnet re-exports a curated application API (its own test checks the list against its README).
  it('every value of the meta-package is the very object of one package below it', async () => {
    const meta = (await import('rpcnet')) as Record<string, unknown>;
    const own = ['connectNode', 'discoverNodes', 'enableCluster', 'managementEndpointOf'];
    const below = await Promise.all(
      ['@rpcnet/base', ...metaReexported].map(async (name) => (await import(name)) as object),
    );
    for (const [key, value] of Object.entries(meta)) {
      if (own.includes(key)) continue;
      const owner = below.find((mod) => (mod as Record<string, unknown>)[key] === value);
      expect(owner, key).toBeDefined();
    }
  });

  // Each named subpath: its built entry, a few of the values it holds, which its root leaves out.
  const subpaths = [
    {
      subpath: '@rpcnet/gossip/simulation',
      root: '@rpcnet/gossip',
      names: ['SimulatedCluster', 'SimulatedNetwork', 'VirtualClock'],
    },
    {
      subpath: '@rpcnet/gossip/protocol',
      root: '@rpcnet/gossip',
      names: [
        'SwimProtocol',
        'MemberTable',
        'Awareness',
        'Suspicion',
        'BroadcastQueue',
        'ReplayGuard',
        'UdpTransport',
        'SecureTransport',
        'encodeDatagram',
        'decodeDatagram',
        'DecodeError',
      ],
    },
    {
      subpath: '@rpcnet/core/wire',
      root: '@rpcnet/core',
      names: ['encodeFrame', 'FrameDecoder'],
    },
  ];
  // Internals nothing outside their package uses: no longer exported at all (#13).
  const unexported: Record<string, string[]> = {
    '@rpcnet/gossip': ['ClusterEventHub', 'clusterConfigSchema', 'createSeededRandom'],
    '@rpcnet/registry': ['formatTags', 'normalizeFilter', 'tagsMatch'],
    '@rpcnet/cluster-client': [
      'ExponentialBackoff',
      'RetryBudget',
      'OutlierDetector',
      'classifyFailure',
    ],
    '@rpcnet/phi': ['normalPhi', 'exponentialPhi', 'performanceClock'],
  };
  for (const [name, internals] of Object.entries(unexported)) {
    it(`${name} does not export its internals ${internals.join(', ')}`, async () => {
      const mod = (await import(name)) as Record<string, unknown>;
      for (const internal of internals) expect(mod, internal).not.toHaveProperty(internal);
    });
  }

  for (const { subpath, root, names } of subpaths) {
    it(`${subpath} holds ${names.join(', ')}, which ${root} leaves out`, async () => {
      const entry = fileURLToPath(import.meta.resolve(subpath));
      const dir = subpath.slice(root.length + 1);
      expect(entry).toMatch(new RegExp(`dist[/\\\\]${dir}[/\\\\]index\\.js$`));
      const inner = (await import(subpath)) as Record<string, unknown>;
      const outer = (await import(root)) as Record<string, unknown>;
      for (const name of names) {
        expect(typeof inner[name], name).toBe('function');
        expect(outer, name).not.toHaveProperty(name);
      }
    });
  }
});
