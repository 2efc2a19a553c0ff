# Sourced by .ci/run: puts Node 24 first on PATH when the running Node is older, installing the
# registry's `node@24` package into .tools/ the first time (the same as scripts/node24.sh does).
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="$root/.tools/node24"
if [ "$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)" -lt 24 ]; then
  if [ ! -x "$tools/node_modules/node/bin/node" ]; then
    echo "▶ Node $(node --version 2>/dev/null || echo '(none)') is older than 24: installing node@24 from the npm registry"
    mkdir -p "$tools"
    npm install --prefix "$tools" --no-save --no-audit --no-fund node@24 >/dev/null
  fi
  export PATH="$tools/node_modules/node/bin:$PATH"
  hash -r
fi
echo "▶ node $(node --version), npm $(npm --version 2>/dev/null)"
