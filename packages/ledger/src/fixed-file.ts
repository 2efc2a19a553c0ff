// An append-only file of fixed-size entries (record end offsets, tree nodes). These files are caches
// derived from the records: the writer extends them without fsync (they are synced before each
// checkpoint and rebuilt from the records after one on open). A reader never writes; entries it
// derives beyond the file are kept in memory.
import { closeSync, fdatasyncSync, fstatSync, ftruncateSync, openSync, readSync, writeSync } from "node:fs";

export class FixedFile {
  private fd: number | undefined;
  private persisted: number;
  private tail: Buffer[] = [];
  private readonly entrySize: number;
  private readonly writable: boolean;

  constructor(path: string, entrySize: number, writable: boolean) {
    this.entrySize = entrySize;
    this.writable = writable;
    try {
      this.fd = openSync(path, writable ? "a+" : "r");
    } catch (error) {
      if (writable || (error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
      this.fd = undefined;
    }
    this.persisted = this.fd === undefined ? 0 : Math.floor(fstatSync(this.fd).size / entrySize);
  }

  get length(): number {
    return this.persisted + this.tail.length;
  }

  truncate(entries: number): void {
    this.tail = [];
    if (this.writable && this.fd !== undefined) ftruncateSync(this.fd, entries * this.entrySize);
    this.persisted = Math.min(this.persisted, entries);
  }

  /** Appends whole entries (chunk.length must be a multiple of the entry size). */
  append(chunk: Buffer): void {
    if (chunk.length === 0) return;
    if (this.writable && this.fd !== undefined) {
      let done = 0;
      while (done < chunk.length) done += writeSync(this.fd, chunk, done, chunk.length - done);
      this.persisted += chunk.length / this.entrySize;
      return;
    }
    for (let at = 0; at < chunk.length; at += this.entrySize) this.tail.push(chunk.subarray(at, at + this.entrySize));
  }

  get(i: number): Buffer {
    if (i < 0 || i >= this.length) throw new RangeError(`entry ${i} is outside 0..${this.length - 1}`);
    if (i >= this.persisted) return this.tail[i - this.persisted]!;
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

  get filePart(): number {
    return this.persisted;
  }

  sync(): void {
    if (this.writable && this.fd !== undefined) fdatasyncSync(this.fd);
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
