// The OpenAI-compatible provider against a real HTTP server speaking the protocol.

import { createServer } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  createProvider,
  type GenerateRequest,
  type GenerateResult,
  isLlmError,
  type LlmErrorDetails,
  type LlmProvider,
} from "../src/index.ts";
import { type FakeOpenAiServer, startFakeOpenAiServer } from "./fake-openai-server.ts";

const API_KEY = "sk-test-secret-0123456789";
let server: FakeOpenAiServer;
let llm: LlmProvider;

beforeAll(async () => {
  server = await startFakeOpenAiServer();
  llm = await createProvider({
    provider: "vllm",
    baseUrl: server.baseUrl,
    apiKey: API_KEY,
    model: "qwen2.5-7b",
    maxRetries: 2,
  });
});
afterAll(async () => {
  await llm.close();
  await server.close();
});
beforeEach(() => {
  server.seen.length = 0;
});

const chat: GenerateRequest = {
  messages: [
    { role: "system", content: "Be brief." },
    { role: "user", content: "Hi" },
  ],
};

async function failure(
  promise: Promise<unknown>,
): Promise<{ code: string; message: string; details: LlmErrorDetails }> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isLlmError(error)) throw new Error(`expected an LlmError, got ${String(error)}`);
  return { code: error.code, message: error.message, details: error.details };
}

async function collect(request: GenerateRequest, provider = llm) {
  const chunks: string[] = [];
  let result: GenerateResult | undefined;
  for await (const event of provider.stream(request)) {
    if (event.type === "text") chunks.push(event.text);
    else result = event.result;
  }
  return { chunks, result };
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

describe("OpenAI-compatible provider", () => {
  it("describes itself without revealing the API key", () => {
    const info = llm.info();
    expect(info).toEqual({
      provider: "vllm",
      model: "qwen2.5-7b",
      contextSize: undefined,
      accelerator: "remote",
      baseUrl: server.baseUrl,
    });
    expect(JSON.stringify(info)).not.toContain(API_KEY);
  });

  it("estimates a prompt's tokens, and learns the model's window from a server that reports it (GET /models)", async () => {
    const provider = await createProvider({ provider: "vllm", baseUrl: server.baseUrl, model: "qwen2.5-7b" });
    // UTF-8 bytes / 3 per message ("Be brief." 3, "Hi" 1), 4 per message, 3 for the reply.
    expect(provider.measure(chat)).toEqual({ promptTokens: 15, exact: false, contextSize: undefined, room: undefined });
    const models = {
      object: "list",
      data: [
        { id: "other-model", object: "model", max_model_len: 2048 },
        { id: "qwen2.5-7b", object: "model", max_model_len: 8192 },
      ],
    };
    server.script({ kind: "raw", body: JSON.stringify(models), contentType: "application/json" });
    await provider.check();
    expect(server.seen.map((seen) => seen.path)).toEqual(["/v1/models"]);
    expect(provider.info().contextSize).toBe(8192);
    expect(provider.measure(chat)).toMatchObject({ contextSize: 8192, room: 8192 - 15 });
    // A window the operator set wins over the server's.
    const configured = await createProvider({
      provider: "vllm",
      baseUrl: server.baseUrl,
      model: "qwen2.5-7b",
      contextSize: 4096,
    });
    await configured.check();
    expect(configured.info().contextSize).toBe(4096);
  });

  it("checks the server without generating: a refused key or an unreachable server fails as a call would", async () => {
    server.script({ kind: "status", status: 401, message: "Incorrect API key provided: sk-your-***" });
    const refused = await failure(llm.check());
    expect(refused).toMatchObject({ code: "UPSTREAM_HTTP", details: { status: 401 } });
    expect(refused.message).toContain("Incorrect API key");
    expect(server.seen.map((seen) => seen.path)).toEqual(["/v1/models"]);

    const url = `http://127.0.0.1:${await closedPort()}/v1`;
    const down = await createProvider({ provider: "openai", baseUrl: url, model: "m" });
    expect((await failure(down.check())).code).toBe("UPSTREAM_UNREACHABLE");

    // A server without a model list answered, and took the key: that is all a check can learn.
    server.script({ kind: "status", status: 404, message: "no route" });
    await expect(llm.check()).resolves.toBeUndefined();
  });

  it("fails the check, naming what is served, when the server does not list the configured model", async () => {
    const models = { object: "list", data: [{ id: "llama3:latest" }, { id: "other-model" }] };
    server.script({ kind: "raw", body: JSON.stringify(models), contentType: "application/json" });
    const missing = await failure(llm.check());
    expect(missing).toMatchObject({ code: "MODEL_NOT_FOUND", details: { served: ["llama3:latest", "other-model"] } });
    expect(missing.message).toBe(
      "model qwen2.5-7b is not served by the LLM server; it serves: llama3:latest, other-model",
    );
    // Ollama serves "llama3:latest" as "llama3".
    const ollama = await createProvider({ provider: "vllm", baseUrl: server.baseUrl, model: "llama3" });
    await expect(ollama.check()).resolves.toBeUndefined();
  });

  it("sends chat requests to /chat/completions with the key and the sampling settings", async () => {
    server.script({ kind: "answer", text: ["Hello", " there"] });
    const result = await llm.generate({ ...chat, maxTokens: 64, temperature: 0.3, topP: 0.9, seed: 5, stop: ["\n\n"] });
    expect(result).toMatchObject({
      text: "Hello there",
      promptTokens: 12,
      completionTokens: 2,
      finishReason: "stop",
      model: "served-model",
    });
    const [request] = server.seen;
    expect(request?.path).toBe("/v1/chat/completions");
    expect(request?.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(request?.body).toMatchObject({
      model: "qwen2.5-7b",
      messages: chat.messages,
      max_tokens: 64,
      temperature: 0.3,
      top_p: 0.9,
      seed: 5,
      stop: ["\n\n"],
    });
    expect(request?.body.stream).toBeUndefined();
  });

  it("sends raw prompts to /completions, with no chat template", async () => {
    server.script({ kind: "answer", text: ["defg"], finish: "length" });
    const result = await llm.generate({ prompt: "abc", maxTokens: 4 });
    expect(result).toMatchObject({ text: "defg", finishReason: "length" });
    expect(server.seen[0]?.path).toBe("/v1/completions");
    expect(server.seen[0]?.body).toMatchObject({ prompt: "abc", max_tokens: 4 });
  });

  it("streams chat and raw completions over SSE, ending with the usage the server reports", async () => {
    server.script({ kind: "answer", text: ["Hel", "lo", "!"], finish: "length" });
    const streamed = await collect({ ...chat, maxTokens: 3 });
    expect(streamed.chunks).toEqual(["Hel", "lo", "!"]);
    expect(streamed.result).toMatchObject({
      text: "Hello!",
      promptTokens: 12,
      completionTokens: 3,
      finishReason: "length",
    });
    expect(server.seen[0]?.body).toMatchObject({ stream: true, stream_options: { include_usage: true } });

    server.script({ kind: "answer", text: ["d", "e"] });
    const raw = await collect({ prompt: "abc" });
    expect(raw.chunks.join("")).toBe("de");
    expect(server.seen[1]?.path).toBe("/v1/completions");
  });

  it("estimates token counts when the server reports no usage", async () => {
    server.script({ kind: "answer", text: ["a", "b", "c"], usage: false });
    const streamed = await collect({ prompt: "0123456789abcdef" });
    expect(streamed.result).toMatchObject({ text: "abc", completionTokens: 3, promptTokens: 4 });
  });

  it("retries a 429 after the Retry-After the server asked for, then succeeds", async () => {
    server.script(
      { kind: "status", status: 429, message: "Rate limit reached", headers: { "retry-after": "1" } },
      { kind: "answer", text: ["ok"] },
    );
    const result = await llm.generate(chat);
    expect(result.text).toBe("ok");
    expect(server.seen).toHaveLength(2);
    // A lower bound only: the client waited at least the second the server asked for.
    expect((server.seen[1]?.at ?? 0) - (server.seen[0]?.at ?? 0)).toBeGreaterThanOrEqual(950);
  });

  it("gives up at once when the server's Retry-After would pass the deadline, and says when to retry", async () => {
    const date = new Date(Date.now() + 90_000).toUTCString();
    for (const [retryAfter, seconds] of [
      ["120", 120],
      [date, 90],
    ] as const) {
      server.seen.length = 0;
      server.script({
        kind: "status",
        status: 429,
        message: "Rate limit reached",
        headers: { "retry-after": retryAfter },
      });
      const error = await failure(llm.generate({ ...chat, timeoutMs: 5000 }));
      expect(error.code, retryAfter).toBe("UPSTREAM_HTTP");
      expect(error.details.status, retryAfter).toBe(429);
      // The date is read to the second it names (a second may pass between sending and reading).
      expect(Number(error.details.retryAfterS), retryAfter).toBeGreaterThanOrEqual(seconds - 1);
      expect(Number(error.details.retryAfterS), retryAfter).toBeLessThanOrEqual(seconds);
      expect(error.message, retryAfter).toMatch(/answered HTTP 429: Rate limit reached; it asks to retry after \d+ s$/);
      // Not retried at once against the server's wish, as the SDK did (3 tries in 1.35 s).
      expect(server.seen, retryAfter).toHaveLength(1);
    }
  });

  it("gives up on a failing server after maxRetries with UPSTREAM_HTTP and its status", async () => {
    server.script({ kind: "status", status: 503, message: "model is loading", headers: { "retry-after": "0" } });
    const error = await failure(llm.generate(chat));
    expect(error).toMatchObject({
      code: "UPSTREAM_HTTP",
      message: `${server.baseUrl} answered HTTP 503: model is loading`,
      details: { status: 503, url: server.baseUrl },
    });
    expect(server.seen).toHaveLength(3);
  });

  it("asks whether the base URL lacks its /v1 when the server answers 404 about no model", async () => {
    server.script({ kind: "status", status: 404, message: "Not Found" });
    expect((await failure(llm.generate(chat))).message).toBe(
      `${server.baseUrl} answered HTTP 404: Not Found; is ${server.baseUrl} the base URL of its OpenAI-compatible API (most servers serve it under /v1, e.g. http://127.0.0.1:8000/v1)?`,
    );
    // vLLM's unknown model is a 404 too: its own words say what is wrong.
    server.script({ kind: "status", status: 404, message: "The model `qwen` does not exist." });
    expect((await failure(llm.generate(chat))).message).toBe(
      `${server.baseUrl} answered HTTP 404: The model \`qwen\` does not exist.`,
    );
  });

  it("does not retry a request the server rejects (400), and never echoes the key", async () => {
    server.script({ kind: "status", status: 400, message: "max_tokens is too large" });
    const error = await failure(llm.generate({ ...chat, maxTokens: 999999 }));
    expect(error).toMatchObject({ code: "UPSTREAM_HTTP", details: { status: 400 } });
    expect(error.message).toContain("max_tokens is too large");
    expect(error.message).not.toContain(API_KEY);
    expect(server.seen).toHaveLength(1);
  });

  it("turns a server that never answers, or stalls mid-stream, into UPSTREAM_TIMEOUT at the deadline", async () => {
    server.script({ kind: "hang" });
    const error = await failure(llm.generate({ ...chat, timeoutMs: 300 }));
    expect(error).toMatchObject({
      code: "UPSTREAM_TIMEOUT",
      message: `${server.baseUrl} did not answer within 300 ms`,
    });

    server.script({ kind: "stall-stream", text: ["par"] });
    expect((await failure(collect({ ...chat, timeoutMs: 300 }))).code).toBe("UPSTREAM_TIMEOUT");
  });

  it("reports a refused connection as UPSTREAM_UNREACHABLE", async () => {
    const url = `http://127.0.0.1:${await closedPort()}/v1`;
    const down = await createProvider({ provider: "openai", baseUrl: url, model: "m", maxRetries: 0 });
    const error = await failure(down.generate(chat));
    expect(error.code).toBe("UPSTREAM_UNREACHABLE");
    expect(error.message).toBe(`cannot reach ${url} (ECONNREFUSED)`);
  });

  it("reports a connection cut mid-stream as UPSTREAM_UNREACHABLE", async () => {
    server.script({ kind: "cut-stream", text: ["par", "tial"] });
    const error = await failure(collect(chat));
    expect(error.code).toBe("UPSTREAM_UNREACHABLE");
    expect(error.message).toMatch(/failed mid-response/);
  });

  it("retries a connection dropped after the headers, mid-body, like one dropped before them", async () => {
    server.script({ kind: "cut-body" }, { kind: "answer", text: ["after the drop"] });
    expect((await llm.generate(chat)).text).toBe("after the drop");
    expect(server.seen).toHaveLength(2);

    // Within the same budget: 1 try + maxRetries (2), then UPSTREAM_UNREACHABLE.
    server.seen.length = 0;
    server.script({ kind: "cut-body" });
    const error = await failure(llm.generate(chat));
    expect(error.code).toBe("UPSTREAM_UNREACHABLE");
    expect(server.seen).toHaveLength(3);
  });

  it("never shows a key hidden in the base URL's query, and refuses one with a user name or password", async () => {
    const keyed = await createProvider({
      provider: "vllm",
      baseUrl: `${server.baseUrl}?key=QTOKEN`,
      model: "m",
      maxRetries: 0,
    });
    server.script({ kind: "status", status: 500, message: "internal boom" });
    const error = await failure(keyed.generate(chat));
    expect(error.code).toBe("UPSTREAM_HTTP");
    expect(JSON.stringify(error)).not.toContain("QTOKEN");
    expect(error.message).not.toContain("QTOKEN");
    expect(keyed.info().baseUrl).toBe(server.baseUrl);
    await keyed.close();

    const withPassword = server.baseUrl.replace("http://", "http://user:hunter2@");
    const refused = await failure(createProvider({ provider: "vllm", baseUrl: withPassword, model: "m" }));
    expect(refused).toMatchObject({ code: "INVALID_CONFIG", details: { field: "baseUrl" } });
    expect(refused.message).toMatch(/must not contain a user name or password/);
    expect(refused.message).not.toContain("hunter2");
  });

  it("reports an HTTP 200 that holds no completion as UPSTREAM_INVALID saying what was wrong, never as unreachable", async () => {
    const json = "application/json";
    const cases: [string, string, RegExp][] = [
      ["{}", json, /answered an invalid response: a completion without a "choices" list: \{\}$/],
      ['{"choices":[]}', json, /no completion \("choices" is empty\)$/],
      [
        '{"choices":[{"index":0,"message":{"role":"assistant","content":null},"finish_reason":"stop"}]}',
        json,
        /no completion \(choices\[0\]\.message\.content is null\)$/,
      ],
      ["<html>Bad gateway</html>", json, /a body that is not valid JSON/],
      ["upstream says hi", "text/plain", /a body that is not JSON: upstream says hi$/],
      ['{"error":{"message":"model not loaded"}}', json, /an error instead of a completion: model not loaded$/],
    ];
    for (const [body, contentType, message] of cases) {
      server.script({ kind: "raw", body, contentType });
      const error = await failure(llm.generate(chat));
      expect(error.code, body).toBe("UPSTREAM_INVALID");
      expect(error.message, body).toMatch(message);
      expect(error.message, body).toMatch(new RegExp(`^${server.baseUrl.replace(/[.]/g, "\\.")} answered`));
      expect(error.message, body).not.toMatch(/Cannot read properties|undefined|TypeError/);
      expect(error.details.problem, body).toBeTruthy();
    }
    // A raw completion too: a missing text is no completion.
    server.script({ kind: "raw", body: '{"choices":[{"index":0,"finish_reason":"stop"}]}', contentType: json });
    expect((await failure(llm.generate({ prompt: "abc" }))).message).toMatch(/choices\[0\]\.text is missing/);
    // Never retried: the server answered, it is not overloaded.
    expect(server.seen).toHaveLength(cases.length + 1);
  });

  it("reports a malformed or empty event stream as UPSTREAM_INVALID", async () => {
    const sse = "text/event-stream";
    server.script({ kind: "raw", body: "data: {not json\n\n", contentType: sse });
    const malformed = await failure(collect(chat));
    expect(malformed.code).toBe("UPSTREAM_INVALID");
    expect(malformed.message).toMatch(/malformed server-sent event JSON/);

    server.script({ kind: "raw", body: "data: {}\n\ndata: [DONE]\n\n", contentType: sse });
    expect((await failure(collect(chat))).message).toMatch(/a stream chunk without a "choices" list: \{\}$/);

    server.script({ kind: "raw", body: "data: [DONE]\n\n", contentType: sse });
    expect((await failure(collect(chat))).message).toMatch(/a stream that ended without a completion$/);
  });

  it("stops reading an answer past 64 MiB: UPSTREAM_INVALID naming the limit, never unreachable, never retried", async () => {
    const LIMIT = 64 * 2 ** 20;
    const cases: [string, GenerateRequest, boolean][] = [
      ["a JSON body", chat, false],
      ["an event stream", chat, true],
      ["a JSON body of declared length", chat, false],
    ];
    for (const [what, request, streamed] of cases) {
      server.seen.length = 0;
      const sent = { bytes: 0, done: false };
      server.script({ kind: "giant", mib: 256, declare: what.includes("declared"), sent });
      const error = await failure(streamed ? collect(request) : llm.generate(request));
      expect(error.code, what).toBe("UPSTREAM_INVALID");
      expect(error.message, what).toMatch(/answered an invalid response: a body (of 256 MiB, )?over the 64 MiB limit/);
      expect(server.seen, what).toHaveLength(1);
      // The connection is closed: the server could not write the rest of its 256 MiB.
      await expect.poll(() => sent.done, { timeout: 10_000 }).toBe(true);
      expect(sent.bytes, what).toBeLessThan(LIMIT + 32 * 2 ** 20);
      if (what.includes("declared")) expect(sent.bytes, what).toBeLessThan(LIMIT);
    }
    // An answer under the limit still comes through whole.
    server.script({ kind: "giant", mib: 2 });
    expect((await llm.generate(chat)).text).toHaveLength(2 * 2 ** 20);
  });

  it("keeps what arrived when the caller aborts a stream, and ABORTED when nothing had", async () => {
    server.script({ kind: "stall-stream", text: ["one ", "two "] });
    const controller = new AbortController();
    let result: GenerateResult | undefined;
    for await (const event of llm.stream({ ...chat, signal: controller.signal })) {
      if (event.type === "text") controller.abort();
      else result = event.result;
    }
    expect(result?.finishReason).toBe("abort");
    expect(["one ", "one two "]).toContain(result?.text);

    expect((await failure(llm.generate({ ...chat, signal: AbortSignal.abort() }))).code).toBe("ABORTED");
  });
});
