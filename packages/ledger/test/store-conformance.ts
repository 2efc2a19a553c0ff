// One conformance suite for every store: the same behaviour, whatever the bytes sit in.
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  exportPartition,
  type Ledger,
  LedgerLockedError,
  LedgerPartitionError,
  LedgerValueError,
  parseCheckpoint,
  recordHash,
  verifyCheckpoint,
  verifyConsistency,
  verifyExport,
  verifyInclusion,
} from "../src/index.ts";
import { collect, tempDir, testSigner } from "./helpers.ts";

export interface StoreUnderTest {
  /** Opens the store (same location every time within one suite run). */
  open(): Promise<Ledger>;
  cleanup?(): Promise<void>;
  /** Deletes a record's row behind the ledger's back, as a careless hand would (SQL stores). */
  removeRecord?(partition: string, seq: number): Promise<void>;
}

let counter = 0;
/** Each test writes its own partition, so tests share one store without seeing each other. */
const fresh = (label: string) => `conf/${label}-${++counter}`;

export function describeLedgerStore(name: string, setup: () => Promise<StoreUnderTest>): void {
  describe(`ledger store conformance: ${name}`, () => {
    let store: StoreUnderTest;
    let ledger: Ledger;
    const signer = testSigner();

    beforeAll(async () => {
      store = await setup();
      ledger = await store.open();
    });
    afterAll(async () => {
      await ledger?.close();
      await store?.cleanup?.();
    });

    it("appends records chained from 64 zeros with contiguous seq and the canonical hash", async () => {
      const p = fresh("chain");
      const a = await ledger.append(p, "test.first", { n: 1 }, { at: new Date("2026-01-02T03:04:05.678Z") });
      const b = await ledger.append(p, "test.second", { n: 2, nested: { z: 1, a: [true, null] } });
      expect(a).toMatchObject({
        v: 1,
        seq: 0,
        type: "test.first",
        at: "2026-01-02T03:04:05.678Z",
        body: { n: 1 },
        prev: "0".repeat(64),
      });
      expect(a.hash).toBe(recordHash(a));
      expect(b.seq).toBe(1);
      expect(b.prev).toBe(a.hash);
      expect(b.hash).toBe(recordHash(b));
      expect(await ledger.get(p, 1)).toEqual(b);
      expect(await ledger.get(p, 2)).toBeUndefined();
      expect(await ledger.size(p)).toBe(2);
    });

    it("gives concurrent appenders unique, contiguous seqs (group commit) and a chain that verifies", async () => {
      const p = fresh("concurrent");
      const records = await Promise.all(
        Array.from({ length: 300 }, (_, i) => ledger.append(p, "test.concurrent", { i })),
      );
      expect(records.map((r) => r.seq).sort((x, y) => x - y)).toEqual(Array.from({ length: 300 }, (_, i) => i));
      const stored = await collect(ledger.read(p));
      for (let i = 1; i < stored.length; i++) expect(stored[i]!.prev).toBe(stored[i - 1]!.hash);
      // Every caller got back the record that was stored for it.
      for (const record of records) expect(stored[record.seq]).toEqual(record);
      expect((await ledger.verify(p)).ok).toBe(true);
    });

    it("appends a batch contiguously, and refuses a whole batch naming the bad entry's field", async () => {
      const p = fresh("batch");
      await ledger.append(p, "test.before", {});
      const batch = await ledger.appendBatch(p, [
        { type: "test.a", body: { x: 1 } },
        { type: "test.b", body: { x: 2 } },
      ]);
      expect(batch.map((r) => r.seq)).toEqual([1, 2]);
      const error = await ledger
        .appendBatch(p, [
          { type: "test.ok", body: {} },
          { type: "test.bad", body: { price: Number.NaN } },
        ])
        .catch((e) => e);
      expect(error).toBeInstanceOf(LedgerValueError);
      expect(error.path).toBe("entries[1].body.price");
      expect(await ledger.size(p)).toBe(3);
    });

    it("rejects NaN, ±Infinity, -0, undefined, bad types and bad partitions with clear errors, keeping the partition intact", async () => {
      const p = fresh("bad");
      await ledger.append(p, "test.ok", { ok: true });
      const cases: [unknown, string][] = [
        [{ a: Number.NaN }, "body.a"],
        [{ list: [1, Number.POSITIVE_INFINITY] }, "body.list[1]"],
        [{ deep: { x: -0 } }, "body.deep.x"],
        [{ u: undefined }, "body.u"],
        [{ when: new Date() }, "body.when"],
      ];
      for (const [body, path] of cases) {
        const error = await ledger.append(p, "test.bad", body as never).catch((e) => e);
        expect(error, path).toBeInstanceOf(LedgerValueError);
        expect(error.path).toBe(path);
      }
      await expect(ledger.append(p, "NoNamespace", {})).rejects.toThrow(/type/);
      await expect(ledger.append("../escape", "test.x", {})).rejects.toBeInstanceOf(LedgerPartitionError);
      await expect(ledger.append("a//b", "test.x", {})).rejects.toBeInstanceOf(LedgerPartitionError);
      expect(await ledger.size(p)).toBe(1);
      expect((await ledger.verify(p)).ok).toBe(true);
    });

    it("accepts citations of earlier records by seq or hash and refuses forward or unknown ones", async () => {
      const p = fresh("cites");
      const first = await ledger.append(p, "test.job", { job: "j1" });
      await ledger.append(p, "test.proof", { cites: [0, first.hash] });
      const forward = await ledger.append(p, "test.bad", { cites: [5] }).catch((e) => e);
      expect(forward).toBeInstanceOf(LedgerValueError);
      expect(forward.path).toBe("body.cites[0]");
      const unknown = await ledger.append(p, "test.bad", { cites: [0, "ab".repeat(32)] }).catch((e) => e);
      expect(unknown.path).toBe("body.cites[1]");
      await expect(ledger.append(p, "test.bad", { cites: "0" })).rejects.toThrow(/body\.cites/);
      expect((await ledger.verify(p)).ok).toBe(true);
    });

    it("reads with from, to, type, limit and reverse", async () => {
      const p = fresh("read");
      for (let i = 0; i < 12; i++) await ledger.append(p, i % 3 === 0 ? "test.three" : "test.other", { i });
      const seqs = async (options: Parameters<Ledger["read"]>[1]) =>
        (await collect(ledger.read(p, options))).map((r) => r.seq);
      expect(await seqs({})).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
      expect(await seqs({ fromSeq: 4, toSeq: 6 })).toEqual([4, 5, 6]);
      expect(await seqs({ type: "test.three" })).toEqual([0, 3, 6, 9]);
      expect(await seqs({ type: "test.three", limit: 2, fromSeq: 1 })).toEqual([3, 6]);
      expect(await seqs({ reverse: true, limit: 3 })).toEqual([11, 10, 9]);
      expect(await seqs({ reverse: true, toSeq: 5, type: "test.three" })).toEqual([3, 0]);
      expect(await seqs({ fromSeq: 50 })).toEqual([]);
      expect((await collect(ledger.lines(p, { fromSeq: 11 }))).length).toBe(1);
    });

    it("names a record deleted from the store: in damage(), and in a read instead of skipping its seq", async () => {
      if (!store.removeRecord) return;
      const p = fresh("gap");
      for (let i = 0; i < 20; i++) await ledger.append(p, "test.note", { i });
      expect(await ledger.damage!(p)).toBeUndefined();
      await store.removeRecord(p, 10);
      expect(await ledger.damage!(p)).toMatch(/1 of its 20 records is missing/);
      const seen: number[] = [];
      await expect(
        (async () => {
          for await (const r of ledger.read(p, { fromSeq: 8, limit: 4 })) seen.push(r.seq);
        })(),
      ).rejects.toThrow(/record 10 is missing: record 11 follows record 9/);
      expect(seen).toEqual([8, 9]);
    });

    it("lists partitions", async () => {
      const p = fresh("listed");
      await ledger.append(p, "test.x", {});
      expect(await ledger.partitions()).toContain(p);
    });

    it("signs checkpoints in C2SP form, returns the latest when nothing changed, and keeps them in order", async () => {
      const p = fresh("checkpoint");
      await ledger.appendBatch(
        p,
        Array.from({ length: 5 }, (_, i) => ({ type: "test.x", body: { i } })),
      );
      const first = await ledger.checkpoint(p);
      expect(first.size).toBe(5);
      expect(first.origin).toBe(`${signer.origin}/${p}`);
      expect(verifyCheckpoint(first.note, signer.verifierKey)).toBe(true);
      expect(parseCheckpoint(first.note)).toMatchObject({ origin: first.origin, size: 5, rootHash: first.rootHash });
      expect(first.rootHash).toBe((await ledger.treeHead(p)).rootHash);
      expect(await ledger.checkpoint(p)).toEqual(first);
      await ledger.append(p, "test.x", { i: 5 });
      const second = await ledger.checkpoint(p);
      expect(second.size).toBe(6);
      expect(await ledger.latestCheckpoint(p)).toEqual(second);
      expect((await collect(ledger.checkpoints(p))).map((c) => c.size)).toEqual([5, 6]);
    });

    it("proves inclusion of every record and consistency between checkpoints", async () => {
      const p = fresh("proofs");
      await ledger.appendBatch(
        p,
        Array.from({ length: 21 }, (_, i) => ({ type: "test.x", body: { i } })),
      );
      const small = await ledger.checkpoint(p);
      await ledger.appendBatch(
        p,
        Array.from({ length: 16 }, (_, i) => ({ type: "test.y", body: { i } })),
      );
      const big = await ledger.checkpoint(p);
      for (let seq = 0; seq < big.size; seq++) {
        const proof = await ledger.inclusionProof(p, seq, big.size);
        expect(proof.rootHash).toBe(big.rootHash);
        expect(proof.recordHash).toBe((await ledger.get(p, seq))!.hash);
        expect(verifyInclusion(proof)).toBe(true);
      }
      const older = await ledger.inclusionProof(p, 3, small.size);
      expect(older.rootHash).toBe(small.rootHash);
      const consistency = await ledger.consistencyProof(p, small.size, big.size);
      expect(consistency.fromRoot).toBe(small.rootHash);
      expect(consistency.toRoot).toBe(big.rootHash);
      expect(verifyConsistency(consistency)).toBe(true);
      await expect(ledger.inclusionProof(p, big.size)).rejects.toBeInstanceOf(LedgerValueError);
      await expect(ledger.consistencyProof(p, 3, 1000)).rejects.toThrow(/toSize/);
      // Every tree extends the empty one: a proof from size 0 is empty, with the empty tree's root.
      const fromEmpty = await ledger.consistencyProof(p, 0, big.size);
      expect(fromEmpty).toMatchObject({ fromSize: 0, toSize: big.size, path: [], toRoot: big.rootHash });
      expect(fromEmpty.fromRoot).toBe(createHash("sha256").digest("hex"));
      expect(verifyConsistency(fromEmpty)).toBe(true);
      expect(await ledger.consistencyProof(p, 0, 0)).toMatchObject({ path: [], fromRoot: fromEmpty.fromRoot });
    });

    it("verifies, and exports a file that verifies offline", async () => {
      const p = fresh("export");
      await ledger.appendBatch(
        p,
        Array.from({ length: 9 }, (_, i) => ({ type: "test.x", body: { i, s: "é€😀" } })),
      );
      await ledger.checkpoint(p);
      await ledger.append(p, "test.after", { cites: [2] });
      await ledger.checkpoint(p);
      await ledger.append(p, "test.tail", {});
      const report = await ledger.verify(p);
      expect(report).toMatchObject({ ok: true, partition: p, records: 11, checkpoints: 2, problems: [] });
      using dir = tempDir();
      const file = `${dir.path}/export.jsonl`;
      expect(await exportPartition(ledger, p, file)).toMatchObject({ records: 11, checkpoints: 2 });
      const offline = await verifyExport(file, { verifierKey: signer.verifierKey });
      expect(offline).toMatchObject({ ok: true, records: 11, checkpoints: 2, rootHash: report.rootHash });
    });

    it("keeps everything across close and reopen, and continues the same chain", async () => {
      const p = fresh("reopen");
      await ledger.appendBatch(
        p,
        Array.from({ length: 7 }, (_, i) => ({ type: "test.x", body: { i } })),
      );
      const checkpoint = await ledger.checkpoint(p);
      await ledger.append(p, "test.x", { i: 7 });
      const head = await ledger.treeHead(p);
      await ledger.close();
      ledger = await store.open();
      expect(await ledger.size(p)).toBe(8);
      expect(await ledger.treeHead(p)).toEqual(head);
      expect(await ledger.latestCheckpoint(p)).toEqual(checkpoint);
      const next = await ledger.append(p, "test.x", { i: 8 });
      expect(next.prev).toBe((await ledger.get(p, 7))!.hash);
      expect((await ledger.verify(p)).ok).toBe(true);
    });

    it("keeps committing while the caller's tests use fake timers", async () => {
      const p = fresh("fake-timers");
      vi.useFakeTimers();
      try {
        const records = await Promise.all([ledger.append(p, "test.x", { a: 1 }), ledger.append(p, "test.x", { a: 2 })]);
        expect(records.map((r) => r.seq).sort()).toEqual([0, 1]);
      } finally {
        vi.useRealTimers();
      }
    });

    it("refuses a second writer of the same partition", async () => {
      const p = fresh("writer");
      await ledger.append(p, "test.x", {});
      const second = await store.open();
      try {
        await expect(second.append(p, "test.x", {})).rejects.toBeInstanceOf(LedgerLockedError);
        // Refused again: a refused attempt must not take the first writer's lock away with it.
        await expect(second.append(p, "test.x", {})).rejects.toBeInstanceOf(LedgerLockedError);
        // Reading is not writing: the second instance still sees the records.
        expect(await second.size(p)).toBe(1);
      } finally {
        await second.close();
      }
      expect((await ledger.append(p, "test.x", {})).seq).toBe(1);
    });
  });
}
