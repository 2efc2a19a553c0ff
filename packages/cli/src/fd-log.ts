// Where a server started from the CLI writes its pino lines when stdout (or stderr) is not a
// terminal: a file, a pipe, the journal. pino's own destination emits an unhandled 'error' on a
// full disk (the process dies) and retries a pipe that is not being read in a sleep loop (the
// process hangs, /health with it). Here a line that cannot be written is dropped and counted
// (dropped-log-lines.ts); a reader that is merely slow (EAGAIN) gets what is left later, from a
// bounded queue, so lines stay whole and in order.
import { writeSync } from "node:fs";
import { DroppedLogLines, droppedNoticeJson } from "./dropped-log-lines.ts";

/** What may wait for a slow reader before further lines are dropped. */
const QUEUE_MAX_BYTES = 4 * 1024 * 1024;
const RETRY_MS = 20;

const isEagain = (error: unknown) => (error as NodeJS.ErrnoException | undefined)?.code === "EAGAIN";

export class FdLog {
  readonly #fd: number;
  readonly #notice: (count: number, reason: string, now: number) => string;
  readonly #dropped = new DroppedLogLines();
  readonly #queue: Buffer[] = [];
  #queuedBytes = 0;
  #retry: NodeJS.Timeout | undefined;
  /** A line was cut short: the next write starts with a newline, so the next line is whole. */
  #midLine = false;

  /** `notice`: the line that says how many lines were dropped (default: a pino JSON line). */
  constructor(fd: number, notice: (count: number, reason: string, now: number) => string = droppedNoticeJson) {
    this.#fd = fd;
    this.#notice = notice;
  }

  /** Lines dropped since the last "N log lines dropped" notice was written. */
  get droppedLines(): number {
    return this.#dropped.count;
  }

  write(line: string): void {
    const bytes = Buffer.from(line);
    if (this.#queue.length > 0) {
      if (this.#queuedBytes + bytes.length > QUEUE_MAX_BYTES) this.#dropped.drop({ code: "EAGAIN" });
      else this.#enqueue(bytes);
      return;
    }
    const notice = this.#dropped.notice((count, reason) => this.#notice(count, reason, Date.now()));
    const head = `${this.#midLine ? "\n" : ""}${notice ?? ""}`;
    const out = head ? Buffer.concat([Buffer.from(head), bytes]) : bytes;
    let written = 0;
    try {
      while (written < out.length) written += writeSync(this.#fd, out, written);
    } catch (error) {
      if (isEagain(error)) {
        // Nothing is lost: the rest goes out when the reader has taken some.
        this.#enqueue(out.subarray(written));
        this.#sent();
        return;
      }
      if (written > 0) this.#midLine = true;
      this.#dropped.drop(error);
      return;
    }
    if (notice !== undefined) this.#dropped.written();
    this.#midLine = false;
  }

  #sent(): void {
    this.#dropped.written();
    this.#midLine = false;
  }

  #enqueue(bytes: Buffer): void {
    this.#queue.push(bytes);
    this.#queuedBytes += bytes.length;
    this.#retry ??= setTimeout(() => this.#flush(), RETRY_MS).unref();
  }

  #flush(): void {
    this.#retry = undefined;
    while (this.#queue.length > 0) {
      const chunk = this.#queue[0] as Buffer;
      let written: number;
      try {
        written = writeSync(this.#fd, chunk);
      } catch (error) {
        if (isEagain(error)) {
          this.#retry = setTimeout(() => this.#flush(), RETRY_MS).unref();
          return;
        }
        // The reader is gone for good (or the disk filled): what waited is dropped and counted.
        for (let i = 0; i < this.#queue.length; i++) this.#dropped.drop(error);
        this.#queue.length = 0;
        this.#queuedBytes = 0;
        this.#midLine = true;
        return;
      }
      this.#queuedBytes -= written;
      if (written < chunk.length) this.#queue[0] = chunk.subarray(written);
      else this.#queue.shift();
    }
  }
}
