#!/usr/bin/env node
// The installed command. It lives outside dist/ so the file exists before the first build and
// `pnpm install` can link it; the CLI itself is compiled from src/cli/rpcnet.ts.
import { main } from '../dist/cli/rpcnet.js';

const code = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
});
// Exit at once: the command is done, and the QUIC addon's teardown at a natural exit can crash
// (SIGSEGV after a call, seen with the batched UDP socket), which would hide the exit code.
process.exit(code);
