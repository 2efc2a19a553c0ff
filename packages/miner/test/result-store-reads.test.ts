// What the outbox reads per delivery pass: only the results still pending, however much settled
// history WORK_DIR holds (the daemon shares its process with the coordinator under `pithead up`,
// and a pass that read every result.json stalled them all). node:fs is wrapped to count reads.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { ResultStore } from "../src/index.ts";

const reads = vi.hoisted(() => ({ files: [] as string[] }));

vi.mock("node:fs", async (importOriginal) => {
  const fs = await importOriginal<typeof import("node:fs")>();
  const readFileSync = ((...args: Parameters<typeof fs.readFileSync>) => {
    reads.files.push(String(args[0]));
    return fs.readFileSync(...args);
  }) as typeof fs.readFileSync;
  return { ...fs, readFileSync, default: { ...fs, readFileSync } };
});

const resultReads = () => reads.files.filter((file) => file.endsWith("result.json"));

/** A WORK_DIR with `settled` acknowledged results and two pending ones (saved last). */
async function workDirWithHistory(settled: number): Promise<{ dir: string; store: ResultStore; pendingIds: string[] }> {
  let now = Date.parse("2025-09-26T13:37:00Z");
  const dir = mkdtempSync(join(tmpdir(), "miner-outbox-reads-"));
  const store = new ResultStore(dir, () => now++);
  for (let i = 0; i < settled; i++) {
    const entry = await store.save({ kind: "fail", jobId: `done-${i}`, attempt: 1, request: { id: `done-${i}` } });
    await store.update(entry, "acked", { status: 200, body: { ok: true } });
  }
  const pendingIds = ["waiting-1", "waiting-2"];
  for (const id of pendingIds) await store.save({ kind: "fail", jobId: id, attempt: 1, request: { id } });
  return { dir, store, pendingIds };
}

describe("the outbox's delivery pass", () => {
  beforeEach(() => {
    reads.files.length = 0;
  });

  it("reads only the pending results, never a settled one, however many WORK_DIR holds", async () => {
    const { store, pendingIds } = await workDirWithHistory(200);
    // The first look indexes WORK_DIR (a store nobody loaded does it then, in one pass).
    expect(store.pending().map((e) => e.job_id)).toEqual(pendingIds);
    reads.files.length = 0;

    for (let pass = 0; pass < 3; pass++) expect(store.pending().map((e) => e.job_id)).toEqual(pendingIds);
    expect(store.pendingJobIds()).toEqual(new Set(pendingIds));
    expect(resultReads()).toHaveLength(3 * pendingIds.length);
    expect(resultReads().every((file) => pendingIds.some((id) => file.includes(`/${id}/`)))).toBe(true);
  });

  it("after a restart: load() reads each result once, then a pass reads only the pending ones", async () => {
    const { dir, store, pendingIds } = await workDirWithHistory(200);
    const [first] = store.pending();
    await store.update(first!, "acked", { status: 200, body: {} });

    const reopened = new ResultStore(dir);
    expect(await reopened.load()).toEqual({ pending: 1, settled: 201 });
    reads.files.length = 0;
    expect(reopened.pending().map((e) => e.job_id)).toEqual([pendingIds[1]]);
    expect(resultReads()).toEqual([join(dir, pendingIds[1]!, "result.json")]);
  });
});
