#!/usr/bin/env node
// The `pithead` command. Pithead is TypeScript run directly by Node 24 (type stripping); on an
// older Node this shim re-runs itself on Node 24 through scripts/node24.sh, which brings Node 24
// from the npm registry into .tools/ the first time.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const major = Number(process.versions.node.split(".")[0]);
if (major < 24) {
  const self = fileURLToPath(import.meta.url);
  const launcher = fileURLToPath(new URL("../../../scripts/node24.sh", import.meta.url));
  if (!existsSync(launcher)) {
    process.stderr.write(`pithead needs Node.js 24 or newer (this is ${process.version}).\n`);
    process.exit(1);
  }
  const child = spawn("sh", [launcher, self, ...process.argv.slice(2)], { stdio: "inherit" });
  // Ctrl-C reaches the child through the terminal's process group; a service manager's SIGTERM
  // reaches only us, so pass it on. Either way, wait for the child to finish its shutdown.
  process.on("SIGINT", () => {});
  for (const signal of ["SIGTERM", "SIGHUP"]) process.on(signal, () => child.kill(signal));
  child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
} else {
  await import("../src/main.ts");
}
