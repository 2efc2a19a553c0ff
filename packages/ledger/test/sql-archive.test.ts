// Archiving SQLite and PostgreSQL partitions: old, checkpointed records leave the database for gzip
// segments in an archive directory (the JSONL sealed-segment format), the partition goes on (appends,
// checkpoints, proofs after the boundary), archived reads answer RECORD_ARCHIVED, verify works from the
// boundary (and from record 0 with the archive), and a crash between the file and the transaction
// loses nothing.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { gunzipSync, gzipSync } from "node:zlib";
import { pgTestDatabase } from "@pithead/testkit/vitest";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import {
  exportPartition,
  type Ledger,
  openLedger,
  verifyConsistency,
  verifyExport,
  verifyInclusion,
} from "../src/index.ts";
import { collect, lineOf, rejection, tempDir, testSigner } from "./helpers.ts";
import { migrateUrl } from "./pg-helpers.ts";

const signer = testSigner();
const T0 = Date.parse("2026-01-01T00:00:00.000Z");
/** Record i is stamped i minutes after T0. */
const at = (i: number) => new Date(T0 + i * 60_000);
const STEP = 16;

interface Store {
  open(): Promise<Ledger>;
  /** A query on the store's database (SQLite `?` placeholders are rewritten for PostgreSQL). */
  query(sql: string, params?: (string | number)[]): Promise<Record<string, unknown>[]>;
}

async function expectArchived(promise: Promise<unknown>, seq: number): Promise<void> {
  const error = await rejection(promise);
  expect(error, `record ${seq} should be archived`).toBeDefined();
  expect(error!.code).toBe("RECORD_ARCHIVED");
  expect(error!.message).toContain(`record ${seq} of partition`);
}

function describeSqlArchive(kind: string, setUp: () => Promise<Store & { cleanup?: () => Promise<void> }>) {
  describe(`archiving a ${kind} partition`, () => {
    let count = 0;
    const cleanups: (() => Promise<void>)[] = [];
    afterAll(async () => {
      for (const cleanup of cleanups) await cleanup();
    });
    /** A fresh store and partition, with records 0..n-1 and a checkpoint of `checkpointAt`. */
    async function filled(n: number, checkpointAt: number) {
      const store = await setUp();
      if (store.cleanup) cleanups.push(store.cleanup);
      const partition = `ops/p${count++}`;
      const ledger = await store.open();
      const lines: string[] = [];
      for (let i = 0; i < n; i++) {
        const record = await ledger.append(partition, "ops.reading", { i, note: "x".repeat(i % 7) }, { at: at(i) });
        lines.push(lineOf(record));
        if (i + 1 === checkpointAt) await ledger.checkpoint(partition);
      }
      return { store, ledger, partition, lines };
    }
    const rowsOf = async (store: Store, partition: string) =>
      Number((await store.query("SELECT count(*) AS n FROM ledger_records WHERE partition = ?", [partition]))[0]!.n);

    it("refuses a ledger a newer release migrated (a rollback after an upgrade), naming the migration", async () => {
      const { store, ledger } = await filled(1, 1);
      await ledger.close();
      await store.query("INSERT INTO ledger_schema_migrations (version, name, applied_at) VALUES (?, ?, ?)", [
        99,
        "from a newer release",
        new Date().toISOString(),
      ]);
      try {
        await expect(store.open()).rejects.toThrow(
          /ledger_schema_migrations: this database was migrated by a newer Pithead \(migration 99; this version knows up to \d+\)/,
        );
      } finally {
        await store.query("DELETE FROM ledger_schema_migrations WHERE version = ?", [99]);
      }
    });

    it("moves only checkpointed, old-enough, whole aligned segments; their rows leave the database and the archive holds them in the JSONL segment format", async () => {
      using arch = tempDir("pithead-sql-archive-");
      const { store, ledger, partition, lines } = await filled(100, 70);
      try {
        // Cutoff at record 60's time: segments 0..15, 16..31, 32..47 are older; 48..63 holds a newer record.
        const first = await ledger.archive!(partition, { to: arch.path, before: at(60), segmentRecords: STEP });
        expect(first.moved.map((m) => [m.from, m.to])).toEqual([
          [0, 16],
          [16, 32],
          [32, 48],
        ]);
        expect(first).toMatchObject({ records: 48, archivedTo: 48, dryRun: false });
        expect(first.left[0]).toMatchObject({
          from: 48,
          to: 64,
          reason: expect.stringMatching(/newer than the cutoff/),
        });
        expect(await rowsOf(store, partition)).toBe(52);
        // Any cutoff: only what the checkpoint (70 records) covers, in whole segments.
        const second = await ledger.archive!(partition, { to: arch.path, before: at(1000), segmentRecords: STEP });
        expect(second.moved.map((m) => [m.from, m.to])).toEqual([[48, 64]]);
        expect(second.left[0]).toMatchObject({ from: 64, to: 80, reason: expect.stringMatching(/not covered/) });
        expect(second.left.at(-1)).toMatchObject({ from: 96, to: 100, reason: expect.stringMatching(/whole segment/) });
        expect(await rowsOf(store, partition)).toBe(36);
        expect(await ledger.size(partition)).toBe(100);
        // A dry run moves nothing.
        await ledger.checkpoint(partition);
        const dry = await ledger.archive!(partition, {
          to: arch.path,
          belowSeq: 80,
          dryRun: true,
          segmentRecords: STEP,
        });
        expect(dry.moved.map((m) => [m.from, m.to])).toEqual([[64, 80]]);
        expect(await rowsOf(store, partition)).toBe(36);
        // The files: gzip of the record lines, named by seq range, as a JSONL sealed segment.
        const dir = join(arch.path, "ops", partition.split("/")[1]!);
        expect(gunzipSync(readFileSync(join(dir, "000000000000-000000000016.jsonl.gz"))).toString()).toBe(
          `${lines.slice(0, 16).join("\n")}\n`,
        );
        expect(existsSync(join(dir, "000000000048-000000000064.jsonl.gz"))).toBe(true);
        expect((await collect(ledger.readArchived!(partition, arch.path))).map((r) => lineOf(r))).toEqual(
          lines.slice(0, 64),
        );
        expect(await ledger.archived!(partition)).toMatchObject({ records: 64, segments: 4, archives: [arch.path] });
        expect(await ledger.damage!(partition)).toBeUndefined();
      } finally {
        await ledger.close();
      }
    });

    it("answers RECORD_ARCHIVED for archived records and their proofs; records and proofs after the boundary verify", async () => {
      using arch = tempDir("pithead-sql-archive-");
      const { ledger, partition, lines } = await filled(40, 40);
      try {
        const report = await ledger.archive!(partition, { to: arch.path, belowSeq: 32, segmentRecords: STEP });
        const b = report.archivedTo;
        expect(b).toBe(32);
        const early = await ledger.checkpoint(partition);
        for (let i = 40; i < 70; i++) await ledger.append(partition, "ops.reading", { i }, { at: at(i) });
        const late = await ledger.checkpoint(partition);
        // The first unarchived record's inclusion proof, and a consistency proof between checkpoints after the boundary.
        const inclusion = await ledger.inclusionProof(partition, b, late.size);
        expect(inclusion.rootHash).toBe(late.rootHash);
        expect(verifyInclusion(inclusion)).toBe(true);
        const consistency = await ledger.consistencyProof(partition, early.size, late.size);
        expect(consistency.fromRoot).toBe(early.rootHash);
        expect(consistency.toRoot).toBe(late.rootHash);
        expect(verifyConsistency(consistency)).toBe(true);
        expect((await ledger.get(partition, b))?.seq).toBe(b);
        expect((await collect(ledger.lines(partition, { fromSeq: b })))[0]).toBe(lines[b]);
        for (const seq of [0, b - 1]) {
          await expectArchived(ledger.get(partition, seq), seq);
          await expectArchived(ledger.inclusionProof(partition, seq), seq);
        }
        await expectArchived(collect(ledger.read(partition, { fromSeq: 0, limit: 5 })), 0);
        await expectArchived(collect(ledger.lines(partition)), 0);
        // Newest first: the stored records, then the archive says where the rest went.
        const seen: number[] = [];
        const reverse = (async () => {
          for await (const record of ledger.read(partition, { reverse: true, limit: 100 })) seen.push(record.seq);
        })();
        await expectArchived(reverse, b - 1);
        expect(seen.at(-1)).toBe(b);
        expect((await collect(ledger.read(partition, { reverse: true, limit: 10 }))).length).toBe(10);
      } finally {
        await ledger.close();
      }
    });

    it("verifies from the boundary, with the archive from record 0, and fails on a changed archived file or an edited manifest row", async () => {
      using arch = tempDir("pithead-sql-archive-");
      const { store, ledger, partition } = await filled(50, 50);
      try {
        await ledger.archive!(partition, { to: arch.path, belowSeq: 40, segmentRecords: STEP });
        const plain = await ledger.verify(partition);
        expect(plain.problems).toEqual([]);
        expect(plain.ok).toBe(true);
        expect(plain.archived).toEqual({ records: 32, checked: false });
        expect(plain.warnings.join("\n")).toMatch(/records 0\.\.31 are archived .* not checked here/);
        const full = await ledger.verify(partition, { archive: arch.path });
        expect(full.problems).toEqual([]);
        expect(full.archived).toEqual({ records: 32, checked: true });

        // A changed archived file (one record edited, re-gzipped): named, with the archive.
        const file = join(arch.path, "ops", partition.split("/")[1]!, "000000000016-000000000032.jsonl.gz");
        const original = readFileSync(file);
        writeFileSync(file, gzipSync(Buffer.from(gunzipSync(original).toString().replace('"i":20', '"i":21'))));
        const altered = await ledger.verify(partition, { archive: arch.path });
        expect(altered.ok).toBe(false);
        expect(altered.problems.map((p) => p.reason).join("\n")).toContain(`archived segment ${file} was altered`);
        expect((await ledger.verify(partition)).ok).toBe(true);
        writeFileSync(file, original);

        // An edited manifest row: the chain no longer continues from it (last hash), or the tree (frontier).
        const [row] = await store.query(
          "SELECT last_hash, frontier FROM ledger_archived WHERE partition = ? AND from_seq = 16",
          [partition],
        );
        const forged = `${"0".repeat(63)}1`;
        await store.query("UPDATE ledger_archived SET last_hash = ? WHERE partition = ? AND from_seq = 16", [
          forged,
          partition,
        ]);
        // Named as the store's manifest, not a JSONL partition's file.
        const chain = await ledger.verify(partition);
        expect(chain.ok).toBe(false);
        expect(chain.problems.map((p) => p.reason).join("\n")).toMatch(
          /the prev of record 32 does not match the last_hash of the archived records up to 31 in table ledger_archived/,
        );
        expect(JSON.stringify(chain)).not.toContain("archived.jsonl");
        await store.query(
          "UPDATE ledger_archived SET last_hash = ?, frontier = ? WHERE partition = ? AND from_seq = 16",
          [String(row!.last_hash), JSON.stringify([forged]), partition],
        );
        const frontier = await ledger.verify(partition);
        expect(frontier.ok).toBe(false);
        expect(frontier.problems.map((p) => p.reason).join("\n")).toMatch(
          /checkpoint .*\(or the frontier table ledger_archived gives for the archived records 0\.\.31 was altered\)/,
        );
        await store.query("UPDATE ledger_archived SET frontier = ? WHERE partition = ? AND from_seq = 16", [
          String(row!.frontier),
          partition,
        ]);
        expect((await ledger.verify(partition, { archive: arch.path })).ok).toBe(true);
      } finally {
        await ledger.close();
      }
    });

    it("keeps every record in the database when the run fails between the file and the transaction, and a rerun archives them", async () => {
      using arch = tempDir("pithead-sql-archive-");
      const { store, ledger, partition, lines } = await filled(40, 40);
      try {
        await expect(
          ledger.archive!(partition, {
            to: arch.path,
            belowSeq: 32,
            segmentRecords: STEP,
            transact: () => Promise.reject(new Error("power cut")),
          }),
        ).rejects.toThrow(/power cut/);
        // The first segment's file was written; its rows and every read are as before.
        expect(existsSync(join(arch.path, "ops", partition.split("/")[1]!, "000000000000-000000000016.jsonl.gz"))).toBe(
          true,
        );
        expect(await rowsOf(store, partition)).toBe(40);
        expect(await ledger.archived!(partition)).toBeUndefined();
        expect(lineOf((await ledger.get(partition, 0))!)).toBe(lines[0]);
        expect((await ledger.verify(partition)).ok).toBe(true);
        const rerun = await ledger.archive!(partition, { to: arch.path, belowSeq: 32, segmentRecords: STEP });
        expect(rerun.archivedTo).toBe(32);
        expect(await rowsOf(store, partition)).toBe(8);
        const full = await ledger.verify(partition, { archive: arch.path });
        expect(full.problems).toEqual([]);
        expect(full.archived).toEqual({ records: 32, checked: true });
      } finally {
        await ledger.close();
      }
    });

    it("exports from the boundary, the export verifies from there, and damage() counts only the stored rows", async () => {
      using arch = tempDir("pithead-sql-archive-");
      using out = tempDir();
      const { store, ledger, partition, lines } = await filled(40, 40);
      try {
        await ledger.archive!(partition, { to: arch.path, belowSeq: 40, segmentRecords: STEP });
        const file = join(out.path, "export.jsonl");
        expect(await exportPartition(ledger, partition, file)).toMatchObject({ from: 32, records: 8 });
        const header = JSON.parse(readFileSync(file, "utf8").split("\n")[0]!) as Record<string, unknown>;
        expect(header).toMatchObject({ from: 32, records: 40, archived: { lastHash: expect.any(String) } });
        const report = await verifyExport(file, { verifierKey: signer.verifierKey });
        expect(report.problems).toEqual([]);
        expect(report.ok).toBe(true);
        expect(report.archived).toEqual({ records: 32, checked: false });
        expect(await ledger.damage!(partition)).toBeUndefined();
        await store.query("DELETE FROM ledger_records WHERE partition = ? AND seq = ?", [partition, 35]);
        expect(await ledger.damage!(partition)).toMatch(/1 of its 40 records is missing/);
        expect(lines.length).toBe(40);
      } finally {
        await ledger.close();
      }
    });

    it("damage() sees the head and the rows at one moment: a live ledger's appends are no damage", async () => {
      const { store, ledger, partition } = await filled(20, 20);
      // As `pithead ledger partitions` does: another connection, while the writer appends.
      const reader = await store.open();
      try {
        let appending = true;
        const writes = (async () => {
          for (let i = 0; appending; i++) {
            await Promise.all(
              Array.from({ length: 8 }, (_, k) =>
                ledger.append(partition, "ops.reading", { i, k }, { at: at(100 + i) }),
              ),
            );
          }
        })();
        const seen: (string | undefined)[] = [];
        for (let i = 0; i < 60; i++) seen.push(await reader.damage!(partition));
        appending = false;
        await writes;
        expect(seen.filter((damage) => damage !== undefined)).toEqual([]);
        expect(await reader.size(partition)).toBeGreaterThan(20);
      } finally {
        await reader.close();
        await ledger.close();
      }
    });
  });
}

describeSqlArchive("SQLite", async () => {
  const dir = tempDir();
  const path = join(dir.path, "ledger.db");
  return {
    open: () => openLedger({ store: "sqlite", path, signer }),
    query: async (sql, params = []) => {
      const db = new DatabaseSync(path);
      try {
        const statement = db.prepare(sql);
        if (/^\s*select/i.test(sql)) return statement.all(...params) as Record<string, unknown>[];
        statement.run(...params);
        return [];
      } finally {
        db.close();
      }
    },
    cleanup: async () => dir[Symbol.dispose](),
  };
});

const pgDatabase = pgTestDatabase("ledger", migrateUrl);
describeSqlArchive("PostgreSQL", async () => {
  const db = await pgDatabase;
  return {
    open: () => openLedger({ store: "postgres", url: db.url, signer }),
    query: async (sql, params = []) => {
      const client = new pg.Client({ connectionString: db.url });
      await client.connect();
      try {
        let n = 0;
        return (
          await client.query(
            sql.replace(/\?/g, () => `$${++n}`),
            params,
          )
        ).rows as Record<string, unknown>[];
      } finally {
        await client.end();
      }
    },
  };
});
afterAll(async () => (await pgDatabase).drop());
