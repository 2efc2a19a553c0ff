// Writing a file whole or not at all, durably and privately: the one way the fleet's state
// snapshot, the ledger's archived segments and the miner's stored results reach the disk.
//   1. missing directories are made 0700, each new one flushed into its parent;
//   2. the bytes go to `<path>.tmp` (0600), which is fsynced;
//   3. the temp is renamed over `<path>`: the commit point (a crash before it leaves the old file);
//   4. the directory is fsynced, so the rename survives a power cut.
// The temp's name is fixed, beside the target (so a rename never crosses filesystems, no EXDEV): a
// temp a crash left is overwritten by the next write, never a pile of them. So one writer per path at
// a time: each caller serializes its writes and holds a lock (the ledger's writer lock, the miner's
// WORK_DIR lock, the fleet's snapshot keeper). Writes and fsyncs run on libuv's thread pool, not the
// event loop (an in-process generation's token loop shares it).
import type { FileHandle } from "node:fs/promises";
import { open, rename, rm } from "node:fs/promises";
import { dirname } from "node:path";
import { makeDirsReporting } from "./archive-dir-check.ts";
import { PRIVATE_FILE_MODE } from "./private-files.ts";

/** A file could not be written: names the file (Node's write and fsync errors name none) and keeps the errno code. */
export class DurableWriteError extends Error {
  readonly path: string;
  readonly code: string | undefined;
  constructor(path: string, cause: unknown) {
    super(`${cause instanceof Error ? cause.message : String(cause)} (writing ${path})`, { cause });
    this.name = "DurableWriteError";
    this.path = path;
    this.code = (cause as NodeJS.ErrnoException | undefined)?.code;
  }
}

// What a directory fsync says where the platform or filesystem cannot do one (Windows cannot open a
// directory; some network and FUSE filesystems refuse): the file itself is on disk, so the write stands.
// Anything else (EIO) is a real failure.
const DIR_SYNC_UNSUPPORTED = new Set(["EINVAL", "ENOTSUP", "EOPNOTSUPP", "EISDIR", "EPERM", "EBADF"]);

async function syncDir(dir: string): Promise<void> {
  let handle: FileHandle;
  try {
    handle = await open(dir, "r");
  } catch (error) {
    if (DIR_SYNC_UNSUPPORTED.has((error as NodeJS.ErrnoException).code ?? "")) return;
    throw error;
  }
  try {
    await handle.sync();
  } catch (error) {
    if (!DIR_SYNC_UNSUPPORTED.has((error as NodeJS.ErrnoException).code ?? "")) throw error;
  } finally {
    await handle.close();
  }
}

async function writeAndSync(path: string, data: Uint8Array | string): Promise<void> {
  const handle = await open(path, "w", PRIVATE_FILE_MODE);
  try {
    // A file already there keeps its mode through "w" (one a crash or an older version left 0644):
    // made private again. Not a device (a test's /dev/full) or a file of another user.
    const stat = await handle.stat();
    if (stat.isFile() && (stat.mode & 0o777) !== PRIVATE_FILE_MODE) await handle.chmod(PRIVATE_FILE_MODE);
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Writes `data` to `path` in place and fsyncs it (mode 0600), with no rename: for a file that a later
 * writeFileDurably commits (the miner's output, named by its result.json), so a torn one is never read.
 */
export async function writeFileSynced(path: string, data: Uint8Array | string): Promise<void> {
  try {
    await writeAndSync(path, data);
  } catch (error) {
    throw new DurableWriteError(path, error);
  }
}

/**
 * Replaces `path` with `data` whole or not at all (steps above), mode 0600 whatever the old file's
 * was. A failure removes the temp (a full disk's partial copy would hold the space) and throws
 * DurableWriteError; the old file is then untouched.
 */
export async function writeFileDurably(path: string, data: Uint8Array | string): Promise<void> {
  const dir = dirname(path);
  const temp = `${path}.tmp`;
  try {
    for (const made of makeDirsReporting(dir)) await syncDir(dirname(made));
    await writeAndSync(temp, data);
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true }).catch(() => {});
    throw new DurableWriteError(path, error);
  }
  try {
    await syncDir(dir);
  } catch (error) {
    throw new DurableWriteError(path, error);
  }
}
