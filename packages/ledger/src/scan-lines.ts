// Reads a file in large chunks of complete lines and has them inspected, delivering the results
// strictly in file order. When the file is big enough to repay them, worker threads each take a
// byte range and read it themselves (line-range.ts), so this thread only hands out ranges and takes
// the results; otherwise this thread reads and inspects.

import { open } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { type InspectedLines, inspectChunk, inspectLines } from "./line-inspect.ts";
import type { InspectedRange } from "./line-range.ts";
import { readInChunks } from "./line-reader.ts";
import { gunzipFile } from "./sealed-segments.ts";
import type { RangeJob } from "./verify-worker.ts";

const CHUNK = 4 << 20;
/** Below this, starting workers costs more than it saves. */
const PARALLEL_THRESHOLD = 16 << 20;
/** Workers are kept this long after the last chunk: starting one costs tens of milliseconds of CPU. */
const IDLE_MS = 10_000;
/** Captured at load so that a host's fake timers cannot keep idle workers alive or end busy ones. */
const later = globalThis.setTimeout;
const cancel = globalThis.clearTimeout;

export interface ScanResult {
  tornBytes: number;
}

type Deliver = (lines: InspectedLines) => void;

/** What a worker found in its job: the lines of a range (one piece) or of a sealed segment (several). */
export interface InspectedPieces {
  pieces: InspectedLines[];
  tornBytes: number;
}

/**
 * Inspection threads shared by every scan in the process. Idle workers are unref'd (they never keep
 * the process alive) and ended after IDLE_MS; a worker that fails fails the scans waiting on it and
 * the pool is replaced.
 */
class WorkerPool {
  private readonly workers: Worker[];
  private next = 0;
  private nextId = 0;
  private readonly waiting = new Map<number, { resolve(found: InspectedPieces): void; reject(error: unknown): void }>();
  failure: Error | undefined;
  private idleTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(size: number) {
    this.workers = Array.from({ length: size }, () => {
      const worker = new Worker(new URL("./verify-worker.ts", import.meta.url));
      worker.unref();
      worker.on("message", (message: InspectedPieces & { id: number; error?: string }) => {
        const job = this.waiting.get(message.id);
        this.waiting.delete(message.id);
        if (message.error !== undefined) job?.reject(new Error(message.error));
        else job?.resolve(message);
        this.settled();
      });
      worker.on("error", (error) => this.fail(error));
      worker.on("exit", (code) => this.fail(new Error(`a verify worker exited with code ${code}`)));
      return worker;
    });
  }

  get size(): number {
    return this.workers.length;
  }

  private fail(error: Error): void {
    if (this.failure) return;
    this.failure = error;
    if (pool === this) pool = undefined;
    for (const job of this.waiting.values()) job.reject(error);
    this.waiting.clear();
    void this.close();
  }

  /** Has a worker read and inspect the lines that start in bytes [start, end) of `file` (of `size` bytes). */
  inspect(file: string, start: number, end: number, size: number): Promise<InspectedRange> {
    return this.run(file, start, end, size, false).then(({ pieces, tornBytes }) => ({ lines: pieces[0]!, tornBytes }));
  }

  /** Has a worker decompress a whole gzip'd file (a sealed segment) and inspect its lines. */
  inspectGzip(file: string): Promise<InspectedPieces> {
    return this.run(file, 0, 0, 0, true);
  }

  private run(file: string, start: number, end: number, size: number, gzip: boolean): Promise<InspectedPieces> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.idleTimer) cancel(this.idleTimer);
    this.idleTimer = undefined;
    if (this.waiting.size === 0) for (const worker of this.workers) worker.ref();
    const id = this.nextId++;
    const worker = this.workers[this.next++ % this.workers.length]!;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      worker.postMessage({ id, file, start, end, size, gzip } satisfies RangeJob);
    });
  }

  private settled(): void {
    if (this.waiting.size > 0) return;
    for (const worker of this.workers) worker.unref();
    this.idleTimer = later(() => {
      if (this.waiting.size === 0 && pool === this) {
        pool = undefined;
        void this.close();
      }
    }, IDLE_MS);
    this.idleTimer.unref();
  }

  async close(): Promise<void> {
    if (this.idleTimer) cancel(this.idleTimer);
    await Promise.all(this.workers.map((w) => w.removeAllListeners("exit").terminate()));
  }
}

let pool: WorkerPool | undefined;

function sharedPool(): WorkerPool | undefined {
  const threads = Math.min(Math.max(availableParallelism(), 1), 4);
  if (threads < 2) return undefined;
  if (!pool || pool.failure) pool = new WorkerPool(threads);
  return pool;
}

export async function scanLines(
  file: string,
  deliver: Deliver,
  options: { onProgress?: (done: number, total: number) => void; parallel?: boolean } = {},
): Promise<ScanResult> {
  const handle = await open(file, "r");
  try {
    const total = (await handle.stat()).size;
    const workers = (options.parallel ?? total >= PARALLEL_THRESHOLD) ? sharedPool() : undefined;
    if (workers) return await scanInRanges(workers, file, total, deliver, options.onProgress);
    const { tornBytes } = await readInChunks(
      handle,
      0,
      total,
      CHUNK,
      (buf, filled) => {
        const complete = buf.lastIndexOf(0x0a, filled - 1) + 1;
        if (complete > 0) deliver(inspectChunk(buf, 0, complete));
        return complete;
      },
      options.onProgress,
    );
    return { tornBytes };
  } finally {
    await handle.close();
  }
}

/**
 * Inspects whole gzip'd files (sealed segments) in order, on the worker threads when `parallel`
 * (several in flight), else on this thread; `deliver` gets each file's lines or the error that
 * kept it from being read (one that does not decompress), in order.
 */
export async function scanGzipFiles(
  files: readonly string[],
  deliver: (index: number, found: InspectedPieces | Error) => void,
  parallel: boolean,
): Promise<void> {
  const workers = parallel ? sharedPool() : undefined;
  if (!workers) {
    for (const [i, file] of files.entries()) {
      let found: InspectedPieces | Error;
      try {
        found = inspectLines(await gunzipFile(file));
      } catch (error) {
        found = error as Error;
      }
      deliver(i, found);
    }
    return;
  }
  const inFlight: Promise<InspectedPieces>[] = [];
  let next = 0;
  try {
    for (const [i, file] of files.entries()) {
      const job = workers.inspectGzip(file);
      job.catch(() => undefined);
      inFlight.push(job);
      while (inFlight.length > workers.size || (i === files.length - 1 && inFlight.length > 0)) {
        const found = await inFlight.shift()!.then(
          (range) => range,
          (error: unknown) => error as Error,
        );
        // A failed pool fails the verify; a segment that did not decompress is reported.
        if (workers.failure) throw workers.failure;
        deliver(next++, found);
      }
    }
  } finally {
    await Promise.allSettled(inFlight);
  }
}

/** The file's bytes [0, total) as ranges of CHUNK bytes, each read and inspected by a worker, delivered in order. */
async function scanInRanges(
  workers: WorkerPool,
  file: string,
  total: number,
  deliver: Deliver,
  onProgress?: (done: number, total: number) => void,
): Promise<ScanResult> {
  const inFlight: { range: Promise<InspectedRange>; end: number }[] = [];
  let tornBytes = 0;
  const drain = async (keep: number) => {
    while (inFlight.length > keep) {
      const { range, end } = inFlight.shift()!;
      const { lines, tornBytes: torn } = await range;
      deliver(lines);
      tornBytes += torn;
      onProgress?.(end, total);
    }
  };
  try {
    for (let start = 0; start < total; start += CHUNK) {
      const end = Math.min(start + CHUNK, total);
      const range = workers.inspect(file, start, end, total);
      // Observed at once so that a failing worker is never an unhandled rejection meanwhile.
      range.catch(() => undefined);
      inFlight.push({ range, end });
      await drain(workers.size * 2);
    }
    await drain(0);
  } finally {
    // On a failure, the ranges still out are awaited so that none outlives the scan.
    await Promise.allSettled(inFlight.map(({ range }) => range));
  }
  return { tornBytes };
}
