// Streams a file line by line as byte ranges of a shared buffer (no string per line), which keeps
// verify close to the speed of hashing. Lines are handed out synchronously; the callback must not
// keep the buffer.
import { read } from "node:fs";
import { open } from "node:fs/promises";

/** What chunks are read from: a FileHandle, or an fd the caller holds open (fdSource). */
export interface ChunkSource {
  read(buffer: Buffer, offset: number, length: number, position: number): Promise<{ bytesRead: number }>;
}

/** Reads through an open fd, off the event loop's thread; the caller keeps it open until done. */
export function fdSource(fd: number): ChunkSource {
  return {
    read: (buffer, offset, length, position) =>
      new Promise((resolve, reject) =>
        read(fd, buffer, offset, length, position, (error, bytesRead) =>
          error ? reject(error) : resolve({ bytesRead }),
        ),
      ),
  };
}

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
  handle: ChunkSource,
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
  try {
    return await forEachLineOf(handle, (await handle.stat()).size, onLine, options);
  } finally {
    await handle.close();
  }
}

/** The same for the first `total` bytes of a file already open (read as that file, whatever its name now is). */
export async function forEachLineOf(
  source: ChunkSource,
  total: number,
  onLine: (buf: Buffer, start: number, end: number, offset: number) => void,
  options: { from?: number; onProgress?: (done: number, total: number) => void } = {},
): Promise<LineReadResult> {
  let chunkOffset = options.from ?? 0;
  return await readInChunks(
    source,
    chunkOffset,
    total,
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
}
