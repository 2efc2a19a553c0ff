import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ResultStore } from "../src/index.ts";

const JOB = "8c1d7a52-5b8e-4d0c-9a3e-1f2b3c4d5e6f";

describe("the WORK_DIR outbox", () => {
  it("keeps a result on disk until it is settled, and a new process finds it with the same Idempotency-Key", async () => {
    const dir = mkdtempSync(join(tmpdir(), "miner-outbox-"));
    const store = new ResultStore(dir);
    const saved = await store.save({
      kind: "proof",
      jobId: JOB,
      attempt: 1,
      request: { id: JOB, output_sha: "x", metrics: { tokens: 3 } },
      output: { bytes: Buffer.from("defg"), extension: "txt", encoding: "utf8" },
    });
    expect(readFileSync(join(dir, JOB, "output.txt"), "utf8")).toBe("defg");
    expect(JSON.parse(readFileSync(join(dir, JOB, "result.json"), "utf8")).state).toBe("pending");

    // "After a restart": a fresh store on the same directory.
    const reopened = new ResultStore(dir);
    const [pending] = reopened.pending();
    expect(pending?.idempotency_key).toBe(saved.idempotency_key);
    expect(reopened.body(pending!)).toEqual({
      id: JOB,
      output_sha: "x",
      metrics: { tokens: 3 },
      output: "defg",
      output_encoding: "utf8",
    });

    const tried = await reopened.update(pending!, "pending", { status: null, body: "ECONNREFUSED" });
    expect(tried.deliveries).toBe(1);
    await reopened.update(tried, "acked", { status: 200, body: { ok: true } });
    expect(new ResultStore(dir).pending()).toEqual([]);
    expect(new ResultStore(dir).read(JOB)?.state).toBe("acked");
  });

  it("ignores a half-written entry (crash before the rename) and other directories", () => {
    const dir = mkdtempSync(join(tmpdir(), "miner-outbox-"));
    const store = new ResultStore(dir);
    store.jobDir(JOB);
    writeFileSync(join(dir, JOB, "result.json.123.tmp"), '{"version":1,');
    store.jobDir("models");
    expect(store.pending()).toEqual([]);
  });

  it("stores binary outputs as base64 and prunes only old settled results", async () => {
    let now = Date.parse("2025-01-01T00:00:00Z");
    const dir = mkdtempSync(join(tmpdir(), "miner-outbox-"));
    const store = new ResultStore(dir, () => now);
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 255]);
    const a = await store.save({
      kind: "proof",
      jobId: "job-a",
      attempt: 1,
      request: { id: "job-a" },
      output: { bytes: png, extension: "png", encoding: "base64" },
    });
    await store.save({
      kind: "fail",
      jobId: "job-b",
      attempt: 1,
      request: { id: "job-b", error_code: "X", message: "" },
    });
    expect(store.body(a).output).toBe(png.toString("base64"));
    await store.update(a, "acked", { status: 200, body: {} });
    now += 8 * 86_400_000;
    expect(await store.prune(7 * 86_400_000)).toEqual({ removed: 1, errors: [] });
    expect(existsSync(join(dir, "job-a"))).toBe(false);
    expect(readdirSync(dir)).toEqual(["job-b"]);
    expect(() => store.jobDir("../escape")).toThrow(/not a plain name/);
  });
});

const DAY = 86_400_000;

describe("retention", () => {
  it("removes a result once it has been settled for the retention, never a pending one however old", async () => {
    let now = Date.parse("2025-01-01T00:00:00Z");
    const dir = mkdtempSync(join(tmpdir(), "miner-outbox-"));
    const store = new ResultStore(dir, () => now);
    await store.load();
    await store.save({ kind: "fail", jobId: "never-sent", attempt: 1, request: { id: "never-sent" } });
    const old = await store.save({ kind: "fail", jobId: "settled", attempt: 1, request: { id: "settled" } });
    now += 30 * DAY; // its delivery took a month: the retention counts from the settling
    await store.update(old, "rejected", { status: 409, body: {} });

    now += 6 * DAY;
    expect(await store.prune(7 * DAY)).toEqual({ removed: 0, errors: [] });
    now += DAY;
    expect(await store.prune(7 * DAY)).toEqual({ removed: 1, errors: [] });
    expect(readdirSync(dir)).toEqual(["never-sent"]);
    expect(store.pending().map((e) => e.job_id)).toEqual(["never-sent"]);
    // Even a retention of 0 leaves it: it is removed only once the coordinator has settled it.
    expect(await store.prune(0)).toEqual({ removed: 0, errors: [] });
    expect(new ResultStore(dir).read("never-sent")?.state).toBe("pending");
  });

  it("leaves the directory of a job that came back to this miner until its new result is settled", async () => {
    let now = Date.parse("2025-01-01T00:00:00Z");
    const dir = mkdtempSync(join(tmpdir(), "miner-outbox-"));
    const store = new ResultStore(dir, () => now);
    await store.load();
    const first = await store.save({ kind: "fail", jobId: JOB, attempt: 1, request: { id: JOB } });
    await store.update(first, "acked", { status: 200, body: {} });
    now += 8 * DAY;
    // The job runs here again: its directory is its scratch space now.
    writeFileSync(join(store.jobDir(JOB), "scratch.bin"), "in use");
    expect(await store.prune(7 * DAY)).toEqual({ removed: 0, errors: [] });
    expect(readFileSync(join(dir, JOB, "scratch.bin"), "utf8")).toBe("in use");
    // It is stopped without a result (its lease was lost): the old entry may go again.
    store.discard(JOB);
    expect(await store.prune(7 * DAY)).toEqual({ removed: 1, errors: [] });
    expect(existsSync(join(dir, JOB))).toBe(false);
  });

  it("keeps the new result of a job that comes back to this miner while a prune is under way", async () => {
    let now = Date.parse("2025-01-01T00:00:00Z");
    const dir = mkdtempSync(join(tmpdir(), "miner-outbox-"));
    const store = new ResultStore(dir, () => now);
    await store.load();
    for (const id of ["first", "back-again"]) {
      await store.update(await store.save({ kind: "fail", jobId: id, attempt: 1, request: { id } }), "acked", {
        status: 200,
        body: {},
      });
    }
    now += 8 * DAY;
    const pruning = store.prune(7 * DAY); // has removed "first" and awaits its deletion
    await store.save({ kind: "fail", jobId: "back-again", attempt: 2, request: { id: "back-again" } });
    expect(await pruning).toEqual({ removed: 1, errors: [] });
    expect(store.pending().map((e) => [e.job_id, e.attempt])).toEqual([["back-again", 2]]);
    expect(readdirSync(dir)).toEqual(["back-again"]);
  });

  it("a prune cut short by a crash leaves no entry behind, and the next start removes what is left", async () => {
    const dir = mkdtempSync(join(tmpdir(), "miner-outbox-"));
    const store = new ResultStore(dir);
    await store.save({ kind: "fail", jobId: "kept", attempt: 1, request: { id: "kept" } });
    // What a crash between the rename and the removal leaves: a result under the pruned name.
    mkdirSync(join(dir, ".pruned-gone"));
    writeFileSync(join(dir, ".pruned-gone", "result.json"), JSON.stringify({ version: 1, job_id: "gone" }));
    expect(store.all().map((e) => e.job_id)).toEqual(["kept"]);

    const restarted = new ResultStore(dir);
    expect(await restarted.load()).toEqual({ pending: 1, settled: 0 });
    expect(readdirSync(dir)).toEqual(["kept"]);
  });
});

describe("recovery after a restart", () => {
  it("finds every pending result (and only those) with its Idempotency-Key, whatever history WORK_DIR holds", async () => {
    let now = Date.parse("2025-01-01T00:00:00Z");
    const dir = mkdtempSync(join(tmpdir(), "miner-outbox-"));
    const before = new ResultStore(dir, () => now++);
    await before.load();
    const keys = new Map<string, string>();
    for (let i = 0; i < 150; i++) {
      const id = `job-${String(i).padStart(3, "0")}`;
      const entry = await before.save({ kind: "fail", jobId: id, attempt: 1, request: { id } });
      if (i % 10 === 3) {
        // Tried and not answered (the crash came before the coordinator's answer): still pending.
        keys.set(id, (await before.update(entry, "pending", { status: null, body: "ECONNREFUSED" })).idempotency_key);
      } else await before.update(entry, i % 2 ? "acked" : "rejected", { status: 200, body: {} });
    }
    // A result being written when the process died (before the rename): no entry.
    writeFileSync(join(before.jobDir("job-torn"), "result.json.99.tmp"), '{"version":1,');

    const after = new ResultStore(dir, () => now);
    expect(await after.load()).toEqual({ pending: 15, settled: 135 });
    const pending = after.pending();
    expect(pending.map((e) => e.job_id)).toEqual([...keys.keys()]);
    expect(pending.map((e) => e.idempotency_key)).toEqual([...keys.values()]);
    expect(after.pendingJobIds()).toEqual(new Set(keys.keys()));
    // Settling one is remembered by this process and the next.
    await after.update(pending[0]!, "acked", { status: 200, body: {} });
    expect(after.pending()).toHaveLength(14);
    const again = new ResultStore(dir);
    await again.load();
    expect(again.pending()).toHaveLength(14);
  });
});
