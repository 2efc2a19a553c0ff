// The process's open-file limit (`ulimit -n`, systemd's LimitNOFILE): every socket, file and
// database connection the process holds counts against it. Node raises the soft limit to the hard
// one at start, so the soft limit read here is what the process really has.
import { readFileSync } from "node:fs";

/** The soft "Max open files" of a /proc/<pid>/limits text; undefined when absent or unlimited. */
export function parseOpenFileLimit(procLimits: string): number | undefined {
  const match = /^Max open files\s+(\d+)\s/m.exec(procLimits);
  return match?.[1] ? Number(match[1]) : undefined;
}

/** This process's open-file limit; undefined where /proc is not there to say (macOS, Windows). */
export function openFileLimit(): number | undefined {
  try {
    return parseOpenFileLimit(readFileSync("/proc/self/limits", "utf8"));
  } catch {
    return undefined;
  }
}
