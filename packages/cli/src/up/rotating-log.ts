// A log file that stays bounded while `pithead up` runs unattended: past `maxBytes` the file is
// renamed to <name>.1 (older ones shift to .2 … up to `keep`, the oldest is dropped) and a new one
// is started. Writes are synchronous appends, so a line is never split across files and nothing
// buffered is lost when the process dies.
import { closeSync, existsSync, fstatSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { Writable } from "node:stream";

export class RotatingLog extends Writable {
  readonly path: string;
  readonly #maxBytes: number;
  readonly #keep: number;
  #fd: number;
  #size: number;

  constructor(path: string, options: { maxBytes: number; keep: number }) {
    super({ decodeStrings: true });
    this.path = path;
    this.#maxBytes = options.maxBytes;
    this.#keep = Math.max(1, options.keep);
    this.#fd = openSync(path, "a", 0o600);
    this.#size = fstatSync(this.#fd).size;
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    try {
      if (this.#size > 0 && this.#size + chunk.length > this.#maxBytes) this.#rotate();
      for (let written = 0; written < chunk.length; ) written += writeSync(this.#fd, chunk, written);
      this.#size += chunk.length;
      done();
    } catch (error) {
      done(error as Error);
    }
  }

  override _final(done: (error?: Error | null) => void): void {
    try {
      closeSync(this.#fd);
      done();
    } catch (error) {
      done(error as Error);
    }
  }

  #rotate(): void {
    closeSync(this.#fd);
    rmSync(`${this.path}.${this.#keep}`, { force: true });
    for (let index = this.#keep - 1; index >= 1; index--) {
      if (existsSync(`${this.path}.${index}`)) renameSync(`${this.path}.${index}`, `${this.path}.${index + 1}`);
    }
    renameSync(this.path, `${this.path}.1`);
    this.#fd = openSync(this.path, "a", 0o600);
    this.#size = 0;
  }
}
