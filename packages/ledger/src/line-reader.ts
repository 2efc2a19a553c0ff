// Streams a file line by line as byte ranges of a shared buffer (no string per line), which keeps
// verify close to the speed of hashing. Lines are handed out synchronously; the callback must not
// keep the buffer.
import { open } from "node:fs/promises";

export interface LineReadResult {
  /** Bytes after the last newline: a torn (partially written) last line, if any. */
  tornBytes: number;
  /** Offset where the torn tail starts (= end of the last complete line). */
  completeBytes: number;
}

const CHUNK = 1 << 20;

export async function forEachLine(
  file: string,
  onLine: (buf: Buffer, start: number, end: number, offset: number) => void,
  options: { from?: number; onProgress?: (done: number, total: number) => void } = {},
): Promise<LineReadResult> {
  const handle = await open(file, "r");
  try {
    const total = (await handle.stat()).size;
    let position = options.from ?? 0;
    let buf = Buffer.allocUnsafe(CHUNK * 2);
    let carry = 0;
    let carryOffset = position;
    while (position < total) {
      if (buf.length - carry < CHUNK) {
        // A line longer than the buffer: grow it.
        const bigger = Buffer.allocUnsafe(buf.length * 2);
        buf.copy(bigger, 0, 0, carry);
        buf = bigger;
      }
      const { bytesRead } = await handle.read(buf, carry, Math.min(CHUNK, buf.length - carry), position);
      if (bytesRead === 0) break;
      position += bytesRead;
      const filled = carry + bytesRead;
      let lineStart = 0;
      let nl = buf.indexOf(0x0a, 0);
      while (nl >= 0 && nl < filled) {
        onLine(buf, lineStart, nl, carryOffset + lineStart);
        lineStart = nl + 1;
        nl = buf.indexOf(0x0a, lineStart);
      }
      carry = filled - lineStart;
      carryOffset += lineStart;
      if (carry > 0) buf.copy(buf, 0, lineStart, filled);
      options.onProgress?.(position, total);
    }
    return { tornBytes: carry, completeBytes: carryOffset };
  } finally {
    await handle.close();
  }
}
