// Reading and writing the state snapshot file (state-snapshot.ts). Written whole or not at all: a
// temporary file beside it, flushed to disk, then renamed over it (and the directory flushed), so a
// crash leaves the old snapshot or the new one, never half of one. Mode 0600: it holds what the
// ledger holds, which is not for every local user.

import { randomBytes } from "node:crypto";
import { mkdir, open, readFile, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

export async function writeSnapshotFile(path: string, bytes: Buffer): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const tmp = join(dir, `.${basename(path)}.${randomBytes(4).toString("hex")}.tmp`);
  try {
    const handle = await open(tmp, "wx", 0o600);
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, path);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
  // The rename itself is durable once the directory is flushed (not every platform can open one).
  try {
    const handle = await open(dir, "r");
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // A start without this snapshot only folds more records.
  }
}

/** The file's bytes; undefined when there is none. Any other failure (unreadable) is thrown. */
export async function readSnapshotFile(path: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}
