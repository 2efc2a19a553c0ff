// /internet_search against a small HTTP server in the test that answers like a SearXNG instance's
// JSON API (GET /search?q=…&format=json), over a real socket.

import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Writable } from "node:stream";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { request, startTestAgent } from "./support/agent-harness.ts";
import { type FakeOpenAi, startFakeOpenAi } from "./support/fake-openai.ts";

type Mode = "ok" | "forbidden" | "error" | "not-json" | "hang";

let mode: Mode = "ok";
const queries: { q: string | null; format: string | null }[] = [];
const hung: ServerResponse[] = [];
let searx: Server;
let searxUrl: string;
let fake: FakeOpenAi;

function results(query: string) {
  return {
    query,
    number_of_results: 3,
    results: [
      {
        url: `https://example.org/${encodeURIComponent(query)}/1`,
        title: `${query} — first`,
        content: "First snippet.",
      },
      { url: `https://example.org/${encodeURIComponent(query)}/2`, title: `${query} — second`, content: "" },
      {
        url: `https://example.org/${encodeURIComponent(query)}/3`,
        title: "third",
        content: "Cut by SEARCH_MAX_RESULTS.",
      },
    ],
    answers: query.includes("2+2") ? ["4"] : [],
    infoboxes: [],
    suggestions: [],
    unresponsive_engines: [],
  };
}

beforeAll(async () => {
  fake = await startFakeOpenAi();
  searx = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    if (url.pathname !== "/searx/search") {
      res.writeHead(404).end();
      return;
    }
    queries.push({ q: url.searchParams.get("q"), format: url.searchParams.get("format") });
    if (mode === "hang") {
      hung.push(res);
      return;
    }
    if (mode === "forbidden") {
      res.writeHead(403, { "content-type": "text/html" }).end("<h1>403 Forbidden</h1>");
      return;
    }
    if (mode === "error") {
      res.writeHead(500).end("boom");
      return;
    }
    if (mode === "not-json") {
      res.writeHead(200, { "content-type": "text/html" }).end("<html>search page</html>");
      return;
    }
    res
      .writeHead(200, { "content-type": "application/json" })
      .end(JSON.stringify(results(url.searchParams.get("q") ?? "")));
  });
  await new Promise<void>((resolve) => searx.listen(0, "127.0.0.1", resolve));
  searxUrl = `http://127.0.0.1:${(searx.address() as AddressInfo).port}/searx`;
});

afterAll(async () => {
  for (const res of hung) res.destroy();
  searx.closeAllConnections();
  await new Promise<void>((resolve) => searx.close(() => resolve()));
  await fake?.close();
});

beforeEach(() => {
  mode = "ok";
  queries.length = 0;
});

const env = (extra: Record<string, string> = {}) => ({
  LLM_PROVIDER: "openai",
  OPENAI_BASE_URL: fake.baseUrl,
  OPENAI_MODEL: "fake-model",
  SEARCH_BACKEND_URL: searxUrl,
  SEARCH_MAX_RESULTS: "2",
  ...extra,
});

describe("/internet_search through SearXNG", () => {
  it("searches every query and answers the top results as text, without calling the model", async () => {
    await using agent = await startTestAgent(env());
    const response = await agent.post(
      "/internet_search",
      request({ cid: "search-1", task: "Look up", input: [{ user_query: "sqlite wal" }, { user_query: "2+2" }] }),
    );
    expect(response.status).toBe(200);
    const body = response.body as { component: string; output: { immediate_response: string; notebook: string } };
    expect(body.component).toBe("internet_search");
    expect(body.output.notebook).toBe("no update");
    const port = new URL(searxUrl).port;
    expect(body.output.immediate_response).toBe(
      [
        `Internet search results (SearXNG at 127.0.0.1:${port}):`,
        "",
        "Query 1: sqlite wal",
        "1. sqlite wal — first",
        "   https://example.org/sqlite%20wal/1",
        "   First snippet.",
        "2. sqlite wal — second",
        "   https://example.org/sqlite%20wal/2",
        "",
        "Query 2: 2+2",
        "Answer: 4",
        "1. 2+2 — first",
        "   https://example.org/2%2B2/1",
        "   First snippet.",
        "2. 2+2 — second",
        "   https://example.org/2%2B2/2",
      ].join("\n"),
    );
    expect(queries.map((q) => [q.q, q.format]).sort()).toEqual([
      ["2+2", "json"],
      ["sqlite wal", "json"],
    ]);
    expect(fake.calls).toHaveLength(0);
    const history = (await agent.call("GET", "/conversations/search-1")).body as { messages: { content: string }[] };
    expect(history.messages[0]?.content).toBe("Search: sqlite wal, 2+2");

    const capabilities = (await agent.call("GET", "/capabilities", undefined, {})).body as {
      features: Record<string, boolean>;
    };
    expect(capabilities.features.internet_search).toBe(true);
    expect(capabilities.features.internet_search_template).toBe(false);
  });

  it("explains a 403: the instance does not allow format=json", async () => {
    await using agent = await startTestAgent(env());
    mode = "forbidden";
    const response = await agent.post("/internet_search", request());
    expect(response.status).toBe(502);
    expect((response.body as { detail: string }).detail).toContain("enable `json` in SearXNG's search.formats");
  });

  it.each([
    ["error" as const, "answered HTTP 500"],
    ["not-json" as const, "did not answer JSON"],
  ])("answers 502 when the backend fails (%s)", async (failure, message) => {
    await using agent = await startTestAgent(env());
    mode = failure;
    const response = await agent.post("/internet_search", request());
    expect(response.status).toBe(502);
    expect((response.body as { detail: string }).detail).toContain(message);
  });

  it("answers a backend that is down with a generic 502: its address and the system's words go to the log only", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    await using agent = await startTestAgent(env({ SEARCH_BACKEND_URL: `http://127.0.0.1:${port}/searx` }), {
      logger: { level: "warn", stream },
    });
    const response = await agent.post("/internet_search", request());
    expect(response.status).toBe(502);
    expect(response.body).toEqual({ detail: "Search backend unreachable" });
    expect(lines.join("")).toContain(`Search backend 127.0.0.1:${port} unreachable: connect ECONNREFUSED`);
    mode = "error";
    await using failing = await startTestAgent(env());
    expect((await failing.post("/internet_search", request())).body).toEqual({
      detail: "Search backend answered HTTP 500",
    });
  });

  it("answers 504 when the backend does not answer before the deadline", async () => {
    await using agent = await startTestAgent(env({ REQUEST_TIMEOUT: "0.3" }));
    mode = "hang";
    const response = await agent.post("/internet_search", request({ cid: "search-hang" }));
    expect(response.status).toBe(504);
    expect(response.body).toEqual({ detail: "Request timeout after 0.3 seconds" });
    expect((await agent.call("GET", "/conversations/search-hang")).status).toBe(404);
  });
});
