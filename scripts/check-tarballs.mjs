// What a user gets from the registry: packs every public package (`pnpm pack`, so `workspace:`
// ranges become versions), installs the tarballs with npm into a fresh project outside the
// workspace, then imports each package, runs the README blocks marked ```ts run against the
// installed copies, runs the `rpcnet-gen` bin, and checks a declaration map resolves to a shipped
// source. Expects `dist/` to be built; needs the npm registry for third-party dependencies.
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
/** The TypeScript runner the README examples run under; the examples' pinned version. */
// The examples run through tsx (a dependency of theirs since the image runs them with it).
const examplesManifest = JSON.parse(readFileSync(join(root, 'examples', 'package.json'), 'utf8'));
const tsxVersion = examplesManifest.dependencies?.tsx ?? examplesManifest.devDependencies?.tsx;
if (tsxVersion === undefined) throw new Error('examples/package.json names no tsx version');
const tsx = `tsx@${tsxVersion}`;
const RUN_BOUND_MS = 60_000;

const work = mkdtempSync(join(tmpdir(), 'rpcnet-tarballs-'));
const tarballs = join(work, 'tarballs');
const project = join(work, 'project');
mkdirSync(tarballs);
mkdirSync(project);
const run = (cmd, args, cwd, timeout = 300_000) =>
  execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout });

/** The ```ts blocks of a README whose info string has the word `run`. */
function runnableBlocks(readme) {
  const blocks = [];
  const pattern = /^```ts([^\n]*)\n([\s\S]*?)^```\s*$/gm;
  for (const [, info, code] of readme.matchAll(pattern)) {
    if (info.split(/\s+/).includes('run')) blocks.push(code);
  }
  return blocks;
}

let failed = 0;
const fail = (message, error) => {
  failed += 1;
  console.error(`✗ ${message}`);
  if (error !== undefined) console.error(String(error.stdout ?? ''), String(error.stderr ?? error));
};

try {
  const packages = readdirSync(join(root, 'packages'))
    .map((dir) => ({
      dir,
      pkg: JSON.parse(readFileSync(join(root, 'packages', dir, 'package.json'), 'utf8')),
    }))
    .filter(({ pkg }) => pkg.private !== true);
  for (const { dir } of packages) {
    run('pnpm', ['pack', '--pack-destination', tarballs], join(root, 'packages', dir));
  }
  writeFileSync(
    join(project, 'package.json'),
    `${JSON.stringify({ name: 'tarball-check', private: true, type: 'module' }, null, 2)}\n`,
  );
  const files = readdirSync(tarballs).map((file) => join(tarballs, file));
  // Peer dependencies are the user's to install, as each README's install command says.
  const peers = packages.flatMap(({ pkg }) =>
    Object.entries(pkg.peerDependencies ?? {}).map(([name, range]) => `${name}@${range}`),
  );
  run(
    'npm',
    ['install', '--no-audit', '--no-fund', '--loglevel=error', ...files, ...peers, tsx],
    project,
  );
  console.log(`installed ${files.length} tarballs into ${project}`);

  for (const { dir, pkg } of packages) {
    try {
      const count = run(
        'node',
        [
          '--input-type=module',
          '-e',
          `console.log(Object.keys(await import('${pkg.name}')).length)`,
        ],
        project,
      );
      if (Number(count) === 0) fail(`${pkg.name}: exports nothing`);
      if (pkg.name === '@rpcnet/batched-udp' && process.platform === 'linux') {
        // Its install script compiles the addon: a user on Linux gets batched UDP, not the fallback.
        const reason = run(
          'node',
          [
            '--input-type=module',
            '-e',
            `const { BatchedUdpSocket } = await import('${pkg.name}'); console.log(BatchedUdpSocket.unavailableReason() ?? 'built')`,
          ],
          project,
        ).trim();
        if (reason !== 'built') fail(`${pkg.name}: the install did not build the addon: ${reason}`);
      }
    } catch (error) {
      fail(`${pkg.name}: does not import`, error);
      continue;
    }
    const blocks = runnableBlocks(readFileSync(join(root, 'packages', dir, 'README.md'), 'utf8'));
    for (const [index, code] of blocks.entries()) {
      const file = join(project, `${dir}-readme-${index + 1}.ts`);
      writeFileSync(file, code);
      try {
        run('node', ['--import', 'tsx', file], project, RUN_BOUND_MS);
      } catch (error) {
        fail(`${pkg.name}: README example ${index + 1} failed`, error);
      }
    }
    console.log(
      `✓ ${pkg.name} imports${blocks.length > 0 ? `, ${blocks.length} README example(s) ran` : ''}`,
    );
  }

  // The bin is linked by npm and runs; a declaration map leads to a source that was shipped.
  try {
    run(join(project, 'node_modules', '.bin', 'rpcnet-gen'), ['--help'], project);
    console.log('✓ rpcnet-gen --help');
  } catch (error) {
    fail('rpcnet-gen does not run from the installed tarball', error);
  }
  const core = join(project, 'node_modules', '@rpcnet', 'core');
  const map = JSON.parse(readFileSync(join(core, 'dist', 'index.d.ts.map'), 'utf8'));
  const source = join(core, 'dist', dirname(map.file), map.sources[0]);
  if (!existsSync(source)) fail(`@rpcnet/core: index.d.ts.map points at ${source}, not installed`);
} catch (error) {
  fail('packing or installing failed', error);
} finally {
  rmSync(work, { recursive: true, force: true });
}
if (failed > 0) {
  console.error(`tarball check: ${failed} problem(s)`);
  process.exit(1);
}
console.log(
  'tarball check: every public package installs from its tarball and its README examples run',
);
