// The daemon's behaviour, stepped without sleeping: each test drives heartbeat, poll and outbox
// steps against a scripted coordinator on a real socket, with the real llm_gen on the tiny model.
import { createPublicKey, verify } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadMinerConfig, type memoryLogger, proofMessage, type RunningMiner, sha256Hex } from "../src/index.ts";
import type { ManualClock } from "./support/manual-clock.ts";
import { type ScriptedCoordinator, startScriptedCoordinator } from "./support/scripted-coordinator.ts";
import { startSteppedMiner } from "./support/stepped-miner.ts";

let jobCounter = 0;
function llmJob(params: Record<string, unknown>, maxRuntimeS = 60): Record<string, unknown> {
  jobCounter++;
  return {
    id: `00000000-0000-4000-8000-${String(jobCounter).padStart(12, "0")}`,
    workload: "llm_gen",
    params,
    lease_expires_at: "2025-09-26T13:40:00Z",
    lease_token: `lease-${jobCounter}`,
    attempt: 1,
    max_runtime_s: maxRuntimeS,
  };
}

interface Harness extends AsyncDisposable {
  running: RunningMiner;
  clock: ManualClock;
  log: ReturnType<typeof memoryLogger>;
  workDir: string;
}

async function minerFor(
  coordinator: ScriptedCoordinator,
  env: Record<string, string> = {},
  workDir?: string,
): Promise<Harness> {
  const dir = workDir ?? mkdtempSync(join(tmpdir(), "miner-daemon-"));
  const config = loadMinerConfig({
    env: {
      COORD_URL: coordinator.url,
      WALLET_ADDR: "wallet_demo",
      API_KEY: "miner-key-1",
      MINER_ID: "rig-gpu0",
      WORK_DIR: dir,
      MAX_CONCURRENCY: "2",
      POLL_WAIT_SECS: "0",
      LLM_CONTEXT_SIZE: "4096",
      TORCH_PYTHON: "/nonexistent/python3",
      ...env,
    },
  });
  const { running, clock, log } = await startSteppedMiner(config);
  return {
    running,
    clock,
    log,
    workDir: dir,
    async [Symbol.asyncDispose]() {
      await running.stop(0);
    },
  };
}

/** Waits (real time, bounded) for something the loops do on their own. */
async function until(done: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function verifies(publicKeyB64: string, body: Record<string, unknown>, minerId = "rig-gpu0"): boolean {
  const spki = Buffer.concat([Buffer.from("302a300506032b6570032100", "hex"), Buffer.from(publicKeyB64, "base64")]);
  const key = createPublicKey({ key: spki, format: "der", type: "spki" });
  const message = proofMessage({ job_id: String(body.id), miner_id: minerId, output_sha: String(body.output_sha) });
  return verify(null, message, key, Buffer.from(String(body.signature), "base64"));
}

describe("the compute miner daemon", () => {
  it("advertises only the workloads this machine can run, with its key, slots and models", async () => {
    await using coordinator = await startScriptedCoordinator();
    await using h = await minerFor(coordinator);
    await h.running.miner.heartbeatOnce();
    const [beat] = coordinator.of("/v1/miner/heartbeat");
    expect(beat?.body).toMatchObject({
      miner_id: "rig-gpu0",
      wallet: "wallet_demo",
      mode: "cpu",
      gpu: false,
      capabilities: {
        miner_id: "rig-gpu0",
        concurrency: 2,
        workloads: ["llm_gen"],
        models: ["pithead-tiny-260"],
        gpus: [],
        public_key: h.running.publicKey,
        limits: { vram_mb: 0, max_runtime_s: 3600 },
      },
    });
    expect(beat?.headers.authorization).toBe("Bearer miner-key-1");
    expect(h.log.lines.some((line) => line.includes("workload not offered") && line.includes("torch_bench"))).toBe(
      true,
    );
    expect(h.log.lines.join("\n")).not.toContain("miner-key-1");
  });

  it("runs MAX_CONCURRENCY jobs at once and proves each with a signed SHA-256 of its output", async () => {
    await using coordinator = await startScriptedCoordinator();
    await using h = await minerFor(coordinator);
    const miner = h.running.miner;
    coordinator.jobs.push(
      llmJob({ prompt: "abc", max_tokens: 4 }),
      llmJob({ prompt: "klm", max_tokens: 3 }),
      llmJob({ prompt: "x" }),
    );
    await miner.heartbeatOnce();
    expect((await miner.pollOnce()).job).toBeDefined();
    expect((await miner.pollOnce()).job).toBeDefined();
    expect(miner.status().running).toHaveLength(2);
    // Both slots busy: no third request goes out.
    expect(await miner.pollOnce()).toEqual({ job: undefined, delayMs: 0 });
    expect(coordinator.of("/v1/miner/next")).toHaveLength(2);
    expect(coordinator.of("/v1/miner/next")[0]?.query.get("slots")).toBe("2");
    await miner.idle();
    expect(miner.freeSlots()).toBe(2);
    expect(await miner.deliverPending()).toBeUndefined();

    const proofs = coordinator.of("/v1/miner/proof").map((r) => r.body as Record<string, unknown>);
    expect(proofs.map((p) => p.output).sort()).toEqual(["defg", "nop"]);
    for (const proof of proofs) {
      expect(proof.output_sha).toBe(sha256Hex(Buffer.from(String(proof.output), "utf8")));
      expect(proof.output_encoding).toBe("utf8");
      expect(proof.mode).toBe("cpu");
      expect(proof.lease_token).toMatch(/^lease-/);
      expect(proof.metrics).toMatchObject({ model: "pithead-tiny-260", content_type: "text/plain; charset=utf-8" });
      expect(verifies(h.running.publicKey, proof)).toBe(true);
    }
    expect(coordinator.of("/v1/miner/proof").every((r) => typeof r.headers["idempotency-key"] === "string")).toBe(true);
  });

  it("claims the freed slot's next job first, naming the finished one as done, and sends its proof once that claim is answered (or 50 ms on)", async () => {
    await using coordinator = await startScriptedCoordinator();
    // Claiming ahead off: the claim goes once the job ended (as for a workload that cannot tell).
    await using h = await minerFor(coordinator, { MAX_CONCURRENCY: "1", CLAIM_AHEAD_MS: "0" });
    const first = llmJob({ prompt: "abc", max_tokens: 4 });
    coordinator.jobs.push(first, llmJob({ prompt: "klm", max_tokens: 3 }));
    // The first claim is answered at once; the claim for the slot its job frees is held, and the
    // job's proof must wait for that answer, not race it.
    let release = () => {};
    coordinator.nextGates = [
      undefined,
      new Promise((resolve) => {
        release = resolve;
      }),
    ];
    h.running.miner.start();
    await until(() => coordinator.of("/v1/miner/next").length === 2);
    expect(coordinator.of("/v1/miner/next")[1]?.query.get("done")).toBe(String(first.id));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(coordinator.of("/v1/miner/proof")).toHaveLength(0);
    // A claim that stays unanswered (a long-poll finding nothing) holds the proof 50 ms at most.
    h.clock.advance(50);
    await until(() => coordinator.acceptedProofs.size === 1);
    release();
    await until(() => coordinator.acceptedProofs.size === 2);
    const order = coordinator.requests.map((r) => r.path).filter((path) => path !== "/v1/miner/heartbeat");
    expect(order.slice(0, 3)).toEqual(["/v1/miner/next", "/v1/miner/next", "/v1/miner/proof"]);
  });

  it("claims a slot's next job ahead when its llm_gen job is about to end, naming that job as done; the next one starts as it ends", async () => {
    await using coordinator = await startScriptedCoordinator();
    // A lead longer than the whole job: the claim goes as soon as two tokens give a pace.
    await using h = await minerFor(coordinator, { MAX_CONCURRENCY: "1", CLAIM_AHEAD_MS: "60000" });
    const miner = h.running.miner;
    const first = llmJob({ prompt: "abc", max_tokens: 600 });
    const second = llmJob({ prompt: "klm", max_tokens: 3 });
    coordinator.jobs.push(first, second);
    const runningAtClaim: string[][] = [];
    coordinator.onRequest = (request) => {
      if (request.path === "/v1/miner/next") runningAtClaim.push(miner.status().running);
    };
    miner.start();
    await until(() => coordinator.acceptedProofs.size === 2);
    const claims = coordinator.of("/v1/miner/next");
    // The second claim went while the first job was still generating, and named it.
    expect(runningAtClaim[1]).toEqual([first.id]);
    expect(claims[1]?.query.get("done")).toBe(String(first.id));
    // Both were proved with their own text: the second waited for the model's one sequence.
    const outputs = coordinator.of("/v1/miner/proof").map((r) => (r.body as Record<string, unknown>).output);
    expect(outputs).toContain("nop");
    expect(String(outputs.find((o) => o !== "nop")).length).toBeGreaterThan(0);
    // One slot: no claim went for a third job while the second was waiting; a later one came only
    // once the second job was about to end, and named it.
    for (const claim of claims.slice(2)) expect(claim.query.get("done")?.split(",")).toContain(String(second.id));
  });

  it("does not claim ahead while the running job is further than CLAIM_AHEAD_MS from its end", async () => {
    await using coordinator = await startScriptedCoordinator();
    await using h = await minerFor(coordinator, { MAX_CONCURRENCY: "1", CLAIM_AHEAD_MS: "50" });
    const miner = h.running.miner;
    const long = llmJob({ prompt: "abc", max_tokens: 1500 });
    coordinator.jobs.push(long);
    miner.start();
    await until(() => miner.status().running.length === 1);
    await new Promise((resolve) => setTimeout(resolve, 150));
    // 150 ms into a generation of 1,500 tokens (0.5 s on an idle machine): still far from its end.
    expect(miner.status().running).toEqual([long.id]);
    expect(coordinator.of("/v1/miner/next")).toHaveLength(1);
    await until(() => coordinator.acceptedProofs.size === 1);
    expect(coordinator.of("/v1/miner/next")[1]?.query.get("done")).toBe(String(long.id));
  });

  it("keeps a result through a coordinator outage and a miner restart, re-sending it with the same Idempotency-Key", async () => {
    await using coordinator = await startScriptedCoordinator();
    const workDir = mkdtempSync(join(tmpdir(), "miner-daemon-"));
    {
      await using h = await minerFor(coordinator, {}, workDir);
      coordinator.jobs.push(llmJob({ prompt: "abc", max_tokens: 4 }));
      await h.running.miner.heartbeatOnce();
      await h.running.miner.pollOnce();
      await h.running.miner.idle();
      coordinator.down = true;
      const first = await h.running.miner.deliverPending();
      const second = await h.running.miner.deliverPending();
      expect(first).toBeGreaterThanOrEqual(0);
      expect(second).toBeGreaterThanOrEqual(0);
      // Two failed tries, one log line about it.
      expect(h.log.lines.filter((line) => line.includes("coordinator unavailable"))).toHaveLength(1);
    }
    coordinator.down = false;
    await using restarted = await minerFor(coordinator, {}, workDir);
    expect(await restarted.running.miner.deliverPending()).toBeUndefined();
    const tries = coordinator.of("/v1/miner/proof");
    expect(tries.length).toBeGreaterThanOrEqual(3);
    expect(new Set(tries.map((r) => r.headers["idempotency-key"])).size).toBe(1);
    expect(coordinator.acceptedProofs.size).toBe(1);
    // Acknowledged: not sent again.
    expect(await restarted.running.miner.deliverPending()).toBeUndefined();
    expect(coordinator.of("/v1/miner/proof")).toHaveLength(tries.length);
  });

  it("sends a kept result the moment the coordinator answers again, not when its backoff would have ended", async () => {
    await using coordinator = await startScriptedCoordinator();
    await using h = await minerFor(coordinator, { HEARTBEAT_SECS: "20" });
    coordinator.jobs.push(llmJob({ prompt: "abc", max_tokens: 4 }));
    await h.running.miner.heartbeatOnce();
    await h.running.miner.pollOnce();
    await h.running.miner.idle();
    coordinator.down = true;
    // A long outage: the outbox's next retry is many seconds away (random() = 0.5 of 32 s).
    for (let i = 0; i < 6; i++) await h.running.miner.deliverPending();
    h.running.miner.start();
    await until(() => coordinator.of("/v1/miner/proof").length >= 7);
    coordinator.down = false;
    // The heartbeat (its interval is never longer than HEARTBEAT_SECS) finds the coordinator back:
    // with the clock standing still, only that can make the outbox send now.
    await h.running.miner.heartbeatOnce();
    await until(() => h.log.lines.some((line) => line.includes("proof accepted")));
    expect(h.log.lines.filter((line) => line.includes("proof accepted"))).toHaveLength(1);
  });

  it("backs off while the coordinator refuses connections and says so once; the heartbeat never waits past its interval", async () => {
    await using coordinator = await startScriptedCoordinator();
    await using h = await minerFor(coordinator, { HEARTBEAT_SECS: "20" });
    coordinator.overrides.set("/v1/miner/heartbeat", ["drop", "drop", "drop"]);
    const delays = [
      await h.running.miner.heartbeatOnce(),
      await h.running.miner.heartbeatOnce(),
      await h.running.miner.heartbeatOnce(),
    ];
    // random() = 0.5: half of 500, 1000, 2000 ms.
    expect(delays).toEqual([250, 500, 1000]);
    expect(await h.running.miner.heartbeatOnce()).toBe(20_000);
    expect(h.log.lines.filter((l) => l.includes("coordinator unavailable"))).toHaveLength(1);
    expect(h.log.lines.filter((l) => l.includes("coordinator reachable again"))).toHaveLength(1);
  });

  it("says the coordinator refuses its key (401) apart from an outage, once, and says so again when that changes", async () => {
    await using coordinator = await startScriptedCoordinator();
    await using h = await minerFor(coordinator, { HEARTBEAT_SECS: "20" });
    const unauthorized = {
      status: 401,
      body: { error: { code: "UNAUTHORIZED", message: "Unknown or revoked API key" } },
    };
    coordinator.overrides.set("/v1/miner/heartbeat", ["drop", unauthorized, unauthorized, "drop"]);
    for (let i = 0; i < 5; i++) await h.running.miner.heartbeatOnce();
    const said = h.log.lines.filter((l) =>
      /coordinator unavailable|refuses this miner's credentials|reachable again/.test(l),
    );
    expect(said.map((l) => /unavailable|refuses|reachable/.exec(l)?.[0])).toEqual([
      "unavailable",
      "refuses",
      "unavailable",
      "reachable",
    ]);
    expect(said[1]).toContain("Unknown or revoked API key");
  });

  it("says once that a coordinator whose disk is full cannot record results, not 'reachable again' on each empty claim or heartbeat, and once when it records again", async () => {
    await using coordinator = await startScriptedCoordinator();
    await using h = await minerFor(coordinator, { HEARTBEAT_SECS: "20" });
    const miner = h.running.miner;
    coordinator.jobs.push(llmJob({ prompt: "abc", max_tokens: 2 }));
    await miner.heartbeatOnce();
    await miner.pollOnce();
    await miner.idle();
    const full = { status: 507, body: { error: { code: "STORAGE_FULL", message: "The server's disk is full" } } };
    const fullBeat = {
      status: 200,
      body: { ok: true, server_time: new Date().toISOString(), status: "online", storage_full: true },
    };
    coordinator.overrides.set("/v1/miner/proof", [full, full, full]);
    coordinator.overrides.set("/v1/miner/heartbeat", [full, fullBeat, fullBeat]);
    for (let round = 0; round < 3; round++) {
      expect(await miner.deliverPending()).toBeGreaterThanOrEqual(0); // refused: kept for later
      await miner.heartbeatOnce();
      await miner.pollOnce(); // answered 204: a read, says nothing about the disk
    }
    expect(coordinator.of("/v1/miner/proof")).toHaveLength(3);
    const said = () =>
      h.log.lines
        .filter((l) => /coordinator unavailable|reachable again|cannot record results|records results again/.test(l))
        .map((l) => /unavailable|reachable again|cannot record|records results again/.exec(l)?.[0]);
    expect(said()).toEqual(["cannot record"]);
    // The heartbeat no longer says the disk is full: the kept proof goes, and the log says so once.
    await miner.heartbeatOnce();
    expect(await miner.deliverPending()).toBeUndefined();
    expect(coordinator.of("/v1/miner/proof")).toHaveLength(4);
    expect(said()).toEqual(["cannot record", "records results again"]);
  });

  it("says once that another process holds its MINER_ID (409 MINER_ID_IN_USE), not that the coordinator is unavailable, and registers once that one is gone", async () => {
    await using coordinator = await startScriptedCoordinator();
    await using h = await minerFor(coordinator);
    const miner = h.running.miner;
    const inUse = {
      status: 409,
      body: {
        error: { code: "MINER_ID_IN_USE", message: "miner id m1 is online with another public key", details: {} },
      },
    };
    coordinator.overrides.set("/v1/miner/heartbeat", [inUse, inUse]);
    await miner.heartbeatOnce();
    await miner.heartbeatOnce();
    const said = () =>
      h.log.lines.filter((l) => /another process is running as miner|unavailable|reachable again|any more/.test(l));
    expect(said()).toHaveLength(1);
    expect(said()[0]).toMatch(
      /WARN {2}another process is running as miner \S+ with another key: this one waits until it stops/,
    );
    expect(miner.status().registered).toBe(false);
    await miner.heartbeatOnce();
    expect(miner.status().registered).toBe(true);
    expect(said()[1]).toMatch(/INFO {2}no other process holds this miner id any more/);
    expect(said()).toHaveLength(2);
  });

  it("warns once when this machine's clock is over a minute off the coordinator's, not on each heartbeat, and says when they agree again", async () => {
    await using coordinator = await startScriptedCoordinator();
    await using h = await minerFor(coordinator);
    const miner = h.running.miner;
    // The coordinator's server_time, `offsetMs` from the miner's clock (which stands still here).
    const beat = (offsetMs: number) => ({
      status: 200,
      body: { ok: true, status: "online", server_time: new Date(h.clock.now() + offsetMs).toISOString() },
    });
    coordinator.overrides.set("/v1/miner/heartbeat", [
      beat(300_000),
      beat(300_000),
      beat(301_000),
      beat(30_000),
      beat(-7_200_000),
      beat(-7_200_000),
    ]);
    const clockLines = () => h.log.lines.filter((l) => l.includes("clock"));
    for (let i = 0; i < 3; i++) await miner.heartbeatOnce();
    expect(clockLines()).toHaveLength(1);
    expect(clockLines()[0]).toMatch(
      /WARN {2}this machine's clock is 5 min 0 s behind the coordinator's: log and result times will not match its receipts \(set up NTP\) coordinator=\S+ skew_s=-300$/,
    );
    await miner.heartbeatOnce(); // 30 s off: within the minute
    expect(clockLines()[1]).toMatch(/INFO {2}this machine's clock agrees with the coordinator's again/);
    await miner.heartbeatOnce();
    await miner.heartbeatOnce();
    expect(clockLines()[2]).toMatch(/WARN {2}this machine's clock is 2 h 0 min ahead of the coordinator's/);
    expect(clockLines()).toHaveLength(3);
  });

  it("honours Retry-After on 429 and does not resend a proof the coordinator refused for good", async () => {
    await using coordinator = await startScriptedCoordinator();
    await using h = await minerFor(coordinator);
    coordinator.jobs.push(llmJob({ prompt: "abc", max_tokens: 2 }));
    await h.running.miner.heartbeatOnce();
    await h.running.miner.pollOnce();
    await h.running.miner.idle();
    coordinator.overrides.set("/v1/miner/proof", [
      { status: 429, body: { error: { code: "RATE_LIMITED", message: "slow down" } }, headers: { "retry-after": "7" } },
      { status: 409, body: { error: { code: "LEASE_EXPIRED", message: "expired", details: {} } } },
    ]);
    expect(await h.running.miner.deliverPending()).toBe(7000);
    expect(await h.running.miner.deliverPending()).toBeUndefined();
    expect(await h.running.miner.deliverPending()).toBeUndefined();
    expect(coordinator.of("/v1/miner/proof")).toHaveLength(2);
    expect(h.log.lines.some((l) => l.includes("proof refused by the coordinator") && l.includes("LEASE_EXPIRED"))).toBe(
      true,
    );
  });

  it("kills a job at its max_runtime_s, reports MAX_RUNTIME_EXCEEDED and frees the slot", async () => {
    await using coordinator = await startScriptedCoordinator();
    await using h = await minerFor(coordinator, { MAX_CONCURRENCY: "1" });
    const miner = h.running.miner;
    coordinator.jobs.push(llmJob({ prompt: "abc", max_tokens: 4000 }, 5), llmJob({ prompt: "abc", max_tokens: 4 }));
    await miner.heartbeatOnce();
    await miner.pollOnce();
    expect(miner.freeSlots()).toBe(0);
    h.clock.advance(5000);
    await miner.idle();
    expect(miner.freeSlots()).toBe(1);
    await miner.deliverPending();
    const [fail] = coordinator.of("/v1/miner/fail");
    expect(fail?.body).toMatchObject({
      error_code: "MAX_RUNTIME_EXCEEDED",
      message: expect.stringMatching(/max_runtime_s of 5 s/),
    });
    // The freed slot takes the next job.
    expect((await miner.pollOnce()).job).toBeDefined();
    await miner.idle();
    await miner.deliverPending();
    expect(coordinator.of("/v1/miner/proof")[0]?.body?.output).toBe("defg");
  });

  it("refuses a job whose memory needs the machine cannot meet, before starting it", async () => {
    await using coordinator = await startScriptedCoordinator();
    await using h = await minerFor(coordinator);
    coordinator.jobs.push(llmJob({ prompt: "abc", min_vram_mb: 24_000 }));
    await h.running.miner.heartbeatOnce();
    await h.running.miner.pollOnce();
    await h.running.miner.idle();
    await h.running.miner.deliverPending();
    expect(coordinator.of("/v1/miner/fail")[0]?.body).toMatchObject({
      error_code: "INSUFFICIENT_MEMORY",
      message: "job needs 24000 MB of VRAM and this miner has no GPU",
    });
  });

  it("on stop gives running jobs their grace, then hands them back with MINER_SHUTDOWN", async () => {
    await using coordinator = await startScriptedCoordinator();
    const h = await minerFor(coordinator, { SHUTDOWN_GRACE_SECS: "30" });
    coordinator.jobs.push(llmJob({ prompt: "abc", max_tokens: 4000 }));
    await h.running.miner.heartbeatOnce();
    await h.running.miner.pollOnce();
    const stopping = h.running.stop();
    // The grace period runs on the injected clock: pass it.
    await new Promise((resolve) => setImmediate(resolve));
    h.clock.advance(30_000);
    expect(await stopping).toEqual({ gaveBack: 1, pending: 0 });
    expect(coordinator.of("/v1/miner/fail")[0]?.body).toMatchObject({ error_code: "MINER_SHUTDOWN" });
  });

  it("with FAULT_CORRUPT_OUTPUT=1 (test only) proves a different output, still signed", async () => {
    await using coordinator = await startScriptedCoordinator();
    await using h = await minerFor(coordinator, { FAULT_CORRUPT_OUTPUT: "1" });
    coordinator.jobs.push(llmJob({ prompt: "abc", max_tokens: 4 }));
    await h.running.miner.heartbeatOnce();
    await h.running.miner.pollOnce();
    await h.running.miner.idle();
    await h.running.miner.deliverPending();
    const proof = coordinator.of("/v1/miner/proof")[0]?.body as Record<string, unknown>;
    expect(proof.output_sha).not.toBe(sha256Hex(Buffer.from("defg")));
    expect(proof.output_sha).toBe(sha256Hex(Buffer.from(String(proof.output))));
    expect(verifies(h.running.publicKey, proof)).toBe(true);
    expect(h.log.lines.some((l) => l.includes("FAULT_CORRUPT_OUTPUT=1"))).toBe(true);
  });
});
