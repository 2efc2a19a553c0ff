// A service writes its own state change and the ledger record in ONE transaction of its own
// database: both commit, or neither does.
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { pgTestDatabase } from "@pithead/testkit/vitest";
import pg from "pg";
import { describe, expect, it } from "vitest";
import {
  appendInPostgresTransaction,
  appendInSqliteTransaction,
  LedgerValueError,
  migrateSqliteLedger,
  openLedger,
  verifyCheckpoint,
  verifyInclusion,
} from "../src/index.ts";
import { collect, tempDir, testSigner } from "./helpers.ts";
import { migrateUrl, testPool } from "./pg-helpers.ts";

describe("appendInSqliteTransaction", () => {
  function serviceDb(path: string): DatabaseSync {
    const db = new DatabaseSync(path);
    db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL");
    db.exec("CREATE TABLE IF NOT EXISTS jobs (id TEXT PRIMARY KEY, state TEXT NOT NULL)");
    migrateSqliteLedger(db);
    migrateSqliteLedger(db); // idempotent
    return db;
  }

  it("commits the state change and the record together, or rolls both back", async () => {
    using dir = tempDir();
    const path = join(dir.path, "service.db");
    const db = serviceDb(path);
    db.exec("BEGIN IMMEDIATE");
    db.prepare("INSERT INTO jobs VALUES ('j1', 'done')").run();
    const first = appendInSqliteTransaction(db, "coordinator", "coordinator.job_done", { job: "j1" });
    db.exec("COMMIT");
    db.exec("BEGIN IMMEDIATE");
    db.prepare("INSERT INTO jobs VALUES ('j2', 'done')").run();
    appendInSqliteTransaction(db, "coordinator", "coordinator.job_done", { job: "j2" });
    db.exec("ROLLBACK");
    db.exec("BEGIN IMMEDIATE");
    const third = appendInSqliteTransaction(db, "coordinator", "coordinator.payout", {
      job: "j1",
      cites: [first.hash],
    });
    db.exec("COMMIT");
    expect(first.seq).toBe(0);
    expect(third).toMatchObject({ seq: 1, prev: first.hash });
    expect(
      db
        .prepare("SELECT id FROM jobs")
        .all()
        .map((r) => r.id),
    ).toEqual(["j1"]);
    db.close();

    // A Ledger on the same database reads, proves, checkpoints and verifies what the service wrote.
    const signer = testSigner();
    const ledger = await openLedger({ store: "sqlite", path, signer });
    expect((await collect(ledger.read("coordinator"))).map((r) => r.body)).toEqual([
      { job: "j1" },
      { job: "j1", cites: [first.hash] },
    ]);
    const checkpoint = await ledger.checkpoint("coordinator");
    expect(verifyCheckpoint(checkpoint.note, signer.verifierKey)).toBe(true);
    expect(verifyInclusion(await ledger.inclusionProof("coordinator", 1, checkpoint.size))).toBe(true);
    expect((await ledger.verify("coordinator")).ok).toBe(true);
    await ledger.close();
  });

  it("refuses to run outside a transaction, and a bad body spoils only itself", () => {
    using dir = tempDir();
    const db = serviceDb(join(dir.path, "s.db"));
    expect(() => appendInSqliteTransaction(db, "c", "coordinator.x", {})).toThrow(/inside the caller's transaction/);
    db.exec("BEGIN IMMEDIATE");
    db.prepare("INSERT INTO jobs VALUES ('j1', 'done')").run();
    const error = (() => {
      try {
        appendInSqliteTransaction(db, "c", "coordinator.x", { cites: [3] });
      } catch (e) {
        return e as LedgerValueError;
      }
    })();
    expect(error).toBeInstanceOf(LedgerValueError);
    expect(error?.path).toBe("body.cites[0]");
    expect(appendInSqliteTransaction(db, "c", "coordinator.x", { ok: true }).seq).toBe(0);
    db.exec("COMMIT");
    expect(db.prepare("SELECT count(*) AS n FROM jobs").get()?.n).toBe(1);
    db.close();
  });

  it("interleaves safely with a standalone Ledger appending to the same partition", async () => {
    using dir = tempDir();
    const path = join(dir.path, "s.db");
    const db = serviceDb(path);
    const ledger = await openLedger({ store: "sqlite", path, signer: testSigner() });
    for (let i = 0; i < 5; i++) {
      await ledger.append("shared", "test.ledger", { i });
      db.exec("BEGIN IMMEDIATE");
      appendInSqliteTransaction(db, "shared", "test.service", { i });
      db.exec("COMMIT");
    }
    expect(await ledger.size("shared")).toBe(10);
    expect((await ledger.verify("shared")).ok).toBe(true);
    await ledger.close();
    db.close();
  });
});

describe("appendInPostgresTransaction", () => {
  it("serialises concurrent writers of several processes (pools) on the head row, without gaps or forks", async () => {
    await using db = await pgTestDatabase("ledger", migrateUrl);
    const setup = new pg.Client({ connectionString: db.url });
    await setup.connect();
    await setup.query("CREATE TABLE jobs (id text PRIMARY KEY, state text NOT NULL)");
    await setup.end();
    const pools = [testPool(db.url, 4), testPool(db.url, 4)];
    const committed: number[] = [];
    const work = async (pool: pg.Pool, id: string) => {
      const client = await pool.connect();
      try {
        await client.query("BEGIN");
        await client.query("INSERT INTO jobs VALUES ($1, 'done')", [id]);
        const record = await appendInPostgresTransaction(client, "coordinator", "coordinator.job_done", { id });
        // Every third transaction changes its mind: neither the job nor the record may remain.
        if (Number(id.split("-")[1]) % 3 === 0) await client.query("ROLLBACK");
        else {
          await client.query("COMMIT");
          committed.push(record.seq);
        }
      } finally {
        client.release();
      }
    };
    await Promise.all(Array.from({ length: 60 }, (_, i) => work(pools[i % 2]!, `job-${i}`)));
    const signer = testSigner();
    const ledger = await openLedger({ store: "postgres", url: db.url, signer });
    const records = await collect(ledger.read("coordinator"));
    expect(records.map((r) => r.seq)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(committed.sort((a, b) => a - b)).toEqual(records.map((r) => r.seq));
    const jobs = await pools[0]!.query<{ id: string }>("SELECT id FROM jobs ORDER BY id");
    expect(jobs.rows.map((r) => r.id).sort()).toEqual(records.map((r) => (r.body as { id: string }).id).sort());
    const checkpoint = await ledger.checkpoint("coordinator");
    expect(verifyInclusion(await ledger.inclusionProof("coordinator", 17, checkpoint.size))).toBe(true);
    expect((await ledger.verify("coordinator")).ok).toBe(true);
    await ledger.close();

    const client = await pools[0]!.connect();
    await expect(appendInPostgresTransaction(client, "coordinator", "coordinator.x", {})).rejects.toThrow(
      /inside the caller's transaction/,
    );
    await client.query("BEGIN");
    await expect(
      appendInPostgresTransaction(client, "coordinator", "coordinator.x", { n: Number.NaN }),
    ).rejects.toThrow(/body\.n/);
    await expect(appendInPostgresTransaction(client, "coordinator", "coordinator.x", { cites: [999] })).rejects.toThrow(
      /body\.cites\[0\]/,
    );
    // The caller's transaction survived the refused appends.
    expect((await appendInPostgresTransaction(client, "coordinator", "coordinator.x", {})).seq).toBe(40);
    await client.query("COMMIT");
    client.release();
    await Promise.all(pools.map((p) => p.end()));
  });
});
