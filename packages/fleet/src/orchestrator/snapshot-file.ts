// Reading and writing the state snapshot file (state-snapshot.ts). Written whole or not at all, 0600
// (it holds what the ledger holds, which is not for every local user), by the ledger's durable
// write: a crash leaves the old snapshot or the new one, never half of one.

import { readFile } from "node:fs/promises";
import { writeFileDurably } from "@pithead/ledger";

export async function writeSnapshotFile(path: string, bytes: Buffer): Promise<void> {
  await writeFileDurably(path, bytes);
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
