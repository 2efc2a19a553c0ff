#!/bin/sh
# Runs `node "$@"` on Node 24 or newer. Pithead is TypeScript run directly by Node 24; where the
# machine's Node is older (Debian's is 20), Node 24 comes from the npm registry's `node` package
# into .tools/ the first time (a few seconds), and is reused after that.
set -e
root=$(CDPATH= cd -- "$(dirname -- "$0")/.." && pwd)
major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$major" -lt 24 ]; then
  tools="$root/.tools/node24"
  if [ ! -x "$tools/node_modules/node/bin/node" ]; then
    echo "▶ Node $(node --version 2>/dev/null || echo '(none)') is older than 24: installing node@24 from the npm registry into .tools/" >&2
    mkdir -p "$tools"
    npm install --prefix "$tools" --no-save --no-audit --no-fund node@24 >/dev/null
  fi
  PATH="$tools/node_modules/node/bin:$PATH"
  export PATH
fi
exec node "$@"
