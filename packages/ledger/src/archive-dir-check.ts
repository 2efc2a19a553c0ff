// Making and checking an archive directory. Node's recursive mkdir reports a read-only mount as ENOENT
// (it stats the path after the failed mkdir), so an operator would read "no such file or directory"
// about a directory that was never the problem: each missing level is made with a plain mkdir, which
// says EROFS, EACCES or ENOSPC as the kernel does.
import { existsSync, mkdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { PRIVATE_DIR_MODE } from "./private-files.ts";

/** A directory could not be made: names it, the cause and what to do; keeps the errno code. */
export class DirectoryError extends Error {
  readonly path: string;
  readonly code: string | undefined;
  constructor(path: string, message: string, code: string | undefined) {
    super(message);
    this.name = "DirectoryError";
    this.path = path;
    this.code = code;
  }
}

function directoryError(dir: string, existing: string, cause: NodeJS.ErrnoException): DirectoryError {
  const code = cause.code;
  const why =
    code === "ENOTDIR"
      ? `${existing} is a file, not a directory: choose another directory, or move that file`
      : code === "ENOENT"
        ? // /proc, /sys and the like refuse new directories with ENOENT although their parent exists.
          `the filesystem at ${existing} does not allow new directories there: choose a directory on a writable disk`
        : code === "ENOSPC" || code === "EDQUOT"
          ? "the disk is full: free some space and start again"
          : (cause.message ?? String(cause));
  return new DirectoryError(dir, `cannot create the directory ${dir}: ${why}`, code);
}

/**
 * mkdir -p (each new directory 0700) with the real cause on failure. Returns the directories it made,
 * outermost first. Node's recursive mkdir is not used: under /proc it loops forever (mkdir says
 * ENOENT although the parent exists), and it reports a read-only mount or a file in the way vaguely.
 */
export function makeDirsReporting(dir: string): string[] {
  const missing: string[] = [];
  let existing = resolve(dir);
  // Ends at the root, which exists: the walk is bounded by the path's depth.
  while (!existsSync(existing) && dirname(existing) !== existing) {
    missing.unshift(existing);
    existing = dirname(existing);
  }
  let parent = existing;
  for (const d of missing) {
    try {
      mkdirSync(d, { mode: PRIVATE_DIR_MODE });
    } catch (error) {
      // Another process (or archive run) made it meanwhile: what we wanted.
      if ((error as NodeJS.ErrnoException).code !== "EEXIST")
        throw directoryError(d, parent, error as NodeJS.ErrnoException);
    }
    parent = d;
  }
  if (missing.length === 0 && !statSync(existing).isDirectory()) {
    throw directoryError(existing, existing, Object.assign(new Error("not a directory"), { code: "ENOTDIR" }));
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
