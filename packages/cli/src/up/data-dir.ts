// `--data` checked before anything is written: a file where the folder should be, or a folder this
// user cannot write into, is said naming --data, instead of the errno of the first mkdir deep in a
// service ("EEXIST: file already exists, mkdir '…'"). Nothing is created here: a refused start
// leaves nothing behind.

import { accessSync, constants, statSync } from "node:fs";
import { dirname } from "node:path";

/** What stops `up` from keeping its data in `dir`; undefined when it can (the folder is made later). */
export function dataDirProblem(dir: string): string | undefined {
  // The nearest part of the path that exists decides: the folder itself, or where it would be made.
  let path = dir;
  for (;;) {
    let isDirectory: boolean;
    try {
      isDirectory = statSync(path).isDirectory();
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const parent = dirname(path);
      // Missing, or under a file (ENOTDIR): look one level up.
      if ((code === "ENOENT" || code === "ENOTDIR") && parent !== path) {
        path = parent;
        continue;
      }
      return `--data ${dir}: ${(error as Error).message}`;
    }
    if (!isDirectory) {
      return path === dir
        ? `--data ${dir} is a file, not a directory: name a directory (up creates it when it is missing)`
        : `--data ${dir} cannot be created: ${path} is a file, not a directory`;
    }
    try {
      accessSync(path, constants.W_OK | constants.X_OK);
    } catch {
      return path === dir
        ? `--data ${dir} is not writable by this user: name another directory, or make it writable`
        : `--data ${dir} cannot be created: ${path} is not writable by this user`;
    }
    return undefined;
  }
}
