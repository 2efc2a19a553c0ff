// A damaged records.jsonl (cut below a checkpoint, a line edited): writers refuse to continue it and
// readers fail with a ledger error that says where and what to run, never a JSON parser's message.
import { readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { describe, expect, it } from "vitest";
import { LedgerCorruptError, openLedger } from "../src/index.ts";
import { collect, tempDir, testSigner } from "./helpers.ts";

const signer = testSigner();

/** A JSONL store with records 0..n-1 of partition "p" and a checkpoint of all of them. */
async function checkpointed(dir: string, n: number): Promise<string> {
  const ledger = await openLedger({ store: "jsonl", dir, signer });
  await ledger.appendBatch(
    "p",
    Array.from({ length: n }, (_, i) => ({ type: "qa.rec", body: { i } })),
  );
  await ledger.checkpoint("p");
  await ledger.close();
  return join(dir, "p.ledger", "records.jsonl");
}

/** Byte offset where line `index` (0-based) of the file starts. */
function lineStart(file: string, index: number): number {
  const lines = readFileSync(file, "utf8").split("\n");
  return lines.slice(0, index).reduce((sum, line) => sum + Buffer.byteLength(line) + 1, 0);
}

describe("records.jsonl cut below a checkpoint", () => {
  for (const caches of ["kept", "deleted"] as const) {
    it(`refuses to write, naming the file and the last record present, and leaves the file alone (caches ${caches})`, async () => {
      using dir = tempDir();
      const file = await checkpointed(dir.path, 10);
      const end8 = lineStart(file, 9);
      // The last line cut short, as after a clean stop (which always ends with a checkpoint).
      truncateSync(file, readFileSync(file).length - 40);
      if (caches === "deleted")
        for (const cache of ["index.bin", "tree.bin"]) rmSync(join(dir.path, "p.ledger", cache));
      const before = readFileSync(file);
      const ledger = await openLedger({ store: "jsonl", dir: dir.path, signer });
      try {
        const refused = ledger.append("p", "qa.rec", { i: 99 });
        await expect(refused).rejects.toThrow(LedgerCorruptError);
        await expect(refused).rejects.toThrow(
          `partition "p" is damaged: ${file} ends before the records the checkpoint of size 10 covers: ` +
            `the last record present is record 8 (ending at byte ${end8}), followed by ${before.length - end8} bytes of a cut line; records 9..9 are missing`,
        );
        await expect(ledger.openWriter("p")).rejects.toThrow(/nothing is written.*pithead ledger verify/);
      } finally {
        await ledger.close();
      }
      // Nothing was glued onto the cut line, and it was not moved aside as if it were a torn append.
      expect(readFileSync(file)).toEqual(before);
      expect(readdirSync(join(dir.path, "p.ledger")).filter((f) => f.includes(".torn-"))).toEqual([]);
    });
  }

  it("refuses to write when whole lines are missing at the end", async () => {
    using dir = tempDir();
    const file = await checkpointed(dir.path, 10);
    truncateSync(file, lineStart(file, 7));
    const ledger = await openLedger({ store: "jsonl", dir: dir.path, signer });
    try {
      await expect(ledger.append("p", "qa.rec", { i: 99 })).rejects.toThrow(
        /the last record present is record 6 \(ending at byte \d+\); records 7\.\.9 are missing/,
      );
    } finally {
      await ledger.close();
    }
  });

  it("fails a reader at the missing records with that damage, not a JSON parser error", async () => {
    using dir = tempDir();
    const file = await checkpointed(dir.path, 10);
    truncateSync(file, readFileSync(file).length - 40);
    const ledger = await openLedger({ store: "jsonl", dir: dir.path, verifierKey: signer.verifierKey });
    try {
      await expect(collect(ledger.read("p"))).rejects.toThrow(
        /^partition "p" is damaged: .*records\.jsonl ends before .*records 9\.\.9 are missing.*pithead ledger verify/,
      );
      await expect(ledger.get("p", 9)).rejects.toThrow(LedgerCorruptError);
      await expect(collect(ledger.read("p", { reverse: true, limit: 1 }))).rejects.toThrow(LedgerCorruptError);
      // What comes before the damage can still be read.
      expect((await collect(ledger.read("p", { toSeq: 8 }))).map((r) => r.seq)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
      expect((await ledger.get("p", 8))?.body).toEqual({ i: 8 });
    } finally {
      await ledger.close();
    }
  });
});

describe("a record line edited in place", () => {
  it("is named (record and byte offset) when the writer refuses, as verify names it", async () => {
    using dir = tempDir();
    const file = await checkpointed(dir.path, 30);
    const lines = readFileSync(file, "utf8").split("\n");
    lines[15] = lines[15]!.replace('"body":{', '"body":{{');
    writeFileSync(file, lines.join("\n"));
    const ledger = await openLedger({ store: "jsonl", dir: dir.path, signer });
    try {
      await expect(ledger.append("p", "qa.rec", { i: 99 })).rejects.toThrow(
        `records.jsonl at byte ${lineStart(file, 15)}: record 15 is malformed: body is not canonical JSON`,
      );
      await expect(collect(ledger.read("p"))).rejects.toThrow(/record 15 is malformed.*pithead ledger verify/);
      expect((await ledger.verify("p")).firstBad?.seq).toBe(15);
    } finally {
      await ledger.close();
    }
  });

  it("that no longer parses is reported with its place in the file when read", async () => {
    using dir = tempDir();
    const file = await checkpointed(dir.path, 10);
    // Same length, so the cached offsets still fit: only reading the record shows it.
    writeFileSync(file, readFileSync(file, "utf8").replace('{"i":5}', '{"i"!5}'));
    const ledger = await openLedger({ store: "jsonl", dir: dir.path, signer });
    try {
      const where = `record 5 \\(line 6 of ${file}, at byte ${lineStart(file, 5)}\\) cannot be read: it is not a JSON record`;
      await expect(ledger.get("p", 5)).rejects.toThrow(new RegExp(`^partition "p" is damaged: ${where}`));
      await expect(collect(ledger.read("p"))).rejects.toThrow(LedgerCorruptError);
      await expect(collect(ledger.read("p"))).rejects.toThrow(/pithead ledger verify/);
    } finally {
      await ledger.close();
    }
  });

  it("in SQLite is reported with its table when read", async () => {
    using dir = tempDir();
    const path = join(dir.path, "ledger.db");
    const ledger = await openLedger({ store: "sqlite", path, signer });
    await ledger.appendBatch(
      "p",
      Array.from({ length: 5 }, (_, i) => ({ type: "qa.rec", body: { i } })),
    );
    await ledger.close();
    const db = new DatabaseSync(path);
    db.prepare("UPDATE ledger_records SET line = replace(line, '\"body\":{', '\"body\":{{') WHERE seq = 3").run();
    db.close();
    const reopened = await openLedger({ store: "sqlite", path, signer });
    try {
      await expect(reopened.get("p", 3)).rejects.toThrow(
        `partition "p" is damaged: record 3 (its row in table ledger_records of ${path}) cannot be read`,
      );
      await expect(collect(reopened.read("p"))).rejects.toThrow(LedgerCorruptError);
    } finally {
      await reopened.close();
    }
  });
});
