// Typechecks the TypeScript snippets of the docs, so they cannot drift from the API.
// Every ```ts fence in docs/*.md and packages/*/README.md is written to
// docs/.snippets/ (gitignored) and compiled with `tsc --noEmit` against the built packages
// (dist/). Fence info after `ts`:
//   nocheck            skip the block (only for fragments that cannot stand alone)
//   file=<name>.ts     write the block under that name, so blocks of one document can import
//                      each other (`import { x } from './name.js'`)
//   continue           append the block to the previous checked block of the same document, so
//                      a later block can use what an earlier one declared
//   run                (README only) also run by scripts/check-tarballs.mjs against the packed
//                      tarballs, so the example must finish on its own
// Errors are reported at their line in the markdown file. Expects `pnpm build` to have run.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const outDir = join(root, 'docs', '.snippets');

/** The markdown files whose snippets are checked, relative to the repository root. */
function markdownFiles() {
  const files = [];
  const listMd = (dir) =>
    existsSync(join(root, dir))
      ? readdirSync(join(root, dir))
          .filter((name) => name.endsWith('.md'))
          .sort()
          .map((name) => `${dir}/${name}`)
      : [];
  files.push(...listMd('docs'));
  for (const pkg of readdirSync(join(root, 'packages')).sort()) {
    if (existsSync(join(root, 'packages', pkg, 'README.md'))) {
      files.push(`packages/${pkg}/README.md`);
    }
  }
  return files;
}

/** The fenced ts blocks of one markdown text, with the line (1-based) of their first code line. */
function tsBlocks(text) {
  const lines = text.split('\n');
  const blocks = [];
  let open;
  lines.forEach((line, index) => {
    if (open === undefined) {
      const start = /^(\s*)(`{3,})\s*(ts|typescript)\b(.*)$/.exec(line);
      if (start) {
        open = {
          indent: start[1],
          fence: start[2],
          info: start[4].trim(),
          line: index + 2,
          code: [],
        };
      } else if (/^\s*`{3,}/.test(line)) {
        open = { skipOther: true, fence: /`{3,}/.exec(line)[0] };
      }
      return;
    }
    if (new RegExp(`^\\s*${open.fence}\\s*$`).test(line)) {
      if (!open.skipOther) blocks.push(open);
      open = undefined;
      return;
    }
    if (!open.skipOther) {
      open.code.push(line.startsWith(open.indent) ? line.slice(open.indent.length) : line);
    }
  });
  if (open !== undefined) throw new Error('unterminated code fence');
  return blocks;
}

rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });

/** Generated file (relative to outDir) -> its lines and where each run of lines comes from. */
const generated = new Map();
let checked = 0;
let skipped = 0;
const fail = (message) => {
  console.error(message);
  process.exit(1);
};
for (const file of markdownFiles()) {
  let blocks;
  try {
    blocks = tsBlocks(readFileSync(join(root, file), 'utf8'));
  } catch (error) {
    fail(`${file}: ${error.message}`);
  }
  const base = file.replace(/\.md$/, '').replaceAll('/', '__');
  let previous;
  blocks.forEach((block, index) => {
    const words = block.info.split(/\s+/).filter(Boolean);
    const where = `${file}:${block.line - 1}`;
    if (words.includes('nocheck')) {
      skipped += 1;
      return;
    }
    checked += 1;
    if (words.includes('continue')) {
      if (previous === undefined) fail(`${where}: "continue" needs an earlier checked block`);
      previous.segments.push({ from: previous.lines.length + 1, file, line: block.line });
      previous.lines.push(...block.code);
      return;
    }
    const named = words.find((word) => word.startsWith('file='))?.slice('file='.length);
    if (named !== undefined && !/^[\w-]+(\/[\w-]+)*\.ts$/.test(named)) {
      fail(`${where}: file= must be a relative path ending in .ts`);
    }
    const target = join(base, named ?? `snippet-${String(index + 1).padStart(2, '0')}.ts`);
    if (generated.has(target)) fail(`${where}: two blocks write ${named}`);
    previous = { lines: [...block.code], segments: [{ from: 1, file, line: block.line }] };
    generated.set(target, previous);
  });
}
for (const [target, { lines }] of generated) {
  mkdirSync(join(outDir, dirname(target)), { recursive: true });
  // `export {}` makes every block a module (own scope, top-level await) without moving lines.
  writeFileSync(join(outDir, target), `${lines.join('\n')}\nexport {};\n`);
}

/** The markdown position of line `line` of generated file `target`. */
function origin(target, line) {
  const entry = generated.get(target);
  if (entry === undefined) return undefined;
  const segment = entry.segments.findLast((candidate) => candidate.from <= line);
  return segment && { file: segment.file, line: segment.line + line - segment.from };
}

const packagePaths = {};
for (const pkg of readdirSync(join(root, 'packages'))) {
  const manifest = join(root, 'packages', pkg, 'package.json');
  if (!existsSync(manifest)) continue;
  const { name, peerDependencies = {} } = JSON.parse(readFileSync(manifest, 'utf8'));
  packagePaths[name] = [relative(outDir, join(root, 'packages', pkg, 'dist', 'index.d.ts'))];
  // Peers the user brings (prom-client, @opentelemetry/api) resolve from the package's dev install.
  for (const peer of Object.keys(peerDependencies)) {
    const installed = join(root, 'packages', pkg, 'node_modules', peer);
    if (!existsSync(installed)) continue;
    const peerManifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8'));
    const types = peerManifest.types ?? peerManifest.typings ?? 'index.d.ts';
    packagePaths[peer] ??= [relative(outDir, join(installed, types))];
  }
}
writeFileSync(join(outDir, 'package.json'), `${JSON.stringify({ type: 'module' }, null, 2)}\n`);
writeFileSync(
  join(outDir, 'tsconfig.json'),
  `${JSON.stringify(
    {
      extends: '../../tsconfig.base.json',
      compilerOptions: {
        noEmit: true,
        declaration: false,
        declarationMap: false,
        sourceMap: false,
        skipLibCheck: true,
        paths: packagePaths,
      },
      include: ['**/*.ts'],
    },
    null,
    2,
  )}\n`,
);

if (checked === 0) {
  console.log(`doc snippets: nothing to check (${skipped} skipped)`);
  process.exit(0);
}

const tsc = join(root, 'node_modules', '.bin', 'tsc');
try {
  execFileSync(tsc, ['-p', join(outDir, 'tsconfig.json'), '--pretty', 'false'], {
    cwd: outDir,
    stdio: 'pipe',
  });
} catch (error) {
  const output = `${error.stdout ?? ''}${error.stderr ?? ''}`;
  let reported = 0;
  for (const line of output.split('\n')) {
    const match = /^(.+?)\((\d+),(\d+)\): (.*)$/.exec(line);
    const at = match ? origin(match[1], Number(match[2])) : undefined;
    if (match && at) {
      reported += 1;
      console.error(`${at.file}:${at.line}:${match[3]}: ${match[4]}`);
    } else if (line.trim() !== '') {
      console.error(line);
    }
  }
  console.error(`doc snippets: type errors (${reported} in snippets), ${checked} blocks checked`);
  process.exit(1);
}
console.log(`doc snippets: ${checked} blocks typecheck (${skipped} marked nocheck)`);
