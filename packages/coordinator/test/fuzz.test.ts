// Property: whatever arrives — arbitrary JSON, valid bodies with one field broken, random ids and
// query strings, wrong content types — every route answers with the error envelope and a 4xx (or
// a success), never a 500.
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sha256, startTestCoordinator, type TestCoordinator } from "./support/coordinator.ts";

let coordinator: TestCoordinator;
let keys: { admin: string; client: string; miner: string };
let jobId: string;

beforeAll(async () => {
  coordinator = await startTestCoordinator();
  const client = await coordinator.client(1_000_000);
  const miner = await coordinator.miner("fuzz-miner");
  keys = { admin: coordinator.adminKey, client: client.key, miner: miner.key };
  const job = await coordinator.call("POST", "/v1/jobs", {
    key: client.key,
    body: { workload: "torch_bench", reward: 1 },
  });
  jobId = String(job.body.id);
});
afterAll(async () => {
  await coordinator[Symbol.asyncDispose]();
});

interface RouteCase {
  method: "GET" | "POST" | "DELETE";
  path: (id: string) => string;
  key: keyof typeof keys;
  valid?: () => Record<string, unknown>;
}

const routes: RouteCase[] = [
  {
    method: "POST",
    path: () => "/v1/miner/heartbeat",
    key: "miner",
    valid: () => ({ miner_id: "fuzz-miner", wallet: "w_fuzz", mode: "cpu", gpu: 0 }),
  },
  {
    method: "POST",
    path: () => "/v1/miner/claim",
    key: "miner",
    valid: () => ({ miner_id: "fuzz-miner", max_jobs: 1, wait_s: 0 }),
  },
  {
    method: "POST",
    path: () => "/v1/miner/proof",
    key: "miner",
    valid: () => ({ id: jobId, output_sha: sha256("x"), metrics: {}, output: "x" }),
  },
  {
    method: "POST",
    path: () => "/v1/miner/proofs",
    key: "miner",
    valid: () => ({ proofs: [{ id: jobId, output_sha: sha256("y"), metrics: {} }] }),
  },
  {
    method: "POST",
    path: () => "/v1/miner/fail",
    key: "miner",
    valid: () => ({ id: jobId, error_code: "E", message: "m" }),
  },
  {
    method: "POST",
    path: () => "/v1/jobs",
    key: "client",
    valid: () => ({
      workload: "torch_bench",
      reward: 1,
      params: { n: 64 },
      constraints: { gpu: false },
      verification: { mode: "replicate", replicas: 3, quorum: 2 },
      ttl_s: 60,
    }),
  },
  { method: "POST", path: (id) => `/v1/jobs/${id}/cancel`, key: "client" },
  {
    method: "POST",
    path: () => "/v1/admin/keys",
    key: "admin",
    valid: () => ({ role: "client", label: "l", wallet: "w_ok" }),
  },
  { method: "POST", path: (id) => `/v1/admin/wallets/${id}/fund`, key: "admin", valid: () => ({ amount: 5 }) },
  { method: "DELETE", path: (id) => `/v1/admin/keys/${id}`, key: "admin" },
  { method: "POST", path: (id) => `/v1/admin/miners/${id}/drain`, key: "admin" },
  { method: "GET", path: (id) => `/v1/jobs/${id}`, key: "client" },
  { method: "GET", path: (id) => `/v1/jobs/${id}/result`, key: "client" },
  { method: "GET", path: (id) => `/v1/jobs/${id}/receipt`, key: "client" },
  { method: "GET", path: (id) => `/v1/jobs/${id}/ledger`, key: "client" },
  { method: "GET", path: (id) => `/v1/ledger/records/${id}`, key: "admin" },
];

const queryRoutes: { path: string; key: keyof typeof keys }[] = [
  { path: "/v1/miner/next", key: "miner" },
  { path: "/v1/jobs", key: "client" },
  { path: "/v1/wallet/balance", key: "client" },
  { path: "/v1/admin/wallets", key: "admin" },
  { path: "/v1/ledger/consistency", key: "admin" },
  { path: "/v1/ledger/records", key: "admin" },
];

async function send(method: string, url: string, key: string, payload?: string, contentType = "application/json") {
  const response = await coordinator.running.app.inject({
    method: method as "GET",
    url,
    headers: { authorization: `Bearer ${key}`, ...(payload !== undefined ? { "content-type": contentType } : {}) },
    ...(payload !== undefined ? { payload } : {}),
  });
  return { status: response.statusCode, body: response.body, type: String(response.headers["content-type"] ?? "") };
}

function expectSane(result: { status: number; body: string; type: string }, what: string) {
  expect(result.status, `${what} → ${result.body.slice(0, 300)}`).toBeLessThan(500);
  if (result.status >= 400) {
    expect(result.type).toContain("application/json");
    const body = JSON.parse(result.body) as { error?: { code?: unknown; message?: unknown } };
    expect(typeof body.error?.code, what).toBe("string");
    expect(typeof body.error?.message, what).toBe("string");
  }
}

const idLike = fc.oneof(
  fc.uuid(),
  fc.string({ maxLength: 40 }),
  fc.constantFrom("..", "%2e%2e", "a%00b", "😀", "0", "-1"),
);
const jsonText = fc.oneof(
  fc.json({ maxDepth: 4 }),
  fc.string({ maxLength: 60 }),
  fc.constantFrom("{", "[1,", '{"a":1e999}', '{"__proto__":{"x":1}}', '{"constructor":{"prototype":{}}}', "null", ""),
);

describe("fuzzing the request schemas", () => {
  it("no route answers 500 to arbitrary bodies", async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...routes), jsonText, idLike, async (route, payload, id) => {
        const url = route.path(encodeURIComponent(id));
        expectSane(await send(route.method, url, keys[route.key], payload), `${route.method} ${url} ${payload}`);
      }),
      { numRuns: 250 },
    );
  });

  it("no route answers 500 to a valid body with one field replaced, dropped or added", async () => {
    const withBodies = routes.filter((route) => route.valid);
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...withBodies),
        fc.nat(),
        fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.constant(undefined)),
        fc.string({ maxLength: 12 }),
        async (route, pick, value, extra) => {
          const body = route.valid?.() ?? {};
          const fields = Object.keys(body);
          const field = fields[pick % fields.length] ?? extra;
          if (value === undefined) delete body[field];
          else body[field] = value;
          if (pick % 3 === 0) body[extra] = value ?? null;
          const payload = JSON.stringify(body);
          const url = route.path(jobId);
          expectSane(await send(route.method, url, keys[route.key], payload), `${route.method} ${url} ${payload}`);
        },
      ),
      { numRuns: 250 },
    );
  });

  it("no query string makes a route answer 500", async () => {
    const param = fc.constantFrom(
      "miner",
      "slots",
      "wait",
      "state",
      "limit",
      "cursor",
      "address",
      "after",
      "from",
      "to",
      "partition",
      "reverse",
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...queryRoutes),
        fc.array(fc.tuple(param, fc.string({ maxLength: 20 })), { maxLength: 4 }),
        async (route, pairs) => {
          const query = pairs.map(([name, value]) => `${name}=${encodeURIComponent(value)}`).join("&");
          const url = `${route.path}?${query}`;
          expectSane(await send("GET", url, keys[route.key]), `GET ${url}`);
        },
      ),
      { numRuns: 150 },
    );
  });

  it("refuses non-JSON content types and oversized bodies with the envelope", async () => {
    for (const type of [
      "text/plain",
      "application/x-www-form-urlencoded",
      "multipart/form-data; boundary=x",
      "application/xml",
    ]) {
      expectSane(await send("POST", "/v1/jobs", keys.client, "a=1", type), type);
    }
    const big = JSON.stringify({ workload: "torch_bench", reward: 1, params: { blob: "x".repeat(300 * 1024) } });
    const result = await send("POST", "/v1/jobs", keys.client, big);
    expect(result.status).toBe(413);
    expectSane(result, "oversized");
  });
});
