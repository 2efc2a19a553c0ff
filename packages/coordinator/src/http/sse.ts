// Server-sent events over a hijacked Fastify reply: the stream is ours to write, so the headers the
// kit adds on send (x-request-id) are written here. A comment every 15 s keeps proxies from
// closing an idle stream; the stream ends when the client goes away or the server closes.
import type { FastifyReply, FastifyRequest } from "fastify";

export interface EventStream {
  send(event: string, data: unknown, id?: string | number): void;
  close(): void;
  readonly closed: boolean;
  onClose(callback: () => void): void;
}

const KEEPALIVE_MS = 15_000;

export function openEventStream(request: FastifyRequest, reply: FastifyReply, closing: AbortSignal): EventStream {
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
    for (const callback of callbacks.splice(0)) callback();
    if (!raw.writableEnded) raw.end();
  };
  request.raw.on("close", end);
  closing.addEventListener("abort", end, { once: true });
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
