// An append-only file of fixed-size entries (record end offsets, tree nodes). These files are caches
// derived from the records: the writer extends them without fsync (they are synced before each
// checkpoint and rebuilt from the records after one on open). A reader never writes; entries it
// derives beyond the file are kept in memory.
//
// The writer's appends are written in order on the thread pool, not on the caller's thread: they follow
// every group commit, and a synchronous write can wait for the filesystem journal while an fsync of the
// records file commits, stalling the event loop. Entries on their way to the file are served from memory.
import { closeSync, fdatasync, fstatSync, ftruncateSync, openSync, readSync, write } from "node:fs";
import { PRIVATE_FILE_MODE } from "./private-files.ts";

function writeAll(fd: number, chunk: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const from = (done: number) =>
      write(fd, chunk, done, chunk.length - done, null, (error, written) => {
        if (error) reject(error);
        else if (done + written < chunk.length) from(done + written);
        else resolve();
      });
    from(0);
  });
}

export class FixedFile {
  private fd: number | undefined;
  /** entries known to be in the file */
  private persisted: number;
  /** a reader's entries derived beyond the file */
  private tail: Buffer[] = [];
  /** a writer's chunks handed to the file in order and not yet written, oldest first */
  private inFlight: { first: number; chunk: Buffer }[] = [];
  private queued = 0;
  private writing: Promise<void> = Promise.resolve();
  private failure: Error | undefined;
  private readonly entrySize: number;
  private readonly writable: boolean;

  constructor(path: string, entrySize: number, writable: boolean) {
    this.entrySize = entrySize;
    this.writable = writable;
    try {
      this.fd = openSync(path, writable ? "a+" : "r", PRIVATE_FILE_MODE);
    } catch (error) {
      if (writable || (error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
      this.fd = undefined;
    }
    this.persisted = this.fd === undefined ? 0 : Math.floor(fstatSync(this.fd).size / entrySize);
  }

  get length(): number {
    return this.persisted + this.queued + this.tail.length;
  }

  /** Cuts the file to `entries` (on open, before any append). */
  truncate(entries: number): void {
    this.tail = [];
    if (this.writable && this.fd !== undefined) ftruncateSync(this.fd, entries * this.entrySize);
    this.persisted = Math.min(this.persisted, entries);
  }

  /** Appends whole entries (chunk.length must be a multiple of the entry size). */
  append(chunk: Buffer): void {
    if (chunk.length === 0) return;
    const fd = this.fd;
    if (!this.writable || fd === undefined) {
      for (let at = 0; at < chunk.length; at += this.entrySize) this.tail.push(chunk.subarray(at, at + this.entrySize));
      return;
    }
    const entries = chunk.length / this.entrySize;
    this.inFlight.push({ first: this.persisted + this.queued, chunk });
    this.queued += entries;
    this.writing = this.writing.then(async () => {
      // After a failed write, later entries stay in memory: the file may not skip any.
      if (this.failure) return;
      try {
        await writeAll(fd, chunk);
      } catch (error) {
        this.failure = error as Error;
        return;
      }
      this.inFlight.shift();
      this.queued -= entries;
      this.persisted += entries;
    });
  }

  get(i: number): Buffer {
    if (i < 0 || i >= this.length) throw new RangeError(`entry ${i} is outside 0..${this.length - 1}`);
    if (i >= this.persisted + this.queued) return this.tail[i - this.persisted - this.queued]!;
    if (i >= this.persisted) {
      for (const { first, chunk } of this.inFlight) {
        const at = (i - first) * this.entrySize;
        if (at >= 0 && at < chunk.length) return chunk.subarray(at, at + this.entrySize);
      }
    }
    const out = Buffer.allocUnsafe(this.entrySize);
    readSync(this.fd!, out, 0, this.entrySize, i * this.entrySize);
    return out;
  }

  /** Reads entries [from, to) of the file part into one buffer (for scans). */
  readRange(from: number, to: number): Buffer {
    const end = Math.min(to, this.persisted);
    if (end <= from) return Buffer.alloc(0);
    const out = Buffer.allocUnsafe((end - from) * this.entrySize);
    readSync(this.fd!, out, 0, out.length, from * this.entrySize);
    return out;
  }

  /** Entries below this are read from the file; the rest come from get(). */
  get filePart(): number {
    return this.persisted;
  }

  /** Waits for every append to reach the file and makes them durable (before a checkpoint vouches for them). */
  async sync(): Promise<void> {
    await this.writing;
    if (this.failure) throw this.failure;
    const fd = this.fd;
    if (!this.writable || fd === undefined) return;
    await new Promise<void>((resolve, reject) => fdatasync(fd, (error) => (error ? reject(error) : resolve())));
  }

  /** Closes once the appends already made have reached the file. */
  async close(): Promise<void> {
    await this.writing;
    this.closeNow();
  }

  /** Closes at once (nothing appended may be in flight: on a failed open). */
  closeNow(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
