// Tamper evidence: each way of altering a stored ledger is detected and the report names the record.
import { cpSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { beforeAll, describe, expect, it } from "vitest";
import {
  canonicalJson,
  exportPartition,
  type Ledger,
  type LedgerRecord,
  loadOrCreateSigner,
  openLedger,
  recordHash,
  type VerifyReport,
  verifyExport,
} from "../src/index.ts";
import { tempDir, testSigner } from "./helpers.ts";

const N = 20;
const signer = testSigner();
const work = tempDir();
const pristine = join(work.path, "pristine");
let published: string;

/** A JSONL store with records 0..19 and checkpoints at 10 and 20. */
beforeAll(async () => {
  const ledger = await openLedger({ store: "jsonl", dir: pristine, signer });
  for (let i = 0; i < N; i++) {
    await ledger.append("ops", "fleet.decision", { action: "hold", i, note: `record number ${i}` });
    if (i === 9) published = (await ledger.checkpoint("ops")).note;
  }
  await ledger.checkpoint("ops");
  await ledger.close();
  return () => work[Symbol.dispose]();
});

let copies = 0;
/** A copy of the store whose records file went through `edit`. */
function tampered(edit: (lines: string[]) => string[]): string {
  const dir = join(work.path, `copy-${++copies}`);
  cpSync(pristine, dir, { recursive: true });
  const file = join(dir, "ops.ledger", "records.jsonl");
  const lines = readFileSync(file, "utf8").trimEnd().split("\n");
  writeFileSync(file, `${edit(lines).join("\n")}\n`);
  return dir;
}

async function verifyDir(dir: string, trustedCheckpoints: string[] = []): Promise<VerifyReport> {
  const ledger = await openLedger({ store: "jsonl", dir, signer });
  try {
    return await ledger.verify("ops", { trustedCheckpoints });
  } finally {
    await ledger.close();
  }
}

/** Rewrites records from `from` on with a changed body and recomputed hashes: a consistent chain. */
function rewriteFrom(lines: string[], from: number): string[] {
  const records = lines.map((line) => JSON.parse(line) as LedgerRecord);
  for (let i = from; i < records.length; i++) {
    const record = records[i]!;
    if (i === from) record.body = { action: "sell-everything", i };
    if (i > 0) record.prev = recordHash(records[i - 1]!);
  }
  return records.map((record) => canonicalJson(record));
}

describe("tamper detection", () => {
  it("accepts the untouched ledger", async () => {
    expect(await verifyDir(pristine, [published])).toMatchObject({ ok: true, records: N, checkpoints: 3 });
  });

  it("names the record when any single byte of a record's body is edited", async () => {
    for (let k = 0; k < N - 1; k++) {
      const report = await verifyDir(
        tampered((lines) => lines.map((l, i) => (i === k ? l.replace("record number", "record numbeR") : l))),
      );
      expect(report.ok, `record ${k}`).toBe(false);
      expect(report.firstBad?.seq, `record ${k}`).toBe(k);
      // Before the last link, the next record tells which side changed; at the last link it cannot.
      expect(report.firstBad?.reason).toMatch(new RegExp(`record ${k} (or record ${k + 1} )?was altered`));
    }
  });

  it("detects an edit of the last record through the checkpoint that covers it", async () => {
    const report = await verifyDir(
      tampered((lines) => lines.map((l, i) => (i === N - 1 ? l.replace("hold", "sell") : l))),
    );
    expect(report.ok).toBe(false);
    // Every link is intact, so only the checkpoint of size 20 can tell; it names the range after
    // the last checkpoint that matched, which ends at the altered record.
    expect(report.firstBad?.seq).toBe(10);
    expect(report.firstBad?.reason).toMatch(/records 10\.\.19 do not match the stored checkpoint of size 20/);
  });

  it("names the record whose prev was edited", async () => {
    const report = await verifyDir(
      // Flip the first digit of prev (a fixed "f" was no edit at all when the digit already was one).
      tampered((lines) =>
        lines.map((l, i) =>
          i === 7 ? l.replace(/"prev":"(.)/, (_: string, d: string) => `"prev":"${d === "f" ? "e" : "f"}`) : l,
        ),
      ),
    );
    expect(report.firstBad).toMatchObject({ seq: 7 });
    expect(report.firstBad?.reason).toMatch(/record 7 was altered: its prev does not match record 6/);
  });

  it("names a deleted record", async () => {
    const report = await verifyDir(tampered((lines) => lines.filter((_, i) => i !== 4)));
    expect(report.firstBad).toMatchObject({ seq: 4 });
    expect(report.firstBad?.reason).toMatch(/record 4 is missing/);
  });

  it("reports deleted records once, and checks the records after them by their own seqs", async () => {
    using dir = tempDir();
    // Each record cites the one before it: after a deletion, record k+1 stands where k was.
    const ledger = await openLedger({ store: "jsonl", dir: dir.path, signer });
    for (let i = 0; i < 30; i++) await ledger.append("ops", "fleet.decision", i === 0 ? { i } : { i, cites: [i - 1] });
    await ledger.checkpoint("ops");
    const exported = join(dir.path, "ops.export.jsonl");
    await exportPartition(ledger, "ops", exported);
    await ledger.close();
    const file = join(dir.path, "ops.ledger", "records.jsonl");
    const lines = readFileSync(file, "utf8").split("\n");
    writeFileSync(file, lines.filter((_, i) => i !== 10).join("\n"));
    const report = await verifyDir(dir.path);
    expect(report.problems).toEqual([{ seq: 10, reason: "record 10 is missing: record 11 follows record 9" }]);
    expect(report.warnings).toContain(
      "checkpoints not compared with the tree (records below their size are missing or out of order): stored 30",
    );
    writeFileSync(file, lines.filter((_, i) => i < 10 || i > 12).join("\n"));
    expect((await verifyDir(dir.path)).problems).toEqual([
      { seq: 10, reason: "records 10..12 are missing: record 13 follows record 9" },
    ]);
    // The same in an export (line 0 is its header): the header's count is no sign of truncation here.
    const exportLines = readFileSync(exported, "utf8").split("\n");
    writeFileSync(exported, exportLines.filter((_, i) => i !== 11).join("\n"));
    expect((await verifyExport(exported, { verifierKey: signer.verifierKey })).problems).toEqual([
      { seq: 10, reason: "record 10 is missing: record 11 follows record 9" },
    ]);
  });

  it("names reordered records", async () => {
    const report = await verifyDir(
      tampered((lines) => [...lines.slice(0, 12), lines[13]!, lines[12]!, ...lines.slice(14)]),
    );
    // Said as what happened: not "record 12 is missing" and then record 12 "out of order".
    expect(report.problems).toEqual([
      { seq: 12, reason: "records 12 and 13 are swapped: record 13 comes before record 12" },
    ]);
  });

  it("fails a ledger whose checkpoints were removed when the caller gives the key it trusts", async () => {
    const dir = tampered((lines) => rewriteFrom(lines, 5));
    for (const file of ["checkpoints.jsonl", "tree.bin", "index.bin"]) rmSync(join(dir, "ops.ledger", file));
    // A service verifying its own ledger (its signer): said, not failed.
    const own = await verifyDir(dir);
    expect(own).toMatchObject({ ok: true, covered: 0, checkpoints: 0 });
    expect(own.warnings).toEqual([
      `none of the ${N} records is covered by a signed checkpoint: nothing vouches for them (the ledger has no checkpoints: never made, or removed)`,
    ]);
    // An auditor's ledger (a verifier key given) fails it.
    const auditor = await openLedger({ store: "jsonl", dir, verifierKey: signer.verifierKey });
    try {
      const report = await auditor.verify("ops");
      expect(report).toMatchObject({ ok: false, covered: 0 });
      expect(report.firstBad).toEqual({
        seq: 0,
        reason: `none of the ${N} records is covered by a signed checkpoint: nothing vouches for them (the ledger has no checkpoints: never made, or removed)`,
      });
    } finally {
      await auditor.close();
    }
    // verifyExport with a key: the same for its records.jsonl.
    const offline = await verifyExport(join(dir, "ops.ledger", "records.jsonl"), { verifierKey: signer.verifierKey });
    expect(offline).toMatchObject({ ok: false, covered: 0 });
  });

  it("fails an export relabelled as another partition", async () => {
    using dir = tempDir();
    const ledger = await openLedger({ store: "jsonl", dir: dir.path, signer });
    await ledger.append("fleet/default", "fleet.decision", { i: 0 });
    await ledger.checkpoint("fleet/default");
    const file = join(dir.path, "export.jsonl");
    await exportPartition(ledger, "fleet/default", file);
    await ledger.close();
    const text = readFileSync(file, "utf8");
    writeFileSync(file, text.replace('"partition":"fleet/default"', '"partition":"coordinator"'));
    const relabelled = await verifyExport(file, { verifierKey: signer.verifierKey });
    expect(relabelled.ok).toBe(false);
    expect(relabelled.firstBad?.reason).toBe(
      `the header names partition coordinator, but its origin ${signer.origin}/fleet/default is not that partition's`,
    );
    // Relabelling the origin with it: the signed checkpoints name the real partition.
    writeFileSync(
      file,
      text
        .replace('"partition":"fleet/default"', '"partition":"coordinator"')
        .replace(`"origin":"${signer.origin}/fleet/default"`, `"origin":"${signer.origin}/coordinator"`),
    );
    expect((await verifyExport(file, { verifierKey: signer.verifierKey })).problems[0]?.reason).toMatch(
      /stored checkpoint of size 1 has origin .*fleet\/default", expected .*coordinator"/,
    );
  });

  it("names the records after the last checkpoint in a warning", async () => {
    using dir = tempDir();
    const ledger = await openLedger({ store: "jsonl", dir: dir.path, signer });
    for (let i = 0; i < 5; i++) await ledger.append("ops", "fleet.decision", { i });
    await ledger.checkpoint("ops");
    await ledger.append("ops", "fleet.decision", { i: 5 });
    const report = await ledger.verify("ops", { requireCheckpoint: true });
    await ledger.close();
    expect(report).toMatchObject({ ok: true, covered: 5, records: 6 });
    expect(report.warnings).toEqual([
      "record 5 is covered by no signed checkpoint yet (the last checkpoint that matched has size 5): normal between checkpoints, but nothing vouches for it until the next one",
    ]);
  });

  it("detects truncation against the checkpoint that covered the cut records", async () => {
    const report = await verifyDir(tampered((lines) => lines.slice(0, N - 3)));
    expect(report.records).toBe(N - 3);
    expect(report.firstBad).toMatchObject({ seq: N - 3 });
    expect(report.firstBad?.reason).toMatch(/records 17\.\.19 are missing: .*checkpoint of size 20.*truncated/);
  });

  it("detects a chain rewritten consistently after a checkpoint was signed", async () => {
    const report = await verifyDir(tampered((lines) => rewriteFrom(lines, 5)));
    expect(report.ok).toBe(false);
    expect(report.firstBad?.seq).toBe(0);
    expect(report.firstBad?.reason).toMatch(/records 0\.\.9 do not match the stored checkpoint of size 10/);
  });

  it("detects a rewrite whose checkpoints were re-signed with a stolen key, given the checkpoint published earlier", async () => {
    // The attacker holds the key: rewrites records from 12 on and re-signs the checkpoints.
    const dir = tampered((lines) => rewriteFrom(lines, 12));
    writeFileSync(join(dir, "ops.ledger", "checkpoints.jsonl"), "");
    for (const name of ["index.bin", "tree.bin"]) writeFileSync(join(dir, "ops.ledger", name), "");
    const forger = await openLedger({ store: "jsonl", dir, signer });
    await forger.checkpoint("ops");
    await forger.close();
    expect((await verifyDir(dir)).ok).toBe(true);
    // An auditor kept the checkpoint of size 20 published before the rewrite.
    const honest = await openLedger({ store: "jsonl", dir: pristine, signer });
    const publishedLater = (await honest.latestCheckpoint("ops"))!.note;
    await honest.close();
    const report = await verifyDir(dir, [published, publishedLater]);
    expect(report.ok).toBe(false);
    expect(report.firstBad?.seq).toBe(10);
    expect(report.firstBad?.reason).toMatch(/records 10\.\.19 do not match the trusted checkpoint of size 20/);
  });

  it("refuses checkpoints signed by another key", async () => {
    using other = tempDir();
    const stranger = loadOrCreateSigner(join(other.path, "k"), signer.origin);
    const ledger = await openLedger({
      store: "jsonl",
      dir: pristine,
      verifierKey: stranger.verifierKey,
      origin: signer.origin,
    });
    const report = await ledger.verify("ops");
    await ledger.close();
    expect(report.ok).toBe(false);
    expect(report.firstBad?.reason).toMatch(/not signed by/);
  });
});

describe("tamper detection in exports and SQLite", () => {
  let exportFile: string;
  let dbFile: string;

  beforeAll(async () => {
    const ledger = await openLedger({ store: "jsonl", dir: pristine, signer });
    exportFile = join(work.path, "ops.export.jsonl");
    await exportPartition(ledger, "ops", exportFile);
    await ledger.close();
    dbFile = join(work.path, "ops.db");
    const sqlite: Ledger = await openLedger({ store: "sqlite", path: dbFile, signer });
    for (let i = 0; i < N; i++) await sqlite.append("ops", "fleet.decision", { i, note: `record number ${i}` });
    await sqlite.checkpoint("ops");
    await sqlite.close();
  });

  it("checks an export offline, on worker threads too, and names an edited record", async () => {
    for (const parallel of [false, true]) {
      expect((await verifyExport(exportFile, { verifierKey: signer.verifierKey, parallel })).ok).toBe(true);
      const bad = join(work.path, `bad-${parallel}.jsonl`);
      const lines = readFileSync(exportFile, "utf8").split("\n");
      // Line 0 is the header; record k is on line k + 1, plus one line per checkpoint before it.
      writeFileSync(bad, lines.map((l, i) => (i === 4 ? l.replace("record number", "record numbeR") : l)).join("\n"));
      const report = await verifyExport(bad, { verifierKey: signer.verifierKey, parallel });
      expect(report.ok).toBe(false);
      expect(report.firstBad?.seq).toBe(3);
    }
  });

  it("verifies several files on the shared worker threads at once, each report its own", async () => {
    const bad = join(work.path, "bad-concurrent.jsonl");
    const lines = readFileSync(exportFile, "utf8").split("\n");
    writeFileSync(bad, lines.map((l, i) => (i === 9 ? l.replace("record number", "record numbeR") : l)).join("\n"));
    const options = { verifierKey: signer.verifierKey, parallel: true };
    const reports = await Promise.all([
      verifyExport(exportFile, options),
      verifyExport(bad, options),
      verifyExport(exportFile, options),
    ]);
    expect(reports.map((r) => r.ok)).toEqual([true, false, true]);
    expect(reports[1]?.firstBad?.seq).toBe(8);
    expect(reports.map((r) => r.records)).toEqual([N, N, N]);
  });

  it("detects an export cut short even without a checkpoint, from its header", async () => {
    const cut = join(work.path, "cut.jsonl");
    const lines = readFileSync(exportFile, "utf8").trimEnd().split("\n");
    writeFileSync(cut, `${lines.slice(0, 6).join("\n")}\n`);
    const report = await verifyExport(cut, { verifierKey: signer.verifierKey });
    expect(report.firstBad?.reason).toMatch(/missing.*truncated/);
  });

  it("names an edited or deleted row in SQLite", async () => {
    const copy = join(work.path, "copy.db");
    cpSync(dbFile, copy);
    const db = new DatabaseSync(copy);
    db.prepare("UPDATE ledger_records SET line = replace(line, 'record number', 'record numbeR') WHERE seq = 6").run();
    db.prepare("DELETE FROM ledger_records WHERE seq = 15").run();
    db.close();
    const ledger = await openLedger({ store: "sqlite", path: copy, signer });
    const report = await ledger.verify("ops");
    await ledger.close();
    expect(report.firstBad?.seq).toBe(6);
    expect(report.problems.map((p) => p.seq)).toEqual(expect.arrayContaining([6, 15]));
    expect(report.problems.find((p) => p.seq === 15)?.reason).toMatch(/record 15 is missing/);
  });
});
