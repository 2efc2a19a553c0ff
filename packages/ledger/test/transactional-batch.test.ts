// Batch appends inside a service's own transaction: one head read and a few multi-row statements per
// batch, yet the chain, the tree and the citations come out exactly as record-by-record appends.
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { pgTestDatabase } from "@pithead/testkit/vitest";
import pg from "pg";
import { describe, expect, it } from "vitest";
import {
  appendBatchAtLockedHead,
  appendBatchInPostgresTransaction,
  appendBatchInSqliteTransaction,
  appendInSqliteTransaction,
  batchWriteAtLockedHead,
  type HeadRow,
  headFromRow,
  headLockStatement,
  type Json,
  LedgerHeadMovedError,
  LedgerValueError,
  lockPostgresHead,
  migrateSqliteLedger,
  openLedger,
  postgresLedgerSize,
  prepareLedgerEntry,
  sqliteLedgerSize,
  verifyInclusion,
} from "../src/index.ts";
import { collect, tempDir, testSigner } from "./helpers.ts";
import { migrateUrl, testPool } from "./pg-helpers.ts";

const at = new Date("2026-01-01T00:00:00.000Z");
const entry = (body: Json, type = "coordinator.step") => prepareLedgerEntry(type, body, at);

function serviceDb(path: string): DatabaseSync {
  const db = new DatabaseSync(path);
  db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL");
  db.exec("CREATE TABLE IF NOT EXISTS jobs (id TEXT PRIMARY KEY)");
  migrateSqliteLedger(db);
  return db;
}

function refusal(run: () => unknown): Error | undefined {
  try {
    run();
  } catch (error) {
    return error as Error;
  }
  return undefined;
}

describe("appendBatchInSqliteTransaction", () => {
  it("writes the same records, hashes and tree as appending one record at a time", async () => {
    using dir = tempDir();
    const one = serviceDb(join(dir.path, "one.db"));
    const batch = serviceDb(join(dir.path, "batch.db"));
    // 300 records: more than one multi-row chunk, and a tree several levels deep.
    const bodies: Json[] = Array.from({ length: 300 }, (_, i) => ({ job_id: `j${i}`, n: i }));
    one.exec("BEGIN IMMEDIATE");
    const single = bodies.map((body) => appendInSqliteTransaction(one, "coordinator", "coordinator.step", body, at));
    one.exec("COMMIT");
    batch.exec("BEGIN IMMEDIATE");
    const first = appendBatchInSqliteTransaction(
      batch,
      "coordinator",
      bodies.slice(0, 7).map((body) => entry(body)),
    );
    expect(sqliteLedgerSize(batch, "coordinator")).toBe(7);
    const rest = appendBatchInSqliteTransaction(
      batch,
      "coordinator",
      bodies.slice(7).map((body) => entry(body)),
      {
        firstSeq: 7,
      },
    );
    batch.exec("COMMIT");
    expect([...first, ...rest]).toEqual(single);
    for (const table of ["ledger_records", "ledger_nodes", "ledger_heads"]) {
      const dump = (db: DatabaseSync) => db.prepare(`SELECT * FROM ${table} ORDER BY 1, 2, 3`).all();
      expect(dump(batch)).toEqual(dump(one));
    }
    one.close();
    batch.close();

    const ledger = await openLedger({ store: "sqlite", path: join(dir.path, "batch.db"), signer: testSigner() });
    const checkpoint = await ledger.checkpoint("coordinator");
    expect(checkpoint.size).toBe(300);
    expect(verifyInclusion(await ledger.inclusionProof("coordinator", 123, checkpoint.size))).toBe(true);
    expect((await ledger.verify("coordinator")).ok).toBe(true);
    await ledger.close();
  });

  it("an error after which SQLite rolled the whole transaction back leaves as itself, not as a lost savepoint", () => {
    using dir = tempDir();
    const db = serviceDb(join(dir.path, "full.db"));
    // What SQLite may do on SQLITE_FULL or SQLITE_IOERR mid-statement: roll the transaction back
    // and fail the statement. Here the tree nodes' insert does it.
    const prepare = db.prepare.bind(db);
    db.prepare = (sql: string) => {
      const statement = prepare(sql);
      if (!sql.includes("ledger_nodes") || !sql.startsWith("INSERT")) return statement;
      return Object.assign(Object.create(statement), {
        run: () => {
          db.exec("ROLLBACK");
          throw Object.assign(new Error("database or disk is full"), { errcode: 13 });
        },
      });
    };
    db.exec("BEGIN IMMEDIATE");
    const full = refusal(() => appendBatchInSqliteTransaction(db, "c", [entry({ n: 0 }), entry({ n: 1 })]));
    expect(full?.message).toBe("database or disk is full");
    expect(db.isTransaction).toBe(false);
    expect(sqliteLedgerSize(db, "c")).toBe(0);
    db.close();
  });

  it("lets an entry cite stored records and earlier entries of its batch, never later ones", () => {
    using dir = tempDir();
    const db = serviceDb(join(dir.path, "s.db"));
    db.exec("BEGIN IMMEDIATE");
    const [stored] = appendBatchInSqliteTransaction(db, "c", [entry({ proof: 1 })]);
    const records = appendBatchInSqliteTransaction(db, "c", [
      entry({ proof: 2 }),
      entry({ paid: true, cites: [0, 1] }),
      entry({ paid: true, cites: [stored?.hash ?? ""] }),
    ]);
    expect(records.map((record) => record.seq)).toEqual([1, 2, 3]);
    const inBatch = appendBatchInSqliteTransaction(db, "c", [entry({ proof: 3 }), entry({ paid: true, cites: [4] })]);
    const byHash = appendBatchInSqliteTransaction(db, "c", [entry({ cites: [inBatch[0]?.hash ?? ""] })]);
    expect(byHash[0]?.seq).toBe(6);

    const forward = refusal(() => appendBatchInSqliteTransaction(db, "c", [entry({ cites: [7] }), entry({})]));
    expect(forward).toBeInstanceOf(LedgerValueError);
    expect((forward as LedgerValueError).path).toBe("entries[0].body.cites[0]");
    const unknown = refusal(() =>
      appendBatchInSqliteTransaction(db, "c", [entry({}), entry({ cites: ["ab".repeat(32)] })]),
    );
    expect((unknown as LedgerValueError).path).toBe("entries[1].body.cites[0]");
    // The refused batches left nothing behind, and the transaction goes on.
    expect(sqliteLedgerSize(db, "c")).toBe(7);
    db.exec("COMMIT");
    db.close();
  });

  it("refuses a batch numbered from a seq the partition is not at, and runs only inside a transaction", () => {
    using dir = tempDir();
    const db = serviceDb(join(dir.path, "s.db"));
    expect(() => appendBatchInSqliteTransaction(db, "c", [entry({})])).toThrow(/inside the caller's transaction/);
    db.exec("BEGIN IMMEDIATE");
    appendBatchInSqliteTransaction(db, "c", [entry({}), entry({})]);
    const moved = refusal(() => appendBatchInSqliteTransaction(db, "c", [entry({})], { firstSeq: 1 }));
    expect(moved).toBeInstanceOf(LedgerHeadMovedError);
    expect(moved?.message).toMatch(/has 2 records, but the batch was numbered from seq 1/);
    expect(appendBatchInSqliteTransaction(db, "c", [])).toEqual([]);
    expect(sqliteLedgerSize(db, "c")).toBe(2);
    db.exec("ROLLBACK");
    expect(sqliteLedgerSize(db, "c")).toBe(0);
    db.close();
  });

  it("names the bad field of an entry before anything is appended", () => {
    expect(() => prepareLedgerEntry("coordinator.x", { n: Number.NaN })).toThrow(/body\.n/);
    expect(() => prepareLedgerEntry("Not A Type", {})).toThrow(/record type must be namespaced/);
  });
});

describe("appendBatchInPostgresTransaction", () => {
  it("appends batches of concurrent transactions without gaps or forks, with in-batch citations", async () => {
    await using db = await pgTestDatabase("ledger", migrateUrl);
    const pool = testPool(db.url, 4);
    const committed: number[] = [];
    const work = async (i: number) => {
      const client = await pool.connect();
      try {
        await client.query("BEGIN");
        const records = await appendBatchInPostgresTransaction(client, "coordinator", [
          entry({ job_id: `j${i}`, step: "proof" }),
          entry({ job_id: `j${i}`, step: "paid", cites: [] }),
        ]);
        const citing = await appendBatchInPostgresTransaction(client, "coordinator", [
          entry({ job_id: `j${i}`, cites: [records[0]?.seq ?? -1, records[1]?.hash ?? ""] }),
        ]);
        if (i % 4 === 0) await client.query("ROLLBACK");
        else {
          await client.query("COMMIT");
          committed.push(...records.map((record) => record.seq), citing[0]?.seq ?? -1);
        }
      } finally {
        client.release();
      }
    };
    await Promise.all(Array.from({ length: 20 }, (_, i) => work(i)));
    const ledger = await openLedger({ store: "postgres", url: db.url, signer: testSigner() });
    const records = await collect(ledger.read("coordinator"));
    expect(records.map((record) => record.seq)).toEqual(Array.from({ length: 45 }, (_, i) => i));
    expect(committed.sort((a, b) => a - b)).toEqual(records.map((record) => record.seq));
    const checkpoint = await ledger.checkpoint("coordinator");
    expect(verifyInclusion(await ledger.inclusionProof("coordinator", 31, checkpoint.size))).toBe(true);
    expect((await ledger.verify("coordinator")).ok).toBe(true);
    await ledger.close();

    // Refusals come before any write: the transaction stays usable.
    const client = await pool.connect();
    await client.query("BEGIN");
    expect(await postgresLedgerSize(client, "coordinator")).toBe(45);
    await expect(
      appendBatchInPostgresTransaction(client, "coordinator", [entry({}), entry({ cites: [46] })]),
    ).rejects.toThrow(/entries\[1\]\.body\.cites\[0\]/);
    await expect(
      appendBatchInPostgresTransaction(client, "coordinator", [entry({ cites: ["cd".repeat(32)] })]),
    ).rejects.toThrow(/entries\[0\]\.body\.cites\[0\]: cites hash/);
    await expect(
      appendBatchInPostgresTransaction(client, "coordinator", [entry({})], { firstSeq: 44 }),
    ).rejects.toBeInstanceOf(LedgerHeadMovedError);
    const [next] = await appendBatchInPostgresTransaction(client, "coordinator", [entry({ cites: [44] })], {
      firstSeq: 45,
    });
    expect(next?.seq).toBe(45);
    await client.query("COMMIT");
    client.release();
    await pool.end();
  });

  it("appends at a head the caller locked in its own BEGIN round trip, twice in one transaction", async () => {
    await using db = await pgTestDatabase("ledger", migrateUrl);
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      // A partition with no head row yet: the statement finds nothing and lockPostgresHead creates it.
      const opened = (await client.query(
        `BEGIN; ${headLockStatement("svc/a")}`,
      )) as unknown as pg.QueryResult<HeadRow>[];
      expect(opened[1]?.rows).toEqual([]);
      let head = await lockPostgresHead(client, "svc/a");
      expect(head.size).toBe(0);
      const first = await appendBatchAtLockedHead(client, "svc/a", head, [entry({ n: 0 }), entry({ n: 1 })]);
      head = first.head;
      const second = await appendBatchAtLockedHead(client, "svc/a", head, [entry({ cites: [1], n: 2 })]);
      expect(second.records.map((record) => record.seq)).toEqual([2]);
      await client.query("COMMIT");

      // The next transaction reads the head its predecessor left, in the same round trip as BEGIN.
      const results = (await client.query(
        `BEGIN; ${headLockStatement("svc/a")}`,
      )) as unknown as pg.QueryResult<HeadRow>[];
      head = headFromRow(results[1]?.rows[0]);
      expect(head.size).toBe(3);
      expect(head.head).toBe(second.head.head);
      await appendBatchAtLockedHead(client, "svc/a", head, [entry({ n: 3 })]);
      await client.query("COMMIT");
    } finally {
      await client.end();
    }
    const ledger = await openLedger({ store: "postgres", url: db.url, signer: testSigner() });
    const records = await collect(ledger.read("svc/a"));
    expect(records.map((record) => record.seq)).toEqual([0, 1, 2, 3]);
    expect((await ledger.verify("svc/a")).ok).toBe(true);
    await ledger.close();
    expect(() => headLockStatement("svc'; DROP TABLE ledger_records; --")).toThrow(/segments must match/);
  });

  it("builds the batch's statement without I/O, for a caller that sends COMMIT right behind it", async () => {
    await using db = await pgTestDatabase("ledger", migrateUrl);
    const client = new pg.Client({ connectionString: db.url, pipeline: true });
    await client.connect();
    try {
      await client.query("BEGIN");
      const head = await lockPostgresHead(client, "svc/b");
      // A seq citation after the citing entry is refused while building: nothing is sent.
      expect(() => batchWriteAtLockedHead("svc/b", head, [entry({ cites: [5], n: 0 })])).toThrow(/cites/);
      const write = batchWriteAtLockedHead("svc/b", head, [entry({ n: 0 }), entry({ cites: [0], n: 1 })]);
      if (!write) throw new Error("expected a statement");
      const [, committed] = await Promise.all([client.query(write.text, write.values), client.query("COMMIT")]);
      expect(committed.command).toBe("COMMIT");
      // A citation by hash of a stored record needs a read first: no statement, the caller appends.
      await client.query("BEGIN");
      const next = await lockPostgresHead(client, "svc/b");
      expect(next.head).toBe(write.head.head);
      expect(batchWriteAtLockedHead("svc/b", next, [entry({ cites: [write.records[0]?.hash ?? ""] })])).toBe(undefined);
      await client.query("ROLLBACK");
    } finally {
      await client.end();
    }
    const ledger = await openLedger({ store: "postgres", url: db.url, signer: testSigner() });
    const records = await collect(ledger.read("svc/b"));
    expect(records.map((record) => record.seq)).toEqual([0, 1]);
    expect((await ledger.verify("svc/b")).ok).toBe(true);
    await ledger.close();
  });
});
