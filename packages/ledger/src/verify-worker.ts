// Worker thread for parallel verification: reads and inspects one byte range of a file at a time
// (line-range.ts), straight into its own memory, and hands back what it found.
import { closeSync, openSync } from "node:fs";
import { parentPort } from "node:worker_threads";
import { inspectRange } from "./line-range.ts";

export interface RangeJob {
  id: number;
  file: string;
  start: number;
  end: number;
  size: number;
}

parentPort?.on("message", ({ id, file, start, end, size }: RangeJob) => {
  const fd = openSync(file, "r");
  try {
    const { lines: out, tornBytes } = inspectRange(fd, start, end, size);
    parentPort?.postMessage({ id, out, tornBytes }, [
      out.kinds.buffer,
      out.hashes.buffer,
      out.leaves.buffer,
      out.prevs.buffer,
      out.seqs.buffer,
      out.lengths.buffer,
    ] as ArrayBuffer[]);
  } finally {
    closeSync(fd);
  }
});
