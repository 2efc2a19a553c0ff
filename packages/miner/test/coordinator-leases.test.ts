// A lease never outlives the work it stands for: the miner against the real coordinator (SQLite,
// over HTTP), stepped by hand. A result too big to send inline, a restart after a crash and a
// cancel each end the lease at once — the client reads why and the miner's slot takes new work —
// and replicas of torch_bench agree, so a replicated one completes.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type LeasedJob,
  loadMinerConfig,
  type memoryLogger,
  type RunningMiner,
  type Workload,
  type WorkloadContext,
} from "../src/index.ts";
import { TorchBenchWorkload } from "../src/workloads/torch-bench.ts";
import { type A1111Server, startA1111Server } from "./support/a1111-server.ts";
import { leaveLockOfCrashedMiner } from "./support/crashed-lock.ts";
import { ADMIN_KEY, type RealCoordinator, type Reply, startRealCoordinator } from "./support/real-coordinator.ts";
import { startSteppedMiner } from "./support/stepped-miner.ts";
import { noisyPng } from "./support/tiny-png.ts";

/** The coordinator's inline limit here: the 1 MiB the coordinator had by default. */
const MAX_OUTPUT_BYTES = 1024 * 1024;

let coordinator: RealCoordinator;
let sd: A1111Server;
const stops: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  coordinator = await startRealCoordinator({ PITHEAD_MAX_OUTPUT_BYTES: String(MAX_OUTPUT_BYTES) });
  sd = await startA1111Server();
});

afterAll(async () => {
  for (const stop of stops.reverse()) await stop().catch(() => {});
  await sd[Symbol.asyncDispose]();
  await coordinator.close();
});

const call = (method: string, path: string, key: string, body?: unknown): Promise<Reply> =>
  coordinator.call(method, path, key, body);

let counter = 0;
async function newKey(role: "client" | "miner"): Promise<{ key: string; wallet: string }> {
  const wallet = `w_${process.pid}_${++counter}`;
  // A wallet given with a miner key binds it; these miners are paid into wallets of their own.
  const created = await call("POST", "/v1/admin/keys", ADMIN_KEY, role === "client" ? { role, wallet } : { role });
  expect(created.status).toBe(201);
  return { key: String(created.body.key), wallet };
}

async function client(): Promise<string> {
  const { key, wallet } = await newKey("client");
  expect((await call("POST", `/v1/admin/wallets/${wallet}/fund`, ADMIN_KEY, { amount: 100_000 })).status).toBe(200);
  return key;
}

async function submit(clientKey: string, job: Record<string, unknown>): Promise<string> {
  const created = await call("POST", "/v1/jobs", clientKey, { reward: 100, ...job });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return String(created.body.id);
}

async function jobOf(clientKey: string, id: string): Promise<Reply["body"]> {
  return (await call("GET", `/v1/jobs/${id}`, clientKey)).body;
}

async function inFlight(minerId: string): Promise<number> {
  const miners = (await call("GET", "/v1/admin/miners", ADMIN_KEY)).body.miners as {
    miner_id: string;
    in_flight: number;
  }[];
  return miners.find((m) => m.miner_id === minerId)?.in_flight ?? -1;
}

/** A workload that runs until it is stopped: a long generation, standing in for minutes of GPU work. */
function endless(name: string): Workload {
  return {
    name,
    detect: async () => ({ available: true, reason: "test workload" }),
    run: (_job: LeasedJob, ctx: WorkloadContext) =>
      new Promise((_, reject) => ctx.signal.addEventListener("abort", () => reject(ctx.signal.reason))),
  };
}

/** A workload that finishes at once: its result waits in the outbox until the test delivers it. */
function instant(name: string): Workload {
  return {
    name,
    detect: async () => ({ available: true, reason: "test workload" }),
    run: async () => ({ output: "done", contentType: "text/plain", metrics: {} }),
  };
}

interface Miner {
  running: RunningMiner;
  log: ReturnType<typeof memoryLogger>;
  minerId: string;
  apiKey: string;
  workDir: string;
}

async function miner(
  options: { env?: Record<string, string>; workloads?: Workload[]; same?: Miner } = {},
): Promise<Miner> {
  const minerId = options.same?.minerId ?? `rig-${process.pid}-${++counter}`;
  const apiKey = options.same?.apiKey ?? (await newKey("miner")).key;
  const workDir = options.same?.workDir ?? mkdtempSync(join(tmpdir(), "miner-leases-"));
  const config = loadMinerConfig({
    env: {
      COORD_URL: coordinator.url,
      WALLET_ADDR: `wallet_${minerId}`,
      API_KEY: apiKey,
      MINER_ID: minerId,
      WORK_DIR: workDir,
      MAX_CONCURRENCY: "1",
      POLL_WAIT_SECS: "0",
      TORCH_PYTHON: "/nonexistent/python3",
      ...options.env,
    },
  });
  const { running, clock, log } = await startSteppedMiner(config, options);
  stops.push(() => {
    // The grace period runs on the manual clock: pass it, or a job still running would hold stop().
    const stopped = running.stop(0);
    clock.advance(0);
    return stopped;
  });
  return { running, log, minerId, apiKey, workDir };
}

/** Real-time wait, bounded, for what the miner does on its own (a job stopping). */
async function until(what: string, done: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe("a lease ends with the work it stands for", () => {
  it("a 2 MB sd_infer PNG over the coordinator's inline limit: the job is given back with OUTPUT_TOO_LARGE (size and limit), no lease left hanging", async () => {
    sd.png = noisyPng(1024, 680); // about 2 MB, as a 1024x1024 render often is
    const clientKey = await client();
    const m = await miner({ env: { WORKLOADS: "sd_infer", SD_URL: sd.url } });
    const jobId = await submit(clientKey, { workload: "sd_infer", params: { prompt: "a cat" }, max_attempts: 1 });
    await m.running.miner.heartbeatOnce();
    expect((await m.running.miner.pollOnce()).job?.id).toBe(jobId);
    await m.running.miner.idle();
    await m.running.miner.deliverPending();

    const job = await jobOf(clientKey, jobId);
    expect(job.state).toBe("FAILED");
    const error = job.error as unknown as { code: string; message: string };
    expect(error.message).toContain("OUTPUT_TOO_LARGE");
    expect(error.message).toContain(`the output is ${sd.png.length} bytes`);
    expect(error.message).toContain(`${MAX_OUTPUT_BYTES} bytes`);
    expect(await inFlight(m.minerId)).toBe(0);
    expect(m.running.miner.freeSlots()).toBe(1);
    // Nothing left to send, and the output kept in WORK_DIR for the operator.
    expect(await m.running.miner.deliverPending()).toBeUndefined();
    expect(m.log.lines.some((l) => l.includes("giving the job back") && l.includes("output.png"))).toBe(true);
  });

  it("a miner restarted after a crash (same id, key and WORK_DIR) gives back the lease it lost and gets work at once", async () => {
    const clientKey = await client();
    const workload = `slow_${counter}`;
    const crashed = await miner({ workloads: [endless(workload)] });
    const lost = await submit(clientKey, { workload, max_runtime_s: 3600 });
    await crashed.running.miner.heartbeatOnce();
    expect((await crashed.running.miner.pollOnce()).job?.id).toBe(lost);
    // kill -9: the process is gone, its lease is not. A new process starts in its place.
    leaveLockOfCrashedMiner(crashed.workDir);
    const restarted = await miner({ workloads: [endless(workload)], same: crashed });
    await restarted.running.miner.heartbeatOnce();
    expect(restarted.log.lines.some((l) => l.includes("took back leases") && l.includes(lost))).toBe(true);
    expect(await inFlight(restarted.minerId)).toBe(0);
    // The slot is free: the lost job (back in the queue, one attempt spent) is handed out again.
    const next = await restarted.running.miner.pollOnce();
    expect(next.job).toMatchObject({ id: lost, attempt: 2 });
    const leases = (await jobOf(clientKey, lost)).leases as unknown as { state: string; attempt: number }[];
    expect(leases.map((l) => [l.attempt, l.state])).toEqual([
      [1, "EXPIRED"],
      [2, "LEASED"],
    ]);
  });

  it("a restarted miner keeps the lease of a result it still has to send, and delivers it", async () => {
    const clientKey = await client();
    const workload = `quick_${counter}`;
    const quick = instant(workload);
    const crashed = await miner({ workloads: [quick] });
    const jobId = await submit(clientKey, { workload });
    await crashed.running.miner.heartbeatOnce();
    await crashed.running.miner.pollOnce();
    await crashed.running.miner.idle(); // the proof is in WORK_DIR, not sent: then the crash
    leaveLockOfCrashedMiner(crashed.workDir);
    const restarted = await miner({ workloads: [quick], same: crashed });
    await restarted.running.miner.heartbeatOnce();
    expect(await inFlight(restarted.minerId)).toBe(1);
    await restarted.running.miner.deliverPending();
    expect((await jobOf(clientKey, jobId)).state).toBe("COMPLETED");
  });

  it("a finished job whose proof is not delivered yet does not hold the slot (one slot's worth at most): the next job is leased first, then both proofs land", async () => {
    const clientKey = await client();
    const workload = `quick_${counter}`;
    const quick = instant(workload);
    const m = await miner({ workloads: [quick] });
    const jobs = [await submit(clientKey, { workload }), await submit(clientKey, { workload })];
    const third = await submit(clientKey, { workload });
    await m.running.miner.heartbeatOnce();
    expect((await m.running.miner.pollOnce()).job?.id).toBe(jobs[0]);
    await m.running.miner.idle(); // finished; its proof waits in the outbox
    // One slot, one lease held at the coordinator: the miner names the job as done and gets the next.
    expect((await m.running.miner.pollOnce()).job?.id).toBe(jobs[1]);
    expect(await inFlight(m.minerId)).toBe(2);
    await m.running.miner.idle();
    // Two proofs undelivered: no more than one slot's worth is bridged, so no third job yet.
    expect((await m.running.miner.pollOnce()).job).toBeUndefined();
    await m.running.miner.deliverPending();
    for (const id of jobs) expect((await jobOf(clientKey, id)).state).toBe("COMPLETED");
    expect(await inFlight(m.minerId)).toBe(0);
    expect((await m.running.miner.pollOnce()).job?.id).toBe(third);
  });

  it("cancelling a leased job stops the miner's work at its next heartbeat and frees its slot, sending nothing", async () => {
    const clientKey = await client();
    const workload = `slow_${counter}`;
    const m = await miner({ workloads: [endless(workload)] });
    const jobId = await submit(clientKey, { workload, max_runtime_s: 3600 });
    await m.running.miner.heartbeatOnce();
    await m.running.miner.pollOnce();
    expect(m.running.miner.freeSlots()).toBe(0);
    expect((await call("POST", `/v1/jobs/${jobId}/cancel`, clientKey, {})).status).toBe(200);
    await m.running.miner.heartbeatOnce();
    await until("the canceled job to stop", () => m.running.miner.freeSlots() === 1);
    expect(m.log.lines.some((l) => l.includes("no longer leases this job") && l.includes("JOB_CANCELED"))).toBe(true);
    expect(await m.running.miner.deliverPending()).toBeUndefined();
    expect(m.log.lines.some((l) => l.includes("refused"))).toBe(false);
  });

  it("a replicated torch_bench reaches its quorum: both replicas prove the same result", async () => {
    // Debian's python3-torch; without torch here the workload tests say why, and this one has nothing to run.
    const python = "/usr/bin/python3";
    const cpu = { accel: "cpu" as const, vramMb: 0, freeRamMb: () => 8000 };
    if (!(await new TorchBenchWorkload(python).detect(cpu)).available) return;
    const clientKey = await client();
    const env = { WORKLOADS: "torch_bench", TORCH_PYTHON: python, ACCEL_MODE: "cpu" };
    const miners = [await miner({ env }), await miner({ env })];
    const jobId = await submit(clientKey, {
      workload: "torch_bench",
      params: { n: 64, iters: 5 },
      verification: { mode: "replicate", replicas: 2, quorum: 2 },
    });
    for (const m of miners) {
      await m.running.miner.heartbeatOnce();
      expect((await m.running.miner.pollOnce()).job?.id).toBe(jobId);
    }
    for (const m of miners) {
      await m.running.miner.idle();
      await m.running.miner.deliverPending();
    }
    const job = await jobOf(clientKey, jobId);
    expect(job.error ?? null).toBeNull();
    expect(job.state).toBe("COMPLETED");
  });
});
