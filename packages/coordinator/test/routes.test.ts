// Every route and every status code the contract names, through Fastify's inject() on a real
// coordinator (SQLite in a temp dir): 200, 201, 204, 400, 401, 403, 404, 409, 413, 415, 422, 425, 429.
import { createHash, generateKeyPairSync, sign } from "node:crypto";
import { probeGetRoutes } from "@pithead/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { proofMessage } from "../src/core/proof-signature.ts";
import { type Body, items, sha256, startTestCoordinator, type TestCoordinator } from "./support/coordinator.ts";

let coordinator: TestCoordinator;

interface Injected {
  status: number;
  body: Body;
  headers: Record<string, unknown>;
}

async function inject(
  method: "GET" | "POST" | "DELETE",
  url: string,
  options: { key?: string; body?: unknown; raw?: string; headers?: Record<string, string> } = {},
): Promise<Injected> {
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  if (options.key) headers.authorization = `Bearer ${options.key}`;
  if (options.raw !== undefined && !headers["content-type"]) headers["content-type"] = "application/json";
  const response = await coordinator.running.app.inject({
    method,
    url,
    headers,
    ...(options.body !== undefined ? { payload: options.body as object } : {}),
    ...(options.raw !== undefined ? { payload: options.raw } : {}),
  });
  const json = String(response.headers["content-type"] ?? "").startsWith("application/json");
  return {
    status: response.statusCode,
    body: (json && response.body ? JSON.parse(response.body) : null) as Body,
    headers: response.headers,
  };
}

const uuid = "3f0c0b8e-8f3a-4c55-9d55-2d7a6c1f0a11";

beforeAll(async () => {
  coordinator = await startTestCoordinator();
});
afterAll(async () => {
  await coordinator[Symbol.asyncDispose]();
});

/** A job leased to a fresh miner; its own workload keeps other tests' queued jobs away from it. */
async function leasedJob(options: { reward?: number } = {}) {
  const suffix = Math.random().toString(36).slice(2, 8);
  const workload = `work_${suffix}`;
  const client = await coordinator.client();
  const miner = await coordinator.miner(`m-${suffix}`, { capabilities: { workloads: [workload] } });
  const job = await inject("POST", "/v1/jobs", {
    key: client.key,
    body: { workload, reward: options.reward ?? 100 },
  });
  const next = await inject("GET", `/v1/miner/next?miner=${miner.minerId}&slots=1`, { key: miner.key });
  expect(next.body.id).toBe(job.body.id);
  return { client, miner, jobId: String(job.body.id), leaseToken: String(next.body.lease_token) };
}

describe("the miner routes", () => {
  it("answers 204 with no body when there is no job, and 200 with the job when there is one", async () => {
    const miner = await coordinator.miner("idle-miner", { capabilities: { workloads: ["sd_infer"] } });
    const empty = await inject("GET", "/v1/miner/next?miner=idle-miner&slots=1", { key: miner.key });
    expect(empty.status).toBe(204);
    expect(empty.body).toBeNull();
    const client = await coordinator.client();
    await inject("POST", "/v1/jobs", {
      key: client.key,
      body: { workload: "sd_infer", reward: 5, params: { prompt: "a cat" } },
    });
    const next = await inject("GET", "/v1/miner/next?miner=idle-miner&slots=1", { key: miner.key });
    expect(next.status).toBe(200);
    expect(next.body).toMatchObject({
      workload: "sd_infer",
      params: { prompt: "a cat" },
      attempt: 1,
      max_runtime_s: 600,
    });
    expect(Date.parse(String(next.body.lease_expires_at))).toBeGreaterThan(coordinator.clock());
    // One slot, one job in flight: nothing more until it is proven.
    await inject("POST", "/v1/jobs", {
      key: client.key,
      body: { workload: "sd_infer", reward: 5, params: { prompt: "a dog" } },
    });
    expect((await inject("GET", "/v1/miner/next?miner=idle-miner&slots=1", { key: miner.key })).status).toBe(204);
    expect((await inject("GET", "/v1/miner/next?miner=idle-miner&slots=2", { key: miner.key })).status).toBe(200);
  });

  it("accepts gpu as 0/1 (the seed's script) or a boolean, and nothing else", async () => {
    const key = await coordinator.key("miner");
    for (const gpu of [0, 1, true, false]) {
      const reply = await inject("POST", "/v1/miner/heartbeat", {
        key: key.key,
        body: { miner_id: "flags", wallet: "w_flags", mode: "gpu", gpu },
      });
      expect(reply.status).toBe(200);
    }
    const bad = await inject("POST", "/v1/miner/heartbeat", {
      key: key.key,
      body: { miner_id: "flags", wallet: "w", mode: "gpu", gpu: "yes" },
    });
    expect(bad.status).toBe(422);
    expect(bad.body.error?.details?.field).toBe("body.gpu");
  });

  it("binds a miner id to the key that registered it", async () => {
    const first = await coordinator.miner("bound-miner");
    const other = await coordinator.key("miner");
    const stolen = await inject("POST", "/v1/miner/heartbeat", {
      key: other.key,
      body: { miner_id: "bound-miner", wallet: "thief", mode: "cpu", gpu: 0 },
    });
    expect(stolen.status).toBe(403);
    expect(stolen.body.error?.code).toBe("MINER_ID_TAKEN");
    const rename = await inject("POST", "/v1/miner/heartbeat", {
      key: first.key,
      body: { miner_id: "another-name", wallet: "w", mode: "cpu", gpu: 0 },
    });
    expect(rename.status).toBe(403);
    expect(rename.body.error?.code).toBe("KEY_BOUND_TO_OTHER_MINER");
    const poll = await inject("GET", "/v1/miner/next?miner=bound-miner", { key: other.key });
    expect(poll.status).toBe(403);
    expect(poll.body.error?.code).toBe("MINER_ID_TAKEN");
    const early = await inject("GET", "/v1/miner/next?miner=not-yet", { key: other.key });
    expect(early.status).toBe(409);
    expect(early.body.error?.code).toBe("MINER_NOT_REGISTERED");
    expect(early.body.error?.message).toContain("heartbeat");
  });

  it("checks the output against output_sha, and the size limit", async () => {
    const { miner, jobId } = await leasedJob();
    const wrong = await inject("POST", "/v1/miner/proof", {
      key: miner.key,
      body: { id: jobId, output_sha: sha256("something else"), metrics: {}, output: "hello" },
    });
    expect(wrong.status).toBe(422);
    expect(wrong.body.error).toMatchObject({
      code: "BAD_OUTPUT_SHA",
      details: { field: "body.output_sha", actual: sha256("hello") },
    });
    const badHash = await inject("POST", "/v1/miner/proof", {
      key: miner.key,
      body: { id: jobId, output_sha: "XYZ", metrics: {} },
    });
    expect(badHash.status).toBe(422);
    expect(badHash.body.error?.details?.field).toBe("body.output_sha");
    const badBase64 = await inject("POST", "/v1/miner/proof", {
      key: miner.key,
      body: { id: jobId, output_sha: sha256("x"), metrics: {}, output: "%%%", output_encoding: "base64" },
    });
    expect(badBase64.body.error?.code).toBe("BAD_OUTPUT_ENCODING");
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0xff, 0x00]);
    const ok = await inject("POST", "/v1/miner/proof", {
      key: miner.key,
      body: {
        id: jobId,
        output_sha: sha256(png),
        metrics: { seconds: 1.5 },
        output: png.toString("base64"),
        output_encoding: "base64",
      },
    });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ ok: true, accepted: true, state: "COMPLETED", credited: 99 });
  });

  it("refuses a body over the limit with 413 and an output over the inline limit with OUTPUT_TOO_LARGE", async () => {
    const key = await coordinator.key("miner");
    const huge = await inject("POST", "/v1/miner/heartbeat", {
      key: key.key,
      body: { miner_id: "big", wallet: "w", mode: "cpu", gpu: 0, capabilities: { region: "r".repeat(70_000) } },
    });
    expect(huge.status).toBe(413);
    expect(huge.body.error?.code).toBe("PAYLOAD_TOO_LARGE");
    const { miner, jobId } = await leasedJob();
    const limit = coordinator.running.config.maxOutputBytes;
    const output = "o".repeat(limit + 1);
    const tooBig = await inject("POST", "/v1/miner/proof", {
      key: miner.key,
      body: { id: jobId, output_sha: sha256(output), metrics: {}, output },
    });
    expect(tooBig.status).toBe(413);
    expect(tooBig.body.error).toMatchObject({ code: "OUTPUT_TOO_LARGE", details: { max_output_bytes: limit } });
  });

  it("verifies signed proofs when the miner registered a public key", async () => {
    const { publicKey, privateKey } = generateKeyPairSync("ed25519");
    const raw = publicKey.export({ format: "der", type: "spki" }).subarray(-32).toString("base64");
    const miner = await coordinator.miner("signing-miner", {
      capabilities: { workloads: ["llm_gen"], public_key: raw },
    });
    const client = await coordinator.client();
    const job = await inject("POST", "/v1/jobs", {
      key: client.key,
      body: { workload: "llm_gen", params: { prompt: "x" }, reward: 10 },
    });
    await inject("GET", "/v1/miner/next?miner=signing-miner", { key: miner.key });
    const jobId = String(job.body.id);
    const outputSha = sha256("tokens");
    const unsigned = await inject("POST", "/v1/miner/proof", {
      key: miner.key,
      body: { id: jobId, output_sha: outputSha, metrics: {} },
    });
    expect(unsigned.body.error?.code).toBe("SIGNATURE_REQUIRED");
    const forged = sign(
      null,
      proofMessage({ job_id: jobId, miner_id: "someone-else", output_sha: outputSha }),
      privateKey,
    );
    const bad = await inject("POST", "/v1/miner/proof", {
      key: miner.key,
      body: { id: jobId, output_sha: outputSha, metrics: {}, signature: forged.toString("base64") },
    });
    expect(bad.status).toBe(422);
    expect(bad.body.error?.code).toBe("BAD_SIGNATURE");
    const good = sign(
      null,
      proofMessage({ job_id: jobId, miner_id: "signing-miner", output_sha: outputSha }),
      privateKey,
    );
    const accepted = await inject("POST", "/v1/miner/proof", {
      key: miner.key,
      body: { id: jobId, output_sha: outputSha, metrics: { tokens: 12 }, signature: good.toString("base64") },
    });
    expect(accepted.status).toBe(200);
    const receipt = await inject("GET", `/v1/jobs/${jobId}/receipt`, { key: client.key });
    expect(receipt.body.receipt).toMatchObject({ units: 12, unit_type: "tokens" });
    const badKey = await inject("POST", "/v1/miner/heartbeat", {
      key: miner.key,
      body: { miner_id: "signing-miner", wallet: "w", mode: "cpu", gpu: 0, capabilities: { public_key: "not a key" } },
    });
    expect(badKey.body.error).toMatchObject({
      code: "INVALID_PUBLIC_KEY",
      details: { field: "body.capabilities.public_key" },
    });
  });

  it("claims in batches and proves in batches, each proof with its own status", async () => {
    const client = await coordinator.client();
    const miner = await coordinator.miner("batch-miner", { capabilities: { workloads: ["batch_work"] } });
    for (let i = 0; i < 3; i++)
      await inject("POST", "/v1/jobs", { key: client.key, body: { workload: "batch_work", reward: 1 } });
    const claimed = await inject("POST", "/v1/miner/claim", {
      key: miner.key,
      body: { miner_id: "batch-miner", max_jobs: 5 },
    });
    expect(claimed.status).toBe(200);
    const jobs = items(claimed.body.jobs);
    expect(jobs).toHaveLength(3);
    const proofs = jobs.map((job) => ({ id: String(job.id), output_sha: sha256(String(job.id)), metrics: {} }));
    proofs.push({ id: uuid, output_sha: sha256("x"), metrics: {} });
    const proved = await inject("POST", "/v1/miner/proofs", { key: miner.key, body: { proofs } });
    expect(proved.status).toBe(200);
    expect(items(proved.body.results).map((result) => result.status)).toEqual([200, 200, 200, 404]);
    expect(items(proved.body.results)[3]?.body?.error?.code).toBe("JOB_NOT_FOUND");
  });

  it("gives a job back with /fail and lets another miner take it", async () => {
    const { miner, jobId } = await leasedJob();
    const failed = await inject("POST", "/v1/miner/fail", {
      key: miner.key,
      body: { id: jobId, error_code: "OOM", message: "CUDA out of memory" },
    });
    expect(failed.status).toBe(200);
    expect(failed.body).toMatchObject({ ok: true, requeued: true, state: "QUEUED" });
    const again = await inject("POST", "/v1/miner/fail", { key: miner.key, body: { id: jobId } });
    expect(again.body).toMatchObject({ ok: true, requeued: true });
    const job = await inject("GET", `/v1/jobs/${jobId}`, { key: coordinator.adminKey });
    expect(items(job.body.leases)[0]).toMatchObject({ state: "FAILED", miner_id: miner.minerId });
  });
});

describe("the client routes", () => {
  it("submits (201, Location), reads (200), lists with a cursor, and escrows the reward", async () => {
    const client = await coordinator.client(1_000);
    const created = await inject("POST", "/v1/jobs", {
      key: client.key,
      body: { workload: "llm_gen", params: { prompt: "hi" }, reward: 100, ttl_s: 60, constraints: { gpu: true } },
    });
    expect(created.status).toBe(201);
    expect(created.headers.location).toBe(`/v1/jobs/${created.body.id}`);
    expect(created.body).toMatchObject({ state: "QUEUED", escrow: 100, reward: 100, ttl_s: 60, client: client.wallet });
    const balance = await inject("GET", "/v1/wallet/balance", { key: client.key });
    expect(balance.body).toMatchObject({ address: client.wallet, balance: 900, pending: 100 });
    for (let i = 0; i < 4; i++)
      await inject("POST", "/v1/jobs", {
        key: client.key,
        body: { workload: "llm_gen", params: { prompt: "x" }, reward: 1 },
      });
    const page1 = await inject("GET", "/v1/jobs?limit=3", { key: client.key });
    expect(items(page1.body.jobs)).toHaveLength(3);
    const page2 = await inject("GET", `/v1/jobs?limit=3&cursor=${page1.body.next_cursor}`, { key: client.key });
    expect(items(page2.body.jobs)).toHaveLength(2);
    expect(page2.body.next_cursor).toBeNull();
    const all = [...items(page1.body.jobs), ...items(page2.body.jobs)].map((job) => job.id);
    expect(new Set(all).size).toBe(5);
    const queued = await inject("GET", "/v1/jobs?state=QUEUED&limit=50", { key: client.key });
    expect(items(queued.body.jobs).every((job) => String(job.state) === "QUEUED")).toBe(true);
  });

  it("replays a POST with the same Idempotency-Key and refuses the key with another body", async () => {
    const client = await coordinator.client(1_000);
    const headers = { "idempotency-key": "5b1d6f0e-idem-1" };
    const first = await inject("POST", "/v1/jobs", {
      key: client.key,
      headers,
      body: { workload: "torch_bench", reward: 300 },
    });
    const replay = await inject("POST", "/v1/jobs", {
      key: client.key,
      headers,
      body: { workload: "torch_bench", reward: 300 },
    });
    expect(first.status).toBe(201);
    expect(replay.status).toBe(201);
    expect(replay.body).toEqual(first.body);
    expect(replay.headers["idempotent-replayed"]).toBe("true");
    expect((await inject("GET", "/v1/wallet/balance", { key: client.key })).body.balance).toBe(700);
    const reused = await inject("POST", "/v1/jobs", {
      key: client.key,
      headers,
      body: { workload: "torch_bench", reward: 301 },
    });
    expect(reused.status).toBe(409);
    expect(reused.body.error?.code).toBe("IDEMPOTENCY_KEY_REUSED");
    // Keys are per principal: another client may use the same key for its own request.
    const other = await coordinator.client(1_000);
    expect(
      (await inject("POST", "/v1/jobs", { key: other.key, headers, body: { workload: "torch_bench", reward: 1 } }))
        .status,
    ).toBe(201);
    const badKey = await inject("POST", "/v1/jobs", {
      key: client.key,
      headers: { "idempotency-key": "x".repeat(300) },
      body: { workload: "torch_bench", reward: 1 },
    });
    expect(badKey.status).toBe(400);
    expect(badKey.body.error?.code).toBe("BAD_IDEMPOTENCY_KEY");
  });

  it("answers 425 before a result exists, then the result with its receipt", async () => {
    const { client, miner, jobId } = await leasedJob();
    const early = await inject("GET", `/v1/jobs/${jobId}/result`, { key: client.key });
    expect(early.status).toBe(425);
    expect(early.headers["retry-after"]).toBe("1");
    expect(early.body.error?.code).toBe("JOB_NOT_READY");
    expect((await inject("GET", `/v1/jobs/${jobId}/receipt`, { key: client.key })).status).toBe(425);
    await inject("POST", "/v1/miner/proof", {
      key: miner.key,
      body: { id: jobId, output_sha: sha256("42"), metrics: {}, output: "42" },
    });
    const result = await inject("GET", `/v1/jobs/${jobId}/result`, { key: client.key });
    expect(result.status).toBe(200);
    expect(result.body).toMatchObject({ output: "42", output_encoding: "utf8", output_sha: sha256("42") });
    expect(result.body.receipt?.receipt?.job_id).toBe(jobId);
  });

  it("cancels with a refund, and answers 409 once the job is final", async () => {
    const client = await coordinator.client(500);
    const job = await inject("POST", "/v1/jobs", { key: client.key, body: { workload: "never_taken", reward: 500 } });
    const canceled = await inject("POST", `/v1/jobs/${job.body.id}/cancel`, { key: client.key });
    expect(canceled.status).toBe(200);
    expect(canceled.body.state).toBe("CANCELED");
    expect((await inject("GET", "/v1/wallet/balance", { key: client.key })).body.balance).toBe(500);
    const again = await inject("POST", `/v1/jobs/${job.body.id}/cancel`, { key: client.key });
    expect(again.status).toBe(409);
    expect(again.body.error?.code).toBe("JOB_FINAL");
    const result = await inject("GET", `/v1/jobs/${job.body.id}/result`, { key: client.key });
    expect(result.status).toBe(409);
    expect(result.body.error?.message).toContain("CANCELED");
  });

  it("refuses a job the wallet cannot pay for, naming the amounts", async () => {
    const client = await coordinator.client(50);
    const reply = await inject("POST", "/v1/jobs", {
      key: client.key,
      body: { workload: "torch_bench", reward: 30, verification: { mode: "replicate", replicas: 2 } },
    });
    expect(reply.status).toBe(422);
    expect(reply.body.error).toMatchObject({ code: "INSUFFICIENT_FUNDS", details: { balance: 50, required: 60 } });
    expect(reply.body.error?.message).toBe(
      `Wallet ${client.wallet} has 50 available, but this job needs 60 (a reward of 30 for each of 2 replicas) held in escrow: 10 short. Amounts are in the wallet's smallest unit, as its balance shows them.`,
    );
    const single = await inject("POST", "/v1/jobs", { key: client.key, body: { workload: "torch_bench", reward: 80 } });
    expect(single.status).toBe(422);
    expect(single.body.error?.code).toBe("INSUFFICIENT_FUNDS");
    expect(single.body.error?.message).toContain("needs 80 (its reward) held in escrow: 30 short");
    expect(single.body.error?.message).not.toContain("replicas");
  });

  it("refuses a mistyped field or constraint, naming it, instead of running the job on any miner", async () => {
    const client = await coordinator.client(500);
    const submit = (body: Record<string, unknown>) => inject("POST", "/v1/jobs", { key: client.key, body });
    const typo = await submit({ workload: "torch_bench", reward: 100, constraints: { min_vram: 8000 } });
    expect(typo.status).toBe(422);
    expect(typo.body.error).toMatchObject({
      code: "VALIDATION_FAILED",
      details: { field: "body.constraints.min_vram" },
    });
    expect(typo.body.error?.message).toMatch(/body\.constraints\.min_vram is not a known field/);
    const both = await submit({
      workload: "torch_bench",
      reward: 100,
      rewrad: 5,
      verification: { mode: "none", qourum: 1 },
    });
    expect(both.status).toBe(422);
    const details = both.body.error?.details as unknown as { errors: { field: string }[] } | undefined;
    const fields = (details?.errors ?? []).map((error) => error.field);
    expect(fields.sort()).toEqual(["body.rewrad", "body.verification.qourum"]);
    expect((await inject("GET", "/v1/wallet/balance", { key: client.key })).body.balance).toBe(500);
    // Spelled right, the same job is accepted.
    expect((await submit({ workload: "torch_bench", reward: 100, constraints: { min_vram_mb: 8000 } })).status).toBe(
      201,
    );
  });

  it("refuses params a built-in workload's miners would refuse, naming the field, and escrows nothing", async () => {
    const client = await coordinator.client(500);
    const refused = async (workload: string, params: unknown) => {
      const reply = await inject("POST", "/v1/jobs", { key: client.key, body: { workload, params, reward: 100 } });
      expect(reply.status).toBe(422);
      expect(reply.body.error).toMatchObject({ code: "INVALID_PARAMS", details: { workload } });
      return reply.body.error as unknown as { message: string; details: { field: string } };
    };
    const tokens = await refused("llm_gen", { prompt: "abc", max_tokens: "x" });
    expect(tokens.details.field).toBe("body.params.max_tokens");
    expect(tokens.message).toBe('params.max_tokens must be a whole number from 1 to 1048576, got "x"');
    expect((await refused("llm_gen", { max_tokens: 8 })).message).toMatch(/exactly one of prompt .* or messages/);
    expect((await refused("sd_infer", { prompt: "a cat", width: 500 })).details.field).toBe("body.params.width");
    expect((await refused("torch_bench", { n: 8 })).details.field).toBe("body.params.n");
    expect((await refused("torch_bench", [1, 2])).details.field).toBe("body.params");
    const balance = await inject("GET", "/v1/wallet/balance", { key: client.key });
    expect(balance.body.balance).toBe(500);
    // A workload Pithead does not know is the miners' business: its params pass as they are.
    const custom = await inject("POST", "/v1/jobs", {
      key: client.key,
      body: { workload: "my_render", params: { max_tokens: "x" }, reward: 100 },
    });
    expect(custom.status).toBe(201);
  });

  it("refuses lone surrogates and 100,000-level nesting with 422 naming the field, and escrows nothing", async () => {
    const client = await coordinator.client(500);
    // Valid JSON, not Unicode: no canonical hash or signature can hold it (it used to be a 500).
    const surrogate = await inject("POST", "/v1/jobs", {
      key: client.key,
      raw: '{"workload":"llm_gen","reward":10,"params":{"prompt":"a\\ud800b"}}',
    });
    expect(surrogate.status).toBe(422);
    expect(surrogate.body.error?.details?.field).toBe("body.params.prompt");
    const inKey = await inject("POST", "/v1/jobs", {
      key: client.key,
      raw: '{"workload":"my_render","reward":10,"params":{"\\udc00":1}}',
    });
    expect(inKey.body.error?.details?.field).toBe("body.params.\udc00");
    const deep = await inject("POST", "/v1/jobs", {
      key: client.key,
      raw: `{"workload":"my_render","reward":10,"params":{"a":${"[".repeat(100_000)}${"]".repeat(100_000)}}}`,
      headers: { "content-type": "application/json" },
    });
    expect(deep.status).toBe(422);
    expect(deep.body.error?.details?.field).toMatch(/^body\.params\.a(\.0)+$/);
    const balance = await inject("GET", "/v1/wallet/balance", { key: client.key });
    expect(balance.body).toMatchObject({ balance: 500, pending: 0 });
  });

  it("rejects malformed JSON, wrong types, unknown and malformed ids with the envelope", async () => {
    const client = await coordinator.client();
    const malformed = await inject("POST", "/v1/jobs", { key: client.key, raw: '{"workload": "x",' });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error?.code).toBe("INVALID_JSON");
    const wrongType = await inject("POST", "/v1/jobs", {
      key: client.key,
      body: { workload: "torch_bench", reward: "100" },
    });
    expect(wrongType.status).toBe(422);
    expect(wrongType.body.error?.details?.field).toBe("body.reward");
    const float = await inject("POST", "/v1/jobs", { key: client.key, body: { workload: "torch_bench", reward: 1.5 } });
    expect(float.body.error?.details?.field).toBe("body.reward");
    const missing = await inject("POST", "/v1/jobs", { key: client.key, body: { reward: 1 } });
    expect(missing.body.error?.details?.field).toBe("body.workload");
    const infinite = await inject("POST", "/v1/jobs", {
      key: client.key,
      raw: '{"workload":"torch_bench","reward":1,"params":{"x":1e999}}',
    });
    expect(infinite.status).toBe(422);
    expect(infinite.body.error?.details?.field).toBe("body.params.x");
    const quorum = await inject("POST", "/v1/jobs", {
      key: client.key,
      body: { workload: "torch_bench", reward: 1, verification: { mode: "replicate", replicas: 2, quorum: 3 } },
    });
    expect(quorum.body.error?.code).toBe("INVALID_VERIFICATION");
    const unknown = await inject("GET", `/v1/jobs/${uuid}`, { key: client.key });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error?.code).toBe("JOB_NOT_FOUND");
    const badId = await inject("GET", "/v1/jobs/not-a-uuid", { key: client.key });
    expect(badId.status).toBe(422);
    expect(badId.body.error?.details?.field).toBe("params.id");
    const badCursor = await inject("GET", "/v1/jobs?cursor=zzzz", { key: client.key });
    expect(badCursor.status).toBe(400);
    expect(badCursor.body.error?.code).toBe("INVALID_CURSOR");
    const text = await inject("POST", "/v1/jobs", {
      key: client.key,
      raw: "hello",
      headers: { "content-type": "text/plain" },
    });
    expect(text.status).toBe(415);
    const encoding = await inject("GET", "/v1/jobs/%ff", { key: client.key });
    expect(encoding.status).toBe(400);
    expect(encoding.body.error?.code).toBe("BAD_REQUEST");
    // The longest wallet address the schema allows (128 characters) is a path segment the router takes.
    const longest = `w${"x".repeat(127)}`;
    await coordinator.fund(longest, 5);
    const tooLong = await inject("POST", `/v1/admin/wallets/${"x".repeat(300)}/fund`, {
      key: coordinator.adminKey,
      body: { amount: 5 },
    });
    expect(tooLong.status).toBe(414);
    expect(tooLong.body.error?.code).toBe("URI_TOO_LONG");
    const route = await inject("GET", "/v1/nothing-here", { key: client.key });
    expect(route.status).toBe(404);
    expect(route.body.error?.code).toBe("NOT_FOUND");
  });
});

describe("admin routes", () => {
  it("creates (201), lists and revokes keys; the key is shown once and stored hashed", async () => {
    const created = await inject("POST", "/v1/admin/keys", {
      key: coordinator.adminKey,
      body: { role: "client", label: "ci" },
    });
    expect(created.status).toBe(201);
    expect(String(created.body.key)).toMatch(/^ph_client_[0-9a-f]{12}_/);
    expect(String(created.body.wallet)).toMatch(/^pw_/);
    const replayHeaders = { "idempotency-key": "key-create-1" };
    const once = await inject("POST", "/v1/admin/keys", {
      key: coordinator.adminKey,
      headers: replayHeaders,
      body: { role: "miner" },
    });
    const replay = await inject("POST", "/v1/admin/keys", {
      key: coordinator.adminKey,
      headers: replayHeaders,
      body: { role: "miner" },
    });
    expect(once.body.key).toBeTruthy();
    expect(replay.body).toMatchObject({ id: once.body.id, key: null });
    const list = await inject("GET", "/v1/admin/keys", { key: coordinator.adminKey });
    expect(JSON.stringify(list.body)).not.toContain(String(created.body.key));
    const revoked = await inject("DELETE", `/v1/admin/keys/${created.body.id}`, { key: coordinator.adminKey });
    expect(revoked.status).toBe(200);
    expect(revoked.body.revoked_at).toBeTruthy();
    expect((await inject("DELETE", "/v1/admin/keys/ffffffffffff", { key: coordinator.adminKey })).status).toBe(404);
  });

  it("funds wallets, lists them, and audits the books", async () => {
    const funded = await inject("POST", "/v1/admin/wallets/audit_wallet/fund", {
      key: coordinator.adminKey,
      body: { amount: 1234 },
    });
    expect(funded.body).toEqual({ address: "audit_wallet", balance: 1234 });
    expect(
      (await inject("POST", "/v1/admin/wallets/audit_wallet/fund", { key: coordinator.adminKey, body: { amount: 0 } }))
        .status,
    ).toBe(422);
    expect(
      (await inject("POST", "/v1/admin/wallets/bad%20addr/fund", { key: coordinator.adminKey, body: { amount: 1 } }))
        .status,
    ).toBe(422);
    const wallets = await inject("GET", "/v1/admin/wallets?limit=1000", { key: coordinator.adminKey });
    expect(items(wallets.body.wallets).some((wallet) => String(wallet.address) === "audit_wallet")).toBe(true);
    const audit = await inject("GET", "/v1/admin/audit", { key: coordinator.adminKey });
    expect(audit.body).toMatchObject({ ok: true, total: 0, mismatched: [], unbalanced: [] });
    expect(audit.body.held).toBe(audit.body.funded);
  });

  it("reports stats and miners, and drains a miner so it gets no new work", async () => {
    const miner = await coordinator.miner("drain-me", { capabilities: { workloads: ["drain_work"] } });
    const client = await coordinator.client();
    await inject("POST", "/v1/jobs", { key: client.key, body: { workload: "drain_work", reward: 1 } });
    const drained = await inject("POST", "/v1/admin/miners/drain-me/drain", { key: coordinator.adminKey });
    expect(drained.body).toMatchObject({ miner_id: "drain-me", status: "draining" });
    expect((await inject("GET", "/v1/miner/next?miner=drain-me", { key: miner.key })).status).toBe(204);
    await inject("POST", "/v1/admin/miners/drain-me/resume", { key: coordinator.adminKey });
    expect((await inject("GET", "/v1/miner/next?miner=drain-me", { key: miner.key })).status).toBe(200);
    const miners = await inject("GET", "/v1/admin/miners?limit=1000", { key: coordinator.adminKey });
    expect(items(miners.body.miners).find((m) => String(m.miner_id) === "drain-me")).toMatchObject({
      in_flight: 1,
      reputation: 500,
      status: "online",
    });
    expect((await inject("POST", "/v1/admin/miners/nobody/drain", { key: coordinator.adminKey })).status).toBe(404);
    const leased = await inject("GET", "/v1/admin/jobs?state=LEASED&limit=500", { key: coordinator.adminKey });
    expect(items(leased.body.jobs).some((job) => String(job.workload) === "drain_work")).toBe(true);
    expect((await inject("GET", "/v1/admin/jobs", { key: client.key })).status).toBe(403);
    const stats = await inject("GET", "/v1/admin/stats", { key: coordinator.adminKey });
    expect(stats.body.jobs?.LEASED).toBeGreaterThanOrEqual(1);
    expect(stats.body.miners?.online).toBeGreaterThanOrEqual(1);
  });

  it("sweeps on demand: expired leases go back to the queue", async () => {
    const { jobId } = await leasedJob();
    coordinator.clock.advance(121_000);
    const swept = await inject("POST", "/v1/admin/sweep", { key: coordinator.adminKey });
    expect(swept.body.leases_expired).toBeGreaterThanOrEqual(1);
    const job = await inject("GET", `/v1/jobs/${jobId}`, { key: coordinator.adminKey });
    expect(job.body).toMatchObject({ state: "QUEUED", attempt: 1 });
  });
});

describe("bad query input", () => {
  it("answers boundary values in every GET route's path and query parameters without a 5xx", async () => {
    const admin = { authorization: `Bearer ${coordinator.adminKey}` };
    // Event streams stay open by design: they are tested in long-poll-and-events.test.ts.
    const { requests, findings } = await probeGetRoutes(coordinator.running.app, () => admin, {
      skip: (path) => path.endsWith("/events"),
    });
    expect(findings).toEqual([]);
    expect(requests).toBeGreaterThan(200);
  });
});

describe("metrics", () => {
  /** The value of one sample line of /metrics, e.g. `pithead_coordinator_jobs{state="QUEUED"}`. */
  async function sample(line: string): Promise<number> {
    const text = (await coordinator.running.app.inject({ method: "GET", url: "/metrics" })).body;
    const found = text.split("\n").find((row) => row.startsWith(`${line} `));
    if (found === undefined) throw new Error(`no sample ${line} in /metrics`);
    return Number(found.slice(line.length + 1));
  }

  it("counts jobs by state, replicas waiting and miners online, for a Prometheus scrape", async () => {
    const queued = await sample('pithead_coordinator_jobs{state="QUEUED"}');
    const depth = await sample("pithead_coordinator_queue_depth");
    const online = await sample('pithead_coordinator_miners{status="online"}');
    const client = await coordinator.client();
    const workload = `metrics_${Math.random().toString(36).slice(2, 8)}`;
    const job = await inject("POST", "/v1/jobs", {
      key: client.key,
      body: { workload, reward: 10, verification: { mode: "replicate", replicas: 3, quorum: 2 } },
    });
    expect(job.status).toBe(201);
    await coordinator.miner(`metrics-miner-${workload}`, { capabilities: { workloads: ["none_here"] } });
    expect(await sample('pithead_coordinator_jobs{state="QUEUED"}')).toBe(queued + 1);
    expect(await sample("pithead_coordinator_queue_depth")).toBe(depth + 3);
    expect(await sample('pithead_coordinator_miners{status="online"}')).toBe(online + 1);
    expect(await sample("pithead_coordinator_waiting_miners")).toBe(0);
  });
});

describe("auth", () => {
  it("answers 401 without a key or with an unknown one, and 403 for the wrong role", async () => {
    const none = await inject("GET", "/v1/jobs");
    expect(none.status).toBe(401);
    expect(none.headers["www-authenticate"]).toBe("Bearer");
    const unknown = await inject("GET", "/v1/jobs", { key: "ph_client_000000000000_nope" });
    expect(unknown.status).toBe(401);
    const client = await coordinator.client();
    const miner = await coordinator.miner("role-miner");
    const clientAsMiner = await inject("GET", "/v1/miner/next?miner=role-miner", { key: client.key });
    expect(clientAsMiner.status).toBe(403);
    expect(clientAsMiner.body.error?.details).toMatchObject({ role: "client", allowed: ["miner"] });
    expect((await inject("POST", "/v1/jobs", { key: miner.key, body: { workload: "x", reward: 1 } })).status).toBe(403);
    expect((await inject("GET", "/v1/admin/stats", { key: client.key })).status).toBe(403);
  });

  it("tells a caller with no key exactly how to ask for a balance", async () => {
    const reply = await inject("GET", "/v1/wallet/balance");
    expect(reply.status).toBe(401);
    expect(reply.body.error?.details).toMatchObject({ header: "Authorization: Bearer <API_KEY>", docs: "/docs" });
  });

  it("serves the public routes without a key", async () => {
    const key = await inject("GET", "/v1/keys/receipts");
    expect(key.status).toBe(200);
    expect(key.body).toMatchObject({ algorithm: "Ed25519" });
    expect(key.body.key_id).toBe(
      createHash("sha256")
        .update(Buffer.from(String(key.body.public_key), "base64"))
        .digest("hex"),
    );
    expect((await inject("GET", "/health")).status).toBe(200);
    expect((await inject("GET", "/openapi.json")).status).toBe(200);
    expect((await inject("GET", "/metrics")).status).toBe(200);
  });
});

describe("rate limits", () => {
  it("answers 429 with Retry-After once a key passes its limit", async () => {
    await using limited = await startTestCoordinator({ config: { rateLimitPerMinute: 3 } });
    const key = await limited.key("client", { wallet: "rl_wallet" });
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 5; i++) {
      const reply = await limited.call("GET", "/v1/jobs", { key: key.key });
      statuses.push(reply.status);
      if (reply.status === 429) {
        retryAfter = reply.headers.get("retry-after");
        expect(reply.body.error?.code).toBe("RATE_LIMITED");
      }
    }
    expect(statuses.slice(0, 3)).toEqual([200, 200, 200]);
    expect(statuses.slice(3)).toEqual([429, 429]);
    expect(Number(retryAfter)).toBeGreaterThan(0);
  });
});
