// A small OpenAI-compatible server for tests: it speaks the chat-completions protocol over a real
// socket (what vLLM, llama.cpp server and OpenAI answer), records every request, and answers with
// what the test scripts: a text, an HTTP error, or silence (a hung upstream).

import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface ChatCall {
  model: string;
  messages: { role: string; content: string }[];
  temperature?: number;
  max_tokens?: number;
}

export type Reply =
  | { text: string; delayMs?: number }
  | { status: number; error: string; headers?: Record<string, string> }
  | { hang: true }
  /** HTTP 200 with exactly this body: a broken server (`{}`, `{"choices":[]}`, text). */
  | { raw: string; contentType?: string }
  /** HTTP 200 with a completion of `mib` MiB, written as fast as the client reads it. */
  | { giantMib: number };

export interface FakeOpenAi {
  /** Base URL including /v1, for OPENAI_BASE_URL / VLLM_BASE_URL. */
  baseUrl: string;
  calls: ChatCall[];
  /** Hung requests whose client went away (the caller aborted them). */
  abandoned: number;
  /** What the next calls get; when empty, `fallback` answers. */
  replies: Reply[];
  fallback: (call: ChatCall) => Reply;
  /** GET /models: a list (`data`), an error status, or (undefined) 404 as a server without one. */
  models: { data: Record<string, unknown>[] } | { status: number; error: string } | undefined;
  /** GET /models requests seen. */
  modelListings: number;
  close(): Promise<void>;
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** A `mib` MiB completion, one MiB at a time, each after the client has taken the last. */
function sendGiant(response: ServerResponse, mib: number): void {
  const piece = "H".repeat(2 ** 20);
  let left = mib;
  response.writeHead(200, { "content-type": "application/json" });
  response.write(
    '{"id":"chatcmpl-giant","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"',
  );
  const pump = () => {
    while (left > 0 && !response.destroyed) {
      left -= 1;
      if (!response.write(piece)) {
        response.once("drain", pump);
        return;
      }
    }
    if (!response.destroyed) response.end('"},"finish_reason":"stop"}]}');
  };
  pump();
}

function send(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { "content-type": "application/json", ...headers });
  response.end(JSON.stringify(body));
}

export async function startFakeOpenAi(model = "fake-model"): Promise<FakeOpenAi> {
  const hung = new Set<ServerResponse>();
  const fake: FakeOpenAi = {
    baseUrl: "",
    calls: [],
    abandoned: 0,
    replies: [],
    fallback: () => ({ text: '{"immediate_response":"fake answer","notebook":"no update"}' }),
    models: undefined,
    modelListings: 0,
    close: async () => {},
  };
  const server: Server = createServer(async (request, response) => {
    // A base URL may carry a query (?key=…): the SDK puts it after the route.
    const path = new URL(request.url ?? "/", "http://fake").pathname;
    if (request.method === "GET" && path.endsWith("/models") && fake.models) {
      fake.modelListings += 1;
      const models = fake.models;
      if ("status" in models) send(response, models.status, { error: { message: models.error } });
      else send(response, 200, { object: "list", data: models.data });
      return;
    }
    if (request.method !== "POST" || !path.endsWith("/chat/completions")) {
      send(response, 404, { error: { message: `no route ${request.method} ${request.url}` } });
      return;
    }
    const call = JSON.parse(await readBody(request)) as ChatCall;
    fake.calls.push(call);
    const reply = fake.replies.shift() ?? fake.fallback(call);
    if ("hang" in reply) {
      hung.add(response);
      response.once("close", () => {
        if (hung.delete(response)) fake.abandoned += 1;
      });
      return;
    }
    if ("raw" in reply) {
      response.writeHead(200, { "content-type": reply.contentType ?? "application/json" });
      response.end(reply.raw);
      return;
    }
    if ("giantMib" in reply) {
      sendGiant(response, reply.giantMib);
      return;
    }
    if ("status" in reply) {
      send(response, reply.status, { error: { message: reply.error, type: "server_error" } }, reply.headers);
      return;
    }
    if (reply.delayMs) await new Promise((resolve) => setTimeout(resolve, reply.delayMs));
    send(response, 200, {
      id: `chatcmpl-${fake.calls.length}`,
      object: "chat.completion",
      created: Math.floor(Date.now() / 1000),
      model: call.model ?? model,
      choices: [{ index: 0, message: { role: "assistant", content: reply.text }, finish_reason: "stop" }],
      usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  fake.baseUrl = `http://127.0.0.1:${port}/v1`;
  fake.close = async () => {
    const open = [...hung];
    hung.clear();
    for (const response of open) response.destroy();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return fake;
}
