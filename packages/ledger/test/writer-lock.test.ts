// One writer per partition across processes: a second process is refused, not interleaved, and a
// writer that died does not block the next one.
import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { pgTestDatabase } from "@pithead/testkit/vitest";
import { describe, expect, it } from "vitest";
import { LedgerLockedError, type LedgerStoreOptions, openLedger } from "../src/index.ts";
import { processStarted } from "../src/pid-lock.ts";
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

describe("a lock whose holder is gone though its pid runs again", () => {
  // A restarted container's PID 1 finds a lock naming PID 1 (itself); after a reboot another process
  // may have the pid a lock names. The start time recorded with the pid tells them apart.
  it("JSONL: our own pid without our start time, and a live pid with another start time, are taken over; a live holder is not", async () => {
    using dir = tempDir();
    const lock = join(dir.path, "ops.ledger", "writer.lock");
    mkdirSync(join(dir.path, "ops.ledger"), { recursive: true });
    const other = spawn("sleep", ["30"]);
    try {
      const stale = [
        `${process.pid}\n${hostname()}\n2026-01-01T00:00:00Z\n`,
        `${process.pid}\n${hostname()}\n2026-01-01T00:00:00Z\nold-boot:1\n`,
        `${other.pid}\n${hostname()}\n2026-01-01T00:00:00Z\nold-boot:1\n`,
      ];
      for (const [i, left] of stale.entries()) {
        writeFileSync(lock, left);
        const ledger = await openLedger({ store: "jsonl", dir: dir.path });
        expect((await ledger.append("ops", "test.x", {})).seq).toBe(i);
        await ledger.close();
      }
      // The same live pid with its real start time is its holder: refused.
      writeFileSync(lock, `${other.pid}\n${hostname()}\n2026-01-01T00:00:00Z\n${processStarted(other.pid ?? 0)}\n`);
      const ledger = await openLedger({ store: "jsonl", dir: dir.path });
      try {
        const error = await ledger.append("ops", "test.x", {}).catch((e) => e);
        expect(error).toBeInstanceOf(LedgerLockedError);
        expect(error.message).toContain(`process ${other.pid}`);
      } finally {
        await ledger.close();
      }
    } finally {
      other.kill("SIGKILL");
    }
  });

  it("SQLite: a writer row with our own pid and no start time (an older version's, or a killed PID 1's) is taken over", async () => {
    using dir = tempDir();
    const path = join(dir.path, "l.db");
    const first = await openLedger({ store: "sqlite", path });
    await first.append("other", "test.x", {});
    await first.close();
    const db = new DatabaseSync(path);
    db.prepare("INSERT INTO ledger_writers (partition, pid, host, since) VALUES ('ops', ?, ?, '2026-01-01')").run(
      process.pid,
      hostname(),
    );
    db.close();
    const ledger = await openLedger({ store: "sqlite", path });
    try {
      expect((await ledger.append("ops", "test.x", {})).seq).toBe(0);
    } finally {
      await ledger.close();
    }
  });
});
