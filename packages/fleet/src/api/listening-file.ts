// Where a running controller listens, kept in its DATA_DIR while it runs: a command that finds the
// ledger held (`pithead fleet cycle` in-process) can then name the address the controller really
// listens on (`--port` or PORT may differ from what this configuration says), not a guess.

import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface Listening {
  pid: number;
  url: string;
}

export function listeningFile(dataDir: string): string {
  return join(dataDir, "fleet-api.json");
}

/** Said once the API listens; nothing secret in it (a URL and a process id). */
export function writeListening(dataDir: string, url: string): void {
  try {
    // 0600 like everything else in DATA_DIR.
    writeFileSync(listeningFile(dataDir), `${JSON.stringify({ pid: process.pid, url })}\n`, { mode: 0o600 });
  } catch {
    // Only a hint for other commands: the controller runs without it.
  }
}

/** Removed on a clean stop, when it is still this process's (another may have started since). */
export function removeListening(dataDir: string): void {
  if (readListening(dataDir)?.pid === process.pid) rmSync(listeningFile(dataDir), { force: true });
}

function readListening(dataDir: string): Listening | undefined {
  try {
    const parsed = JSON.parse(readFileSync(listeningFile(dataDir), "utf8")) as Partial<Listening>;
    if (typeof parsed.pid === "number" && Number.isInteger(parsed.pid) && typeof parsed.url === "string")
      return { pid: parsed.pid, url: parsed.url };
  } catch {
    // Missing or torn: nothing known.
  }
  return undefined;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The controller running on this DATA_DIR, if one says so and its process is still there (not one killed). */
export function runningController(dataDir: string): Listening | undefined {
  const found = readListening(dataDir);
  return found && found.pid !== process.pid && alive(found.pid) ? found : undefined;
}
