// Streams a file line by line as byte ranges of a shared buffer (no string per line), which keeps
// verify close to the speed of hashing. Lines are handed out synchronously; the callback must not
// keep the buffer.
import { type FileHandle, open } from "node:fs/promises";

export interface LineReadResult {
  /** Bytes after the last newline: a torn (partially written) last line, if any. */
  tornBytes: number;
  /** Offset where the torn tail starts (= end of the last complete line). */
  completeBytes: number;
}

const CHUNK = 1 << 20;

/**
 * Reads an open file of `total` bytes from `from` in chunks of about `chunk` bytes; `take(buf, filled)` is handed
 * buf[0, filled) and answers how many bytes from the start it consumed (complete lines). The rest
 * is carried to the front of the next chunk; a line longer than the buffer grows it.
 */
export async function readInChunks(
  handle: FileHandle,
  from: number,
  total: number,
  chunk: number,
  take: (buf: Buffer, filled: number) => number,
  onProgress?: (done: number, total: number) => void,
): Promise<LineReadResult> {
  let position = from;
  let buf = Buffer.allocUnsafe(chunk * 2);
  let carry = 0;
  let carryOffset = position;
  while (position < total) {
    if (buf.length - carry < chunk) {
      const bigger = Buffer.allocUnsafe(buf.length * 2);
      buf.copy(bigger, 0, 0, carry);
      buf = bigger;
    }
    const { bytesRead } = await handle.read(buf, carry, Math.min(chunk, buf.length - carry), position);
    if (bytesRead === 0) break;
    position += bytesRead;
    const filled = carry + bytesRead;
    const consumed = take(buf, filled);
    carry = filled - consumed;
    carryOffset += consumed;
    if (carry > 0) buf.copy(buf, 0, consumed, filled);
    onProgress?.(position, total);
  }
  return { tornBytes: carry, completeBytes: carryOffset };
}

export async function forEachLine(
  file: string,
  onLine: (buf: Buffer, start: number, end: number, offset: number) => void,
  options: { from?: number; onProgress?: (done: number, total: number) => void } = {},
): Promise<LineReadResult> {
  const handle = await open(file, "r");
  let chunkOffset = options.from ?? 0;
  try {
    return await readInChunks(
      handle,
      chunkOffset,
      (await handle.stat()).size,
      CHUNK,
      (buf, filled) => {
        let lineStart = 0;
        let nl = buf.indexOf(0x0a, 0);
        while (nl >= 0 && nl < filled) {
          onLine(buf, lineStart, nl, chunkOffset + lineStart);
          lineStart = nl + 1;
          nl = buf.indexOf(0x0a, lineStart);
        }
        chunkOffset += lineStart;
        return lineStart;
      },
      options.onProgress,
    );
  } finally {
    await handle.close();
  }
}
