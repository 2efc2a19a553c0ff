// Reads a file in large chunks of complete lines and has them inspected, on worker threads when the
// file is big enough to repay starting them, delivering the results strictly in file order.

import { open } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { type InspectedLines, inspectChunk } from "./line-inspect.ts";

const CHUNK = 4 << 20;
/** Below this, starting workers costs more than it saves. */
const PARALLEL_THRESHOLD = 16 << 20;

export interface ScanResult {
  tornBytes: number;
}

type Deliver = (lines: InspectedLines) => void;

class WorkerPool {
  private readonly workers: Worker[];
  private next = 0;
  private readonly waiting = new Map<number, (lines: InspectedLines) => void>();
  private failure: Error | undefined;

  constructor(size: number) {
    this.workers = Array.from({ length: size }, () => {
      const worker = new Worker(new URL("./verify-worker.ts", import.meta.url));
      worker.on("message", (message: { id: number; out: InspectedLines }) => {
        const resolve = this.waiting.get(message.id);
        this.waiting.delete(message.id);
        resolve?.(message.out);
      });
      worker.on("error", (error) => {
        this.failure = error;
      });
      return worker;
    });
  }

  inspect(id: number, chunk: Buffer): Promise<InspectedLines> {
    if (this.failure) return Promise.reject(this.failure);
    const worker = this.workers[this.next++ % this.workers.length]!;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      // A copy the worker owns: the read buffer is reused.
      const owned = new Uint8Array(chunk);
      worker.postMessage({ id, chunk: owned }, [owned.buffer]);
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

export async function scanLines(
  file: string,
  deliver: Deliver,
  options: { onProgress?: (done: number, total: number) => void; parallel?: boolean } = {},
): Promise<ScanResult> {
  const handle = await open(file, "r");
  const total = (await handle.stat()).size;
  const threads = Math.min(Math.max(availableParallelism(), 1), 4);
  const pool = (options.parallel ?? total >= PARALLEL_THRESHOLD) && threads > 1 ? new WorkerPool(threads) : undefined;
  try {
    let position = 0;
    let buf = Buffer.allocUnsafe(CHUNK * 2);
    let carry = 0;
    let id = 0;
    const inFlight: Promise<InspectedLines>[] = [];
    const drain = async (keep: number) => {
      while (inFlight.length > keep) deliver(await inFlight.shift()!);
    };
    while (position < total) {
      if (buf.length - carry < CHUNK) {
        const bigger = Buffer.allocUnsafe(buf.length * 2);
        buf.copy(bigger, 0, 0, carry);
        buf = bigger;
      }
      const { bytesRead } = await handle.read(buf, carry, Math.min(CHUNK, buf.length - carry), position);
      if (bytesRead === 0) break;
      position += bytesRead;
      const filled = carry + bytesRead;
      const lastNl = buf.lastIndexOf(0x0a, filled - 1);
      const complete = lastNl + 1;
      if (complete > 0) {
        if (pool) {
          inFlight.push(pool.inspect(id++, buf.subarray(0, complete)));
          await drain(threads * 2);
        } else deliver(inspectChunk(buf, 0, complete));
      }
      carry = filled - complete;
      if (carry > 0) buf.copy(buf, 0, complete, filled);
      options.onProgress?.(position, total);
    }
    await drain(0);
    return { tornBytes: carry };
  } finally {
    await pool?.close();
    await handle.close();
  }
}
