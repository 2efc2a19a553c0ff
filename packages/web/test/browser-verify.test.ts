// The dashboard's in-browser checks (app/verify) run here under Node's Web Crypto against the
// real ledger: what the ledger writes and proves, the browser must accept, and every kind of
// tampering the ledger's own verify catches, the browser must catch and place.

import { generateKeyPairSync, sign } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { exportLines, type Ledger, loadOrCreateSigner, openLedger, verifyExport } from "@pithead/ledger";
import canonicalize from "canonicalize";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serverVerdict } from "../app/pages/ledger/server-verdict.ts";
import { base64Of, hexOf, sha256, utf8 } from "../app/verify/bytes.ts";
import { verifyExportStream } from "../app/verify/export-verifier.ts";
import { checkInclusion } from "../app/verify/inclusion.ts";
import { Frontier, leafHash } from "../app/verify/merkle.ts";
import { checkReceipt } from "../app/verify/receipt.ts";

const dir = mkdtempSync(join(tmpdir(), "pithead-web-verify-"));
const partition = "fleet/op-1";
let ledger: Ledger;
let lines: string[];

beforeAll(async () => {
  ledger = await openLedger({
    store: "sqlite",
    path: join(dir, "ledger.sqlite"),
    signer: loadOrCreateSigner(join(dir, "ledger.key"), "pithead-test"),
  });
  for (let i = 0; i < 11; i++) {
    await ledger.append(partition, i % 3 === 0 ? "fleet.decision" : "fleet.telemetry", {
      minerId: `m${i}`,
      hashrateThs: String(100 + i),
      ...(i > 0 ? { cites: [i - 1] } : {}),
    });
    if (i === 4) await ledger.checkpoint(partition);
  }
  await ledger.checkpoint(partition);
  await ledger.append(partition, "fleet.telemetry", { minerId: "after-the-checkpoint" });
  lines = [];
  for await (const line of exportLines(ledger, partition)) lines.push(line);
});

afterAll(async () => {
  await ledger?.close();
  rmSync(dir, { recursive: true, force: true });
});

function streamOf(text: string, chunk = 37): ReadableStream<Uint8Array> {
  const bytes = utf8(text);
  let offset = 0;
  // Odd-sized chunks: lines (and UTF-8 characters) split across reads.
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(offset, offset + chunk));
      offset += chunk;
    },
  });
}

const verifyLines = (text: string[]) => verifyExportStream(streamOf(`${text.join("\n")}\n`));

/** The export with record `seq`'s line rewritten by `edit`. */
function tampered(seq: number, edit: (record: Record<string, unknown>) => void): string[] {
  const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  const index = records.findIndex((record) => record.seq === seq && "prev" in record);
  const record = records[index] as Record<string, unknown>;
  edit(record);
  return lines.map((line, i) => (i === index ? (canonicalize(record) as string) : line));
}

describe("verifying a ledger export in the browser", () => {
  it("accepts the real ledger's export: every record, both signed checkpoints, with progress", async () => {
    const progress: [number, number][] = [];
    const outcome = await verifyExportStream(streamOf(`${lines.join("\n")}\n`), {
      onProgress: (done, total) => progress.push([done, total]),
    });
    expect(outcome).toMatchObject({ ok: true, partition, records: 12, checkpoints: 2, firstBad: null });
    expect(outcome.root).toBe((await ledger.treeHead(partition)).rootHash);
    expect(progress.at(-1)).toEqual([12, 12]);
  });

  it("names an edited record", async () => {
    const outcome = await verifyLines(tampered(6, (record) => (record.body = { minerId: "m6", hashrateThs: "999" })));
    expect(outcome.ok).toBe(false);
    expect(outcome.firstBad?.seq).toBe(6);
    expect(outcome.firstBad?.reason).toContain("record 6 was altered");
  });

  it("names a record whose prev was rewritten", async () => {
    const outcome = await verifyLines(tampered(3, (record) => (record.prev = "ab".repeat(32))));
    expect(outcome.firstBad?.seq).toBe(3);
  });

  it("catches a deleted record, reordered records and a cut-short export", async () => {
    const withoutFive = lines.filter((line) => !line.includes('"seq":5,'));
    expect((await verifyLines(withoutFive)).firstBad?.reason).toContain("expected record 5, found record 6");
    const swapped = [...lines];
    const a = swapped.findIndex((line) => line.includes('"seq":7,'));
    [swapped[a], swapped[a + 1]] = [swapped[a + 1] as string, swapped[a] as string];
    expect((await verifyLines(swapped)).ok).toBe(false);
    expect((await verifyLines(lines.slice(0, -1))).firstBad?.reason).toContain("cut short");
  });

  it("catches a rewritten chain: consistent hashes that no signed checkpoint vouches for", async () => {
    // Re-chain everything after record 2 with an edited body: every prev matches, the roots do not.
    const records = lines
      .slice(1)
      .filter((line) => !line.startsWith('{"checkpoint"'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    (records[2] as { body: unknown }).body = { minerId: "m2", hashrateThs: "0" };
    let prev = "0".repeat(64);
    const rewritten = [];
    for (const record of records) {
      record.prev = prev;
      const line = canonicalize(record) as string;
      prev = hexOf(await sha256(line));
      rewritten.push(line);
    }
    const checkpoints = lines.filter((line) => line.startsWith('{"checkpoint"'));
    const header = lines[0] as string;
    const exported = [
      header,
      ...rewritten.slice(0, 5),
      checkpoints[0] as string,
      ...rewritten.slice(5, 11),
      checkpoints[1] as string,
      ...rewritten.slice(11),
    ];
    const outcome = await verifyLines(exported);
    expect(outcome.ok).toBe(false);
    expect(outcome.firstBad?.reason).toContain("do not hash to the root signed at that size");
  });

  it("refuses a checkpoint signed by another key", async () => {
    const other = await openLedger({
      store: "sqlite",
      path: join(dir, "other.sqlite"),
      signer: loadOrCreateSigner(join(dir, "other.key"), "pithead-test"),
    });
    const headerWithOtherKey = JSON.stringify({ ...JSON.parse(lines[0] as string), verifierKey: other.verifierKey });
    await other.close();
    const outcome = await verifyLines([headerWithOtherKey, ...lines.slice(1)]);
    expect(outcome.firstBad?.reason).toContain("is not signed by");
  });
});

/** What `pithead ledger verify <export>` (the ledger library) warns about the same export, without a key of its own. */
async function libraryWarnings(exported: string[]): Promise<string[]> {
  const file = join(dir, `${Math.random().toString(36).slice(2)}.export.jsonl`);
  writeFileSync(file, `${exported.join("\n")}\n`);
  const report = await verifyExport(file);
  expect(report.ok, JSON.stringify(report.problems)).toBe(true);
  // The browser checks with the key the service publishes, as the CLI does without --key; the CLI's
  // warning about that is for its --key option, which the browser does not have.
  return report.warnings.filter((warning) => !warning.startsWith("signatures were checked with the key named"));
}

// Before, the browser said "✔ every checkpoint holds" and nothing more for records no signed
// checkpoint covers (a tail a server could have forged, or an export whose checkpoints were removed),
// where `pithead ledger verify` warns that nothing vouches for them.
describe("records no signed checkpoint covers, named as `pithead ledger verify` names them", () => {
  it("a record after the last checkpoint", async () => {
    const outcome = await verifyLines(lines);
    expect(outcome).toMatchObject({ ok: true, records: 12, covered: 11 });
    expect(outcome.warnings).toEqual([
      "record 11 is covered by no signed checkpoint yet (the last checkpoint that matched has size 11): normal between checkpoints, but nothing vouches for it until the next one",
    ]);
    expect(outcome.warnings).toEqual(await libraryWarnings(lines));
  });

  it("a forged tail of several records", async () => {
    const header = JSON.parse(lines[0] as string) as { records: number };
    const forged = [...lines.slice(1)];
    let prev = hexOf(await sha256(lines.at(-1) as string));
    for (let seq = 12; seq < 14; seq++) {
      const record = {
        v: 1,
        at: "2025-06-01T00:00:00.000Z",
        body: { minerId: "forged" },
        prev,
        seq,
        type: "fleet.telemetry",
      };
      const line = canonicalize(record) as string;
      prev = hexOf(await sha256(line));
      forged.push(line);
    }
    const exported = [JSON.stringify({ ...header, records: 14 }), ...forged];
    const outcome = await verifyLines(exported);
    expect(outcome).toMatchObject({ ok: true, records: 14, covered: 11 });
    expect(outcome.warnings).toEqual([
      "records 11..13 are covered by no signed checkpoint yet (the last checkpoint that matched has size 11): normal between checkpoints, but nothing vouches for them until the next one",
    ]);
    expect(outcome.warnings).toEqual(await libraryWarnings(exported));
  });

  it("an export whose checkpoints were removed", async () => {
    const stripped = lines.filter((line) => !line.startsWith('{"checkpoint"'));
    const outcome = await verifyLines(stripped);
    expect(outcome).toMatchObject({ ok: true, checkpoints: 0, covered: 0 });
    expect(outcome.warnings).toEqual([
      "none of the 12 records is covered by a signed checkpoint: nothing vouches for them (the ledger has no checkpoints: never made, or removed)",
    ]);
    expect(outcome.warnings).toEqual(await libraryWarnings(stripped));
  });
});

// Before, an export of a partition with archived records failed in the browser at its first line
// ("expected record 0, found record 2814"): the header's `from` and archive state were ignored,
// where `pithead ledger verify` checks the export from the archive boundary and says what it skipped.
describe("an export of a partition whose oldest records were archived", () => {
  const archivedPartition = "fleet/op1";
  let archivedLines: string[];
  let boundary: number;
  let head: { size: number; rootHash: string };

  beforeAll(async () => {
    const signer = loadOrCreateSigner(join(dir, "jsonl.key"), "pithead-test");
    const jsonl = await openLedger({ store: "jsonl", dir: join(dir, "jsonl"), signer, sealBytes: 8 * 1024 });
    try {
      // Fleet-style records: a cycle, then telemetry and decisions citing it, a checkpoint every 100.
      let cycle = 0;
      for (let i = 0; i < 700; i++) {
        if (i % 20 === 0) {
          cycle = (await jsonl.append(archivedPartition, "fleet.cycle", { startedAt: i })).seq;
          continue;
        }
        await jsonl.append(archivedPartition, i % 5 === 0 ? "fleet.decision" : "fleet.telemetry", {
          minerId: `m${i % 7}`,
          hashrateThs: String(100 + (i % 13)),
          cites: [cycle],
        });
        if (i % 100 === 99) await jsonl.checkpoint(archivedPartition);
      }
      const report = await jsonl.archive?.(archivedPartition, { to: join(dir, "archive"), belowSeq: 400 });
      boundary = report?.archivedTo ?? 0;
      head = await jsonl.treeHead(archivedPartition);
      archivedLines = [];
      for await (const line of exportLines(jsonl, archivedPartition)) archivedLines.push(line);
    } finally {
      await jsonl.close();
    }
  });

  it("is checked from the archive boundary, and says the archived records were not checked here", async () => {
    expect(boundary).toBeGreaterThan(0);
    expect(JSON.parse(archivedLines[0] as string)).toMatchObject({ from: boundary });
    const progress: [number, number][] = [];
    const outcome = await verifyExportStream(streamOf(`${archivedLines.join("\n")}\n`), {
      onProgress: (done, total) => progress.push([done, total]),
    });
    expect(outcome.firstBad).toBeNull();
    expect(outcome).toMatchObject({ ok: true, records: 700, archived: boundary, root: head.rootHash });
    expect(outcome.checkpoints).toBeGreaterThan(0);
    // Progress counts the records the export holds, not the archived ones.
    expect(progress.at(-1)).toEqual([700 - boundary, 700 - boundary]);
    expect(outcome.warnings[0]).toContain(`records 0..${boundary - 1} are archived and not in this export`);
    expect(outcome.warnings).toEqual(await libraryWarnings(archivedLines));
  });

  it("fails when the archive state in the header was altered", async () => {
    const header = JSON.parse(archivedLines[0] as string) as { archived: { lastHash: string; frontier: string[] } };
    const otherHash = JSON.stringify({ ...header, archived: { ...header.archived, lastHash: "ab".repeat(32) } });
    const relinked = await verifyLines([otherHash, ...archivedLines.slice(1)]);
    expect(relinked.ok).toBe(false);
    expect(relinked.firstBad?.reason).toContain(`the prev of record ${boundary} does not match the last hash`);
    const frontier = [...header.archived.frontier];
    frontier[0] = "cd".repeat(32);
    const otherTree = JSON.stringify({ ...header, archived: { ...header.archived, frontier } });
    const regrown = await verifyLines([otherTree, ...archivedLines.slice(1)]);
    expect(regrown.ok).toBe(false);
    expect(regrown.firstBad?.reason).toContain("do not hash to the root signed at that size");
    const malformed = JSON.stringify({ ...header, archived: { ...header.archived, frontier: frontier.slice(1) } });
    expect((await verifyLines([malformed, ...archivedLines.slice(1)])).firstBad?.reason).toContain(
      "archived state (last hash and frontier) is malformed",
    );
  });

  // Before, the panel printed "The service's own verify agrees" under "✖ Verification failed".
  it("the panel never says the service's verify agrees when the two disagree", async () => {
    const serverOk = { ok: true, records: 700, checkpoints: 3 };
    const serverBad = {
      ok: false,
      records: 700,
      checkpoints: 3,
      firstBad: { seq: 512, reason: "record 512 was altered" },
    };
    const failedHere = await verifyLines(archivedLines.filter((line) => !line.includes(`"seq":${boundary + 3},`)));
    const passedHere = await verifyLines(archivedLines);
    expect(failedHere.ok).toBe(false);
    const disagree = serverVerdict(failedHere, serverOk);
    expect(disagree.agree).toBe(false);
    expect(disagree.text).not.toMatch(/\bagrees\b/);
    expect(disagree.text).toContain("disagrees with this browser");
    expect(serverVerdict(passedHere, serverBad)).toMatchObject({ agree: false });
    expect(serverVerdict(passedHere, serverBad).text).toContain("at record 512: record 512 was altered");
    expect(serverVerdict(passedHere, serverOk)).toEqual({
      agree: true,
      text: "The service's own verify agrees: 700 records, 3 checkpoints.",
    });
    expect(serverVerdict(failedHere, serverBad).text).toContain("also finds a problem");
  });
});

describe("checking one record's inclusion proof in the browser", () => {
  it("accepts the ledger's proof against its signed checkpoint, step by step", async () => {
    const checkpoint = await ledger.latestCheckpoint(partition);
    const record = await ledger.get(partition, 7);
    const proof = await ledger.inclusionProof(partition, 7, checkpoint?.size);
    const check = await checkInclusion({
      record: record as never,
      proof,
      checkpoint: checkpoint ?? null,
      verifierKey: ledger.verifierKey,
    });
    expect(check.ok).toBe(true);
    expect(check.steps.map((step) => step.label)).toEqual([
      "Record hash",
      "Proof is for this record",
      "Leaf hash",
      "Audit path",
      "Checkpoint commits to that root",
      "Checkpoint signature",
    ]);
  });

  it("fails on a record changed after it was proved, and on a record no checkpoint covers yet", async () => {
    const checkpoint = (await ledger.latestCheckpoint(partition)) ?? null;
    const record = await ledger.get(partition, 7);
    const proof = await ledger.inclusionProof(partition, 7, checkpoint?.size);
    const edited = { ...(record as object), body: { minerId: "m7", hashrateThs: "1" }, hash: undefined } as never;
    const check = await checkInclusion({ record: edited, proof, checkpoint, verifierKey: ledger.verifierKey });
    expect(check.ok).toBe(false);
    expect(check.steps.find((step) => !step.ok)?.label).toBe("Proof is for this record");
    const latest = await ledger.get(partition, 11);
    const uncovered = await checkInclusion({ record: latest as never, proof: null, checkpoint: null });
    expect(uncovered.ok).toBe(false);
    expect(uncovered.steps.at(-1)?.detail).toContain("No signed checkpoint covers this record yet");
  });

  it("builds the same root as the ledger while records stream past", async () => {
    const frontier = new Frontier();
    for await (const record of ledger.read(partition))
      await frontier.append(await leafHash(Buffer.from(record.hash, "hex")));
    expect(hexOf(await frontier.root())).toBe((await ledger.treeHead(partition)).rootHash);
  });
});

describe("checking a coordinator receipt in the browser", () => {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  const raw = publicKey.export({ format: "der", type: "spki" }).subarray(-32);
  const output = utf8("defghijk");
  const signedReceipt = async (receipt: Record<string, unknown>) => ({
    receipt,
    signature: sign(null, Buffer.from(canonicalize(receipt) as string), privateKey).toString("base64"),
    key_id: hexOf(await sha256(raw)),
    algorithm: "Ed25519",
  });

  it("accepts a receipt signed by the published key whose output hash matches the output", async () => {
    const published = { key_id: hexOf(await sha256(raw)), public_key: base64Of(raw) };
    const receipt = {
      job_id: "j1",
      miner_id: "m1",
      reward: 99,
      output_sha: hexOf(await sha256(output)),
      units: 8,
      unit_type: "tokens",
    };
    const check = await checkReceipt(await signedReceipt(receipt), published, { bytes: output, jobId: "j1" });
    expect(check.steps.filter((step) => !step.ok)).toEqual([]);
    expect(check.ok).toBe(true);
  });

  it("refuses an altered receipt, a receipt for other output, and a key that is not the published one", async () => {
    const published = { key_id: hexOf(await sha256(raw)), public_key: base64Of(raw) };
    const receipt = { job_id: "j1", reward: 99, output_sha: hexOf(await sha256(output)) };
    const signed = await signedReceipt(receipt);
    const raised = await checkReceipt({ ...signed, receipt: { ...receipt, reward: 1000 } }, published);
    expect(raised.steps.find((step) => !step.ok)?.label).toBe("Signature");
    const otherOutput = await checkReceipt(signed, published, { bytes: utf8("something else"), jobId: "j1" });
    expect(otherOutput.steps.find((step) => !step.ok)?.label).toBe("Output matches");
    const stranger = generateKeyPairSync("ed25519").publicKey.export({ format: "der", type: "spki" }).subarray(-32);
    const impostor = await checkReceipt(signed, {
      key_id: hexOf(await sha256(stranger)),
      public_key: base64Of(stranger),
    });
    expect(impostor.ok).toBe(false);
  });
});
