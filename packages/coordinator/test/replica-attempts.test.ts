// `attempt` is counted per replica: 1 for each replica's first lease, +1 per lease that replica lost.
// A replicated job's first leases are all attempt 1 — in the claim answer, the job views and the
// ledger — and a replica whose lease expires comes back as attempt 2 (SQLite, manual clock, HTTP).
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { manualClock } from "./support/clock.ts";
import { type Body, items, startTestCoordinator, type TestCoordinator } from "./support/coordinator.ts";
import { tempDir } from "./support/temp-dir.ts";

let coordinator: TestCoordinator;

beforeAll(async () => {
  coordinator = await startTestCoordinator({ config: { leaseTtlS: 60, heartbeatTimeoutS: 600 } });
});
afterAll(async () => {
  await coordinator[Symbol.asyncDispose]();
});

const admin = () => ({ key: coordinator.adminKey });

async function grantedAttempts(jobId: string, type: string): Promise<number[]> {
  const records = await coordinator.call("GET", `/v1/ledger/records?type=${type}&limit=1000`, admin());
  return items(records.body.records)
    .map((record) => record.body as Body)
    .filter((body) => String(body.job_id) === jobId)
    .map((body) => Number(body.attempt));
}

describe("attempts of a replicated job", () => {
  it("are 1 on each replica's first lease, and 2 on a replica leased again after its lease expired", async () => {
    const workload = "replica_attempts";
    const client = await coordinator.client();
    const submitted = await coordinator.call("POST", "/v1/jobs", {
      key: client.key,
      body: { workload, reward: 100, max_attempts: 3, verification: { mode: "replicate", replicas: 3, quorum: 2 } },
    });
    expect(submitted.status).toBe(201);
    expect(submitted.body).toMatchObject({ attempt: 0, max_attempts: 3 });
    const jobId = String(submitted.body.id);

    const miner = (name: string) => coordinator.miner(name, { capabilities: { workloads: [workload] } });
    const [one, two, three, four] = [
      await miner("ra-1"),
      await miner("ra-2"),
      await miner("ra-3"),
      await miner("ra-4"),
    ];
    const claimAs = (miner: { key: string; minerId: string }) =>
      coordinator.call("POST", "/v1/miner/claim", { key: miner.key, body: { miner_id: miner.minerId, max_jobs: 1 } });

    const first = [];
    for (const miner of [one, two, three]) first.push(items((await claimAs(miner)).body.jobs)[0]);
    expect(first.map((job) => [String(job?.id), Number(job?.attempt)])).toEqual([
      [jobId, 1],
      [jobId, 1],
      [jobId, 1],
    ]);
    const detail = await coordinator.call("GET", `/v1/jobs/${jobId}`, { key: client.key });
    expect(detail.body).toMatchObject({ state: "LEASED", attempt: 1, max_attempts: 3 });
    expect(items(detail.body.leases).map((lease) => Number(lease.attempt))).toEqual([1, 1, 1]);
    const list = await coordinator.call("GET", "/v1/jobs?limit=50", { key: client.key });
    expect(items(list.body.jobs).find((job) => String(job.id) === jobId)).toMatchObject({ attempt: 1 });
    expect(await grantedAttempts(jobId, "coordinator.lease.granted")).toEqual([1, 1, 1]);

    // ra-1 and ra-3 keep their leases alive; ra-2's lease runs out and the sweeper requeues it.
    coordinator.clock.advance(50_000);
    for (const miner of [one, three]) {
      const beat = await coordinator.call("POST", "/v1/miner/heartbeat", {
        key: miner.key,
        body: { miner_id: miner.minerId, wallet: miner.wallet, mode: "cpu", gpu: 0 },
      });
      expect(beat.status).toBe(200);
    }
    coordinator.clock.advance(11_000);
    const swept = await coordinator.call("POST", "/v1/admin/sweep", admin());
    expect(swept.body.leases_expired).toBe(1);
    expect(await grantedAttempts(jobId, "coordinator.lease.expired")).toEqual([1]);

    const again = items((await claimAs(four)).body.jobs)[0];
    expect(again).toMatchObject({ id: jobId, attempt: 2 });
    const after = await coordinator.call("GET", `/v1/jobs/${jobId}`, { key: client.key });
    expect(after.body).toMatchObject({ attempt: 2, max_attempts: 3 });
    expect(items(after.body.leases).map((lease) => [String(lease.miner_id), Number(lease.attempt)])).toEqual([
      ["ra-1", 1],
      ["ra-2", 1],
      ["ra-3", 1],
      ["ra-4", 2],
    ]);
    expect(await grantedAttempts(jobId, "coordinator.lease.granted")).toEqual([1, 1, 1, 2]);
  });
});

describe("upgrading from a release that numbered attempts across replicas", () => {
  it("renumbers the leases held at the upgrade per replica: a replica that then loses its lease is requeued, not failed", async () => {
    using dir = tempDir();
    const clock = manualClock(Date.now());
    const config = { leaseTtlS: 60, heartbeatTimeoutS: 600 };
    const workload = "upgrade_attempts";
    let jobId = "";
    let client = { key: "", wallet: "" };
    let adminKey = "";
    const miners: { key: string; minerId: string; wallet: string }[] = [];
    {
      await using before = await startTestCoordinator({ dir, clock, config });
      adminKey = before.adminKey;
      client = await before.client();
      const submitted = await before.call("POST", "/v1/jobs", {
        key: client.key,
        body: { workload, reward: 100, max_attempts: 3, verification: { mode: "replicate", replicas: 3, quorum: 3 } },
      });
      jobId = String(submitted.body.id);
      for (const name of ["up-1", "up-2", "up-3", "up-4"])
        miners.push(await before.miner(name, { capabilities: { workloads: [workload] } }));
      for (const miner of miners.slice(0, 3)) {
        const claimed = await before.call("POST", "/v1/miner/claim", {
          key: miner.key,
          body: { miner_id: miner.minerId, max_jobs: 1 },
        });
        expect(items(claimed.body.jobs)).toHaveLength(1);
      }
    }
    // The database as the release before per-replica attempts left it: leases 1, 2, 3 across the
    // replicas, and none of the migrations that came after.
    const db = new DatabaseSync(join(dir.path, "coordinator.db"));
    const leases = db.prepare("SELECT id FROM assignments WHERE job_id = ? ORDER BY leased_at, id").all(jobId) as {
      id: string;
    }[];
    leases.forEach((lease, index) => {
      db.prepare("UPDATE assignments SET attempt = ? WHERE id = ?").run(index + 1, lease.id);
    });
    db.exec(`ALTER TABLE jobs DROP COLUMN open_attempts;
             ALTER TABLE jobs DROP COLUMN attempt;
             ALTER TABLE miners DROP COLUMN stopping;
             DROP INDEX jobs_outputs_kept;
             ALTER TABLE jobs DROP COLUMN output_removed_at;
             DELETE FROM coordinator_migrations WHERE version >= 4;`);
    db.close();

    await using after = await startTestCoordinator({ dir, clock, config });
    const detail = await after.call("GET", `/v1/jobs/${jobId}`, { key: client.key });
    expect(items(detail.body.leases).map((lease) => Number(lease.attempt))).toEqual([1, 1, 1]);
    expect(detail.body).toMatchObject({ state: "LEASED", attempt: 1 });

    // The third lease (attempt 3 before the upgrade) runs out: its replica goes back to the queue.
    clock.advance(50_000);
    for (const miner of miners.slice(0, 2)) {
      await after.call("POST", "/v1/miner/heartbeat", {
        key: miner.key,
        body: { miner_id: miner.minerId, wallet: miner.wallet, mode: "cpu", gpu: 0 },
      });
    }
    clock.advance(11_000);
    expect((await after.call("POST", "/v1/admin/sweep", { key: adminKey })).body.leases_expired).toBe(1);
    const fourth = miners[3] as { key: string; minerId: string };
    const again = await after.call("POST", "/v1/miner/claim", {
      key: fourth.key,
      body: { miner_id: fourth.minerId, max_jobs: 1 },
    });
    expect(items(again.body.jobs)[0]).toMatchObject({ id: jobId, attempt: 2 });
    const now = await after.call("GET", `/v1/jobs/${jobId}`, { key: client.key });
    expect(now.body).toMatchObject({ state: "LEASED", attempt: 2 });
  });
});
