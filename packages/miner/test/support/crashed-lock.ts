// A miner "crashes" in a test by being dropped without stop(), but the test's process, which held
// its WORK_DIR lock, lives on. This leaves the lock as a real crash does: naming a pid that is gone,
// so the restarted miner takes it over.
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { WORK_DIR_LOCK } from "../../src/index.ts";

export function leaveLockOfCrashedMiner(workDir: string): void {
  const gone = spawnSync(process.execPath, ["-e", ""]).pid;
  writeFileSync(join(workDir, WORK_DIR_LOCK), `${gone}\n${hostname()}\n${new Date().toISOString()}\n\n`);
}
