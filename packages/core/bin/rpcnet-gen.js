#!/usr/bin/env node
// The installed command. It lives outside dist/ so the file exists before the first build and
// `pnpm install` can link it; the generator itself is compiled from src/cli/rpcnet-gen.ts.
import '../dist/cli/rpcnet-gen.js';
