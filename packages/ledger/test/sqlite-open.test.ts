// Opening a new SQLite ledger while another process holds the database's lock (as when several
// `pithead ledger append` start at once on a fresh file): the opener waits for the lock instead of
// failing at once with "database is locked".
import { spawn } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openLedger } from "../src/index.ts";
import { openSqliteDatabase } from "../src/sqlite-store.ts";
import { tempDir } from "./helpers.ts";

/** Another process that takes the database's exclusive lock, says so, holds it a moment and lets go. */
function lockHolder(path: string): { locked: Promise<void>; exited: Promise<number | null> } {
  const script = `
    const { DatabaseSync } = require("node:sqlite");
    const db = new DatabaseSync(process.argv[1]);
    db.exec("BEGIN EXCLUSIVE");
    db.exec("CREATE TABLE held (x)");
    process.stdout.write("locked\\n");
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 400);
    db.exec("COMMIT");
    db.close();
  `;
  const child = spawn(process.execPath, ["--no-warnings", "-e", script, path], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const locked = new Promise<void>((resolve, reject) => {
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      if (chunk.includes("locked")) resolve();
    });
    child.once("exit", () => reject(new Error("the lock holder exited before taking the lock")));
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  return { locked, exited };
}

describe("SQLite: opening while another process holds the lock", () => {
  it("waits for the lock to switch a new database to WAL instead of failing with 'database is locked'", async () => {
    using dir = tempDir();
    const path = join(dir.path, "fresh.db");
    const holder = lockHolder(path);
    await holder.locked;
    const db = openSqliteDatabase(path);
    expect(db.prepare("PRAGMA journal_mode").get()).toEqual({ journal_mode: "wal" });
    db.close();
    expect(await holder.exited).toBe(0);
  });

  it("an append through openLedger goes through once the other process lets go", async () => {
    using dir = tempDir();
    const path = join(dir.path, "fresh.db");
    const holder = lockHolder(path);
    await holder.locked;
    const ledger = await openLedger({ store: "sqlite", path });
    try {
      expect((await ledger.append("ops", "ops.note", { by: "ops" })).seq).toBe(0);
    } finally {
      await ledger.close();
    }
    expect(await holder.exited).toBe(0);
  });
});
