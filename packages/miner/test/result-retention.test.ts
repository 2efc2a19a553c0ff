// WORK_DIR over a long run: settled results are removed once RESULT_RETENTION_DAYS have passed
// while the miner runs (not only when it starts), a result still waiting for the coordinator is
// never removed, and after a restart every pending result is sent, once. Driven on the manual
// clock against the scripted coordinator on a real socket.
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadMinerConfig, ResultStore, type RunningMiner, type Workload } from "../src/index.ts";
import type { ManualClock } from "./support/manual-clock.ts";
import { type ScriptedCoordinator, startScriptedCoordinator } from "./support/scripted-coordinator.ts";
import { startSteppedMiner } from "./support/stepped-miner.ts";

const DAY = 86_400_000;
const MINUTE = 60_000;

let counter = 0;
function testJob(): Record<string, unknown> & { id: string } {
  counter++;
  return {
    id: `20000000-0000-4000-8000-${String(counter).padStart(12, "0")}`,
    workload: "echo",
    params: {},
    lease_expires_at: "2025-09-26T13:40:00Z",
    lease_token: `lease-${counter}`,
    attempt: 1,
    max_runtime_s: 600,
  };
}

const echo: Workload = {
  name: "echo",
  detect: async () => ({ available: true, reason: "test workload" }),
  run: async () => ({ output: "done", contentType: "text/plain", metrics: {} }),
};

interface Harness extends AsyncDisposable {
  running: RunningMiner;
  clock: ManualClock;
}

async function minerFor(coordinator: ScriptedCoordinator, workDir: string, env: Record<string, string> = {}) {
  const config = loadMinerConfig({
    env: {
      COORD_URL: coordinator.url,
      WALLET_ADDR: "wallet_demo",
      API_KEY: "miner-key-1",
      MINER_ID: "rig-gpu0",
      WORK_DIR: workDir,
      MAX_CONCURRENCY: "1",
      POLL_WAIT_SECS: "0",
      ...env,
    },
  });
  const { running, clock } = await startSteppedMiner(config, { workloads: [echo] });
  return {
    running,
    clock,
    async [Symbol.asyncDispose]() {
      const stopped = running.stop(0);
      clock.advance(0);
      await stopped;
    },
  } satisfies Harness;
}

/** Waits (real time, bounded) for what the loops do on their own, moving the clock on `step` each try. */
async function until(done: () => boolean, clock?: ManualClock, step = 0): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!done()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 10));
    clock?.advance(step);
  }
}

const stateOf = (workDir: string, jobId: string) =>
  (JSON.parse(readFileSync(join(workDir, jobId, "result.json"), "utf8")) as { state: string }).state;

describe("results kept in WORK_DIR", () => {
  it("are removed RESULT_RETENTION_DAYS after they are settled while the miner runs; one still pending is kept and sent later", async () => {
    await using coordinator = await startScriptedCoordinator();
    const workDir = mkdtempSync(join(tmpdir(), "miner-retention-"));
    await using h = await minerFor(coordinator, workDir, { RESULT_RETENTION_DAYS: "2" });
    const miner = h.running.miner;
    const delivered = testJob();
    const waiting = testJob();
    coordinator.jobs.push(delivered);
    await miner.heartbeatOnce();
    await miner.pollOnce();
    await miner.idle();
    expect(await miner.deliverPending()).toBeUndefined();
    expect(stateOf(workDir, delivered.id)).toBe("acked");
    coordinator.jobs.push(waiting);
    await miner.pollOnce();
    await miner.idle();
    coordinator.down = true; // its result cannot be delivered: it stays pending

    miner.start();
    h.clock.advance(2 * DAY);
    // The prune loop looks again within its interval, with no restart.
    await until(() => !existsSync(join(workDir, delivered.id)), h.clock, MINUTE);
    expect(stateOf(workDir, waiting.id)).toBe("pending");

    // However long the coordinator stays away, the pending result stays.
    h.clock.advance(10 * DAY);
    for (let i = 0; i < 20; i++) {
      await new Promise((resolve) => setTimeout(resolve, 5));
      h.clock.advance(MINUTE);
    }
    expect(stateOf(workDir, waiting.id)).toBe("pending");
    coordinator.down = false;
    await until(() => coordinator.acceptedProofs.size === 2, h.clock, 1000);
    expect(coordinator.of("/v1/miner/proof").at(-1)?.body?.id).toBe(waiting.id);
  });

  it("after a restart, every pending result is listed as held and sent once; settled ones are not", async () => {
    await using coordinator = await startScriptedCoordinator();
    const workDir = mkdtempSync(join(tmpdir(), "miner-retention-"));
    // History a previous run left: settled results, and results it never got an answer for.
    const previous = new ResultStore(workDir);
    const pending: string[] = [];
    for (let i = 0; i < 60; i++) {
      const id = testJob().id;
      const entry = await previous.save({
        kind: "fail",
        jobId: id,
        attempt: 1,
        request: { id, error_code: "X", message: "" },
      });
      if (i % 12 === 0) pending.push(id);
      else await previous.update(entry, "acked", { status: 200, body: { ok: true } });
    }

    await using h = await minerFor(coordinator, workDir);
    await h.running.miner.heartbeatOnce();
    const [beat] = coordinator.of("/v1/miner/heartbeat");
    expect(new Set(beat?.body?.jobs as string[])).toEqual(new Set(pending));
    expect(beat?.body?.jobs_complete).toBe(true);

    expect(await h.running.miner.deliverPending()).toBeUndefined();
    expect(await h.running.miner.deliverPending()).toBeUndefined();
    const sent = coordinator.of("/v1/miner/fail");
    expect(sent.map((r) => r.body?.id)).toEqual(pending);
    const keys = pending.map((id) => previous.read(id)?.idempotency_key);
    expect(sent.map((r) => r.headers["idempotency-key"])).toEqual(keys);
  });
});
