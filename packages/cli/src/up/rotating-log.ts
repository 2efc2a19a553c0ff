// A log file that stays bounded while `pithead up` runs unattended: past `maxBytes` the file is
// renamed to <name>.1 (older ones shift to .2 … up to `keep`, the oldest is dropped) and a new one
// is started. Writes are synchronous appends, so a line is never split across files and nothing
// buffered is lost when the process dies. A line that cannot be written (a full disk) is dropped
// and counted, never an 'error' (that would take the whole stack down): see dropped-log-lines.ts.
import { closeSync, existsSync, fstatSync, ftruncateSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { Writable } from "node:stream";
import { DroppedLogLines, droppedNoticeJson } from "../dropped-log-lines.ts";

export interface RotatingLogOptions {
  maxBytes: number;
  keep: number;
  /** The line that says how many lines were dropped (default: a pino JSON line). */
  notice?: (count: number, reason: string, now: number) => string;
}

export class RotatingLog extends Writable {
  readonly path: string;
  readonly #maxBytes: number;
  readonly #keep: number;
  readonly #notice: (count: number, reason: string, now: number) => string;
  readonly #dropped = new DroppedLogLines();
  /** -1 while no file is open (a rotation that could not open the new one retries on the next line). */
  #fd: number;
  #size: number;

  constructor(path: string, options: RotatingLogOptions) {
    super({ decodeStrings: true });
    this.path = path;
    this.#maxBytes = options.maxBytes;
    this.#keep = Math.max(1, options.keep);
    this.#notice = options.notice ?? droppedNoticeJson;
    this.#fd = openSync(path, "a", 0o600);
    this.#size = fstatSync(this.#fd).size;
  }

  /** Lines dropped since the last "N log lines dropped" notice was written. */
  get droppedLines(): number {
    return this.#dropped.count;
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    try {
      // The notice goes out with the next line, in one append: it is never said without a line
      // that got through (a nearly full disk would otherwise get a notice per dropped line).
      const notice = this.#dropped.notice((count, reason) => this.#notice(count, reason, Date.now()));
      this.#append(notice === undefined ? chunk : Buffer.concat([Buffer.from(notice), chunk]));
      if (notice !== undefined) this.#dropped.written();
    } catch (error) {
      this.#dropped.drop(error);
    }
    done();
  }

  override _final(done: (error?: Error | null) => void): void {
    try {
      if (this.#fd >= 0) closeSync(this.#fd);
      this.#fd = -1;
      done();
    } catch (error) {
      done(error as Error);
    }
  }

  /** Appends whole or not at all: a line cut short by a full disk is cut off the file again. */
  #append(bytes: Buffer): void {
    if (this.#fd < 0) this.#open();
    if (this.#size > 0 && this.#size + bytes.length > this.#maxBytes) this.#rotate();
    let written = 0;
    try {
      while (written < bytes.length) written += writeSync(this.#fd, bytes, written);
    } catch (error) {
      if (written > 0) {
        try {
          ftruncateSync(this.#fd, this.#size);
        } catch {
          // The partial line stays; the next line still starts on its own write.
        }
      }
      throw error;
    }
    this.#size += bytes.length;
  }

  #open(): void {
    this.#fd = openSync(this.path, "a", 0o600);
    this.#size = fstatSync(this.#fd).size;
  }

  #rotate(): void {
    closeSync(this.#fd);
    this.#fd = -1;
    rmSync(`${this.path}.${this.#keep}`, { force: true });
    for (let index = this.#keep - 1; index >= 1; index--) {
      if (existsSync(`${this.path}.${index}`)) renameSync(`${this.path}.${index}`, `${this.path}.${index + 1}`);
    }
    renameSync(this.path, `${this.path}.1`);
    this.#open();
  }
}
