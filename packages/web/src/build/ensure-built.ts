// Builds the dashboard on demand: when dist/ is missing or its stamp no longer matches the sources
// (a fresh clone's `pithead up`, an edited page). The build goes to a temporary directory that
// replaces dist/ only when complete, and a lock file keeps two processes (say `pithead up` and the
// e2e tests) from building at once: the second waits for the first and then finds dist/ current.

import { spawn } from "node:child_process";
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { appDir, buildInputs, distDir, inputsStamp, STAMP_FILE, webRoot } from "./build-inputs.ts";

export class DashboardBuildError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DashboardBuildError";
  }
}

export interface EnsureBuiltOptions {
  /** Called when another process holds the build lock and this one waits for it. */
  onWait?: () => void;
  /** Where the build goes (default packages/web/dist); tests build elsewhere. */
  outDir?: string;
  /** Where the lock and the half-built output live (default packages/web/node_modules/.cache/dashboard-build, ignored by git). */
  workDir?: string;
}

export interface BuildState {
  distDir: string;
  /** True when this call ran a build. */
  built: boolean;
}

const viteBuildScript = fileURLToPath(new URL("./vite-build.ts", import.meta.url));
/** How long to wait for another process's build before giving up. */
const LOCK_TIMEOUT_MS = 300_000;

function readStamp(dir: string): string | undefined {
  try {
    return (JSON.parse(readFileSync(join(dir, STAMP_FILE), "utf8")) as { inputs?: string }).inputs;
  } catch {
    return undefined;
  }
}

/** True when `dir` holds a build of exactly the current sources. */
export function isBuildCurrent(dir = distDir): boolean {
  if (!existsSync(join(dir, "index.html"))) return false;
  // An installed copy without the sources serves whatever dist/ it shipped with.
  if (!existsSync(appDir)) return true;
  return readStamp(dir) === inputsStamp(buildInputs());
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Takes the lock file ("locked"), or answers the pid of the live process holding it (0: unknown yet). */
function tryLock(lockFile: string): number | "locked" {
  try {
    const fd = openSync(lockFile, "wx", 0o600);
    writeFileSync(fd, String(process.pid));
    closeSync(fd);
    return "locked";
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
  let text: string;
  try {
    text = readFileSync(lockFile, "utf8").trim();
  } catch {
    return 0; // released meanwhile: try again
  }
  const ageMs = Date.now() - (statSync(lockFile, { throwIfNoEntry: false })?.mtimeMs ?? 0);
  // Empty: its owner is between creating and writing it, unless that was long ago (a crash).
  if (text === "" && ageMs < 10_000) return 0;
  const holder = Number(text);
  if (!Number.isSafeInteger(holder) || holder <= 0 || !processAlive(holder)) {
    // A crashed build left its lock behind: take it over.
    rmSync(lockFile, { force: true });
    return 0;
  }
  return holder;
}

function runViteBuild(outDir: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [viteBuildScript, outDir], {
      cwd: webRoot,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString("utf8")).slice(-4000);
    };
    child.stdout.on("data", keep);
    child.stderr.on("data", keep);
    child.on("error", (error) =>
      reject(new DashboardBuildError(`could not run the dashboard build: ${error.message}`)),
    );
    child.on("close", (code, signal) => {
      if (code === 0) resolve();
      else {
        const why = signal ? `was killed by ${signal}` : `exited with code ${code}`;
        reject(new DashboardBuildError(`the dashboard build ${why}:\n${output.trim()}`));
      }
    });
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function ensureDashboardBuilt(options: EnsureBuiltOptions = {}): Promise<BuildState> {
  const outDir = options.outDir ?? distDir;
  if (isBuildCurrent(outDir)) return { distDir: outDir, built: false };
  if (!existsSync(appDir))
    throw new DashboardBuildError(`the dashboard sources (${appDir}) are missing and ${outDir} holds no build`);
  const workDir = options.workDir ?? join(webRoot, "node_modules", ".cache", "dashboard-build");
  mkdirSync(workDir, { recursive: true });
  const lockFile = join(workDir, "build.lock");
  const deadline = Date.now() + LOCK_TIMEOUT_MS;
  let waited = false;
  for (;;) {
    const holder = tryLock(lockFile);
    if (holder === "locked") break;
    if (!waited) options.onWait?.();
    waited = true;
    if (Date.now() > deadline)
      throw new DashboardBuildError(
        `another process (pid ${holder || "?"}) has been building the dashboard for too long (${lockFile})`,
      );
    await sleep(250);
  }
  try {
    // Whoever held the lock may have just built the same sources.
    if (isBuildCurrent(outDir)) return { distDir: outDir, built: false };
    const stamp = inputsStamp(buildInputs());
    const temporary = join(workDir, `out-${process.pid}`);
    rmSync(temporary, { recursive: true, force: true });
    mkdirSync(temporary, { recursive: true });
    try {
      await runViteBuild(temporary);
      writeFileSync(
        join(temporary, STAMP_FILE),
        `${JSON.stringify({ inputs: stamp, builtAt: new Date().toISOString() })}\n`,
      );
      const old = join(workDir, `old-${process.pid}`);
      if (existsSync(outDir)) renameSync(outDir, old);
      renameSync(temporary, outDir);
      rmSync(old, { recursive: true, force: true });
    } finally {
      rmSync(temporary, { recursive: true, force: true });
    }
    return { distDir: outDir, built: true };
  } finally {
    rmSync(lockFile, { force: true });
  }
}
