// Failures of the upstream model (an OpenAI-compatible server in the test, over a real socket),
// the request deadline, and the per-endpoint rate limits with their 429 body and headers.

import { connect, createServer } from "node:net";
import { Writable } from "node:stream";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { request, startTestAgent, TEST_KEY, type TestAgent } from "./support/agent-harness.ts";
import { type FakeOpenAi, startFakeOpenAi } from "./support/fake-openai.ts";

let fake: FakeOpenAi;

beforeAll(async () => {
  fake = await startFakeOpenAi();
});

afterAll(async () => {
  await fake?.close();
});

beforeEach(() => {
  fake.calls.length = 0;
  fake.replies.length = 0;
  fake.models = undefined;
});

const openAi = (extra: Record<string, string> = {}) => ({
  LLM_PROVIDER: "openai",
  OPENAI_BASE_URL: fake.baseUrl,
  OPENAI_MODEL: "fake-model",
  LLM_MAX_RETRIES: "0",
  ...extra,
});

/** A log stream for the agent's pino logger, and the lines it wrote. */
function logLines() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { lines, stream };
}

/** A port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe("upstream model failures", () => {
  it("answers 502 with a clear detail when the model server fails with a 5xx, and stores nothing", async () => {
    await using agent = await startTestAgent(openAi());
    fake.replies.push({ status: 500, error: "CUDA out of memory" });
    const response = await agent.post("/complete", request({ cid: "upstream-5xx" }));
    expect(response.status).toBe(502);
    // Generic: the orchestrator never reads the model server's words, host or port.
    expect(response.body).toEqual({ detail: "LLM backend failed: HTTP 500" });
    expect(response.text).not.toMatch(/at .*\.ts:\d+/);
    expect((await agent.call("GET", "/conversations/upstream-5xx")).status).toBe(404);
  });

  it("never shows the model server's URL (a key in its query) or words to the caller or on /health; the log has them, redacted", async () => {
    const { lines, stream } = logLines();
    await using agent = await startTestAgent(openAi({ OPENAI_BASE_URL: `${fake.baseUrl}?key=QTOKEN` }), {
      logger: { level: "warn", stream },
    });
    fake.replies.push({ status: 500, error: "internal boom at gpu-box-7" });
    const response = await agent.post("/complete", request({ cid: "upstream-secret" }));
    expect(response.status).toBe(502);
    expect(response.body).toEqual({ detail: "LLM backend failed: HTTP 500" });
    const health = await agent.call("GET", "/health", undefined, {});
    expect(health.body).toMatchObject({
      status: "unhealthy",
      llm: { status: "failing", detail: "LLM backend failed: HTTP 500" },
    });
    expect(health.text).not.toMatch(/QTOKEN|127\.0\.0\.1|boom/);
    const log = lines.join("");
    expect(log).toContain("internal boom at gpu-box-7");
    expect(log).toContain(fake.baseUrl);
    expect(log).not.toContain("QTOKEN");
  });

  it("answers 502 'invalid response' when the model server answers 200 without a completion, and stores nothing", async () => {
    await using agent = await startTestAgent(openAi());
    const cases = [
      "{}",
      '{"choices":[]}',
      '{"choices":[{"index":0,"message":{"role":"assistant","content":null},"finish_reason":"stop"}]}',
      "Service temporarily unavailable",
    ];
    for (const raw of cases) {
      fake.replies.push({ raw });
      const response = await agent.post("/complete", request({ cid: "upstream-invalid" }));
      expect(response.status, raw).toBe(502);
      expect(response.body, raw).toEqual({ detail: "LLM backend answered an invalid response" });
      expect(response.text, raw).not.toMatch(/unreachable|Cannot read properties|undefined/);
    }
    expect((await agent.call("GET", "/conversations/upstream-invalid")).status).toBe(404);
  });

  it("answers 502 'invalid response' when the model server sends an answer over 64 MiB, instead of reading it all", async () => {
    const { lines, stream } = logLines();
    await using agent = await startTestAgent(openAi(), { logger: { level: "warn", stream } });
    fake.replies.push({ giantMib: 600 });
    const response = await agent.post("/complete", request({ cid: "upstream-giant" }));
    expect(response.status).toBe(502);
    expect(response.body).toEqual({ detail: "LLM backend answered an invalid response" });
    expect(lines.join("")).toMatch(/a body over the 64 MiB limit/);
    expect((await agent.call("GET", "/conversations/upstream-giant")).status).toBe(404);
  });

  it("answers 502 for an empty completion instead of an empty answer, and keeps history in whole exchanges", async () => {
    await using agent = await startTestAgent(openAi());
    fake.replies.push({ text: "" });
    const empty = await agent.post("/complete", request({ cid: "upstream-empty" }));
    expect(empty.status).toBe(502);
    expect(empty.body).toEqual({ detail: "LLM returned an empty answer (finish reason: stop)" });
    fake.replies.push({ text: " \n " });
    expect((await agent.post("/feedback", request({ cid: "upstream-empty" }))).status).toBe(502);
    expect((await agent.call("GET", "/conversations/upstream-empty")).status).toBe(404);

    // An answer whose immediate_response is empty is still answered (its notebook is the answer),
    // but the history never holds the question alone: the next prompt has no two user turns in a row.
    fake.replies.push({ text: '{"immediate_response":"","notebook":"print(42)"}' });
    const blank = await agent.post("/complete", request({ cid: "upstream-empty" }));
    expect(blank.status).toBe(200);
    expect((blank.body as { output: unknown }).output).toEqual({ immediate_response: "", notebook: "print(42)" });
    await agent.post("/complete", request({ cid: "upstream-empty" }));
    const roles = (fake.calls.at(-1)?.messages ?? []).map((message) => message.role);
    expect(roles).toEqual(["system", "user"]);
    const stored = (await agent.call("GET", "/conversations/upstream-empty")).body as { messages: { role: string }[] };
    expect(stored.messages.map((message) => message.role)).toEqual(["user", "assistant"]);
  });

  it("retries a 503 when retries are configured, then answers", async () => {
    await using agent = await startTestAgent(openAi({ LLM_MAX_RETRIES: "1" }));
    fake.replies.push({ status: 503, error: "warming up", headers: { "retry-after-ms": "10" } });
    fake.replies.push({ text: '{"immediate_response":"after retry","notebook":"no update"}' });
    const response = await agent.post("/complete", request({ cid: "upstream-retry" }));
    expect(response.status).toBe(200);
    expect(fake.calls).toHaveLength(2);
  });

  it("answers 503 with the upstream's Retry-After when it would pass the deadline, without retrying at once", async () => {
    await using agent = await startTestAgent(openAi({ LLM_MAX_RETRIES: "2", REQUEST_TIMEOUT: "5" }));
    fake.replies.push({ status: 429, error: "Rate limit reached", headers: { "retry-after": "120" } });
    const response = await agent.post("/complete", request({ cid: "upstream-429" }));
    expect(response.status).toBe(503);
    expect(response.headers.get("retry-after")).toBe("120");
    expect(response.body).toEqual({ detail: "LLM backend busy: HTTP 429; retry after 120 s" });
    expect(fake.calls).toHaveLength(1);
  });

  it("answers 502 naming the server when nothing listens there", async () => {
    const port = await closedPort();
    await using agent = await startTestAgent(openAi({ OPENAI_BASE_URL: `http://127.0.0.1:${port}/v1` }));
    const response = await agent.post("/complete", request({ cid: "upstream-down" }));
    expect(response.status).toBe(502);
    expect(response.body).toEqual({ detail: "LLM backend unreachable" });
  });

  it("answers 504 'Request timeout after N seconds' when the model hangs, and aborts the upstream call", async () => {
    await using agent = await startTestAgent(openAi({ REQUEST_TIMEOUT: "0.5" }));
    fake.replies.push({ hang: true });
    const abandonedBefore = fake.abandoned;
    const response = await agent.post("/complete", request({ cid: "upstream-hang" }));
    expect(response.status).toBe(504);
    expect(response.body).toEqual({ detail: "Request timeout after 0.5 seconds" });
    await vi.waitFor(() => expect(fake.abandoned).toBe(abandonedBefore + 1), { timeout: 2000, interval: 20 });
    expect((await agent.call("GET", "/conversations/upstream-hang")).status).toBe(404);
  });

  it("answers 504 for /human_feedback past the deadline without touching the playbook", async () => {
    await using agent = await startTestAgent(openAi({ REQUEST_TIMEOUT: "0.3" }));
    fake.replies.push({ hang: true });
    const response = await agent.post("/human_feedback", request({ cid: "feedback-hang" }));
    expect(response.status).toBe(504);
    expect(((await agent.call("GET", "/playbook/feedback-hang")).body as { entry_count: number }).entry_count).toBe(0);
  });

  it("answers a body that stops arriving half-way with the deadline's 504 and closes the connection", async () => {
    await using agent = await startTestAgent(openAi({ REQUEST_TIMEOUT: "0.3" }));
    const { port } = new URL(agent.url);
    // The headers and the key arrive; 100 bytes are announced, 7 are sent, then nothing.
    const head = `POST /complete HTTP/1.1\r\nhost: x\r\nx-api-key: ${TEST_KEY}\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n`;
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), "127.0.0.1", () => socket.write(`${head}{"cid":`));
      let text = "";
      socket.on("data", (chunk) => {
        text += String(chunk);
      });
      socket.on("close", () => resolve(text));
      socket.on("error", reject);
    });
    const [statusLine, ...rest] = answer.split("\r\n");
    expect(statusLine).toBe("HTTP/1.1 504 Gateway Timeout");
    expect(rest).toContain("connection: close");
    expect(answer.slice(answer.indexOf("\r\n\r\n") + 4)).toBe('{"detail":"Request timeout after 0.3 seconds"}');
    expect(fake.calls).toHaveLength(0);
  });
});

describe("history and the context window of an OpenAI-compatible server (LLM_CONTEXT_SIZE)", () => {
  it("leaves out stored history that does not fit, bounds max_tokens by the room left, and refuses an input too long alone", async () => {
    await using agent = await startTestAgent(openAi({ LLM_CONTEXT_SIZE: "3000", MAX_TOKENS: "1000" }));
    const ask = (query: string) => request({ cid: "remote-window", input: [{ user_query: query }] });
    expect((await agent.post("/complete", ask("x".repeat(3000)))).status).toBe(200);
    expect(fake.calls[0]?.max_tokens).toBe(1000);
    // With the first exchange, about 1,000 tokens more: over the window. Without it, it fits.
    expect((await agent.post("/complete", ask("y".repeat(3000)))).status).toBe(200);
    expect(fake.calls[1]?.messages.map((m) => m.role)).toEqual(["system", "user"]);
    expect(fake.calls[1]?.max_tokens).toBe(1000);
    // A request that fits only with a shorter answer gets max_tokens cut to the room left.
    expect((await agent.post("/complete", ask("z".repeat(6000)))).status).toBe(200);
    const bounded = fake.calls[2]?.max_tokens ?? 0;
    expect(bounded).toBeGreaterThan(0);
    expect(bounded).toBeLessThan(1000);

    const tooLong = await agent.post("/complete", ask("w".repeat(9500)));
    expect(tooLong.status).toBe(422);
    const [detail] = (tooLong.body as { detail: { loc: string[]; msg: string; input: unknown }[] }).detail;
    expect(detail?.loc).toEqual(["body", "input"]);
    // pydantic-shaped: the field as sent (a long string is cut, as in every echo).
    expect(detail?.input).toEqual([{ user_query: expect.stringMatching(/^w{100,}… \(9500 characters\)$/) }]);
    expect(detail?.msg).toMatch(
      /^the input .* is about \d+ tokens, but fake-model holds 3000 per request.*LLM_CONTEXT_SIZE$/,
    );
    expect(fake.calls).toHaveLength(3);
  });
});

describe("/health and the model backend", () => {
  type Health = { status: string; llm: { status: string; detail?: string; source?: string; context_size: unknown } };
  const health = async (agent: TestAgent) => (await agent.call("GET", "/health", undefined, {})).body as Health;

  it("says unhealthy, and why, when the model server is down, without a model call", async () => {
    const port = await closedPort();
    await using agent = await startTestAgent(openAi({ OPENAI_BASE_URL: `http://127.0.0.1:${port}/v1` }));
    const body = await health(agent);
    expect(body).toMatchObject({ status: "unhealthy", llm_provider: "openai", model: "fake-model" });
    expect(body.llm).toMatchObject({ status: "failing", source: "check" });
    expect(body.llm.detail).toBe("LLM backend unreachable");
  });

  it("says unhealthy when the server refuses the key (a placeholder left in .env), and warns at start", async () => {
    fake.models = { status: 401, error: "Incorrect API key provided: sk-your-***-here" };
    const { lines, stream } = logLines();
    await using agent = await startTestAgent(openAi({ OPENAI_API_KEY: "sk-your-openai-api-key-here" }), {
      logger: { level: "warn", stream },
    });
    const body = await health(agent);
    expect(body.status).toBe("unhealthy");
    expect(body.llm.detail).toBe("LLM backend failed: HTTP 401");
    expect(lines.join("")).toContain("OPENAI_API_KEY looks like an example's placeholder");
    expect(fake.calls).toHaveLength(0);
  });

  it("says unhealthy, naming what is served, when the server does not serve the configured model, and warns at start", async () => {
    fake.models = {
      data: [
        { id: "llama-3-8b", object: "model" },
        { id: "qwen-7b", object: "model" },
      ],
    };
    const { lines, stream } = logLines();
    await using agent = await startTestAgent(openAi(), { logger: { level: "warn", stream } });
    const body = await health(agent);
    expect(body.status).toBe("unhealthy");
    expect(body.llm).toMatchObject({
      status: "failing",
      source: "check",
      detail: "LLM backend: model fake-model is not served by the LLM server; it serves: llama-3-8b, qwen-7b",
    });
    const warning = lines.find((line) => line.includes("the LLM backend is failing"));
    expect(warning).toContain("model fake-model is not served by the LLM server");
  });

  it("warns at start when MAX_TOKENS leaves no room for history in the model's window", async () => {
    fake.models = { data: [{ id: "fake-model", object: "model", max_model_len: 4096 }] };
    const { lines, stream } = logLines();
    // MAX_TOKENS as the reference's default.
    await using agent = await startTestAgent(openAi({ MAX_TOKENS: "4000" }), { logger: { level: "debug", stream } });
    await health(agent); // the start-up check has run by the time /health answers
    const warning = lines.find((line) => line.includes("MAX_TOKENS=4000"));
    expect(warning).toContain("leaves 96 of the model's 4096-token window");
    expect(warning).toContain('"level":40');
    // Each request that leaves stored history out says so (at debug).
    for (let i = 0; i < 2; i++) expect((await agent.post("/complete", request({ cid: "no-room" }))).status).toBe(200);
    expect(fake.calls.at(-1)?.messages.map((message) => message.role)).toEqual(["system", "user"]);
    const dropped = lines.find((line) => line.includes("stored history left out"));
    expect(dropped).toContain('"dropped":2');
    expect(dropped).toContain('"cid":"no-room"');
  });

  it("says unhealthy when model calls run into the request deadline, though the server still lists its model", async () => {
    // A stuck vLLM: GET /models answers at once, completions never do.
    fake.models = { data: [{ id: "fake-model", object: "model" }] };
    const { lines, stream } = logLines();
    await using agent = await startTestAgent(openAi({ REQUEST_TIMEOUT: "0.3" }), { logger: { level: "warn", stream } });
    expect(await health(agent)).toMatchObject({ status: "healthy", llm: { status: "ok", source: "check" } });
    fake.replies.push({ hang: true });
    expect((await agent.post("/complete", request({ cid: "health-deadline" }))).status).toBe(504);
    const body = await health(agent);
    expect(body).toMatchObject({ status: "unhealthy", llm: { status: "failing", source: "request" } });
    expect(body.llm.detail).toBe("LLM backend did not answer in time");
    expect(lines.find((line) => line.includes("the LLM backend is failing"))).toContain("0.3 seconds");
  });

  it("does not count a caller that went away against the model backend", async () => {
    fake.models = { data: [{ id: "fake-model", object: "model" }] };
    await using agent = await startTestAgent(openAi());
    expect(await health(agent)).toMatchObject({ status: "healthy" });
    fake.replies.push({ hang: true });
    const abandonedBefore = fake.abandoned;
    const gone = new AbortController();
    const call = fetch(`${agent.url}/complete`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": TEST_KEY },
      body: JSON.stringify(request({ cid: "health-gone" })),
      signal: gone.signal,
    }).catch(() => undefined);
    await vi.waitFor(() => expect(fake.calls.length).toBe(1), { timeout: 2000, interval: 20 });
    gone.abort();
    await call;
    await vi.waitFor(() => expect(fake.abandoned).toBe(abandonedBefore + 1), { timeout: 2000, interval: 20 });
    expect(await health(agent)).toMatchObject({ status: "healthy", llm: { status: "ok" } });
  });

  it("follows the outcome of model calls, and checks again only when it has heard nothing for a while", async () => {
    fake.models = { data: [{ id: "fake-model", object: "model", max_model_len: 32768 }] };
    await using agent = await startTestAgent(openAi());
    expect(await health(agent)).toMatchObject({ status: "healthy", llm: { status: "ok", context_size: 32768 } });
    const listings = fake.modelListings;
    fake.replies.push({ status: 500, error: "CUDA out of memory" });
    expect((await agent.post("/complete", request({ cid: "health-calls" }))).status).toBe(502);
    const failing = await health(agent);
    expect(failing).toMatchObject({ status: "unhealthy", llm: { status: "failing", source: "request" } });
    expect(failing.llm.detail).toBe("LLM backend failed: HTTP 500");
    expect((await agent.post("/complete", request({ cid: "health-calls" }))).status).toBe(200);
    expect(await health(agent)).toMatchObject({ status: "healthy", llm: { status: "ok", source: "request" } });
    // Probes within the freshness window cost the model server nothing.
    expect(fake.modelListings).toBe(listings);
  });
});

describe("rate limits", () => {
  it("allows 30 conversation reads a minute per key and address, then answers slowapi's 429", async () => {
    await using agent = await startTestAgent(openAi({ RATE_LIMIT_CONVERSATIONS: "30" }));
    for (let i = 1; i <= 30; i++) {
      const response = await agent.call("GET", "/conversations");
      expect(response.status).toBe(200);
      expect(response.headers.get("x-ratelimit-limit")).toBe("30");
      expect(response.headers.get("x-ratelimit-remaining")).toBe(String(30 - i));
    }
    const limited = await agent.call("GET", "/conversations");
    expect(limited.status).toBe(429);
    expect(limited.body).toEqual({ error: "Rate limit exceeded: 30 per 1 minute" });
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(limited.headers.get("x-ratelimit-remaining")).toBe("0");
  });

  it("counts each endpoint separately and never limits /health or /capabilities", async () => {
    await using agent = await startTestAgent(openAi({ RATE_LIMIT_CONVERSATIONS: "2", RATE_LIMIT_PLAYBOOK: "2" }));
    for (let i = 0; i < 2; i++) expect((await agent.call("GET", "/conversations")).status).toBe(200);
    expect((await agent.call("GET", "/conversations")).status).toBe(429);
    expect((await agent.call("GET", "/playbook/x")).status).toBe(200);
    for (let i = 0; i < 40; i++) {
      expect((await agent.call("GET", "/health", undefined, {})).status).toBe(200);
      expect((await agent.call("GET", "/capabilities", undefined, {})).status).toBe(200);
    }
  });

  it("limits /complete before calling the model, and does not count refused keys", async () => {
    await using agent = await startTestAgent(openAi({ RATE_LIMIT_COMPLETE: "2" }));
    for (let i = 0; i < 5; i++) {
      expect((await agent.call("POST", "/complete", request(), { "x-api-key": "wrong" })).status).toBe(403);
    }
    expect((await agent.post("/complete", request())).status).toBe(200);
    expect((await agent.post("/complete", request())).status).toBe(200);
    const limited = await agent.post("/complete", request());
    expect(limited.status).toBe(429);
    expect(limited.body).toEqual({ error: "Rate limit exceeded: 2 per 1 minute" });
    expect(fake.calls).toHaveLength(2);
  });

  it("answers 429 with Retry-After past 10 wrong keys a minute from one address; the right key and other addresses still get in", async () => {
    await using agent = await startTestAgent(openAi({ RATE_LIMIT_AUTH_FAILURES: "", TRUST_PROXY: "true" }));
    const from = (address: string, key: string) =>
      agent.call("GET", "/conversations", undefined, { "x-api-key": key, "x-forwarded-for": address });
    for (let i = 0; i < 10; i++) expect((await from("203.0.113.9", `wrong-key-${i}`)).status).toBe(403);
    for (let i = 0; i < 5; i++) {
      const limited = await from("203.0.113.9", `wrong-key-again-${i}`);
      expect(limited.status).toBe(429);
      expect(limited.body).toEqual({ error: "Rate limit exceeded: 10 per 1 minute" });
      expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
      expect(limited.headers.get("x-ratelimit-remaining")).toBe("0");
    }
    // Valid traffic is neither counted nor refused, from that address or any other.
    expect((await from("203.0.113.9", TEST_KEY)).status).toBe(200);
    expect((await from("198.51.100.4", TEST_KEY)).status).toBe(200);
    expect((await from("198.51.100.4", "wrong-key")).status).toBe(403);
    // A missing key is no guess: still the 401 that says what is wrong.
    expect((await agent.call("GET", "/conversations", undefined, { "x-forwarded-for": "203.0.113.9" })).status).toBe(
      401,
    );
  });

  it("takes RATE_LIMIT_AUTH_FAILURES=0 to answer every wrong key 403", async () => {
    await using agent = await startTestAgent(openAi({ RATE_LIMIT_AUTH_FAILURES: "0" }));
    for (let i = 0; i < 30; i++) {
      expect((await agent.call("GET", "/conversations", undefined, { "x-api-key": "wrong" })).status).toBe(403);
    }
  });

  it("uses the reference's limits by default", async () => {
    await using agent = await startTestAgent(
      Object.fromEntries(
        [
          "COMPLETE",
          "REFINE",
          "FEEDBACK",
          "HUMAN_FEEDBACK",
          "INTERNET_SEARCH",
          "SUMMARY",
          "AGGREGATE",
          "CONVERSATIONS",
          "PLAYBOOK",
          "AUTH_FAILURES",
        ].map((group) => [`RATE_LIMIT_${group}`, ""]),
      ),
    );
    expect(agent.agent.config.authFailureLimit).toBe(10);
    const limits = agent.agent.config.rateLimits;
    expect(limits).toEqual({
      complete: 20,
      refine: 20,
      feedback: 20,
      human_feedback: 30,
      internet_search: 10,
      summary: 15,
      aggregate: 15,
      conversations: 30,
      playbook: 30,
    });
    const response = await agent.post("/aggregate", request());
    expect(response.headers.get("x-ratelimit-limit")).toBe("15");
  });
});

describe("metrics and documentation", () => {
  it("serves Prometheus metrics to a caller with the key", async () => {
    await using agent = await startTestAgent(openAi());
    await agent.call("GET", "/health", undefined, {});
    const metrics = await agent.call("GET", "/metrics", undefined, { "x-api-key": TEST_KEY });
    expect(metrics.status).toBe(200);
    expect(metrics.text).toMatch(/pithead_agent_http_requests_total\{method="GET",route="\/health",status="200"\} \d+/);
  });

  it("documents every endpoint and the X-API-Key scheme in /openapi.json", async () => {
    await using agent = await startTestAgent(openAi());
    const spec = (await agent.call("GET", "/openapi.json", undefined, {})).body as {
      paths: Record<string, unknown>;
      components: { securitySchemes: Record<string, unknown> };
    };
    for (const path of [
      "/complete",
      "/refine",
      "/feedback",
      "/human_feedback",
      "/internet_search",
      "/summary",
      "/aggregate",
      "/conversations",
      "/conversations/{cid}",
      "/playbook/{cid}",
      "/playbook/{cid}/context",
      "/capabilities",
    ]) {
      expect(spec.paths, path).toHaveProperty([path]);
    }
    expect(spec.components.securitySchemes.APIKeyHeader).toEqual({ type: "apiKey", in: "header", name: "X-API-Key" });
  });

  it("describes itself at / and reports health with the spec's fields", async () => {
    await using agent = await startTestAgent(openAi());
    const root = (await agent.call("GET", "/", undefined, {})).body as { links: Record<string, string> };
    expect(root.links).toMatchObject({ docs: "/docs", ui: "/ui" });
    const capabilities = (await agent.call("GET", "/capabilities", undefined, {})).body;
    expect(capabilities).toMatchObject({
      miner_name: "pithead-agent",
      llm_provider: "openai",
      model: "fake-model",
      conversation_history_enabled: true,
      max_conversation_messages: 10,
      message_retention_days: 7,
      components: ["complete", "refine", "feedback", "human_feedback", "internet_search", "summary", "aggregate"],
      features: { majority_voting: true, internet_search: false, playbook_system: true },
    });
    const health = (await agent.call("GET", "/health", undefined, {})).body;
    expect(health).toMatchObject({
      status: "healthy",
      llm_provider: "openai",
      model: "fake-model",
      active_conversations: 0,
      features: { unified_api: true, conversation_history: true, playbook_system: true },
    });
  });
});
