// Creating a private key file once, whole or not at all. A key is written to a temporary file,
// fsynced, then linked into place: the link fails if another process created the key first (its
// key is used), and neither a crash nor a full disk can leave a short or empty key at the path, which
// every later start would refuse. The directory is fsynced so the new name survives a power cut as
// well as the checkpoints the key goes on to sign.
import { randomBytes } from "node:crypto";
import { closeSync, fsyncSync, linkSync, openSync, rmSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import { DirectoryError, makeDirsReporting } from "./archive-dir-check.ts";

/** A key file could not be created: names the file and what the system said. */
export class KeyFileError extends Error {
  readonly path: string;
  constructor(path: string, cause: NodeJS.ErrnoException) {
    // A directory that cannot be made already says which and why.
    const why =
      cause instanceof DirectoryError
        ? cause.message
        : cause.code === "ENOSPC" || cause.code === "EDQUOT"
          ? "the disk is full: free some space and start again"
          : (cause.message ?? String(cause));
    super(`cannot create the key file ${path}: ${why}`);
    this.name = "KeyFileError";
    this.path = path;
  }
}

function fsyncDirectory(dir: string): void {
  try {
    const fd = openSync(dir, "r");
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Some filesystems refuse fsync on a directory: the key itself is on disk either way.
  }
}

/**
 * Writes `contents` to `path` (mode 600, parent directories 700) unless a file is there already.
 * Returns whether this call created it; `false` means another process did, and its file is whole.
 */
export function createKeyFileOnce(path: string, contents: string): boolean {
  const dir = dirname(path);
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  try {
    makeDirsReporting(dir);
    const fd = openSync(temporary, "wx", 0o600);
    try {
      const bytes = Buffer.from(contents, "utf8");
      let written = 0;
      while (written < bytes.length) written += writeSync(fd, bytes, written);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    try {
      linkSync(temporary, path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
      throw error;
    }
    fsyncDirectory(dir);
    return true;
  } catch (error) {
    throw new KeyFileError(path, error as NodeJS.ErrnoException);
  } finally {
    // Never made when its directory could not be (rm then says ENOTDIR): the cause above is what counts.
    try {
      rmSync(temporary, { force: true });
    } catch {}
  }
}
