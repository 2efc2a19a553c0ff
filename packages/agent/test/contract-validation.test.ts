// The wire contract's auth and input limits, over real HTTP, each limit at its boundary.
// The model is a small OpenAI-compatible server in the test (the upstream is not ours to run).

import { request as httpRequest } from "node:http";
import { describe, expect, it } from "vitest";
import { request, TEST_KEY, type TestAgent } from "./support/agent-harness.ts";
import { useAgentWithFakeModel } from "./support/agent-with-fake-model.ts";
import type { FakeOpenAi } from "./support/fake-openai.ts";

let fake: FakeOpenAi;
let agent: TestAgent;

useAgentWithFakeModel({}, (startedFake, startedAgent) => {
  fake = startedFake;
  agent = startedAgent;
});

const PROTECTED: [string, string][] = [
  ...["complete", "refine", "feedback", "human_feedback", "internet_search", "summary", "aggregate"].map(
    (name): [string, string] => ["POST", `/${name}`],
  ),
  ["GET", "/conversations"],
  ["GET", "/conversations/test-123"],
  ["DELETE", "/conversations/test-123"],
  ["GET", "/playbook/test-123"],
  ["GET", "/playbook/test-123/context"],
  ["GET", "/metrics"],
];

describe("X-API-Key authentication", () => {
  it.each(PROTECTED)("%s %s without a key is 401 with WWW-Authenticate: ApiKey", async (method, path) => {
    const response = await agent.call(method, path, method === "POST" ? request() : undefined, {});
    expect(response.status).toBe(401);
    expect(response.body).toEqual({ detail: "Missing API key. Please provide X-API-Key header." });
    expect(response.headers.get("www-authenticate")).toBe("ApiKey");
  });

  it.each(PROTECTED)("%s %s with a wrong key is 403", async (method, path) => {
    const response = await agent.call(method, path, method === "POST" ? request() : undefined, {
      "x-api-key": "wrong-key",
    });
    expect(response.status).toBe(403);
    expect(response.body).toEqual({ detail: "Invalid API key" });
  });

  it("refuses an X-API-Key header sent twice as 401 saying so, the right key included, never as a wrong key", async () => {
    for (const keys of [
      [TEST_KEY, TEST_KEY],
      [TEST_KEY, "wrong-key"],
      ["wrong-key", TEST_KEY],
    ]) {
      const response = await rawCall("GET", "/conversations", { "x-api-key": keys });
      expect(response.status, keys.join(" / ")).toBe(401);
      expect(JSON.parse(response.text)).toEqual({
        detail: "Repeated API key: X-API-Key was sent 2 times. Please provide it once.",
      });
      expect(response.headers["www-authenticate"]).toBe("ApiKey");
    }
    // /capabilities answers anyway, as with no key.
    expect((await rawCall("GET", "/capabilities", { "x-api-key": [TEST_KEY, TEST_KEY] })).status).toBe(200);
  });

  it("treats an empty X-API-Key header as missing", async () => {
    const response = await agent.call("POST", "/complete", request(), { "x-api-key": "" });
    expect(response.status).toBe(401);
  });

  it("rejects a key that is the right key plus one character, and a prefix of it", async () => {
    for (const key of [`${TEST_KEY}x`, TEST_KEY.slice(0, -1)]) {
      expect((await agent.call("GET", "/conversations", undefined, { "x-api-key": key })).status).toBe(403);
    }
  });

  it("checks the key before validating the body, and never calls the model", async () => {
    const invalid = { cid: 42, input: [] };
    expect((await agent.call("POST", "/complete", invalid, {})).status).toBe(401);
    expect((await agent.call("POST", "/complete", invalid, { "x-api-key": "nope" })).status).toBe(403);
    expect((await agent.call("POST", "/complete", "{not json", { "x-api-key": "nope" })).status).toBe(403);
    expect(fake.calls).toHaveLength(0);
  });

  it.each([
    ["/", 200],
    ["/health", 200],
    ["/docs", 200],
    ["/openapi.json", 200],
    ["/ui", 200],
  ])("GET %s needs no key", async (path, status) => {
    expect((await agent.call("GET", path, undefined, {})).status).toBe(status);
  });

  it("answers /capabilities with no key, a wrong key and the right key", async () => {
    const variants: Record<string, string>[] = [{}, { "x-api-key": "wrong" }, { "x-api-key": TEST_KEY }];
    for (const headers of variants) {
      const response = await agent.call("GET", "/capabilities", undefined, headers);
      expect(response.status).toBe(200);
      expect((response.body as { components: string[] }).components).toHaveLength(7);
    }
  });

  it("answers unknown paths with FastAPI's 404 body", async () => {
    const response = await agent.call("GET", "/no/such/path", undefined, {});
    expect(response.status).toBe(404);
    expect(response.body).toEqual({ detail: "Not Found" });
  });

  it("answers a known path asked with another method 405 with Allow, before the key and the body, as FastAPI routes", async () => {
    // Allow names OPTIONS too: every known path answers it (204 with the same Allow).
    const cases: [string, string, string][] = [
      ["GET", "/complete", "POST, OPTIONS"],
      ["PUT", "/conversations/x", "GET, HEAD, DELETE, OPTIONS"],
      ["PATCH", "/playbook/x", "GET, HEAD, OPTIONS"],
      ["POST", "/playbook/x/context", "GET, HEAD, OPTIONS"],
      ["DELETE", "/conversations", "GET, HEAD, OPTIONS"],
      ["POST", "/health", "GET, HEAD, OPTIONS"],
      ["POST", "/ui", "GET, HEAD, OPTIONS"],
      ["POST", "/openapi.json", "GET, HEAD, OPTIONS"],
      ["POST", "/metrics", "GET, HEAD, OPTIONS"],
    ];
    for (const [method, path, allow] of cases) {
      // A body that is not JSON is not read: the method is refused first (it was a 422 on the kit's path).
      const response = await agent.call(method, path, method === "GET" ? undefined : "{not json", {});
      expect(response.status, `${method} ${path}`).toBe(405);
      expect(response.body).toEqual({ detail: "Method Not Allowed" });
      expect(response.headers.get("allow"), `${method} ${path}`).toBe(allow);
    }
    expect(fake.calls).toHaveLength(0);
  });

  it("answers OPTIONS on a known path 204 with the Allow its 405 names, and an unknown path 404", async () => {
    const cases: [string, string][] = [
      ["/complete", "POST, OPTIONS"],
      ["/conversations/x", "GET, HEAD, DELETE, OPTIONS"],
    ];
    for (const [path, allow] of cases) {
      const response = await agent.call("OPTIONS", path, "{not json", {});
      expect(response.status, path).toBe(204);
      expect(response.headers.get("allow"), path).toBe(allow);
      expect(response.headers.get("access-control-allow-methods"), path).toBe(allow);
    }
    const unknown = await agent.call("OPTIONS", "/no/such/path", undefined, {});
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({ detail: "Not Found" });
    expect((await agent.call("PUT", "/no/such/path", "{not json", {})).status).toBe(404);
  });
});

type Detail = { type: string; loc: (string | number)[]; msg: string; input: unknown }[];

async function expect422(body: unknown, loc: (string | number)[], type: string): Promise<Detail> {
  const response = await agent.post("/complete", body);
  expect(response.status).toBe(422);
  const detail = (response.body as { detail: Detail }).detail;
  expect(detail[0]?.loc).toEqual(loc);
  expect(detail[0]?.type).toBe(type);
  expect(typeof detail[0]?.msg).toBe("string");
  return detail;
}

async function expect200(body: unknown): Promise<void> {
  const response = await agent.post("/complete", body);
  expect(response.status, response.text).toBe(200);
}

const previous = (overrides: Record<string, unknown> = {}) => ({
  task: "t",
  input: [{ user_query: "q" }],
  output: { immediate_response: "r", notebook: "no update" },
  component: "complete",
  ...overrides,
});

describe("ComponentInput limits, each at its boundary", () => {
  it("accepts 50 input items and refuses 51", async () => {
    const items = (n: number) => Array.from({ length: n }, (_, i) => ({ user_query: `q${i}` }));
    await expect200(request({ input: items(50) }));
    const detail = await expect422(request({ input: items(51) }), ["body", "input"], "too_long");
    expect(detail[0]?.msg).toBe("List should have at most 50 items after validation, not 51");
  });

  it("requires at least one input item, in the words of the reference's validator", async () => {
    const detail = await expect422(request({ input: [] }), ["body", "input"], "value_error");
    expect(detail).toEqual([
      {
        type: "value_error",
        loc: ["body", "input"],
        msg: "Value error, At least one input item is required",
        input: [],
        ctx: { error: {} },
      },
    ]);
  });

  it("accepts a 10,000-character query and refuses 10,001", async () => {
    await expect200(request({ input: [{ user_query: "x".repeat(10_000) }] }));
    const detail = await expect422(
      request({ input: [{ user_query: "x".repeat(10_001) }] }),
      ["body", "input", 0, "user_query"],
      "string_too_long",
    );
    expect(detail[0]?.msg).toBe("String should have at most 10000 characters");
  });

  it("refuses an empty or whitespace-only query, with one error each as pydantic", async () => {
    const empty = await expect422(
      request({ input: [{ user_query: "" }] }),
      ["body", "input", 0, "user_query"],
      "string_too_short",
    );
    // The length constraint fails first; the whitespace validator does not run on top of it.
    expect(empty).toHaveLength(1);
    const detail = await expect422(
      request({ input: [{ user_query: "ok" }, { user_query: " \n\t " }] }),
      ["body", "input", 1, "user_query"],
      "value_error",
    );
    expect(detail[0]?.msg).toBe("Value error, user_query cannot be empty or whitespace only");
    expect(detail).toHaveLength(1);
  });

  it("accepts a 100-character cid (and an empty one) and refuses 101", async () => {
    await expect200(request({ cid: "c".repeat(100) }));
    await expect200(request({ cid: "" }));
    await expect422(request({ cid: "c".repeat(101) }), ["body", "cid"], "string_too_long");
  });

  it("refuses a cid holding a lone surrogate, which storage would turn into another cid", async () => {
    for (const surrogate of ["\\ud800", "\\udfff"]) {
      const body = `{"cid":"sur${surrogate}","task":"t","input":[{"user_query":"q"}]}`;
      const response = await agent.post("/complete", body);
      expect(response.status).toBe(422);
      expect((response.body as { detail: Detail }).detail).toEqual([
        {
          type: "value_error",
          loc: ["body", "cid"],
          msg: "Value error, cid is not well-formed Unicode (it holds a lone UTF-16 surrogate)",
          input: JSON.parse(`"sur${surrogate}"`),
          ctx: { error: {} },
        },
      ]);
    }
    expect(fake.calls).toHaveLength(0);
    expect((await agent.call("GET", "/conversations/sur%EF%BF%BD")).status).toBe(404);
  });

  it("accepts a 1,000-character task (and an empty one) and refuses 1,001", async () => {
    await expect200(request({ task: "t".repeat(1000) }));
    await expect200(request({ task: "" }));
    await expect422(request({ task: "t".repeat(1001) }), ["body", "task"], "string_too_long");
  });

  it("accepts 20 previous outputs and refuses 21", async () => {
    await expect200(request({ previous_outputs: Array.from({ length: 20 }, () => previous()) }));
    await expect422(
      request({ previous_outputs: Array.from({ length: 21 }, () => previous()) }),
      ["body", "previous_outputs"],
      "too_long",
    );
  });

  it("holds a previous output to its limits", async () => {
    await expect200(request({ previous_outputs: [previous({ input: [] })] }));
    await expect200(request({ previous_outputs: [previous({ component: "c".repeat(50), task: "t".repeat(1000) })] }));
    await expect422(
      request({ previous_outputs: [previous({ component: "c".repeat(51) })] }),
      ["body", "previous_outputs", 0, "component"],
      "string_too_long",
    );
    await expect422(
      request({ previous_outputs: [previous({ task: "t".repeat(1001) })] }),
      ["body", "previous_outputs", 0, "task"],
      "string_too_long",
    );
    const items = Array.from({ length: 51 }, () => ({ user_query: "q" }));
    await expect422(
      request({ previous_outputs: [previous({ input: items })] }),
      ["body", "previous_outputs", 0, "input"],
      "too_long",
    );
  });

  it("accepts previous responses of 50,000 and notebooks of 100,000 characters, not one more", async () => {
    const output = (response: number, notebook: number) =>
      request({
        previous_outputs: [
          previous({ output: { immediate_response: "r".repeat(response), notebook: "n".repeat(notebook) } }),
        ],
      });
    await expect200(output(50_000, 100_000));
    await expect422(
      output(50_001, 10),
      ["body", "previous_outputs", 0, "output", "immediate_response"],
      "string_too_long",
    );
    await expect422(output(10, 100_001), ["body", "previous_outputs", 0, "output", "notebook"], "string_too_long");
  });

  it("names missing fields and wrong types the way FastAPI does", async () => {
    const { cid: _cid, ...withoutCid } = request();
    const missing = await expect422(withoutCid, ["body", "cid"], "missing");
    expect(missing[0]?.msg).toBe("Field required");
    // The body is echoed as it was sent: no defaults filled in, unknown fields kept.
    const sent = { task: "t", input: [{ user_query: "q" }], note: "kept" };
    const echoed = await expect422(sent, ["body", "cid"], "missing");
    expect(echoed[0]?.input).toEqual(sent);
    await expect422(request({ cid: 7 }), ["body", "cid"], "string_type");
    await expect422(request({ use_playbook: [] }), ["body", "use_playbook"], "bool_type");
    await expect422(request({ input: "q" }), ["body", "input"], "list_type");
    await expect422(request({ input: [{}] }), ["body", "input", 0, "user_query"], "missing");
  });

  it("reads booleans as pydantic's lax mode does (the reference's models), and honours them", async () => {
    for (const value of [true, "true", "True", "yes", "on", "t", "Y", "1", 1]) {
      await expect200(request({ cid: "lax", use_playbook: value }));
    }
    // use_conversation_history "false" and 0 really leave the history out of the prompt.
    for (const value of ["false", "OFF", "no", "f", "n", "0", 0]) {
      await expect200(request({ cid: "lax", use_conversation_history: value }));
      expect(
        fake.calls.at(-1)?.messages.map((m) => m.role),
        String(value),
      ).toEqual(["system", "user"]);
    }
    const detail = await expect422(request({ use_playbook: "maybe" }), ["body", "use_playbook"], "bool_parsing");
    expect(detail[0]?.msg).toBe("Input should be a valid boolean, unable to interpret input");
    await expect422(request({ use_playbook: 2 }), ["body", "use_playbook"], "bool_parsing");
    await expect422(request({ use_playbook: " true" }), ["body", "use_playbook"], "bool_parsing");
    await expect422(request({ use_conversation_history: null }), ["body", "use_conversation_history"], "bool_type");
  });

  it("answers an empty body and invalid JSON with a 422 on the body", async () => {
    const empty = await agent.post("/complete", "");
    expect(empty.status).toBe(422);
    expect(empty.body).toEqual({ detail: [{ type: "missing", loc: ["body"], msg: "Field required", input: null }] });
    const broken = await agent.post("/complete", '{"cid": "x",');
    expect(broken.status).toBe(422);
    expect((broken.body as { detail: Detail }).detail[0]?.type).toBe("json_invalid");
  });

  it("answers input nested 100,000 levels deep with a 422 on the item, echoing a bounded part of it", async () => {
    const deep = `${"[".repeat(100_000)}${"]".repeat(100_000)}`;
    const response = await agent.post("/complete", `{"cid": "deep", "task": "t", "input": [${deep}]}`);
    expect(response.status).toBe(422);
    const [first] = (response.body as { detail: Detail }).detail;
    expect(first?.loc).toEqual(["body", "input", 0]);
    expect(first?.type).toBe("model_attributes_type");
    expect(JSON.stringify(first?.input)).toContain("nested too deep to echo");
    expect(response.text.length).toBeLessThan(1000);
  });

  it("ignores unknown fields, at the top and inside items, and does not echo them", async () => {
    const response = await agent.post("/complete", {
      ...request(),
      temperature: 2,
      extra: { nested: true },
      input: [{ user_query: "hi", notebook: "ignored" }],
    });
    expect(response.status).toBe(200);
    expect((response.body as { input: unknown }).input).toEqual([{ user_query: "hi" }]);
    expect(response.text).not.toContain("ignored");
  });

  it("uses the defaults for the optional fields", async () => {
    const { use_conversation_history: _h, use_playbook: _p, ...minimal } = request({ cid: "defaults" });
    expect((await agent.post("/complete", minimal)).status).toBe(200);
  });
});

/** POST /complete with exactly these bytes and this Content-Type (none when undefined). */
async function postRaw(body: string, contentType?: string) {
  const headers: Record<string, string> = { "x-api-key": TEST_KEY };
  if (contentType !== undefined) headers["content-type"] = contentType;
  // A Blob without a type: fetch then sends no Content-Type of its own.
  const response = await fetch(`${agent.url}/complete`, { method: "POST", headers, body: new Blob([body]) });
  return { status: response.status, body: (await response.json()) as { detail: Detail & { ctx?: unknown }[] } };
}

describe("Content-Type, read as FastAPI reads it", () => {
  const valid = JSON.stringify(request({ cid: "content-type" }));

  it("parses JSON sent without a Content-Type, and under application/json or application/*+json", async () => {
    const types = [
      undefined,
      "",
      "application/json",
      "Application/JSON; charset=utf-8",
      "application/json; charset",
      "application/vnd.api+json",
    ];
    for (const type of types) {
      expect((await postRaw(valid, type)).status, String(type)).toBe(200);
    }
  });

  it("hands any other type's body to validation as text: 422 'not an object' echoing it, the model never called", async () => {
    for (const [body, type] of [
      [valid, "text/plain"],
      ["hello", "text/plain"],
      [valid, "application/x-www-form-urlencoded"],
      [valid, "json"],
    ] as const) {
      const response = await postRaw(body, type);
      expect(response.status, type).toBe(422);
      expect(response.body.detail, type).toEqual([
        {
          type: "model_attributes_type",
          loc: ["body"],
          msg: "Input should be a valid dictionary or object to extract fields from",
          input: body,
        },
      ]);
    }
    expect(fake.calls).toHaveLength(0);
  });

  it("answers a body that is not JSON with Python's message and position, whatever JSON type it came under", async () => {
    for (const type of [undefined, "application/json"]) {
      const response = await postRaw('{"cid": "x",', type);
      expect(response.status).toBe(422);
      expect(response.body.detail).toEqual([
        {
          type: "json_invalid",
          loc: ["body", 12],
          msg: "JSON decode error",
          input: {},
          ctx: { error: "Expecting property name enclosed in double quotes" },
        },
      ]);
    }
    const text = await postRaw("hello");
    expect(text.body.detail[0]).toMatchObject({ loc: ["body", 0], ctx: { error: "Expecting value" } });
    expect(JSON.stringify(text.body)).not.toContain("content-type");
  });
});

describe("body size", () => {
  const bodyOfSize = (bytes: number) => {
    const shell = JSON.stringify(request({ task: "" }));
    // Pad with spaces (valid JSON whitespace) so only the size matters.
    return shell + " ".repeat(bytes - Buffer.byteLength(shell));
  };

  it("answers a body announced over 10 MB 413 before the key, as the reference's middleware did", async () => {
    const keys: Record<string, string>[] = [{}, { "x-api-key": "wrong-key" }, { "x-api-key": TEST_KEY }];
    for (const headers of keys) {
      // Only the head is sent: the answer comes before any of the body is read.
      const response = await rawCall("POST", "/complete", {
        ...headers,
        "content-type": "application/json",
        "content-length": String(10 * 1024 * 1024 + 1),
      });
      expect(response.status, JSON.stringify(headers)).toBe(413);
      expect(JSON.parse(response.text)).toEqual({ detail: "Request too large. Maximum size: 10MB" });
    }
    expect(fake.calls).toHaveLength(0);
  });

  it("takes a body of exactly 10 MB and refuses one byte more with 413", async () => {
    const atLimit = await agent.post("/complete", bodyOfSize(10 * 1024 * 1024));
    expect(atLimit.status).toBe(200);
    const over = await agent.post("/complete", bodyOfSize(10 * 1024 * 1024 + 1));
    expect(over.status).toBe(413);
    expect(over.body).toEqual({ detail: "Request too large. Maximum size: 10MB" });
  });
});

/**
 * A request with headers fetch cannot send (a header repeated on its own line, a Content-Length
 * with no body behind it yet): only the head goes out, and the answer is read.
 */
function rawCall(
  method: string,
  path: string,
  headers: Record<string, string | string[]>,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; text: string }> {
  return new Promise((resolve, reject) => {
    const sent = httpRequest(new URL(path, agent.url), { method, headers });
    sent.on("error", reject);
    sent.on("response", (response) => {
      let text = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => {
        text += chunk;
      });
      response.on("end", () => {
        resolve({ status: response.statusCode ?? 0, headers: response.headers, text });
        sent.destroy();
      });
    });
    sent.flushHeaders();
    if (headers["content-length"] === undefined) sent.end();
  });
}
