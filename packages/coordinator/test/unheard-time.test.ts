// Time the coordinator could not hear miners does not count against them (core/hearing.ts), here
// across a restart of a SQLite coordinator (manual clock, over HTTP): a lease that lapsed while it
// was down is still held for one TTL after the start, so the miner's proof is accepted on the
// first attempt; a miner that never comes back still loses its lease after that. And a lease that
// runs into max_runtime_s ends as MAX_RUNTIME_EXCEEDED, not as an unrenewed lease.
import { describe, expect, it } from "vitest";
import { manualClock } from "./support/clock.ts";
import { sha256, startTestCoordinator, type TestCoordinator } from "./support/coordinator.ts";
import { tempDir } from "./support/temp-dir.ts";

type Miner = { key: string; minerId: string; wallet: string };

async function leaseTo(coordinator: TestCoordinator, miner: Miner, clientKey: string, extra: object = {}) {
  const workload = `work_${miner.minerId.replaceAll("-", "_")}`;
  await coordinator.call("POST", "/v1/miner/heartbeat", {
    key: miner.key,
    body: {
      miner_id: miner.minerId,
      wallet: miner.wallet,
      mode: "cpu",
      gpu: 0,
      capabilities: { workloads: [workload] },
    },
  });
  const job = await coordinator.call("POST", "/v1/jobs", { key: clientKey, body: { workload, reward: 100, ...extra } });
  expect(job.status).toBe(201);
  const next = await coordinator.call("GET", `/v1/miner/next?miner=${miner.minerId}&slots=1`, { key: miner.key });
  expect(next.body.id).toBe(job.body.id);
  return String(job.body.id);
}

const prove = (coordinator: TestCoordinator, miner: Miner, jobId: string) =>
  coordinator.call("POST", "/v1/miner/proof", {
    key: miner.key,
    body: { id: jobId, output_sha: sha256("done"), output: "done", metrics: {} },
  });

describe("a coordinator restarted after longer than the lease TTL and heartbeat timeout", () => {
  it("accepts the proof of a miner whose lease lapsed only while it was down, and still expires a miner that never comes back", async () => {
    using dir = tempDir();
    const clock = manualClock(Date.UTC(2026, 0, 1));
    const config = { leaseTtlS: 120, heartbeatTimeoutS: 90 };
    let client: { key: string };
    let admin: string;
    let back: Miner;
    let gone: Miner;
    let backJob: string;
    let goneJob: string;
    {
      await using first = await startTestCoordinator({ dir, clock, config });
      admin = first.adminKey;
      client = await first.client();
      back = await first.miner("back-miner");
      gone = await first.miner("gone-miner");
      backJob = await leaseTo(first, back, client.key);
      goneJob = await leaseTo(first, gone, client.key);
    }
    clock.advance(300_000); // down for 5 minutes: past both leases and both miners' timeout

    await using second = await startTestCoordinator({ dir, clock, config });
    const swept = await second.call("POST", "/v1/admin/sweep", { key: admin });
    expect(swept.body).toMatchObject({ miners_offline: 0, leases_expired: 0 });
    clock.advance(10_000);
    const beat = await second.call("POST", "/v1/miner/heartbeat", {
      key: back.key,
      body: { miner_id: back.minerId, wallet: back.wallet, mode: "cpu", gpu: 0, jobs: [backJob] },
    });
    expect(beat.body.lost_jobs ?? []).toEqual([]);
    const proof = await prove(second, back, backJob);
    expect(proof.status).toBe(200);
    const job = await second.call("GET", `/v1/jobs/${backJob}`, { key: client.key });
    expect(job.body).toMatchObject({ state: "COMPLETED", attempt: 1 });

    // The other miner is given one heartbeat timeout after the start, its lease one TTL.
    clock.advance(81_000);
    expect((await second.call("POST", "/v1/admin/sweep", { key: admin })).body).toMatchObject({
      miners_offline: 1,
      leases_expired: 1,
    });
    const lost = await second.call("GET", `/v1/jobs/${goneJob}`, { key: client.key });
    expect(lost.body).toMatchObject({ state: "QUEUED" });
    expect((await prove(second, gone, goneJob)).status).toBe(409);
  });
});

describe("a lease that runs into max_runtime_s", () => {
  it("ends as MAX_RUNTIME_EXCEEDED", async () => {
    await using coordinator = await startTestCoordinator();
    const client = await coordinator.client();
    const miner = await coordinator.miner("slow-miner");
    const jobId = await leaseTo(coordinator, miner, client.key, { max_runtime_s: 5, max_attempts: 1 });
    coordinator.clock.advance(6_000);
    await coordinator.call("POST", "/v1/admin/sweep", { key: coordinator.adminKey });
    const job = await coordinator.call("GET", `/v1/jobs/${jobId}`, { key: client.key });
    expect(job.body.state).toBe("FAILED");
    expect(String(job.body.error?.message)).toContain("MAX_RUNTIME_EXCEEDED");
    expect(String(job.body.error?.message)).not.toContain("LEASE_EXPIRED");
  });
});
