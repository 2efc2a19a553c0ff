import { fsync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { heldFsync } from "../../../test/support/held-fsync.ts";
import { COMMITS_DURABLE, COMMITS_STARTED, durabilityCounters, WalSync, WalSyncError } from "./wal-sync.ts";

/** A promise's state after the microtasks queued so far have run. */
async function state(promise: Promise<unknown> | undefined): Promise<"pending" | "resolved" | "rejected"> {
  if (!promise) return "resolved";
  let settled: "pending" | "resolved" | "rejected" = "pending";
  promise.then(
    () => {
      settled = "resolved";
    },
    () => {
      settled = "rejected";
    },
  );
  for (let i = 0; i < 5; i++) await Promise.resolve();
  return settled;
}

function tempDir(): Disposable & { path: string } {
  const path = mkdtempSync(join(tmpdir(), "pithead-wal-sync-"));
  return { path, [Symbol.dispose]: () => rmSync(path, { recursive: true, force: true }) };
}

function walFile(dir: string): string {
  const path = join(dir, "coordinator.db-wal");
  writeFileSync(path, "frames");
  return path;
}

describe("WalSync", () => {
  it("makes a commit durable only with an fsync that started after it, one fsync for all that waited", async () => {
    using dir = tempDir();
    const held = heldFsync();
    const counters = durabilityCounters();
    const sync = new WalSync(walFile(dir.path), { counters, fsync: held.fsync });

    sync.committing();
    const first = sync.committed();
    expect(held.calls).toHaveLength(1);
    expect(sync.ready()).toBeUndefined();
    // Two more commits while the first fsync runs: it may not cover them.
    sync.committing();
    const second = sync.committed();
    sync.committing();
    const third = sync.committed();
    expect(held.calls).toHaveLength(1);
    const ready = sync.ready();
    expect(await state(ready)).toBe("pending");
    expect(Atomics.load(counters, COMMITS_STARTED)).toBe(3);
    expect(Atomics.load(counters, COMMITS_DURABLE)).toBe(0);

    held.release();
    expect(await state(first)).toBe("resolved");
    expect(await state(second)).toBe("pending");
    expect(Atomics.load(counters, COMMITS_DURABLE)).toBe(1);
    // The next fsync started at once, for both: the engine may run its next batch.
    expect(held.calls).toHaveLength(1);
    expect(await state(ready)).toBe("resolved");
    const drained = sync.drained();

    held.release();
    expect(await state(second)).toBe("resolved");
    expect(await state(third)).toBe("resolved");
    expect(await state(drained)).toBe("resolved");
    expect(Atomics.load(counters, COMMITS_DURABLE)).toBe(3);
    expect(held.calls).toHaveLength(0);
    await sync.close();
  });

  it("fails every commit waiting and every later one once an fsync fails, and says so once", async () => {
    using dir = tempDir();
    const held = heldFsync();
    const failures: Error[] = [];
    const sync = new WalSync(walFile(dir.path), { fsync: held.fsync, onFailure: (error) => failures.push(error) });
    sync.committing();
    const first = sync.committed();
    sync.committing();
    const second = sync.committed();

    held.release(Object.assign(new Error("EIO: i/o error, fsync"), { code: "EIO" }));
    await expect(first).rejects.toThrow(WalSyncError);
    await expect(second).rejects.toThrow(/fsync of .*coordinator\.db-wal failed/);
    expect(sync.failure).toBeInstanceOf(WalSyncError);
    sync.committing();
    await expect(sync.committed()).rejects.toBe(sync.failure);
    expect(failures).toHaveLength(1);
    expect(held.calls).toHaveLength(0);
    await sync.close();
  });

  it("refuses to vouch for a -wal file that was removed while it held it", async () => {
    using dir = tempDir();
    const path = walFile(dir.path);
    const sync = new WalSync(path, {
      fsync: (fd, done) => {
        unlinkSync(path);
        fsync(fd, done);
      },
    });
    sync.committing();
    await expect(sync.committed()).rejects.toThrow(/was removed while the coordinator was writing to it/);
    await sync.close();
  });
});
