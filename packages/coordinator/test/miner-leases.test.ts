// Leases that outlive their work, and the miner ids that outlive their keys, on a real coordinator
// (SQLite, manual clock, over HTTP): an oversized proof says OUTPUT_TOO_LARGE with the limit; a
// heartbeat listing all the miner's jobs keeps only those leases and names the ones it lost; a miner
// key is rotated without losing its miner id.
import { execFile } from "node:child_process";
import { resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Body, items, sha256, startTestCoordinator, type TestCoordinator } from "./support/coordinator.ts";

const MAX_OUTPUT_BYTES = 1024;
let coordinator: TestCoordinator;

beforeAll(async () => {
  coordinator = await startTestCoordinator({ config: { maxOutputBytes: MAX_OUTPUT_BYTES } });
});
afterAll(async () => {
  await coordinator[Symbol.asyncDispose]();
});

let counter = 0;

/** A registered miner with a job of its own workload leased to it (other tests' jobs stay away). */
async function leased(options: { maxAttempts?: number } = {}) {
  const workload = `work_${++counter}`;
  const client = await coordinator.client();
  const miner = await coordinator.miner(`lease-miner-${counter}`, { capabilities: { workloads: [workload] } });
  const job = await coordinator.call("POST", "/v1/jobs", {
    key: client.key,
    body: { workload, reward: 100, ...(options.maxAttempts ? { max_attempts: options.maxAttempts } : {}) },
  });
  expect(job.status).toBe(201);
  const jobId = String(job.body.id);
  const next = await coordinator.call("GET", `/v1/miner/next?miner=${miner.minerId}&slots=1`, { key: miner.key });
  expect(next.body.id).toBe(jobId);
  return { client, miner, jobId, workload };
}

function heartbeat(
  miner: { key: string; minerId: string; wallet: string },
  extra: Record<string, unknown> = {},
): Promise<{ status: number; body: Body }> {
  return coordinator.call("POST", "/v1/miner/heartbeat", {
    key: miner.key,
    body: { miner_id: miner.minerId, wallet: miner.wallet, mode: "cpu", gpu: 0, ...extra },
  });
}

const jobView = (clientKey: string, jobId: string) => coordinator.call("GET", `/v1/jobs/${jobId}`, { key: clientKey });

describe("a proof too large to take inline", () => {
  it("is 413 OUTPUT_TOO_LARGE with max_output_bytes even when its body is over the route's body limit, and heartbeats announce the limit", async () => {
    const { miner, jobId } = await leased();
    const output = Buffer.alloc(80 * 1024, 1); // its base64 body is past the body limit
    const proof = { id: jobId, output_sha: sha256(output), metrics: {}, output: output.toString("base64") };
    const single = await coordinator.call("POST", "/v1/miner/proof", {
      key: miner.key,
      body: { ...proof, output_encoding: "base64" },
    });
    expect(single.status).toBe(413);
    expect(single.body.error).toMatchObject({
      code: "OUTPUT_TOO_LARGE",
      details: { max_output_bytes: MAX_OUTPUT_BYTES },
    });
    expect(String(single.body.error?.message)).toContain(`${MAX_OUTPUT_BYTES} bytes`);
    const batch = await coordinator.call("POST", "/v1/miner/proofs", {
      key: miner.key,
      body: { proofs: [{ ...proof, output_encoding: "base64" }] },
    });
    expect(batch.body.error).toMatchObject({ code: "OUTPUT_TOO_LARGE", details: { max_output_bytes: 1024 } });
    // Other routes keep the generic answer.
    const huge = await heartbeat(miner, { capabilities: { region: "r".repeat(2_000_000) } });
    expect(huge.body.error?.code).toBe("PAYLOAD_TOO_LARGE");
    expect((await heartbeat(miner)).body.max_output_bytes).toBe(MAX_OUTPUT_BYTES);
  });

  it("given back with /fail, ends the job with the miner's reason when it was the last attempt", async () => {
    const { client, miner, jobId } = await leased({ maxAttempts: 1 });
    const message = "the output is 2310442 bytes (2.2 MiB), which is over the 1048576 bytes (1.0 MiB)";
    const fail = await coordinator.call("POST", "/v1/miner/fail", {
      key: miner.key,
      body: { id: jobId, error_code: "OUTPUT_TOO_LARGE", message },
    });
    expect(fail.body).toMatchObject({ ok: true, state: "FAILED", requeued: false });
    const job = await jobView(client.key, jobId);
    expect(job.body.error?.message).toContain("OUTPUT_TOO_LARGE");
    expect(job.body.error?.message).toContain(message);
  });
});

describe("a job given back with /fail", () => {
  it("because the miner is stopping (MINER_SHUTDOWN) goes to the same miner again once it is back", async () => {
    const { client, miner, jobId } = await leased({ maxAttempts: 3 });
    const fail = await coordinator.call("POST", "/v1/miner/fail", {
      key: miner.key,
      body: { id: jobId, error_code: "MINER_SHUTDOWN", message: "the miner is shutting down" },
    });
    expect(fail.body).toMatchObject({ ok: true, state: "QUEUED", requeued: true });
    // Sent again (the answer was lost): the same answer, nothing more lost.
    const again = await coordinator.call("POST", "/v1/miner/fail", {
      key: miner.key,
      body: { id: jobId, error_code: "MINER_SHUTDOWN", message: "the miner is shutting down" },
    });
    expect(again.body).toMatchObject({ ok: true, requeued: true });
    const next = await coordinator.call("GET", `/v1/miner/next?miner=${miner.minerId}&slots=1`, { key: miner.key });
    expect(next.body.id).toBe(jobId);
    const job = await jobView(client.key, jobId);
    expect(job.body).toMatchObject({ state: "LEASED" });
  });

  it("for any other reason stays away from that miner, and the job, queued again, says why its lease failed", async () => {
    const { client, miner, jobId, workload } = await leased({ maxAttempts: 3 });
    const message = "the model needs 9000 MB of VRAM and this GPU has 8192 MB free";
    const fail = await coordinator.call("POST", "/v1/miner/fail", {
      key: miner.key,
      body: { id: jobId, error_code: "INSUFFICIENT_MEMORY", message },
    });
    expect(fail.body).toMatchObject({ ok: true, state: "QUEUED", requeued: true });
    const next = await coordinator.call("GET", `/v1/miner/next?miner=${miner.minerId}&slots=1`, { key: miner.key });
    expect(next.status).toBe(204);
    // The job itself says why it still waits (what `pithead jobs get` prints), not only its lease.
    const job = await jobView(client.key, jobId);
    expect(job.body).toMatchObject({ state: "QUEUED", escrow: 100 });
    expect(job.body.error).toMatchObject({ code: "INSUFFICIENT_MEMORY", message: expect.stringContaining(message) });
    expect(job.body.leases).toEqual([
      expect.objectContaining({
        miner_id: miner.minerId,
        state: "FAILED",
        error: { code: "INSUFFICIENT_MEMORY", message },
      }),
    ]);
    const listed = await coordinator.call("GET", "/v1/jobs?limit=500", { key: client.key });
    expect(items(listed.body.jobs).find((j) => String(j.id) === jobId)?.error?.code).toBe("INSUFFICIENT_MEMORY");
    // Another miner completes it: the error goes with the wait.
    const other = await coordinator.miner(`lease-other-${counter}`, { capabilities: { workloads: [workload] } });
    const taken = await coordinator.call("GET", `/v1/miner/next?miner=${other.minerId}&slots=1`, { key: other.key });
    expect(taken.body.id).toBe(jobId);
    await coordinator.call("POST", "/v1/miner/proof", {
      key: other.key,
      body: { id: jobId, output_sha: sha256("ok"), output: "ok", metrics: {} },
    });
    expect((await jobView(client.key, jobId)).body).toMatchObject({ state: "COMPLETED", error: null });
  });

  it("with BAD_PARAMS (the job itself is bad) fails the job at once with the miner's code and message, and refunds the client", async () => {
    const { client, miner, jobId } = await leased({ maxAttempts: 3 });
    const before = await coordinator.call("GET", "/v1/wallet/balance", { key: client.key });
    const message = "the prompt is 60001 tokens but pithead-tiny-260 has room for 16383";
    const fail = await coordinator.call("POST", "/v1/miner/fail", {
      key: miner.key,
      body: { id: jobId, error_code: "BAD_PARAMS", message },
    });
    expect(fail.body).toMatchObject({ ok: true, state: "FAILED", requeued: false });
    const job = await jobView(client.key, jobId);
    expect(job.body).toMatchObject({ state: "FAILED", escrow: 0, error: { code: "BAD_PARAMS" } });
    expect(job.body.error?.message).toContain(message);
    const after = await coordinator.call("GET", "/v1/wallet/balance", { key: client.key });
    expect(Number(after.body.balance)).toBe(Number(before.body.balance) + 100);
    // Sent again (its answer was lost): the same answer.
    const again = await coordinator.call("POST", "/v1/miner/fail", {
      key: miner.key,
      body: { id: jobId, error_code: "BAD_PARAMS", message },
    });
    expect(again.body).toMatchObject({ ok: true, state: "FAILED", requeued: false });
  });
});

describe("heartbeats that list the miner's jobs", () => {
  it("give back the leases a restarted miner no longer holds: one attempt, recorded, and its slot takes work at once", async () => {
    const { client, miner, jobId } = await leased();
    const beat = await heartbeat(miner, { jobs: [], jobs_complete: true });
    expect(beat.status).toBe(200);
    expect(beat.body).toMatchObject({ leases_renewed: 0, released_jobs: [jobId], renewed_jobs: [] });
    const job = await jobView(client.key, jobId);
    expect(job.body.state).toBe("QUEUED");
    expect(items(job.body.leases).map((l) => [Number(l.attempt), String(l.state)])).toEqual([[1, "EXPIRED"]]);
    // slots=1: the freed slot takes the job again (attempt 2), not a 204 until max_runtime_s.
    const next = await coordinator.call("GET", `/v1/miner/next?miner=${miner.minerId}&slots=1`, { key: miner.key });
    expect(next.body).toMatchObject({ id: jobId, attempt: 2 });
    const ledger = await coordinator.call("GET", `/v1/jobs/${jobId}/ledger`, { key: client.key });
    const expired = items(ledger.body.records).find((r) => String(r.record?.type) === "coordinator.lease.expired");
    expect(expired?.record?.body).toMatchObject({ miner_id: miner.minerId, attempt: 1, reason: "NOT_RUNNING" });
  });

  it("keep the leases they list, and every lease when the list is absent (the seed's miner.sh)", async () => {
    const { miner, jobId } = await leased();
    expect((await heartbeat(miner)).body).toMatchObject({ leases_renewed: 1 });
    expect((await heartbeat(miner, { jobs: [jobId], jobs_complete: true })).body).toMatchObject({
      leases_renewed: 1,
      renewed_jobs: [jobId],
      released_jobs: [],
      lost_jobs: [],
    });
  });

  it("never renew a lease a list that is not complete leaves out (a job the miner dropped): it runs out, charged as expired", async () => {
    const { client, miner, jobId } = await leased();
    const ttlMs = coordinator.running.config.leaseTtlS * 1000;
    coordinator.clock.advance(ttlMs / 2);
    // A claim of the miner's is in flight, so its list is not complete: the lease is not taken back
    // (the job may be on its way), but not kept alive either.
    expect((await heartbeat(miner, { jobs: [], jobs_complete: false })).body).toMatchObject({
      leases_renewed: 0,
      renewed_jobs: [],
      released_jobs: [],
    });
    expect((await jobView(client.key, jobId)).body.state).toBe("LEASED");
    coordinator.clock.advance(ttlMs / 2 + 1);
    await coordinator.running.service.sweep();
    const job = await jobView(client.key, jobId);
    expect(job.body.state).toBe("QUEUED");
    expect(items(job.body.leases).map((l) => [Number(l.attempt), String(l.state)])).toEqual([[1, "EXPIRED"]]);
  });

  it("name a listed job the miner no longer holds, with why: canceled, expired", async () => {
    const canceled = await leased();
    const cancel = await coordinator.call("POST", `/v1/jobs/${canceled.jobId}/cancel`, { key: canceled.client.key });
    expect(cancel.status).toBe(200);
    expect((await heartbeat(canceled.miner, { jobs: [canceled.jobId] })).body).toMatchObject({
      renewed_jobs: [],
      lost_jobs: [{ id: canceled.jobId, reason: "JOB_CANCELED" }],
    });
    const expired = await leased();
    coordinator.clock.advance(coordinator.running.config.leaseTtlS * 1000 + 1);
    await coordinator.running.service.sweep();
    expect((await heartbeat(expired.miner, { jobs: [expired.jobId] })).body).toMatchObject({
      lost_jobs: [{ id: expired.jobId, reason: "LEASE_EXPIRED" }],
    });
  });
});

describe("rotating a miner's key", () => {
  it("binds the miner id to a new key once the old one is revoked, keeping its reputation; recorded in the ledger", async () => {
    const admin = { key: coordinator.adminKey };
    const old = await coordinator.key("miner");
    const minerId = `rotated-${++counter}`;
    const wallet = "w_rotated";
    const workload = `work_${counter}`;
    const capabilities = { workloads: [workload] };
    expect((await heartbeat({ key: old.key, minerId, wallet }, { capabilities })).status).toBe(200);
    // Some history worth keeping: a proved job (reputation 500 → 501).
    const client = await coordinator.client();
    const job = await coordinator.call("POST", "/v1/jobs", { key: client.key, body: { workload, reward: 10 } });
    await coordinator.call("GET", `/v1/miner/next?miner=${minerId}&slots=1`, { key: old.key });
    const proved = await coordinator.call("POST", "/v1/miner/proof", {
      key: old.key,
      body: { id: job.body.id, output_sha: sha256("done"), metrics: {} },
    });
    expect(proved.body).toMatchObject({ accepted: true, state: "COMPLETED" });
    const drained = await coordinator.call("POST", `/v1/admin/miners/${minerId}/drain`, admin);
    expect(drained.status).toBe(200);

    // While the old key is active, the id cannot be taken from it.
    const early = await coordinator.call("POST", "/v1/admin/keys", {
      ...admin,
      body: { role: "miner", miner_id: minerId },
    });
    expect(early.status).toBe(409);
    expect(early.body.error).toMatchObject({ code: "MINER_ID_KEY_ACTIVE", details: { key_id: old.id } });

    expect((await coordinator.call("DELETE", `/v1/admin/keys/${old.id}`, admin)).status).toBe(200);
    // A plain new key is refused, and told how to keep the id.
    const plain = await coordinator.key("miner");
    const refused = await heartbeat({ key: plain.key, minerId, wallet });
    expect(refused.status).toBe(403);
    expect(refused.body.error?.code).toBe("MINER_ID_TAKEN");
    expect(String(refused.body.error?.message)).toContain(`key ${old.id}, revoked`);
    expect(String(refused.body.error?.message)).toContain(`pithead keys create --role miner --miner-id ${minerId}`);

    const rebound = await coordinator.call("POST", "/v1/admin/keys", {
      ...admin,
      body: { role: "miner", miner_id: minerId, label: "rotated" },
    });
    expect(rebound.status).toBe(201);
    expect(rebound.body.miner_id).toBe(minerId);
    const beat = await heartbeat({ key: String(rebound.body.key), minerId, wallet });
    expect(beat.status).toBe(200);
    expect(beat.body).toMatchObject({ registered: false, status: "draining", reputation: 501 });
    const records = await coordinator.call("GET", "/v1/ledger/records?type=coordinator.miner.rebound", admin);
    expect(items(records.body.records).map((r) => r.body)).toContainEqual({
      miner_id: minerId,
      from_key_id: old.id,
      to_key_id: rebound.body.id,
    });
    // miner_id is for miner keys only.
    const clientKey = await coordinator.call("POST", "/v1/admin/keys", {
      ...admin,
      body: { role: "client", miner_id: minerId },
    });
    expect(clientKey.status).toBe(422);
    expect(clientKey.body.error?.details?.field).toBe("body.miner_id");
  });

  it("with the CLI: `pithead keys revoke` then `pithead keys create --role miner --miner-id`", async () => {
    const owner = await coordinator.miner(`cli-rotated-${++counter}`);
    const keyId = String(
      items((await coordinator.call("GET", "/v1/admin/keys", { key: coordinator.adminKey })).body.keys).find(
        (k) => String(k.miner_id) === owner.minerId,
      )?.id,
    );
    const cli = resolve(import.meta.dirname, "../../cli/bin/pithead.js");
    const pithead = async (...args: string[]) => {
      const flags = ["--url", coordinator.url, "--data", coordinator.dir.path];
      try {
        const { stdout } = await promisify(execFile)(process.execPath, [cli, ...args, ...flags], {
          env: { PATH: process.env.PATH ?? "" },
        });
        return { code: 0, out: stdout };
      } catch (error) {
        const failed = error as { code: number; stderr: string };
        return { code: failed.code, out: failed.stderr };
      }
    };
    expect((await pithead("keys", "revoke", keyId)).code).toBe(0);
    const created = await pithead("keys", "create", "--role", "miner", "--miner-id", owner.minerId);
    expect(created.code).toBe(0);
    expect(created.out).toContain(`(miner id ${owner.minerId})`);
    const key = created.out.split("\n")[1]?.trim() ?? "";
    expect((await heartbeat({ key, minerId: owner.minerId, wallet: owner.wallet })).status).toBe(200);
    const wrongRole = await pithead("keys", "create", "--role", "client", "--miner-id", owner.minerId);
    expect(wrongRole).toMatchObject({ code: 2, out: expect.stringContaining("--miner-id is only for --role miner") });
  });

  it("still says MINER_ID_TAKEN, without a rebind hint, while the id's key is active", async () => {
    const owner = await coordinator.miner(`owned-${++counter}`);
    const other = await coordinator.key("miner");
    const refused = await heartbeat({ key: other.key, minerId: owner.minerId, wallet: "w" });
    expect(refused.status).toBe(403);
    expect(refused.body.error).toMatchObject({ code: "MINER_ID_TAKEN", details: { registered_key_revoked: false } });
    expect(String(refused.body.error?.message)).not.toContain("--miner-id");
  });
});

describe("the paths a miner may mistake", () => {
  it("answers 404 for /v1/health (a COORD_URL ending in /v1), which the miner's doctor reports", async () => {
    expect((await coordinator.call("GET", "/v1/health")).status).toBe(404);
    expect((await coordinator.call("GET", "/health")).status).toBe(200);
  });
});
