import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ResultStore } from "../src/index.ts";

const JOB = "8c1d7a52-5b8e-4d0c-9a3e-1f2b3c4d5e6f";

describe("the WORK_DIR outbox", () => {
  it("keeps a result on disk until it is settled, and a new process finds it with the same Idempotency-Key", () => {
    const dir = mkdtempSync(join(tmpdir(), "miner-outbox-"));
    const store = new ResultStore(dir);
    const saved = store.save({
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

    const tried = reopened.update(pending!, "pending", { status: null, body: "ECONNREFUSED" });
    expect(tried.deliveries).toBe(1);
    reopened.update(tried, "acked", { status: 200, body: { ok: true } });
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

  it("stores binary outputs as base64 and prunes only old settled results", () => {
    let now = Date.parse("2025-01-01T00:00:00Z");
    const dir = mkdtempSync(join(tmpdir(), "miner-outbox-"));
    const store = new ResultStore(dir, () => now);
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 255]);
    const a = store.save({
      kind: "proof",
      jobId: "job-a",
      attempt: 1,
      request: { id: "job-a" },
      output: { bytes: png, extension: "png", encoding: "base64" },
    });
    store.save({ kind: "fail", jobId: "job-b", attempt: 1, request: { id: "job-b", error_code: "X", message: "" } });
    expect(store.body(a).output).toBe(png.toString("base64"));
    store.update(a, "acked", { status: 200, body: {} });
    now += 8 * 86_400_000;
    expect(store.prune(7 * 86_400_000)).toBe(1);
    expect(existsSync(join(dir, "job-a"))).toBe(false);
    expect(readdirSync(dir)).toEqual(["job-b"]);
    expect(() => store.jobDir("../escape")).toThrow(/not a plain name/);
  });
});
