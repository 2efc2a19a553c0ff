// Worker thread for parallel verification: inspects chunks of complete lines (line-inspect.ts).
import { parentPort } from "node:worker_threads";
import { inspectChunk } from "./line-inspect.ts";

parentPort?.on("message", (message: { id: number; chunk: Uint8Array }) => {
  const buf = Buffer.from(message.chunk.buffer, message.chunk.byteOffset, message.chunk.byteLength);
  const out = inspectChunk(buf, 0, buf.length);
  parentPort?.postMessage({ id: message.id, out }, [
    out.kinds.buffer,
    out.hashes.buffer,
    out.leaves.buffer,
    out.prevs.buffer,
    out.seqs.buffer,
    out.lengths.buffer,
  ] as ArrayBuffer[]);
});
