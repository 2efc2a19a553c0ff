// What went wrong with a file or folder the user named, in one line that names it and says what to
// do: the OS's own text ("EISDIR: illegal operation on a directory, read") names neither.
import { existsSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";

/** Why reading `path` failed (the error readFileSync threw), naming it. */
export function readProblem(path: string, error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === "ENOENT") return `no such file: ${path}`;
  if (code === "EISDIR") return `${path} is a directory, not a file`;
  if (code === "EACCES" || code === "EPERM")
    return `cannot read ${path}: permission denied (run as a user who may read it)`;
  return `cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`;
}

/** Why writing `path` failed (the error writeFileSync threw), naming what to change. */
export function writeProblem(path: string, error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === "ENOENT") return `${dirname(resolve(path))} does not exist`;
  if (code === "EISDIR") return `${path} is a directory: name a file`;
  if (code === "EACCES" || code === "EPERM") return `permission denied writing ${path}`;
  return error instanceof Error ? error.message : String(error);
}

/**
 * Why `dir` cannot be the data directory: it, or the nearest of its parents that exists, is not a
 * directory (mkdir would fail with EEXIST or ENOTDIR); undefined when it is or can be made one.
 */
export function notADirectory(dir: string): string | undefined {
  let at = dir;
  while (!existsSync(at)) {
    const parent = dirname(at);
    if (parent === at) return undefined;
    at = parent;
  }
  if (statSync(at).isDirectory()) return undefined;
  return at === dir ? `${dir} is a file, not a directory` : `${at} is a file, so ${dir} cannot be made under it`;
}

/** `mode 644`, when a secret file's group or others may read it (as ssh refuses a readable key). */
export function readableByOthers(path: string): string | undefined {
  try {
    const mode = statSync(path).mode & 0o777;
    return (mode & 0o077) !== 0 ? `mode ${mode.toString(8)}` : undefined;
  } catch {
    return undefined;
  }
}
