// Worker thread for parallel verification: reads and inspects one byte range of a file at a time
// (line-range.ts), straight into its own memory, or a whole sealed segment (decompressed here), and
// hands back what it found.
import { closeSync, openSync } from "node:fs";
import { parentPort } from "node:worker_threads";
import { type InspectedLines, inspectLines } from "./line-inspect.ts";
import { inspectRange } from "./line-range.ts";
import { gunzipFileSync } from "./sealed-segments.ts";

export interface RangeJob {
  id: number;
  file: string;
  start: number;
  end: number;
  size: number;
  /** `file` is a gzip'd sealed segment: inspect all of its lines (start, end and size are unused). */
  gzip?: boolean;
}

parentPort?.on("message", ({ id, file, start, end, size, gzip }: RangeJob) => {
  let found: { pieces: InspectedLines[]; tornBytes: number };
  try {
    if (gzip) found = inspectLines(gunzipFileSync(file));
    else {
      const fd = openSync(file, "r");
      try {
        const range = inspectRange(fd, start, end, size);
        found = { pieces: [range.lines], tornBytes: range.tornBytes };
      } finally {
        closeSync(fd);
      }
    }
  } catch (error) {
    // A segment that does not decompress is the ledger's problem, not the worker's: said to the caller.
    parentPort?.postMessage({ id, error: (error as Error).message });
    return;
  }
  const transfer = found.pieces.flatMap((out) => [
    out.kinds.buffer,
    out.hashes.buffer,
    out.leaves.buffer,
    out.prevs.buffer,
    out.seqs.buffer,
    out.lengths.buffer,
  ]) as ArrayBuffer[];
  parentPort?.postMessage({ id, pieces: found.pieces, tornBytes: found.tornBytes }, transfer);
});
