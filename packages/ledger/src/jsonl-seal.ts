// The file steps of sealing a JSONL partition's old records into a gzip segment (sealed-segments.ts),
// each crash-safe: a crash at any point leaves records.jsonl holding every record not in a complete
// segment, and what is left over (a temp file, a segment records.jsonl still holds) is removed by
// the next writer's open (cleanUpAfterCrash).
import {
  closeSync,
  createReadStream,
  createWriteStream,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readSync,
  rmSync,
} from "node:fs";
import { open, rename } from "node:fs/promises";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from "./private-files.ts";
import {
  firstSeqOf,
  gunzipFileSync,
  listSegments,
  SEALED_DIR,
  SEGMENT_GZIP_LEVEL,
  type Segment,
  segmentName,
} from "./sealed-segments.ts";

export function fsyncDir(dir: string): void {
  const fd = openSync(dir, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

async function fsyncFile(path: string): Promise<void> {
  const handle = await open(path, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Step 1: gzips bytes [0, bytes) of the records file (records from..to-1) to `sealed/<name>.tmp`,
 * makes it durable, then renames it to its final name and makes the rename durable. zlib runs on
 * the thread pool, so appends go on meanwhile.
 */
export async function writeSegment(
  dir: string,
  recordsPath: string,
  bytes: number,
  from: number,
  to: number,
): Promise<Segment> {
  const sealedDir = join(dir, SEALED_DIR);
  if (mkdirSync(sealedDir, { recursive: true, mode: PRIVATE_DIR_MODE }) !== undefined) fsyncDir(dir);
  const name = segmentName(from, to);
  const path = join(sealedDir, name);
  const temp = `${path}.tmp`;
  // Large pieces: each is one trip to the thread pool, and the event loop (busy with appends) is needed
  // only between them; small stream chunks would each wait for it.
  await pipeline(
    createReadStream(recordsPath, { start: 0, end: bytes - 1, highWaterMark: 4 << 20 }),
    createGzip({ level: SEGMENT_GZIP_LEVEL, chunkSize: 1 << 20 }),
    createWriteStream(temp, { highWaterMark: 1 << 20, mode: PRIVATE_FILE_MODE }),
  );
  await fsyncFile(temp);
  await rename(temp, path);
  fsyncDir(sealedDir);
  return { from, to, name, path };
}

/**
 * Step 2 (commits held off by the caller): copies bytes [from, to) of the records file to
 * records.jsonl.next, makes it durable and renames it over records.jsonl (durably). The caller then
 * reopens its handles: the old ones point at the replaced file.
 */
export async function swapLiveTail(dir: string, recordsPath: string, from: number, to: number): Promise<void> {
  const next = `${recordsPath}.next`;
  const source = await open(recordsPath, "r");
  const target = await open(next, "w", PRIVATE_FILE_MODE);
  try {
    const buf = Buffer.allocUnsafe(Math.min(Math.max(to - from, 1), 4 << 20));
    for (let at = from; at < to; ) {
      const { bytesRead } = await source.read(buf, 0, Math.min(buf.length, to - at), at);
      if (bytesRead === 0) throw new Error(`${recordsPath} ended at byte ${at}, before byte ${to}`);
      let done = 0;
      while (done < bytesRead) done += (await target.write(buf, done, bytesRead - done)).bytesWritten;
      at += bytesRead;
    }
    await target.sync();
  } finally {
    await target.close();
    await source.close();
  }
  await rename(next, recordsPath);
  fsyncDir(dir);
}

/** The segment's lines are the first bytes of the records file (a crash between steps 1 and 2). */
function isPrefixOf(segmentPath: string, recordsPath: string): boolean {
  let lines: Buffer;
  try {
    lines = gunzipFileSync(segmentPath);
  } catch {
    return false;
  }
  const fd = openSync(recordsPath, "r");
  try {
    const head = Buffer.allocUnsafe(lines.length);
    return readSync(fd, head, 0, head.length, 0) === head.length && head.equals(lines);
  } finally {
    closeSync(fd);
  }
}

/**
 * A writer's open: removes what an interrupted seal left (temp files; a segment whose records
 * records.jsonl still holds, because the crash came before step 2). Returns the paths removed.
 */
export function cleanUpAfterCrash(dir: string, recordsPath: string): string[] {
  const removed: string[] = [];
  const remove = (path: string) => {
    rmSync(path, { force: true });
    removed.push(path);
  };
  const sealedDir = join(dir, SEALED_DIR);
  let names: string[] = [];
  try {
    names = readdirSync(sealedDir);
  } catch {
    // no sealed segments
  }
  for (const name of names) if (name.endsWith(".tmp")) remove(join(sealedDir, name));
  try {
    rmSync(`${recordsPath}.next`);
    removed.push(`${recordsPath}.next`);
  } catch {
    // none left
  }
  let first: number | undefined;
  try {
    const fd = openSync(recordsPath, "r");
    try {
      first = firstSeqOf(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    first = undefined;
  }
  // Only the last segment can be a seal cut short, and only one that is exactly records.jsonl's first
  // records: anything else (an edited first line) is damage for verify, never a reason to delete data.
  const last = listSegments(dir).at(-1);
  if (first !== undefined && last !== undefined && last.from === first && isPrefixOf(last.path, recordsPath)) {
    remove(last.path);
  }
  if (removed.length > 0) {
    if (names.length > 0) fsyncDir(sealedDir);
    fsyncDir(dir);
  }
  return removed;
}
