// Making and checking an archive directory. Node's recursive mkdir reports a read-only mount as ENOENT
// (it stats the path after the failed mkdir), so an operator would read "no such file or directory"
// about a directory that was never the problem: each missing level is made with a plain mkdir, which
// says EROFS, EACCES or ENOSPC as the kernel does.
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { PRIVATE_DIR_MODE } from "./private-files.ts";

/** mkdir -p (each new directory 0700) with the real cause on failure. Returns the directories it made, outermost first. */
export function makeDirsReporting(dir: string): string[] {
  const missing: string[] = [];
  for (let d = resolve(dir); !existsSync(d); d = dirname(d)) missing.unshift(d);
  for (const d of missing) {
    try {
      mkdirSync(d, { mode: PRIVATE_DIR_MODE });
    } catch (error) {
      // Another process (or archive run) made it meanwhile: what we wanted.
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
  }
  return missing;
}

/**
 * Why `dir` cannot take archived segments (an errno code such as EROFS, EACCES or ENOSPC, or the
 * error's message), if it cannot: it is made when missing and a probe file is written and removed,
 * so a missing or read-only mount is found at start rather than an hour into the run.
 */
export function archiveDirUnwritable(dir: string): string | undefined {
  const probe = join(dir, `.pithead-archive-probe-${process.pid}`);
  try {
    makeDirsReporting(dir);
    writeFileSync(probe, "");
    rmSync(probe);
    return undefined;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code ?? (error as Error).message;
  }
}
