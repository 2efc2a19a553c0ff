// Browser access (CORS as the reference allowed it) and what the logs may contain: never the key,
// never a request body.

import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { request, startTestAgent, TEST_KEY, type TestAgent } from "./support/agent-harness.ts";
import { type FakeOpenAi, startFakeOpenAi } from "./support/fake-openai.ts";

let fake: FakeOpenAi;
let agent: TestAgent;
const lines: string[] = [];

beforeAll(async () => {
  fake = await startFakeOpenAi();
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  agent = await startTestAgent(
    { LLM_PROVIDER: "openai", OPENAI_BASE_URL: fake.baseUrl, OPENAI_MODEL: "fake-model" },
    { logger: { level: "info", stream } },
  );
});

afterAll(async () => {
  await agent?.agent.close();
  await fake?.close();
});

describe("CORS", () => {
  it("answers a preflight without a key, allowing X-API-Key", async () => {
    const response = await fetch(`${agent.url}/complete`, {
      method: "OPTIONS",
      headers: {
        origin: "https://portal.example",
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type,x-api-key",
      },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get("access-control-allow-origin")).toBe("*");
    expect(response.headers.get("access-control-allow-headers")).toContain("X-API-Key");
    expect(response.headers.get("access-control-allow-methods")).toContain("POST");
  });

  it("lets a page on another origin read answers, errors included", async () => {
    const ok = await fetch(`${agent.url}/capabilities`, { headers: { origin: "https://portal.example" } });
    expect(ok.headers.get("access-control-allow-origin")).toBe("*");
    const denied = await agent.call("GET", "/conversations", undefined, { origin: "https://portal.example" });
    expect(denied.status).toBe(401);
    expect(denied.headers.get("access-control-allow-origin")).toBe("*");
    expect(denied.headers.get("access-control-expose-headers")).toContain("WWW-Authenticate");
  });
});

describe("logs", () => {
  it("record a rejected key and the requests without any key or body in them", async () => {
    const secretQuery = "my private question 7c1e";
    await agent.call("POST", "/complete", request({ input: [{ user_query: secretQuery }] }), {
      "x-api-key": "guessed-key-1234567890",
    });
    await agent.post("/complete", request({ input: [{ user_query: secretQuery }] }));
    const log = lines.join("");
    expect(log).toContain("rejected request: invalid API key");
    expect(log).not.toContain("guessed-key");
    expect(log).not.toContain(TEST_KEY);
    expect(log).not.toContain(secretQuery);
  });

  it("say at info, without an error or a stack, that a client went away during a model call", async () => {
    fake.replies.push({ hang: true });
    const from = lines.length;
    const callsBefore = fake.calls.length;
    const abandonedBefore = fake.abandoned;
    const client = new AbortController();
    const answered = fetch(`${agent.url}/complete`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": TEST_KEY },
      body: JSON.stringify(request({ cid: "went-away" })),
      signal: client.signal,
    }).catch(() => "aborted");
    await vi.waitFor(() => expect(fake.calls.length).toBe(callsBefore + 1), { timeout: 5000, interval: 10 });
    client.abort();
    expect(await answered).toBe("aborted");
    // The model call is stopped too.
    await vi.waitFor(() => expect(fake.abandoned).toBe(abandonedBefore + 1), { timeout: 5000, interval: 10 });
    await vi.waitFor(() => expect(lines.slice(from).join("")).toContain("client went away"), { timeout: 5000 });
    const logged = lines.slice(from).map((line) => JSON.parse(line) as { level: number; msg: string; err?: unknown });
    expect(logged.find((line) => line.msg.includes("client went away"))?.level).toBe(30);
    expect(logged.filter((line) => line.level >= 40 || line.err !== undefined)).toEqual([]);
  });
});

describe("the start-up log", () => {
  async function startupLines(host: string): Promise<{ msg: string }[]> {
    const seen: string[] = [];
    const stream = new Writable({
      write(chunk, _encoding, done) {
        seen.push(String(chunk));
        done();
      },
    });
    const started = await startTestAgent(
      { HOST: host, LLM_PROVIDER: "openai", OPENAI_BASE_URL: fake.baseUrl, OPENAI_MODEL: "fake-model" },
      { logger: { level: "info", stream } },
    );
    await started.agent.close();
    return seen.map((line) => JSON.parse(line) as { msg: string });
  }

  it("says the API is reachable from other machines when HOST is 0.0.0.0 (the default)", async () => {
    const messages = (await startupLines("0.0.0.0")).map((line) => line.msg);
    expect(messages).toContain(
      "the API is reachable from other machines (HOST=0.0.0.0); set HOST=127.0.0.1 to keep it on this one",
    );
  });

  it("says nothing of the kind on 127.0.0.1", async () => {
    const messages = (await startupLines("127.0.0.1")).map((line) => line.msg);
    expect(messages.some((msg) => msg.includes("reachable from other machines"))).toBe(false);
    expect(messages.some((msg) => msg.startsWith("Server listening at"))).toBe(true);
  });
});
