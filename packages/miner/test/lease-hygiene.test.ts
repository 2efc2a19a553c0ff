// What the miner tells the coordinator about the jobs it holds, and what it does with the answer,
// stepped against the scripted coordinator: results it cannot deliver become fails (never a lease
// left for its own heartbeats to keep alive), heartbeats list its jobs, say when that list is
// complete, and a lease the coordinator reports lost stops its job.
import { existsSync, mkdtempSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  type LeasedJob,
  loadMinerConfig,
  type memoryLogger,
  type RunningMiner,
  type Workload,
  type WorkloadContext,
} from "../src/index.ts";
import { leaveLockOfCrashedMiner } from "./support/crashed-lock.ts";
import type { ManualClock } from "./support/manual-clock.ts";
import { type ScriptedCoordinator, startScriptedCoordinator } from "./support/scripted-coordinator.ts";
import { startSteppedMiner } from "./support/stepped-miner.ts";

let counter = 0;
function testJob(workload: string): Record<string, unknown> {
  counter++;
  return {
    id: `10000000-0000-4000-8000-${String(counter).padStart(12, "0")}`,
    workload,
    params: {},
    lease_expires_at: "2025-09-26T13:40:00Z",
    lease_token: `lease-${counter}`,
    attempt: 1,
    max_runtime_s: 600,
  };
}

/** `output` of the given size, or (size undefined) a job that runs until it is stopped. */
function workload(name: string, size?: number): Workload {
  return {
    name,
    detect: async () => ({ available: true, reason: "test workload" }),
    run: (_job: LeasedJob, ctx: WorkloadContext) =>
      size === undefined
        ? new Promise((_, reject) => ctx.signal.addEventListener("abort", () => reject(ctx.signal.reason)))
        : Promise.resolve({ output: Buffer.alloc(size, 7), contentType: "image/png", metrics: {} }),
  };
}

/**
 * A job whose result cannot be written: its directory's disk is full. output.png points at
 * /dev/full, where every write fails with the real ENOSPC.
 */
function diskFull(name: string): Workload {
  return {
    name,
    detect: async () => ({ available: true, reason: "test workload" }),
    run: async (_job: LeasedJob, ctx: WorkloadContext) => {
      symlinkSync("/dev/full", join(ctx.workDir, "output.png"));
      return { output: Buffer.alloc(64, 7), contentType: "image/png", metrics: {} };
    },
  };
}

interface Harness extends AsyncDisposable {
  running: RunningMiner;
  log: ReturnType<typeof memoryLogger>;
  clock: ManualClock;
}

async function minerFor(coordinator: ScriptedCoordinator, workDir?: string): Promise<Harness> {
  const config = loadMinerConfig({
    env: {
      COORD_URL: coordinator.url,
      WALLET_ADDR: "wallet_demo",
      API_KEY: "miner-key-1",
      MINER_ID: "rig-gpu0",
      WORK_DIR: workDir ?? mkdtempSync(join(tmpdir(), "miner-leases-")),
      MAX_CONCURRENCY: "1",
      POLL_WAIT_SECS: "0",
    },
  });
  const { running, clock, log } = await startSteppedMiner(config, {
    workloads: [workload("big", 4096), workload("slow"), diskFull("full")],
  });
  return {
    running,
    log,
    clock,
    async [Symbol.asyncDispose]() {
      const stopped = running.stop(0);
      clock.advance(0);
      await stopped;
    },
  };
}

/** Hands `job` to the miner and runs it to its outcome (registered first). */
async function runToEnd(coordinator: ScriptedCoordinator, h: Harness, job: Record<string, unknown>): Promise<void> {
  coordinator.jobs.push(job);
  await h.running.miner.heartbeatOnce();
  await h.running.miner.pollOnce();
  await h.running.miner.idle();
}

const heartbeatAnswer = (extra: Record<string, unknown>) => ({
  status: 200,
  body: { ok: true, server_time: new Date().toISOString(), leases_renewed: 0, status: "online", ...extra },
});

describe("a result the coordinator cannot take inline", () => {
  it("is never sent when the heartbeat announced a smaller limit: the job is given back with OUTPUT_TOO_LARGE, size and limit", async () => {
    await using coordinator = await startScriptedCoordinator();
    await using h = await minerFor(coordinator);
    coordinator.overrides.set("/v1/miner/heartbeat", [heartbeatAnswer({ max_output_bytes: 1000 })]);
    coordinator.jobs.push(testJob("big"));
    await h.running.miner.heartbeatOnce();
    await h.running.miner.pollOnce();
    await h.running.miner.idle();
    expect(await h.running.miner.deliverPending()).toBeUndefined();
    expect(coordinator.of("/v1/miner/proof")).toHaveLength(0);
    const [fail] = coordinator.of("/v1/miner/fail");
    expect(fail?.body).toMatchObject({
      error_code: "OUTPUT_TOO_LARGE",
      message: expect.stringMatching(/output is 4096 bytes .* over the 1000 bytes/),
    });
    // Settled: nothing is sent again.
    expect(await h.running.miner.deliverPending()).toBeUndefined();
    expect(coordinator.of("/v1/miner/fail")).toHaveLength(1);
  });

  it("refused with 413 (an older coordinator, or a proxy's body limit): the job is given back, not left leased", async () => {
    await using coordinator = await startScriptedCoordinator();
    await using h = await minerFor(coordinator);
    coordinator.jobs.push(testJob("big"), testJob("big"));
    coordinator.overrides.set("/v1/miner/proof", [
      {
        status: 413,
        body: { error: { code: "OUTPUT_TOO_LARGE", message: "too big", details: { max_output_bytes: 2048 } } },
      },
      { status: 413, body: { error: { code: "PAYLOAD_TOO_LARGE", message: "The request body is too large" } } },
    ]);
    await h.running.miner.heartbeatOnce();
    for (let i = 0; i < 2; i++) {
      await h.running.miner.pollOnce();
      await h.running.miner.idle();
    }
    // The second proof is not even tried: the first refusal told the limit.
    await h.running.miner.deliverPending();
    expect(coordinator.of("/v1/miner/proof")).toHaveLength(1);
    const fails = coordinator.of("/v1/miner/fail").map((r) => r.body);
    expect(fails).toHaveLength(2);
    for (const fail of fails) {
      expect(fail).toMatchObject({ error_code: "OUTPUT_TOO_LARGE", message: expect.stringMatching(/4096 bytes/) });
    }
    expect(fails[0]?.message).toMatch(/over the 2048 bytes/);
  });

  it("gives the job back when a proof is refused while its lease is still held (a bad signature), not when the lease is gone", async () => {
    await using coordinator = await startScriptedCoordinator();
    await using h = await minerFor(coordinator);
    coordinator.jobs.push(testJob("big"), testJob("big"));
    coordinator.overrides.set("/v1/miner/proof", [
      { status: 422, body: { error: { code: "BAD_SIGNATURE", message: "does not verify" } } },
      { status: 409, body: { error: { code: "LEASE_EXPIRED", message: "expired" } } },
    ]);
    await h.running.miner.heartbeatOnce();
    for (let i = 0; i < 2; i++) {
      await h.running.miner.pollOnce();
      await h.running.miner.idle();
      await h.running.miner.deliverPending();
    }
    const fails = coordinator.of("/v1/miner/fail").map((r) => r.body);
    expect(fails).toEqual([
      expect.objectContaining({ error_code: "PROOF_REFUSED", message: expect.stringMatching(/422 BAD_SIGNATURE/) }),
    ]);
  });
});

describe("a result the miner cannot write to WORK_DIR (disk full)", () => {
  it("is given back at once (RESULT_NOT_RECORDED, with the OS error), its slot takes the next job, and no beat lists it", async () => {
    await using coordinator = await startScriptedCoordinator();
    await using h = await minerFor(coordinator);
    const miner = h.running.miner;
    const job = testJob("full");
    await runToEnd(coordinator, h, job);
    expect(coordinator.of("/v1/miner/fail").map((r) => r.body)).toEqual([
      {
        id: job.id,
        error_code: "RESULT_NOT_RECORDED",
        message: expect.stringMatching(/could not write this job's result to its WORK_DIR \(ENOSPC/),
      },
    ]);
    expect(h.log.lines.some((l) => l.includes("could not record a job's result") && l.includes("ENOSPC"))).toBe(true);
    // Nothing waits in the outbox for it, nothing keeps its lease, and the slot is free again.
    expect(await miner.deliverPending()).toBeUndefined();
    expect(coordinator.of("/v1/miner/proof")).toHaveLength(0);
    await miner.heartbeatOnce();
    expect(coordinator.of("/v1/miner/heartbeat").at(-1)?.body).toMatchObject({ jobs: [] });
    expect(miner.status()).toMatchObject({ slots: 1, running: [], failed: 1, completed: 0 });
    coordinator.jobs.push(testJob("big"));
    expect((await miner.pollOnce()).job).toBeDefined();
  });

  it("is dropped when the coordinator cannot take the fail either: no beat lists it, so its lease runs out", async () => {
    await using coordinator = await startScriptedCoordinator();
    await using h = await minerFor(coordinator);
    const miner = h.running.miner;
    const job = testJob("full");
    coordinator.overrides.set("/v1/miner/fail", [
      { status: 503, body: { error: { code: "SERVICE_UNAVAILABLE", message: "down" } } },
    ]);
    await runToEnd(coordinator, h, job);
    expect(coordinator.of("/v1/miner/fail")).toHaveLength(1);
    expect(h.log.lines.some((l) => l.includes("lease is left to expire") && l.includes(String(job.id)))).toBe(true);
    await miner.heartbeatOnce();
    expect(coordinator.of("/v1/miner/heartbeat").at(-1)?.body).toMatchObject({ jobs: [] });
    expect(miner.freeSlots()).toBe(1);
  });
});

describe("an answer the outbox cannot record (disk full)", () => {
  it("leaves the result pending and sends it again with the same Idempotency-Key, saying so once; the outbox goes on", async () => {
    await using coordinator = await startScriptedCoordinator();
    await using h = await minerFor(coordinator);
    const miner = h.running.miner;
    const job = testJob("big");
    await runToEnd(coordinator, h, job);
    // The answer's record is written aside first: that write finds the disk full, and removes its
    // partial copy (nothing is left to hold the space), so the full disk is set up for each try.
    const aside = join(miner.config.workDir, String(job.id), "result.json.tmp");
    for (let i = 0; i < 2; i++) {
      symlinkSync("/dev/full", aside);
      expect(await miner.deliverPending()).toBeGreaterThanOrEqual(0);
      expect(existsSync(aside)).toBe(false);
    }
    expect(await miner.deliverPending()).toBeUndefined();
    const proofs = coordinator.of("/v1/miner/proof");
    expect(proofs).toHaveLength(3);
    expect(new Set(proofs.map((p) => p.headers["idempotency-key"])).size).toBe(1);
    expect(await miner.deliverPending()).toBeUndefined();
    expect(coordinator.of("/v1/miner/proof")).toHaveLength(3);
    expect(h.log.lines.filter((l) => l.includes("cannot write to WORK_DIR"))).toHaveLength(1);
    expect(h.log.lines.filter((l) => l.includes("WORK_DIR takes writes again"))).toHaveLength(1);
  });
});

describe("heartbeats and the leases they keep", () => {
  it("lists the jobs the miner holds, complete when no job can be on its way, and waits for that answer before claiming", async () => {
    await using coordinator = await startScriptedCoordinator();
    await using h = await minerFor(coordinator);
    const miner = h.running.miner;
    await miner.heartbeatOnce();
    expect(coordinator.of("/v1/miner/heartbeat")[0]?.body).toMatchObject({ jobs: [], jobs_complete: true });
    const job = testJob("slow");
    coordinator.jobs.push(job);
    await miner.pollOnce();
    await miner.heartbeatOnce();
    expect(coordinator.of("/v1/miner/heartbeat")[1]?.body).toMatchObject({ jobs: [job.id], jobs_complete: true });
    // A claim in flight: a job may be on its way that no list names yet, so the list is not complete.
    await using other = await minerFor(coordinator);
    const polling = other.running.miner.pollOnce();
    await other.running.miner.heartbeatOnce();
    await polling;
    expect(coordinator.of("/v1/miner/heartbeat")[2]?.body).toMatchObject({ jobs: [], jobs_complete: false });
    // A complete beat in flight: the claim goes out after its answer, never before.
    const beat = other.running.miner.heartbeatOnce();
    const claim = other.running.miner.pollOnce();
    await Promise.all([beat, claim]);
    const order = coordinator.requests.map((r) => r.path).slice(-2);
    expect(order).toEqual(["/v1/miner/heartbeat", "/v1/miner/next"]);
  });

  it("after a restart lists the results it still has to send, so the coordinator keeps those leases and takes back the rest", async () => {
    await using coordinator = await startScriptedCoordinator();
    const workDir = mkdtempSync(join(tmpdir(), "miner-leases-"));
    const job = testJob("big");
    // The first process proves the job, then dies (no stop(), so no last delivery pass).
    const crashed = await minerFor(coordinator, workDir);
    coordinator.jobs.push(job);
    await crashed.running.miner.heartbeatOnce();
    await crashed.running.miner.pollOnce();
    await crashed.running.miner.idle();
    leaveLockOfCrashedMiner(workDir);
    await using restarted = await minerFor(coordinator, workDir);
    coordinator.overrides.set("/v1/miner/heartbeat", [
      heartbeatAnswer({ released_jobs: ["20000000-0000-4000-8000-000000000001"] }),
    ]);
    await restarted.running.miner.heartbeatOnce();
    expect(coordinator.of("/v1/miner/heartbeat").at(-1)?.body).toMatchObject({ jobs: [job.id], jobs_complete: true });
    expect(
      restarted.log.lines.some(
        (l) => l.includes("took back leases") && l.includes("20000000-0000-4000-8000-000000000001"),
      ),
    ).toBe(true);
  });

  it("stops a running job the coordinator no longer leases to it (canceled), frees the slot and sends nothing for it", async () => {
    await using coordinator = await startScriptedCoordinator();
    await using h = await minerFor(coordinator);
    const miner = h.running.miner;
    const job = testJob("slow");
    coordinator.jobs.push(job);
    await miner.heartbeatOnce();
    await miner.pollOnce();
    expect(miner.freeSlots()).toBe(0);
    coordinator.overrides.set("/v1/miner/heartbeat", [
      heartbeatAnswer({ lost_jobs: [{ id: job.id, reason: "JOB_CANCELED" }] }),
    ]);
    await miner.heartbeatOnce();
    await miner.idle();
    expect(miner.freeSlots()).toBe(1);
    expect(await miner.deliverPending()).toBeUndefined();
    expect(coordinator.of("/v1/miner/fail")).toHaveLength(0);
    expect(coordinator.of("/v1/miner/proof")).toHaveLength(0);
    expect(h.log.lines.some((l) => l.includes("no longer leases this job") && l.includes("JOB_CANCELED"))).toBe(true);
    // The freed slot takes the next job.
    coordinator.jobs.push(testJob("big"));
    expect((await miner.pollOnce()).job).toBeDefined();
  });
});
