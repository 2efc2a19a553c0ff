// Damage a reader can see without verifying (Ledger.damage, behind `pithead ledger partitions`), and
// reads that must not skip a record deleted from the store: a listing or a page of records must never
// show a damaged ledger as a healthy one.
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { describe, expect, it } from "vitest";
import { LedgerCorruptError, openLedger } from "../src/index.ts";
import { collect, tempDir, testSigner } from "./helpers.ts";

const signer = testSigner();

async function jsonlWithCheckpoint(root: string): Promise<string> {
  const ledger = await openLedger({ store: "jsonl", dir: root, signer });
  for (let i = 0; i < 3; i++) await ledger.append("ops", "ops.note", { i });
  await ledger.checkpoint("ops");
  await ledger.close();
  return join(root, "ops.ledger");
}

async function sqliteWithoutRow(path: string, seq: number): Promise<void> {
  const ledger = await openLedger({ store: "sqlite", path, signer });
  for (let i = 0; i < 20; i++) await ledger.append("ops", "ops.note", { i });
  await ledger.checkpoint("ops");
  await ledger.close();
  const db = new DatabaseSync(path);
  db.prepare("DELETE FROM ledger_records WHERE partition = 'ops' AND seq = ?").run(seq);
  db.close();
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  return (await promise.then(
    () => {
      throw new Error("expected a failure");
    },
    (e: unknown) => e,
  )) as Error;
}

describe("damage seen without verifying", () => {
  it("JSONL: a partition whose records.jsonl was deleted is still listed, and named damaged", async () => {
    using dir = tempDir();
    const part = await jsonlWithCheckpoint(dir.path);
    rmSync(join(part, "records.jsonl"));
    const ledger = await openLedger({ store: "jsonl", dir: dir.path });
    try {
      expect(await ledger.partitions()).toEqual(["ops"]);
      expect(await ledger.damage!("ops")).toMatch(/records\.jsonl is missing \(its checkpoints cover 3 records\)/);
      const report = await ledger.verify("ops");
      expect(report.ok).toBe(false);
    } finally {
      await ledger.close();
    }
  });

  it("JSONL: a complete checkpoint line that does not parse is damage, not 'no checkpoint'", async () => {
    using dir = tempDir();
    const part = await jsonlWithCheckpoint(dir.path);
    writeFileSync(join(part, "checkpoints.jsonl"), "{bad\n");
    const ledger = await openLedger({ store: "jsonl", dir: dir.path });
    try {
      expect(await ledger.damage!("ops")).toMatch(/line 1 of checkpoints\.jsonl is malformed/);
    } finally {
      await ledger.close();
    }
  });

  it("a healthy partition shows no damage (JSONL and SQLite)", async () => {
    using dir = tempDir();
    await jsonlWithCheckpoint(dir.path);
    const jsonl = await openLedger({ store: "jsonl", dir: dir.path });
    expect(await jsonl.damage!("ops")).toBeUndefined();
    await jsonl.close();
    const sqlite = await openLedger({ store: "sqlite", path: join(dir.path, "l.db"), signer });
    await sqlite.append("ops", "ops.note", {});
    expect(await sqlite.damage!("ops")).toBeUndefined();
    await sqlite.close();
  });

  it("SQLite: a deleted row is damage in the listing, and reads name the missing seq instead of skipping it", async () => {
    using dir = tempDir();
    const path = join(dir.path, "l.db");
    await sqliteWithoutRow(path, 10);
    const ledger = await openLedger({ store: "sqlite", path });
    try {
      expect(await ledger.damage!("ops")).toMatch(/1 of its 20 records is missing/);

      const seen: number[] = [];
      const forward = await failure(
        (async () => {
          for await (const r of ledger.read("ops", { fromSeq: 8, limit: 4 })) seen.push(r.seq);
        })(),
      );
      expect(seen).toEqual([8, 9]);
      expect(forward).toBeInstanceOf(LedgerCorruptError);
      expect(forward.message).toMatch(/record 10 is missing: record 11 follows record 9/);

      const back: number[] = [];
      const reverse = await failure(
        (async () => {
          for await (const r of ledger.read("ops", { toSeq: 12, limit: 4, reverse: true })) back.push(r.seq);
        })(),
      );
      expect(back).toEqual([12, 11]);
      expect(reverse.message).toMatch(/record 10 is missing: record 9 precedes record 11/);

      // An export reads the lines: it fails too rather than leaving the record out.
      expect((await failure(collect(ledger.lines("ops")))).message).toMatch(/record 10 is missing/);
      // Past the gap, and with a type filter (seqs skip by design), reads go on.
      expect((await collect(ledger.read("ops", { fromSeq: 11, limit: 2 }))).map((r) => r.seq)).toEqual([11, 12]);
    } finally {
      await ledger.close();
    }
  });

  it("SQLite: the last rows deleted (the head still counts them) is named at the end of a read", async () => {
    using dir = tempDir();
    const path = join(dir.path, "l.db");
    await sqliteWithoutRow(path, 19);
    const ledger = await openLedger({ store: "sqlite", path });
    try {
      const error = await failure(collect(ledger.read("ops", { fromSeq: 17 })));
      expect(error.message).toMatch(/record 19 is missing: the partition's size is 20/);
    } finally {
      await ledger.close();
    }
  });
});
