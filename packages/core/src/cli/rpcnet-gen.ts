#!/usr/bin/env node
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import protobuf from 'protobufjs';
import { generateTypeScript } from './generate.js';

const usage = `Usage: rpcnet-gen <file.proto>... --out <file.ts> [--import-from <module>] [--include <dir>]

Emits typed message interfaces, a service definition, a typed client and a server interface
for every service in the given .proto files.

  -o, --out          output TypeScript file (required)
  -I, --include      directory to resolve imports from (repeatable)
      --import-from  module to import the rpcnet runtime from (default @rpcnet/core)
  -h, --help         show this help`;

function main(argv: string[]): number {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    console.error(
      `rpcnet-gen: ${error instanceof Error ? error.message : String(error)}\n\n${usage}`,
    );
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(usage);
    return 0;
  }
  if (positionals.length === 0 || values.out === undefined) {
    console.error(`rpcnet-gen: an input .proto file and --out are required\n\n${usage}`);
    return 2;
  }
  const includes = (values.include ?? []).map((dir) => resolve(dir));
  const root = new protobuf.Root();
  root.resolvePath = (origin, target) => {
    for (const dir of includes) {
      const candidate = resolve(dir, target);
      if (existsSync(candidate)) return candidate;
    }
    return protobuf.util.path.resolve(origin, target);
  };
  try {
    root.loadSync(positionals.map((file) => resolve(file)));
    const code = generateTypeScript(root, {
      sourceNames: positionals.map((file) => basename(file)),
      ...(values['import-from'] === undefined ? {} : { importFrom: values['import-from'] }),
    });
    const out = resolve(values.out);
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, code);
    console.log(`rpcnet-gen: wrote ${values.out}`);
    return 0;
  } catch (error) {
    console.error(`rpcnet-gen: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      out: { type: 'string', short: 'o' },
      include: { type: 'string', short: 'I', multiple: true },
      'import-from': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

process.exitCode = main(process.argv.slice(2));
