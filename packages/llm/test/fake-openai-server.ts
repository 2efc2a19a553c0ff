// A small real HTTP server speaking the OpenAI chat-completions and completions protocol
// (JSON and server-sent events), standing in for OpenAI/vLLM/llama.cpp server in tests.
// Each test scripts its answers; the server records what it was sent.

import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

export interface SeenRequest {
  path: string;
  at: number;
  headers: IncomingMessage["headers"];
  body: Record<string, unknown>;
}

/** What to do with one request: answer, fail with a status, hang, cut the stream, or stall it after some pieces. */
export type Behaviour =
  | { kind: "answer"; text: string[]; finish?: string; usage?: boolean }
  | { kind: "status"; status: number; message: string; headers?: Record<string, string> }
  | { kind: "hang" }
  | { kind: "cut-stream"; text: string[] }
  /** HTTP 200 headers and the start of a JSON body, then the connection drops. */
  | { kind: "cut-body" }
  | { kind: "stall-stream"; text: string[] }
  /** HTTP 200 with exactly this body (a broken server: `{}`, text, bad server-sent events). */
  | { kind: "raw"; body: string; contentType: string }
  /**
   * HTTP 200 with an answer of `mib` MiB (JSON, or one 1 MiB event after another when streamed),
   * sent as fast as the client reads; `declare` sends its length up front. `sent` counts the bytes
   * written before the client stopped reading (`done` when the server stopped writing).
   */
  | { kind: "giant"; mib: number; declare?: boolean; sent?: { bytes: number; done: boolean } };

export interface FakeOpenAiServer {
  baseUrl: string;
  seen: SeenRequest[];
  /** Behaviours for the next requests, in order; the last one repeats. */
  script(...behaviours: Behaviour[]): void;
  close(): Promise<void>;
}

const MODEL = "served-model";

function chunk(path: string, piece: string | undefined, finish: string | null): Record<string, unknown> {
  const choice = path.endsWith("/chat/completions")
    ? { index: 0, delta: piece === undefined ? {} : { content: piece }, finish_reason: finish }
    : { index: 0, text: piece ?? "", finish_reason: finish };
  return { id: "cmpl-1", object: "chat.completion.chunk", created: 1, model: MODEL, choices: [choice] };
}

function answer(
  path: string,
  body: Record<string, unknown>,
  res: ServerResponse,
  b: Extract<Behaviour, { kind: "answer" }>,
) {
  const usage = { prompt_tokens: 12, completion_tokens: b.text.length, total_tokens: 12 + b.text.length };
  const finish = b.finish ?? "stop";
  if (body.stream === true) {
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    for (const piece of b.text) res.write(`data: ${JSON.stringify(chunk(path, piece, null))}\n\n`);
    res.write(`data: ${JSON.stringify(chunk(path, undefined, finish))}\n\n`);
    const wantsUsage = (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage;
    if (wantsUsage && b.usage !== false)
      res.write(`data: ${JSON.stringify({ ...chunk(path, undefined, null), choices: [], usage })}\n\n`);
    res.end("data: [DONE]\n\n");
    return;
  }
  const text = b.text.join("");
  const choice = path.endsWith("/chat/completions")
    ? { index: 0, message: { role: "assistant", content: text }, finish_reason: finish }
    : { index: 0, text, finish_reason: finish };
  res.writeHead(200, { "content-type": "application/json" });
  res.end(
    JSON.stringify({
      id: "cmpl-1",
      object: "chat.completion",
      created: 1,
      model: MODEL,
      choices: [choice],
      ...(b.usage === false ? {} : { usage }),
    }),
  );
}

const MIB = 2 ** 20;

/** Writes a `b.mib` MiB answer, waiting for the client to read each piece, until done or the client goes. */
function giant(
  path: string,
  body: Record<string, unknown>,
  req: IncomingMessage,
  res: ServerResponse,
  b: Extract<Behaviour, { kind: "giant" }>,
) {
  const sent = b.sent ?? { bytes: 0, done: false };
  const piece = "H".repeat(MIB);
  const stream = body.stream === true;
  const head =
    '{"id":"cmpl-1","object":"chat.completion","model":"served-model","choices":[{"index":0,"message":{"role":"assistant","content":"';
  const tail = '"},"finish_reason":"stop"}]}';
  const event = `data: ${JSON.stringify(chunk(path, piece, null))}\n\n`;
  const parts = stream ? [] : [head];
  for (let i = 0; i < b.mib; i++) parts.push(stream ? event : piece);
  parts.push(stream ? "data: [DONE]\n\n" : tail);
  const length = parts.reduce((sum, part) => sum + Buffer.byteLength(part), 0);
  res.writeHead(200, {
    "content-type": stream ? "text/event-stream" : "application/json",
    ...(b.declare ? { "content-length": String(length) } : {}),
  });
  let next = 0;
  const finish = () => {
    sent.done = true;
  };
  req.socket.once("close", finish);
  const pump = () => {
    while (next < parts.length) {
      const part = parts[next++] as string;
      if (res.destroyed) return finish();
      sent.bytes += Buffer.byteLength(part);
      if (!res.write(part)) {
        res.once("drain", pump);
        return;
      }
    }
    res.end(finish);
  };
  pump();
}

export async function startFakeOpenAiServer(): Promise<FakeOpenAiServer> {
  const seen: SeenRequest[] = [];
  let script: Behaviour[] = [{ kind: "answer", text: ["Hello"] }];
  const sockets = new Set<Socket>();

  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const part of req) chunks.push(part as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}") as Record<string, unknown>;
    const path = req.url ?? "";
    seen.push({ path, at: performance.now(), headers: req.headers, body });
    const behaviour = (script.length > 1 ? script.shift() : script[0]) as Behaviour;
    switch (behaviour.kind) {
      case "answer":
        return answer(path, body, res, behaviour);
      case "status":
        res.writeHead(behaviour.status, { "content-type": "application/json", ...behaviour.headers });
        return res.end(JSON.stringify({ error: { message: behaviour.message, type: "server_error" } }));
      case "raw":
        res.writeHead(200, { "content-type": behaviour.contentType });
        return res.end(behaviour.body);
      case "hang":
        return; // Never answers; the socket stays open until the server closes.
      case "stall-stream":
        res.writeHead(200, { "content-type": "text/event-stream" });
        for (const piece of behaviour.text) res.write(`data: ${JSON.stringify(chunk(path, piece, null))}\n\n`);
        return; // The rest never comes; the client has to give up.
      case "cut-body":
        res.writeHead(200, { "content-type": "application/json", "content-length": "500" });
        res.write('{"id":"cmpl-1","choices":[{"message":{"content":"par', () => req.socket.destroy());
        return;
      case "giant":
        return giant(path, body, req, res, behaviour);
      case "cut-stream":
        res.writeHead(200, { "content-type": "text/event-stream" });
        // Tear the connection down once the pieces are handed to the kernel (sent before the FIN).
        res.write(behaviour.text.map((piece) => `data: ${JSON.stringify(chunk(path, piece, null))}\n\n`).join(""), () =>
          req.socket.destroy(),
        );
        return;
    }
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    seen,
    script(...behaviours) {
      script = behaviours;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
