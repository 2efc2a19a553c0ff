// `npm test`: type-check, lint, run every Vitest project, then print the one plain line CI reads:
// `N passed, N failed`. The type check and the lint count as one check each.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";

interface Check {
  name: string;
  ok: boolean;
}

const passthrough = process.argv.slice(2);
const checks: Check[] = [];

function run(name: string, command: string, args: string[]): boolean {
  process.stdout.write(`\n▶ ${name}: ${command} ${args.join(" ")}\n`);
  const result = spawnSync(command, args, { stdio: "inherit" });
  return result.status === 0;
}

const bin = (tool: string) => `node_modules/.bin/${tool}`;

function browserProjects(): string[] {
  return readdirSync("packages").flatMap((name) =>
    [`packages/${name}`, `packages/${name}/ui`].filter((dir) => existsSync(`${dir}/tsconfig.json`)),
  );
}

if (!passthrough.includes("--no-checks")) {
  checks.push({ name: "typecheck", ok: run("typecheck", bin("tsc"), ["--noEmit", "-p", "tsconfig.json"]) });
  // Browser code (the dashboard, the agent's test UI) has its own tsconfig with the DOM library.
  for (const project of browserProjects()) {
    checks.push({
      name: `typecheck ${project}`,
      ok: run(`typecheck ${project}`, bin("tsc"), ["--noEmit", "-p", project]),
    });
  }
  checks.push({ name: "lint", ok: run("lint", bin("biome"), ["check", "."]) });
}

const resultsFile = ".vitest-results.json";
rmSync(resultsFile, { force: true });
const vitestArgs = passthrough.filter((arg) => arg !== "--no-checks");
run("tests", bin("vitest"), [
  "run",
  "--reporter=default",
  "--reporter=json",
  `--outputFile.json=${resultsFile}`,
  ...vitestArgs,
]);

let passed = checks.filter((check) => check.ok).length;
let failed = checks.length - passed;
if (existsSync(resultsFile)) {
  const report = JSON.parse(readFileSync(resultsFile, "utf8")) as {
    numPassedTests: number;
    numFailedTests: number;
    testResults: { status: string; assertionResults: unknown[]; name: string }[];
  };
  passed += report.numPassedTests;
  failed += report.numFailedTests;
  // A test file that fails to load has no assertion results: count it as a failure, not as nothing.
  failed += report.testResults.filter((file) => file.status === "failed" && file.assertionResults.length === 0).length;
} else {
  failed += 1;
  console.error("vitest wrote no results");
}

for (const check of checks.filter((c) => !c.ok)) console.error(`✗ ${check.name} failed`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
