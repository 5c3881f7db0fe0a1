#!/usr/bin/env bash
# Runs a command with Node.js 24 LTS first on PATH. The binary comes from the npm package
# `node@24` (the registry is the only download CI has), installed once into .ci/.node24.
set -euo pipefail
NODE24_VERSION=24.21.0
dir="$(cd "$(dirname "$0")" && pwd)/.node24"
bin="$dir/node_modules/.bin"
if [ ! -x "$bin/node" ] || [ "$("$bin/node" --version)" != "v$NODE24_VERSION" ]; then
  npm install --prefix "$dir" --no-fund --no-audit --no-save --loglevel=error "node@$NODE24_VERSION" >&2
fi
export PATH="$bin:$PATH"
echo "node24: running on $(node --version): $*" >&2
exec "$@"
