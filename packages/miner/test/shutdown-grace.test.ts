// The shutdown grace protects the job it is for: a miner stopped (SIGTERM) mid-job keeps heartbeating
// while the job finishes, so the coordinator neither marks it offline nor lets the lease expire, and
// the proof is accepted. The real coordinator (SQLite, over HTTP) with timeouts of a few seconds and
// the miner's real loops; the job runs longer than the coordinator's heartbeat timeout after stop().
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LeasedJob, loadMinerConfig, memoryLogger, startMiner, type Workload } from "../src/index.ts";
import { ADMIN_KEY, type RealCoordinator, startRealCoordinator } from "./support/real-coordinator.ts";

/** The coordinator's heartbeat timeout and lease TTL here, in seconds. */
const TIMEOUT_S = 2;

let coordinator: RealCoordinator;

beforeAll(async () => {
  coordinator = await startRealCoordinator({
    PITHEAD_HEARTBEAT_TIMEOUT_S: String(TIMEOUT_S),
    PITHEAD_LEASE_TTL_S: String(TIMEOUT_S),
    PITHEAD_SWEEP_INTERVAL_MS: "100",
  });
});

afterAll(async () => {
  await coordinator.close();
});

const call = (method: string, path: string, key: string, body?: unknown) => coordinator.call(method, path, key, body);

/** Real-time wait, bounded, for what the miner's loops do on their own. */
async function until(what: string, done: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A job that takes `ms` of real time, standing in for minutes of GPU work. */
function slow(name: string, ms: number): Workload {
  return {
    name,
    detect: async () => ({ available: true, reason: "test workload" }),
    run: (_job: LeasedJob) =>
      new Promise((resolve) =>
        setTimeout(
          () => resolve({ output: "finished in the grace period", contentType: "text/plain", metrics: {} }),
          ms,
        ),
      ),
  };
}

describe("the miner's shutdown grace", () => {
  it("stopped mid-job, the miner heartbeats until the job is done: the coordinator keeps it online and its proof is accepted", async () => {
    const wallet = `w_grace_${process.pid}`;
    const clientKey = String((await call("POST", "/v1/admin/keys", ADMIN_KEY, { role: "client", wallet })).body.key);
    expect((await call("POST", `/v1/admin/wallets/${wallet}/fund`, ADMIN_KEY, { amount: 10_000 })).status).toBe(200);
    const minerKey = String((await call("POST", "/v1/admin/keys", ADMIN_KEY, { role: "miner" })).body.key);
    const log = memoryLogger();
    const running = await startMiner(
      loadMinerConfig({
        env: {
          COORD_URL: coordinator.url,
          WALLET_ADDR: `wallet_rig_grace_${process.pid}`,
          API_KEY: minerKey,
          MINER_ID: `rig-grace-${process.pid}`,
          WORK_DIR: mkdtempSync(join(tmpdir(), "miner-grace-")),
          HEARTBEAT_SECS: "1",
          JOB_POLL_SECS: "1",
          POLL_WAIT_SECS: "0",
          SHUTDOWN_GRACE_SECS: "60",
        },
      }),
      { log, detectGpus: async () => [], workloads: [slow("grace_job", 3 * TIMEOUT_S * 1000)] },
    );
    const created = await call("POST", "/v1/jobs", clientKey, { workload: "grace_job", reward: 100, max_attempts: 1 });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const jobId = String(created.body.id);
    await until("the job to start", () => running.miner.status().running.includes(jobId));

    // SIGTERM: the job has three heartbeat timeouts of work left, well inside the grace period.
    const stopped = running.stop();
    // Its beats in the grace say so: the coordinator shows it stopping and hands it nothing new.
    const minerId = `rig-grace-${process.pid}`;
    const statusOf = async () => {
      const miners = (await call("GET", "/v1/admin/miners?limit=1000", ADMIN_KEY)).body.miners as {
        miner_id: string;
        status: string;
      }[];
      return miners.find((m) => m.miner_id === minerId)?.status;
    };
    await until("the coordinator to show the miner stopping", async () => (await statusOf()) === "stopping");
    const other = await call("POST", "/v1/jobs", clientKey, { workload: "grace_job", reward: 100 });
    expect(other.status).toBe(201);
    const claim = await call("POST", "/v1/miner/claim", minerKey, { miner_id: minerId, max_jobs: 1, slots: 4 });
    expect(claim.status).toBe(200);
    expect(claim.body.jobs).toEqual([]);
    expect(await stopped).toEqual({ gaveBack: 0, pending: 0 });
    expect((await call("GET", `/v1/jobs/${String(other.body.id)}`, clientKey)).body.state).toBe("QUEUED");

    const job = (await call("GET", `/v1/jobs/${jobId}`, clientKey)).body;
    expect(job.error ?? null).toBeNull();
    expect(job.state).toBe("COMPLETED");
    expect(job.leases).toEqual([expect.objectContaining({ attempt: 1, state: "PROVED" })]);
    expect(log.lines.some((l) => l.includes("proof accepted") && l.includes(jobId))).toBe(true);
    expect(log.lines.some((l) => l.includes("refused"))).toBe(false);
  });
});
