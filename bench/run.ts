// `npm run bench -- <name>` runs bench/<name>/run.ts; with no name, every benchmark in turn.
// Each benchmark ends with its `bench <name>: … = <ratio>x (target <t>x)` lines.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";

const available = readdirSync("bench", { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && existsSync(`bench/${entry.name}/run.ts`))
  .map((entry) => entry.name)
  .sort();

const [name, ...rest] = process.argv.slice(2);
if (name && !available.includes(name)) {
  console.error(`unknown benchmark "${name}"; available: ${available.join(", ")}`);
  process.exit(2);
}

let failed = false;
for (const bench of name ? [name] : available) {
  console.log(`\n═══ bench ${bench} ═══`);
  const result = spawnSync(process.execPath, [`bench/${bench}/run.ts`, ...rest], { stdio: "inherit" });
  if (result.status !== 0) failed = true;
}
process.exit(failed ? 1 : 0);
