// Crash safety: a process appending as fast as it can is killed with SIGKILL at random moments;
// every append it saw acknowledged must be there afterwards, and the ledger must verify.
import { appendFileSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type LedgerRecovery, openLedger } from "../src/index.ts";
import { killRepeatedly } from "./crash-helpers.ts";
import { tempDir, testSigner } from "./helpers.ts";

describe("crash safety", () => {
  it("JSONL: nothing acknowledged is lost over 20 SIGKILLs, and the chain verifies", async () => {
    using dir = tempDir();
    const acknowledged = await killRepeatedly({ store: "jsonl", dir: dir.path }, dir.path, "jsonl", 20);
    expect(acknowledged).toBeGreaterThan(20);
  });
});

describe("torn last line", () => {
  it("is moved aside on open, reported, and the chain continues", async () => {
    using dir = tempDir();
    const ledger = await openLedger({ store: "jsonl", dir: dir.path });
    const records = await ledger.appendBatch("ops", [
      { type: "test.a", body: { i: 0 } },
      { type: "test.a", body: { i: 1 } },
    ]);
    await ledger.close();
    const file = join(dir.path, "ops.ledger", "records.jsonl");
    const torn = '{"at":"2026-01-01T00:00:00.000Z","body":{"i":2},"prev":"ab';
    appendFileSync(file, torn);
    const seen: LedgerRecovery[] = [];
    const reopened = await openLedger({ store: "jsonl", dir: dir.path, onRecovery: (r) => seen.push(r) });
    // A reader leaves the file alone and does not see the torn line.
    expect(await reopened.size("ops")).toBe(2);
    expect(seen).toEqual([]);
    const next = await reopened.append("ops", "test.a", { i: 2 });
    expect(next).toMatchObject({ seq: 2, prev: records[1]!.hash });
    expect(seen).toHaveLength(1);
    expect(reopened.recovered).toEqual(seen);
    expect(seen[0]).toMatchObject({ partition: "ops", bytes: Buffer.byteLength(torn) });
    expect(readFileSync(seen[0]!.movedTo, "utf8")).toBe(torn);
    expect(readdirSync(join(dir.path, "ops.ledger")).some((f) => f.startsWith("records.jsonl.torn-"))).toBe(true);
    expect((await reopened.verify("ops")).ok).toBe(true);
    await reopened.close();
  });

  it("is reported with the file it was cut from, where it went and one line for a log", async () => {
    using dir = tempDir();
    const ledger = await openLedger({ store: "jsonl", dir: dir.path, signer: testSigner() });
    await ledger.append("ops", "test.a", { i: 0 });
    await ledger.checkpoint("ops");
    await ledger.close();
    const records = join(dir.path, "ops.ledger", "records.jsonl");
    const checkpoints = join(dir.path, "ops.ledger", "checkpoints.jsonl");
    const tornRecord = '{"at":"2026-01-01T00:00:00.000Z","bo';
    const tornCheckpoint = '{"note":"pithead';
    appendFileSync(records, tornRecord);
    appendFileSync(checkpoints, tornCheckpoint);
    const reopened = await openLedger({ store: "jsonl", dir: dir.path });
    try {
      await reopened.openWriter("ops");
      expect(reopened.recovered).toHaveLength(2);
      for (const [recovery, file, bytes] of [
        [reopened.recovered[0]!, checkpoints, tornCheckpoint.length],
        [reopened.recovered[1]!, records, tornRecord.length],
      ] as const) {
        expect(recovery).toMatchObject({ partition: "ops", file, bytes });
        expect(recovery.movedTo.startsWith(`${file}.torn-`)).toBe(true);
        expect(recovery.message).toBe(
          `ledger partition "ops": ${recovery.reason}: moved the last ${bytes} bytes of ${file} to ${recovery.movedTo}`,
        );
      }
      expect(reopened.recovered[1]!.reason).toMatch(/torn last line/);
    } finally {
      await reopened.close();
    }
  });

  it("treats NUL-filled blocks a power loss leaves at the end as torn, but refuses to write after real damage", async () => {
    using dir = tempDir();
    const ledger = await openLedger({ store: "jsonl", dir: dir.path });
    await ledger.appendBatch("ops", [
      { type: "test.a", body: {} },
      { type: "test.a", body: {} },
    ]);
    await ledger.close();
    const file = join(dir.path, "ops.ledger", "records.jsonl");
    const size = statSync(file).size;
    appendFileSync(file, `${"\0".repeat(100)}{"at":"x"}\n`);
    const recovered = await openLedger({ store: "jsonl", dir: dir.path });
    await recovered.openWriter("ops");
    expect(recovered.recovered[0]?.reason).toMatch(/unwritten blocks/);
    expect(statSync(file).size).toBe(size);
    await recovered.close();
    // A complete line that breaks the chain is not a crash artefact: no silent repair.
    appendFileSync(file, `${readFileSync(file, "utf8").split("\n")[0]}\n`);
    const damaged = await openLedger({ store: "jsonl", dir: dir.path });
    await expect(damaged.append("ops", "test.a", {})).rejects.toThrow(
      /damaged: records\.jsonl at byte \d+: expected seq 2, found 0/,
    );
    expect((await damaged.verify("ops")).firstBad?.seq).toBe(2);
    await damaged.close();
  });
});
