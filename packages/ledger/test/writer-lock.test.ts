// One writer per partition across processes: a second process is refused, not interleaved, and a
// writer that died does not block the next one.
import { join } from "node:path";
import { pgTestDatabase } from "@pithead/testkit/vitest";
import { describe, expect, it } from "vitest";
import { LedgerLockedError, type LedgerStoreOptions, openLedger } from "../src/index.ts";
import { startChild } from "./child.ts";
import { tempDir } from "./helpers.ts";
import { migrateUrl } from "./pg-helpers.ts";

async function secondWriterIsRefused(
  options: LedgerStoreOptions,
  store: string,
  location: string,
  pidInMessage: boolean,
) {
  const holder = startChild(["hold", store, location]);
  await holder.waitForLines(1);
  const ledger = await openLedger(options);
  try {
    const error = await ledger.append("ops", "test.x", {}).catch((e) => e);
    expect(error).toBeInstanceOf(LedgerLockedError);
    if (pidInMessage) expect(error.message).toContain(`process ${holder.process.pid}`);
    // Other partitions are not affected.
    expect((await ledger.append("other", "test.x", {})).seq).toBe(0);
    holder.process.kill("SIGKILL");
    await holder.exited;
    // The holder is gone: its lock is stale and taken over. PostgreSQL frees an advisory lock when
    // the dead client's backend notices the closed socket and exits, a moment after the kill.
    expect((await takeOver(() => ledger.append("ops", "test.x", {}))).seq).toBe(0);
  } finally {
    holder.process.kill("SIGKILL");
    await ledger.close();
  }
}

/** Retries `append` while the lock is still held, for up to 10 s. */
async function takeOver<T>(append: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      return await append();
    } catch (error) {
      if (!(error instanceof LedgerLockedError) || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

describe("one writer per partition", () => {
  it("JSONL: a second process is refused while the first lives, and takes over after it died", async () => {
    using dir = tempDir();
    await secondWriterIsRefused({ store: "jsonl", dir: dir.path }, "jsonl", dir.path, true);
  });

  it("SQLite: the same", async () => {
    using dir = tempDir();
    const path = join(dir.path, "l.db");
    await secondWriterIsRefused({ store: "sqlite", path }, "sqlite", path, true);
  });

  it("PostgreSQL: the advisory lock refuses a second process and dies with the first", async () => {
    await using db = await pgTestDatabase("ledger", migrateUrl);
    await secondWriterIsRefused({ store: "postgres", url: db.url }, "postgres", db.url, false);
  });
});
