// A new job folder is flushed into WORK_DIR before the result.json inside it is committed: the
// rename of result.json is fsynced in the job folder, but the folder's own entry lives in WORK_DIR,
// and a power cut before that reaches the disk loses the folder and the committed result with it.
// A power cut cannot be staged here, so node:fs/promises is wrapped to see which directories are
// fsynced, and when.
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { ResultStore } from "../src/index.ts";

const synced = vi.hoisted(() => ({ paths: [] as { path: string; resultCommitted: boolean }[], watch: "" }));

vi.mock("node:fs/promises", async (importOriginal) => {
  const fsp = await importOriginal<typeof import("node:fs/promises")>();
  const { existsSync } = await import("node:fs");
  const open = (async (...args: Parameters<typeof fsp.open>) => {
    const handle = await fsp.open(...args);
    const sync = handle.sync.bind(handle);
    handle.sync = async () => {
      const path = String(args[0]);
      synced.paths.push({ path, resultCommitted: existsSync(`${synced.watch}/result.json`) });
      return sync();
    };
    return handle;
  }) as typeof fsp.open;
  return { ...fsp, open, default: { ...fsp, open } };
});

describe("a new job folder", () => {
  beforeEach(() => {
    synced.paths.length = 0;
  });

  it("is flushed into WORK_DIR before its result is committed, once per job", async () => {
    const workDir = mkdtempSync(join(tmpdir(), "miner-durable-dir-"));
    const store = new ResultStore(workDir);
    synced.watch = join(workDir, "job-1");
    const saved = await store.save({
      kind: "proof",
      jobId: "job-1",
      attempt: 1,
      request: { id: "job-1" },
      output: { bytes: Buffer.from("defg"), extension: "txt", encoding: "utf8" },
    });
    const workDirSyncs = () => synced.paths.filter((s) => s.path === workDir);
    expect(workDirSyncs()).toEqual([{ path: workDir, resultCommitted: false }]);
    expect(existsSync(join(workDir, "job-1", "result.json"))).toBe(true);

    // Settling it writes into a folder already on disk: no second flush of WORK_DIR.
    await store.update(saved, "acked", { status: 200, body: {} });
    expect(workDirSyncs()).toHaveLength(1);

    // The next job's folder gets its own.
    await store.save({ kind: "fail", jobId: "job-2", attempt: 1, request: { id: "job-2" } });
    expect(workDirSyncs()).toHaveLength(2);
  });
});
