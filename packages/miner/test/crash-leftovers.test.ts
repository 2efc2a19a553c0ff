// What a crash leaves in WORK_DIR: a job folder made but never committed (the miner died, or the
// write failed, before result.json's rename) and temps of older versions (result.json.<pid>.tmp).
// They are removed at start once old enough, said in one log line; a committed result, above all
// one still waiting for the coordinator, is never touched. Real files in a temp dir.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadMinerConfig, ResultStore, type Workload } from "../src/index.ts";
import { LEFTOVER_AGE_MS } from "../src/store/result-store.ts";
import { startScriptedCoordinator } from "./support/scripted-coordinator.ts";
import { startSteppedMiner } from "./support/stepped-miner.ts";

const HOUR = 3_600_000;
// Job ids are UUIDs, as the coordinator issues them.
const CRASHED_LONG_AGO = "10000000-0000-4000-8000-000000000001";
const CRASHED_JUST_NOW = "10000000-0000-4000-8000-000000000002";
const CAME_BACK = "10000000-0000-4000-8000-000000000003";
const CRASHED_1 = "10000000-0000-4000-8000-000000000004";
const CRASHED_2 = "10000000-0000-4000-8000-000000000005";

/** A folder as a crashed job left it: output bytes, no result.json; last changed at `changedAt`. */
function crashedJobFolder(workDir: string, jobId: string, changedAt: number, bytes = 1000): string {
  const dir = join(workDir, jobId);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "output.png"), Buffer.alloc(bytes, 7));
  const when = new Date(changedAt);
  utimesSync(join(dir, "output.png"), when, when);
  utimesSync(dir, when, when);
  return dir;
}

/** A WORK_DIR a previous run left: one result still pending delivery, older than any leftover. */
async function previousRun(now: number): Promise<string> {
  const workDir = mkdtempSync(join(tmpdir(), "miner-leftovers-"));
  await new ResultStore(workDir, () => now).save({
    kind: "proof",
    jobId: "waiting",
    attempt: 1,
    request: { id: "waiting" },
    output: { bytes: Buffer.from("defg"), extension: "txt", encoding: "utf8" },
  });
  const long = new Date(now - 30 * 24 * HOUR);
  utimesSync(join(workDir, "waiting"), long, long);
  return workDir;
}

describe("what a crash left in WORK_DIR", () => {
  it("an uncommitted job folder older than the age goes at start, a fresh one stays until it is old enough", async () => {
    let now = Date.now();
    const workDir = await previousRun(now);
    crashedJobFolder(workDir, CRASHED_LONG_AGO, now - LEFTOVER_AGE_MS - HOUR, 1000);
    crashedJobFolder(workDir, CRASHED_JUST_NOW, now - 1000, 500);

    const store = new ResultStore(workDir, () => now);
    await store.load();
    expect(await store.sweepLeftovers()).toEqual({ folders: 1, tempFiles: 0, bytes: 1000, errors: [] });
    expect(existsSync(join(workDir, CRASHED_LONG_AGO))).toBe(false);
    expect(existsSync(join(workDir, CRASHED_JUST_NOW, "output.png"))).toBe(true);
    expect(readdirSync(workDir).filter((name) => name.startsWith("."))).toEqual([]);

    // A miner restarted seconds after its crash: the prune loop clears the folder once it is old enough.
    now += LEFTOVER_AGE_MS;
    expect(await store.sweepLeftovers()).toMatchObject({ folders: 1, bytes: 500 });
    expect(existsSync(join(workDir, CRASHED_JUST_NOW))).toBe(false);
  });

  it("a committed result still pending delivery survives, with its output, however old", async () => {
    const now = Date.now() + 365 * 24 * HOUR;
    const workDir = await previousRun(Date.now());
    const store = new ResultStore(workDir, () => now);
    expect(await store.load()).toEqual({ pending: 1, settled: 0 });
    expect((await store.sweepLeftovers()).folders).toBe(0);
    const [waiting] = store.pending();
    expect(waiting?.job_id).toBe("waiting");
    expect(store.body(waiting!)).toMatchObject({ output: "defg" });
  });

  it("a folder a job of this process took since start is not swept, old as it is", async () => {
    const now = Date.now();
    const workDir = mkdtempSync(join(tmpdir(), "miner-leftovers-"));
    crashedJobFolder(workDir, CAME_BACK, now - LEFTOVER_AGE_MS - HOUR);
    const store = new ResultStore(workDir, () => now);
    await store.load();
    store.jobDir(CAME_BACK); // the same job leased to this miner again, running now
    expect((await store.sweepLeftovers()).folders).toBe(0);
    expect(existsSync(join(workDir, CAME_BACK, "output.png"))).toBe(true);
  });

  it("a folder that is not a job's (the tiny model under WORK_DIR/models) is never swept, old as it is", async () => {
    const now = Date.now();
    const workDir = mkdtempSync(join(tmpdir(), "miner-leftovers-"));
    crashedJobFolder(workDir, "models", now - 30 * 24 * HOUR);
    const store = new ResultStore(workDir, () => now);
    await store.load();
    expect((await store.sweepLeftovers()).folders).toBe(0);
    expect(existsSync(join(workDir, "models", "output.png"))).toBe(true);
  });

  it("temps an older version left under the old name (result.json.<pid>.tmp) are removed, the result beside them kept", async () => {
    const now = Date.now();
    const workDir = await previousRun(now);
    writeFileSync(join(workDir, "waiting", "result.json.4242.tmp"), '{"version":1,');
    const store = new ResultStore(workDir, () => now);
    await store.load();
    expect(await store.sweepLeftovers()).toEqual({ folders: 0, tempFiles: 1, bytes: 13, errors: [] });
    expect(readdirSync(join(workDir, "waiting")).sort()).toEqual(["output.txt", "result.json"]);
    expect(JSON.parse(readFileSync(join(workDir, "waiting", "result.json"), "utf8")).state).toBe("pending");
  });

  it("the miner says at start, in one line, how many folders and bytes it removed", async () => {
    await using coordinator = await startScriptedCoordinator();
    const echo: Workload = {
      name: "echo",
      detect: async () => ({ available: true, reason: "test workload" }),
      run: async () => ({ output: "done", contentType: "text/plain", metrics: {} }),
    };
    // The stepped miner's clock reads 2025-09-26: these crashed well before it.
    const before = Date.parse("2025-09-20T00:00:00Z");
    const workDir = await previousRun(before);
    crashedJobFolder(workDir, CRASHED_1, before, 2048);
    crashedJobFolder(workDir, CRASHED_2, before, 1024);
    const env = { COORD_URL: coordinator.url, WALLET_ADDR: "w", API_KEY: "k", MINER_ID: "m", WORK_DIR: workDir };
    const config = loadMinerConfig({ env });
    const { running, log } = await startSteppedMiner(config, { workloads: [echo] });
    try {
      expect(existsSync(join(workDir, CRASHED_1)) || existsSync(join(workDir, CRASHED_2))).toBe(false);
      const lines = log.lines.filter((line) => line.includes("crashed jobs left"));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain("folders=2");
      expect(lines[0]).toContain("bytes=3072");
      expect(readFileSync(join(workDir, "waiting", "result.json"), "utf8")).toContain('"state": "pending"');
    } finally {
      await running.stop(0);
    }
  });
});
