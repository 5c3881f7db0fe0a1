// Compiles the batched UDP addon (src/batched_udp.c) into build/batched_udp.node with the system C
// compiler and the running Node.js's headers. Linux only. Without a compiler or headers it says so
// and exits 0: @rpcnet/core then uses node:dgram. `--required` makes any failure fatal;
// `--if-missing` skips the build when the addon exists (package installs).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const output = join(root, 'build', 'batched_udp.node');
const required = process.argv.includes('--required');

function giveUp(reason) {
  const message = `@rpcnet/batched-udp: not built (${reason}); rpcnet will use node:dgram`;
  if (required) {
    process.stderr.write(`${message}\n`);
    process.exit(1);
  }
  process.stderr.write(`${message}\n`);
  process.exit(0);
}

if (process.argv.includes('--if-missing') && existsSync(output)) process.exit(0);
if (process.platform !== 'linux') giveUp(`${process.platform} is not Linux`);

const headerDirs = [
  process.env.npm_config_nodedir && join(process.env.npm_config_nodedir, 'include', 'node'),
  join(dirname(dirname(process.execPath)), 'include', 'node'),
  '/usr/include/node',
].filter(Boolean);
const headers = headerDirs.find((dir) => existsSync(join(dir, 'node_api.h')));
if (headers === undefined) giveUp(`no node_api.h in ${headerDirs.join(', ')}`);

const compiler = process.env.CC ?? 'cc';
mkdirSync(dirname(output), { recursive: true });
const result = spawnSync(
  compiler,
  [
    '-O2',
    '-Wall',
    '-shared',
    '-fPIC',
    `-I${headers}`,
    '-o',
    output,
    join(root, 'src', 'batched_udp.c'),
  ],
  { stdio: ['ignore', 'inherit', 'inherit'] },
);
if (result.error !== undefined) giveUp(`${compiler}: ${result.error.message}`);
if (result.status !== 0) giveUp(`${compiler} exited with ${result.status}`);
