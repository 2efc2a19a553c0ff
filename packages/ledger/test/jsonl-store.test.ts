// JSONL-specific behaviour: the derived index and tree caches, and readers beside a live writer.
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openLedger, verifyInclusion } from "../src/index.ts";
import { tempDir, testSigner } from "./helpers.ts";

const signer = testSigner();

async function filled(dir: string, records: number, checkpointAt: number[]) {
  const ledger = await openLedger({ store: "jsonl", dir, signer });
  for (let i = 0; i < records; i++) {
    await ledger.append("ops", "test.x", { i });
    if (checkpointAt.includes(i + 1)) await ledger.checkpoint("ops");
  }
  const root = (await ledger.treeHead("ops")).rootHash;
  await ledger.close();
  return root;
}

async function proofsAllVerify(dir: string, size: number, root: string) {
  const ledger = await openLedger({ store: "jsonl", dir, signer });
  try {
    expect((await ledger.treeHead("ops")).rootHash).toBe(root);
    for (let seq = 0; seq < size; seq++) {
      const proof = await ledger.inclusionProof("ops", seq);
      expect(proof.rootHash).toBe(root);
      expect(verifyInclusion(proof), `record ${seq}`).toBe(true);
    }
  } finally {
    await ledger.close();
  }
}

describe("JSONL store caches", () => {
  it("serves proofs while cache writes are in flight and has every entry on disk after close", async () => {
    using dir = tempDir();
    const ledger = await openLedger({ store: "jsonl", dir: dir.path, signer });
    const n = 300;
    // Concurrent appends make groups; each group's cache writes leave the event loop's thread.
    await Promise.all(Array.from({ length: n }, (_, i) => ledger.append("ops", "test.x", { i })));
    const { rootHash } = await ledger.treeHead("ops");
    for (const seq of [0, 1, 150, n - 2, n - 1]) {
      const proof = await ledger.inclusionProof("ops", seq);
      expect(proof.rootHash).toBe(rootHash);
      expect(verifyInclusion(proof)).toBe(true);
    }
    await ledger.close();
    const nodes = 2 * n - n.toString(2).replaceAll("0", "").length;
    expect(readFileSync(join(dir.path, "ops.ledger", "index.bin")).length).toBe(n * 8);
    expect(readFileSync(join(dir.path, "ops.ledger", "tree.bin")).length).toBe(nodes * 32);
    await proofsAllVerify(dir.path, n, rootHash);
  });

  it("rebuilds index.bin and tree.bin from the records when they are missing", async () => {
    using dir = tempDir();
    const root = await filled(dir.path, 40, [20]);
    for (const file of ["index.bin", "tree.bin"]) rmSync(join(dir.path, "ops.ledger", file));
    await proofsAllVerify(dir.path, 40, root);
  });

  it("does not trust a tree cache that no longer reproduces the latest checkpoint", async () => {
    using dir = tempDir();
    const root = await filled(dir.path, 40, [32]);
    const tree = join(dir.path, "ops.ledger", "tree.bin");
    const bytes = readFileSync(tree);
    // Garble the node of the first 32 leaves (the checkpoint's whole frontier).
    bytes.fill(0xee, 62 * 32, 63 * 32);
    writeFileSync(tree, bytes);
    await proofsAllVerify(dir.path, 40, root);
  });
});

describe("JSONL readers beside a writer", () => {
  it("see what the writer appends, and prove it", async () => {
    using dir = tempDir();
    const writer = await openLedger({ store: "jsonl", dir: dir.path, signer });
    const reader = await openLedger({ store: "jsonl", dir: dir.path, verifierKey: signer.verifierKey });
    try {
      await writer.appendBatch("ops", [
        { type: "test.x", body: { i: 0 } },
        { type: "test.x", body: { i: 1 } },
      ]);
      expect(await reader.size("ops")).toBe(2);
      await writer.checkpoint("ops");
      const third = await writer.append("ops", "test.x", { i: 2 });
      expect(await reader.get("ops", 2)).toEqual(third);
      expect((await reader.latestCheckpoint("ops"))?.size).toBe(2);
      expect(verifyInclusion(await reader.inclusionProof("ops", 2))).toBe(true);
      expect((await reader.treeHead("ops")).rootHash).toBe((await writer.treeHead("ops")).rootHash);
      await expect(reader.checkpoint("ops")).rejects.toThrow(/without a signing key/);
    } finally {
      await reader.close();
      await writer.close();
    }
  });

  it("reads, reopens and verifies lines that straddle the read chunks (bodies near the 1 MiB limit)", async () => {
    using dir = tempDir();
    const big = "x".repeat(1_040_000);
    const ledger = await openLedger({ store: "jsonl", dir: dir.path, signer });
    await ledger.append("ops", "test.x", { i: 0 });
    for (let i = 1; i <= 6; i++) await ledger.append("ops", "test.x", { i, big });
    await ledger.append("ops", "test.x", { i: 7 });
    await ledger.checkpoint("ops");
    const root = (await ledger.treeHead("ops")).rootHash;
    await ledger.close();
    // Reopening rebuilds its state from the lines (the line reader); verify scans them (the chunked scan).
    rmSync(join(dir.path, "ops.ledger", "index.bin"));
    const reopened = await openLedger({ store: "jsonl", dir: dir.path, signer });
    try {
      expect((await reopened.treeHead("ops")).rootHash).toBe(root);
      expect((await reopened.get("ops", 5))?.body).toEqual({ i: 5, big });
      expect((await reopened.append("ops", "test.x", { i: 8 })).seq).toBe(8);
      const report = await reopened.verify("ops");
      expect(report.problems).toEqual([]);
      expect(report.records).toBe(9);
    } finally {
      await reopened.close();
    }
  });
});
