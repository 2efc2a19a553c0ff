# Sourced by .ci/run and scripts/install.sh: puts Node 24 first on PATH when the running Node is
# older, installing the `node@24` package from the npm registry into .tools/ the first time.
node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if [ "$(node_major)" -lt 24 ]; then
  tools="$(pwd)/.tools/node24"
  if [ ! -x "$tools/node_modules/node/bin/node" ]; then
    echo "▶ Node $(node --version 2>/dev/null || echo none) is older than 24: installing node@24 from the npm registry"
    mkdir -p "$tools"
    npm install --prefix "$tools" --no-save --no-audit --no-fund node@24 >/dev/null
  fi
  export PATH="$tools/node_modules/node/bin:$PATH"
  hash -r
fi
echo "▶ node $(node --version), npm $(npm --version 2>/dev/null)"
