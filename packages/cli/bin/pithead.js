#!/usr/bin/env node
// The `pithead` command. Pithead is TypeScript run directly by Node 24 (type stripping), so an
// older Node gets a clear message instead of a syntax error.
const major = Number(process.versions.node.split(".")[0]);
if (major < 24) {
  process.stderr.write(
    `pithead needs Node.js 24 or newer (this is ${process.version}).\n` +
      "Install it with:  npm install --prefix .tools/node24 node@24 && export PATH=$PWD/.tools/node24/node_modules/node/bin:$PATH\n",
  );
  process.exit(1);
}
await import("../src/main.ts");
