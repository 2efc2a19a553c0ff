// Reads and inspects the lines that START in one byte range of a file, so that worker threads can
// each take a range and read it themselves, straight into the validator's memory (line-inspect.ts
// lineRegion): no thread copies another's bytes. A line belongs to the range its first byte is in;
// the range's last line is read on past the range's end up to its newline, and a first line that
// began in the range before is skipped, so the ranges of a file together cover every line once.
import { readSync } from "node:fs";
import { type InspectedLines, inspectRegion, lineRegion } from "./line-inspect.ts";

/** How much is read at a time past the range's end to finish its last line. */
const PIECE = 64 << 10;

export interface InspectedRange {
  lines: InspectedLines;
  /** length of a last line that reached the end of the file (`size`) without its newline */
  tornBytes: number;
}

/** Reads file bytes [position, position + length) into region from `at`; returns how many were read (fewer at the end). */
function readAt(fd: number, region: Buffer, at: number, length: number, position: number): number {
  let done = 0;
  while (done < length) {
    const n = readSync(fd, region, at + done, length - done, position + done);
    if (n === 0) break;
    done += n;
  }
  return done;
}

/** The lines whose first byte is in [start, end) of the open file `fd`, of which bytes [0, size) are read. */
export function inspectRange(fd: number, start: number, end: number, size: number): InspectedRange {
  // From the byte before the range: it tells whether a line starts right at `start`.
  const from = start > 0 ? start - 1 : 0;
  let region = lineRegion(end - from);
  let filled = readAt(fd, region, 0, Math.min(end, size) - from, from);
  let first = 0;
  if (start > 0) {
    const nl = region.subarray(0, filled).indexOf(0x0a);
    first = nl < 0 ? filled : nl + 1;
  }
  if (first >= end - from) return { lines: inspectRegion(region, 0, 0), tornBytes: 0 };
  // Finish the last line: read on until its newline or the end of the file.
  if (filled > first && region[filled - 1] !== 0x0a) {
    for (;;) {
      const want = Math.min(PIECE, size - (from + filled));
      if (want <= 0) break;
      region = lineRegion(filled + want);
      const n = readAt(fd, region, filled, want, from + filled);
      if (n === 0) break;
      const nl = region.subarray(filled, filled + n).indexOf(0x0a);
      if (nl >= 0) {
        filled += nl + 1;
        break;
      }
      filled += n;
    }
  }
  const complete = Math.max(region.subarray(first, filled).lastIndexOf(0x0a) + 1 + first, first);
  return { lines: inspectRegion(region, first, complete), tornBytes: filled - complete };
}
