// Server-sent events over a hijacked Fastify reply: the stream is ours to write, so the headers the
// kit adds on send (x-request-id) are written here. A comment every 15 s keeps proxies from
// closing an idle stream; the stream ends when the client goes away, the server closes, or the key
// that opened it is revoked (its hold, taken before the stream opens, is released when it ends).
import type { FastifyReply, FastifyRequest } from "fastify";
import type { Hold } from "../service/open-streams.ts";

export interface EventStream {
  send(event: string, data: unknown, id?: string | number): void;
  close(): void;
  readonly closed: boolean;
  onClose(callback: () => void): void;
}

const KEEPALIVE_MS = 15_000;

export function openEventStream(
  request: FastifyRequest,
  reply: FastifyReply,
  closing: AbortSignal,
  hold: Hold,
): EventStream {
  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache, no-transform",
    connection: "keep-alive",
    "x-accel-buffering": "no",
    "x-request-id": request.id,
  });
  raw.write("retry: 2000\n\n");
  const callbacks: (() => void)[] = [];
  let closed = false;
  const keepalive = setInterval(() => raw.write(": keepalive\n\n"), KEEPALIVE_MS);
  keepalive.unref();
  const end = () => {
    if (closed) return;
    closed = true;
    clearInterval(keepalive);
    closing.removeEventListener("abort", end);
    hold.signal.removeEventListener("abort", revoked);
    hold.release();
    for (const callback of callbacks.splice(0)) callback();
    if (!raw.writableEnded) raw.end();
  };
  // A comment: every client ignores it, a person watching the stream sees why it ended.
  const revoked = () => {
    if (!closed && !raw.writableEnded) raw.write(": the key of this stream was revoked\n\n");
    end();
  };
  request.raw.on("close", end);
  raw.on("close", end);
  closing.addEventListener("abort", end, { once: true });
  // A client gone before the stream opened never says so again: end now (its hold must not leak).
  if (raw.destroyed) end();
  else if (hold.signal.aborted) revoked();
  else hold.signal.addEventListener("abort", revoked, { once: true });
  return {
    send(event, data, id) {
      if (closed) return;
      const lines = [`event: ${event}`];
      if (id !== undefined) lines.push(`id: ${id}`);
      lines.push(`data: ${JSON.stringify(data)}`);
      raw.write(`${lines.join("\n")}\n\n`);
    },
    close: end,
    get closed() {
      return closed;
    },
    onClose(callback) {
      if (closed) callback();
      else callbacks.push(callback);
    },
  };
}
