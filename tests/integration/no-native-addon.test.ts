import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/** The shared objects (`.node` addons among them) a fresh Node process has loaded after `code`. */
function sharedObjectsAfter(code: string): string[] {
  const script = `${code}
    process.stdout.write(JSON.stringify(process.report.getReport().sharedObjects));`;
  const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    // Resolve the workspace packages the way this test package does.
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    encoding: 'utf8',
  });
  return JSON.parse(output) as string[];
}

describe('membership without the QUIC addon', () => {
  it('importing @rpcnet/gossip (root and protocol) and @rpcnet/registry loads no .node file', () => {
    const loaded = sharedObjectsAfter(
      "await import('@rpcnet/gossip'); await import('@rpcnet/gossip/protocol'); await import('@rpcnet/registry');",
    );
    expect(loaded.length).toBeGreaterThan(0);
    expect(loaded.filter((path) => path.endsWith('.node'))).toEqual([]);
  });

  it('neither package depends on @rpcnet/core, where the QUIC transport lives', () => {
    for (const name of ['@rpcnet/gossip', '@rpcnet/registry']) {
      const manifest = fileURLToPath(import.meta.resolve(`${name}/package.json`));
      const { dependencies = {} } = JSON.parse(readFileSync(manifest, 'utf8')) as {
        dependencies?: Record<string, string>;
      };
      expect(Object.keys(dependencies), name).not.toContain('@rpcnet/core');
    }
  });

  it('the check sees an addon when one is loaded (the QUIC dependency of core)', () => {
    // The driver module core's QuicTransport loads lazily, on first use.
    const loaded = sharedObjectsAfter(
      "await import(new URL('./quic/lean/lean-transport.js', import.meta.resolve('@rpcnet/core')));",
    );
    expect(loaded.some((path) => path.endsWith('.node'))).toBe(true);
  });
});
