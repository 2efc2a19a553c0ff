// Sealed segments of the JSONL store: old record lines gzip'd under sealed/, read back byte for
// byte, proved, verified and exported as before; readers follow a writer that seals; every crash
// state a seal can leave opens cleanly, and damage to a segment is reported naming it.
import { appendFileSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import {
  exportPartition,
  LedgerCorruptError,
  openLedger,
  verifyConsistency,
  verifyExport,
  verifyInclusion,
} from "../src/index.ts";
import { JsonlBackend } from "../src/jsonl-store.ts";
import { segmentName, segmentsBelow } from "../src/sealed-segments.ts";
import { collect, lineOf, tempDir, testSigner } from "./helpers.ts";

const signer = testSigner();
const SEAL = 32 * 1024;
const P = "fleet/op";

/** A telemetry-shaped body (~1.2 KB), varying like a real miner's. */
function telemetry(i: number) {
  const miner = i % 40;
  return {
    miner: `miner-${String(miner).padStart(4, "0")}`,
    model: "Antminer S19j Pro",
    ip: `10.0.${Math.floor(miner / 250)}.${miner % 250}`,
    cycle: Math.floor(i / 40),
    hashrateThs: String(95 + ((i * 7) % 13) / 10),
    hashrateAvgThs: String(96 + ((i * 3) % 11) / 10),
    powerW: 3000 + ((i * 13) % 250),
    temps: { board: [62 + (i % 5), 63 + (i % 4), 61 + (i % 6)], chip: [75 + (i % 7), 76 + (i % 5), 74 + (i % 3)] },
    fans: [5400 + ((i * 17) % 300), 5420 + ((i * 11) % 280), 5380 + ((i * 5) % 260), 5410 + ((i * 3) % 240)],
    chains: [0, 1, 2].map((c) => ({
      index: c,
      asics: 126,
      hwErrors: (i * (c + 1)) % 9,
      freqMhz: 525 + c * 5,
      status: "ok",
      rateThs: String(31 + ((i + c) % 9) / 10),
    })),
    pool: { url: "stratum+tcp://pool.example.com:3333", user: `op.worker${miner}`, accepted: i * 3, rejected: i % 4 },
    uptimeS: 86_400 + i * 60,
    firmware: "Antminer-S19j-Pro-2023-01-15",
    errors: [],
    note: "observed by the fleet controller over the cgminer API; values as reported by the miner",
  };
}

function partitionPath(root: string): string {
  return join(root, "fleet", "op.ledger");
}

function segmentsOf(root: string): string[] {
  try {
    return readdirSync(join(partitionPath(root), "sealed")).sort();
  } catch {
    return [];
  }
}

function diskBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    total += entry.isDirectory() ? diskBytes(path) : statSync(path).size;
  }
  return total;
}

/** Appends n records (concurrently, in groups) with a checkpoint every 100; returns every stored line. */
async function fill(dir: string, n: number, lines: string[] = [], sealBytes = SEAL): Promise<string[]> {
  const ledger = await openLedger({ store: "jsonl", dir, signer, sealBytes });
  try {
    for (let i = lines.length; i < n; i += 25) {
      const group = Array.from({ length: Math.min(25, n - i) }, (_, k) =>
        ledger.append(P, "fleet.telemetry", telemetry(i + k)),
      );
      for (const record of await Promise.all(group)) lines[record.seq] = lineOf(record);
      if (Math.floor((i + 25) / 100) > Math.floor(i / 100)) await ledger.checkpoint(P);
    }
  } finally {
    await ledger.close();
  }
  return lines;
}

async function readAll(backend: JsonlBackend, options: { fromSeq?: number; toSeq?: number; reverse?: boolean } = {}) {
  return (await collect(backend.lines(P, options))).map((l) => [l.seq, l.line] as const);
}

/** Every record reads back byte for byte, point reads and blocks both ways, across each segment boundary. */
async function expectAllReadable(root: string, lines: string[]) {
  const backend = new JsonlBackend(root, () => undefined);
  try {
    expect(await backend.size(P)).toBe(lines.length);
    for (let seq = 0; seq < lines.length; seq++)
      expect((await backend.line(P, seq))?.line, `record ${seq}`).toBe(lines[seq]);
    const expected = lines.map((line, seq) => [seq, line] as const);
    expect(await readAll(backend)).toEqual(expected);
    expect(await readAll(backend, { reverse: true })).toEqual([...expected].reverse());
    for (const name of segmentsOf(root)) {
      const end = Number(name.slice(13, 25));
      const around = { fromSeq: Math.max(0, end - 5), toSeq: Math.min(lines.length - 1, end + 5) };
      const slice = expected.slice(around.fromSeq, around.toSeq + 1);
      expect(await readAll(backend, around)).toEqual(slice);
      expect(await readAll(backend, { ...around, reverse: true })).toEqual([...slice].reverse());
    }
  } finally {
    await backend.close();
  }
}

async function verifyReport(root: string) {
  const ledger = await openLedger({ store: "jsonl", dir: root, verifierKey: signer.verifierKey });
  try {
    return await ledger.verify(P);
  } finally {
    await ledger.close();
  }
}

describe("JSONL sealed segments", () => {
  it("keeps old records in gzip segments well under the raw size, each read back byte for byte, proved, verified and exported", async () => {
    using dir = tempDir();
    const lines = await fill(dir.path, 3000);
    const segments = segmentsOf(dir.path);
    expect(segments.length).toBeGreaterThan(3);
    expect(segments.every((name) => /^\d{12}-\d{12}\.jsonl\.gz$/.test(name))).toBe(true);
    const part = partitionPath(dir.path);
    // records.jsonl starts where the last segment ends, and each segment is its lines byte for byte.
    const lastEnd = Number(segments.at(-1)!.slice(13, 25));
    expect(readFileSync(join(part, "records.jsonl"), "utf8").split("\n")[0]).toBe(lines[lastEnd]);
    const raw = lines.reduce((sum, line) => sum + Buffer.byteLength(line) + 1, 0);
    expect(diskBytes(part) / raw).toBeLessThan(0.4);

    await expectAllReadable(dir.path, lines);

    const ledger = await openLedger({ store: "jsonl", dir: dir.path, signer });
    try {
      const head = await ledger.treeHead(P);
      for (let seq = 0; seq < lines.length; seq += 37)
        expect(verifyInclusion(await ledger.inclusionProof(P, seq))).toBe(true);
      for (const from of [1, 250, 1234, 2999])
        expect(verifyConsistency(await ledger.consistencyProof(P, from))).toBe(true);
      expect(head.size).toBe(3000);
      const report = await ledger.verify(P);
      expect(report.problems).toEqual([]);
      expect(report.ok).toBe(true);
      expect(report.records).toBe(3000);
      const file = join(dir.path, "op.export.jsonl");
      await exportPartition(ledger, P, file);
      const exported = readFileSync(file, "utf8")
        .split("\n")
        .filter((l) => l.startsWith('{"at":'));
      expect(exported).toEqual(lines);
      expect((await verifyExport(file, { verifierKey: signer.verifierKey })).ok).toBe(true);
    } finally {
      await ledger.close();
    }
    // The partition directory verifies offline; so does its records.jsonl (mid-chain), with the segments beside it.
    for (const parallel of [false, true]) {
      const offline = await verifyExport(part, { verifierKey: signer.verifierKey, parallel });
      expect(offline.problems).toEqual([]);
      expect(offline.ok).toBe(true);
      expect(offline.records).toBe(3000);
    }
    const bare = await verifyExport(join(part, "records.jsonl"), { verifierKey: signer.verifierKey });
    expect(bare.ok).toBe(true);
    expect(bare.records).toBe(3000);
    expect(bare.warnings.join("\n")).toMatch(/holds only the newest records of its partition/);
  });

  it("reopens as a writer (appending on) and as a reader", async () => {
    using dir = tempDir();
    const lines = await fill(dir.path, 1500);
    const before = segmentsOf(dir.path).length;
    await fill(dir.path, 2500, lines);
    expect(segmentsOf(dir.path).length).toBeGreaterThan(before);
    await expectAllReadable(dir.path, lines);
    expect((await verifyReport(dir.path)).ok).toBe(true);
  });

  it("a reader follows a writer that seals, and appends made while sealing all land in order", async () => {
    using dir = tempDir();
    const ledger = await openLedger({ store: "jsonl", dir: dir.path, signer, sealBytes: SEAL });
    const reader = new JsonlBackend(dir.path, () => undefined);
    const lines: string[] = [];
    try {
      await ledger.append(P, "fleet.telemetry", telemetry(0)).then((r) => {
        lines[r.seq] = lineOf(r);
      });
      expect(await reader.size(P)).toBe(1);
      let issued = 1;
      while (issued < 2500) {
        // Appends issued while a seal may be running: each must land at the seq its call order gives.
        const calls = Array.from({ length: 40 }, (_, k) => ledger.append(P, "fleet.telemetry", telemetry(issued + k)));
        const records = await Promise.all(calls);
        records.forEach((record, k) => {
          expect(record.seq).toBe(issued + k);
          lines[record.seq] = lineOf(record);
        });
        issued += 40;
        if (issued % 120 === 1) await ledger.checkpoint(P);
        if (issued % 200 === 1) {
          // Every append acknowledged before the read, though a seal may swap records.jsonl during it
          // (the interleaving is forced in reader-during-seal.test.ts).
          const seen = await readAll(reader);
          expect(seen.length).toBe(issued);
          for (const [seq, line] of seen) expect(line).toBe(lines[seq]);
        }
      }
      expect(segmentsOf(dir.path).length).toBeGreaterThan(3);
      expect(await readAll(reader)).toEqual(lines.map((line, seq) => [seq, line] as const));
      // The writer itself (a service reading its own ledger) reads what it sealed.
      expect(await collect(ledger.lines(P))).toEqual(lines);
      for (const seq of [0, 1, 777, 1500, 2400]) expect((await ledger.get(P, seq))?.seq).toBe(seq);
      expect(verifyInclusion(await ledger.inclusionProof(P, 5))).toBe(true);
    } finally {
      await reader.close();
      await ledger.close();
    }
    await expectAllReadable(dir.path, lines);
    expect((await verifyReport(dir.path)).ok).toBe(true);
  });

  it("never seals with sealBytes 0", async () => {
    using dir = tempDir();
    await fill(dir.path, 600, [], 0);
    expect(segmentsOf(dir.path)).toEqual([]);
  });

  it("a seal that fails (here: sealed/ cannot be made) warns once, loses nothing and fails no append", async () => {
    using dir = tempDir();
    // A file where the segments directory goes: every seal fails, as on a full disk.
    await fill(dir.path, 50);
    writeFileSync(join(partitionPath(dir.path), "sealed"), "in the way");
    const warnings: string[] = [];
    const ledger = await openLedger({
      store: "jsonl",
      dir: dir.path,
      signer,
      sealBytes: SEAL,
      onWarning: (m) => warnings.push(m),
    });
    const lines: string[] = [];
    try {
      for (let i = 50; i < 600; i += 25) {
        const group = Array.from({ length: 25 }, (_, k) => ledger.append(P, "fleet.telemetry", telemetry(i + k)));
        for (const record of await Promise.all(group)) lines[record.seq] = lineOf(record);
        await ledger.checkpoint(P);
      }
      expect(await ledger.size(P)).toBe(600);
      expect((await ledger.verify(P)).ok).toBe(true);
    } finally {
      await ledger.close();
    }
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      /^ledger partition "fleet\/op": sealing older records into .*sealed failed \(.+\); they stay in records.jsonl, uncompressed, and nothing is lost/,
    );
    expect(readFileSync(join(partitionPath(dir.path), "sealed"), "utf8")).toBe("in the way");
  });
});

describe("JSONL sealed segments after a crash or damage", () => {
  it("reads no record from two files: an overlapping or shorter leftover segment is not used, a gap stays a gap", () => {
    const seg = (from: number, to: number) => ({ from, to, name: segmentName(from, to), path: segmentName(from, to) });
    const listed = [seg(0, 10), seg(10, 15), seg(10, 20), seg(30, 40), seg(40, 50)];
    expect(segmentsBelow(listed, 40).map((s) => s.name)).toEqual(
      [seg(0, 10), seg(10, 20), seg(30, 40)].map((s) => s.name),
    );
  });

  it("a leftover temp file is ignored by readers and removed by the next writer", async () => {
    using dir = tempDir();
    const lines = await fill(dir.path, 1200);
    const temp = join(partitionPath(dir.path), "sealed", "000000001100-000000001150.jsonl.gz.tmp");
    writeFileSync(temp, "half a gzip");
    await expectAllReadable(dir.path, lines);
    expect((await verifyReport(dir.path)).ok).toBe(true);
    const warnings: string[] = [];
    const writer = await openLedger({ store: "jsonl", dir: dir.path, signer, onWarning: (m) => warnings.push(m) });
    await writer.openWriter(P);
    await writer.close();
    expect(warnings).toEqual([
      expect.stringMatching(
        /^ledger partition "fleet\/op": removed what a seal cut short by a crash left .*000000001100-000000001150\.jsonl\.gz\.tmp$/,
      ),
    ]);
    await fill(dir.path, 1300, lines);
    expect(segmentsOf(dir.path).some((name) => name.endsWith(".tmp"))).toBe(false);
    await expectAllReadable(dir.path, lines);
  });

  it("a segment written but records.jsonl not yet swapped: readers ignore the overlap, the writer removes the segment", async () => {
    using dir = tempDir();
    const lines = await fill(dir.path, 1200);
    const part = partitionPath(dir.path);
    const live = readFileSync(join(part, "records.jsonl"), "utf8");
    const first = Number(/"seq":(\d+)/.exec(live.slice(live.indexOf(',"prev":')))![1]);
    // What step 1 of a seal leaves: the live file's first 50 records gzip'd, records.jsonl unchanged.
    const prefix = lines
      .slice(first, first + 50)
      .map((l) => `${l}\n`)
      .join("");
    expect(live.startsWith(prefix)).toBe(true);
    const name = `${String(first).padStart(12, "0")}-${String(first + 50).padStart(12, "0")}.jsonl.gz`;
    // One that is not records.jsonl's prefix is not what a crash leaves: the writer never deletes it.
    writeFileSync(join(part, "sealed", name), gzipSync(prefix.replace('"miner-', '"minor-')));
    const writer = await openLedger({ store: "jsonl", dir: dir.path, signer, sealBytes: SEAL });
    await writer.openWriter(P);
    await writer.close();
    expect(segmentsOf(dir.path)).toContain(name);
    writeFileSync(join(part, "sealed", name), gzipSync(prefix));
    await expectAllReadable(dir.path, lines);
    expect((await verifyReport(dir.path)).ok).toBe(true);
    await fill(dir.path, 1250, lines);
    expect(segmentsOf(dir.path)).not.toContain(name);
    await expectAllReadable(dir.path, lines);
    expect((await verifyReport(dir.path)).ok).toBe(true);
  });

  it("rebuilds deleted index.bin and tree.bin by scanning the segments then records.jsonl", async () => {
    using dir = tempDir();
    const lines = await fill(dir.path, 1500);
    expect(segmentsOf(dir.path).length).toBeGreaterThan(3);
    const part = partitionPath(dir.path);
    const root = (await verifyReport(dir.path)).rootHash;
    rmSync(join(part, "index.bin"));
    rmSync(join(part, "tree.bin"));
    await expectAllReadable(dir.path, lines); // a reader rebuilds in memory
    const ledger = await openLedger({ store: "jsonl", dir: dir.path, signer, sealBytes: SEAL });
    try {
      await ledger.openWriter(P);
      expect((await ledger.treeHead(P)).rootHash).toBe(root);
      for (let seq = 0; seq < 1500; seq += 101) expect(verifyInclusion(await ledger.inclusionProof(P, seq))).toBe(true);
    } finally {
      await ledger.close();
    }
    expect(statSync(join(part, "index.bin")).size).toBe(1500 * 8);
    await fill(dir.path, 1600, lines);
    await expectAllReadable(dir.path, lines);
  });

  it("a torn last line after sealing is moved aside from records.jsonl at its own offset", async () => {
    using dir = tempDir();
    const lines = await fill(dir.path, 1200);
    expect(segmentsOf(dir.path).length).toBeGreaterThan(3);
    const file = join(partitionPath(dir.path), "records.jsonl");
    const size = statSync(file).size;
    appendFileSync(file, '{"at":"2026-');
    const ledger = await openLedger({ store: "jsonl", dir: dir.path, signer, sealBytes: SEAL });
    try {
      await ledger.openWriter(P);
      expect(ledger.recovered.map((r) => r.bytes)).toEqual([12]);
    } finally {
      await ledger.close();
    }
    expect(statSync(file).size).toBe(size);
    await fill(dir.path, 1300, lines);
    await expectAllReadable(dir.path, lines);
  });

  it("a flipped byte in a segment fails verify, naming the segment file", async () => {
    using dir = tempDir();
    await fill(dir.path, 1500);
    const name = segmentsOf(dir.path)[1]!;
    const path = join(partitionPath(dir.path), "sealed", name);
    const bytes = readFileSync(path);
    bytes[Math.floor(bytes.length / 2)]! ^= 0x10;
    writeFileSync(path, bytes);
    const report = await verifyReport(dir.path);
    expect(report.ok).toBe(false);
    expect(report.problems.map((p) => p.reason).join("\n")).toContain(name);
    for (const parallel of [false, true]) {
      const offline = await verifyExport(partitionPath(dir.path), { verifierKey: signer.verifierKey, parallel });
      expect(offline.ok).toBe(false);
      expect(offline.problems.map((p) => p.reason).join("\n")).toContain(name);
    }
    // A read of a record in it says the partition is damaged, naming the file.
    const backend = new JsonlBackend(dir.path, () => undefined);
    try {
      await expect(backend.line(P, Number(name.slice(0, 12)))).rejects.toThrow(name);
    } finally {
      await backend.close();
    }
  });

  it("a deleted segment fails verify, naming the missing records, and reads of them throw", async () => {
    using dir = tempDir();
    await fill(dir.path, 1500);
    const name = segmentsOf(dir.path)[1]!;
    const from = Number(name.slice(0, 12));
    const to = Number(name.slice(13, 25));
    rmSync(join(partitionPath(dir.path), "sealed", name));
    const report = await verifyReport(dir.path);
    expect(report.ok).toBe(false);
    expect(report.problems.map((p) => p.reason).join("\n")).toContain(`records ${from}..${to - 1} are missing`);
    const backend = new JsonlBackend(dir.path, () => undefined);
    try {
      await expect(backend.line(P, from)).rejects.toThrow(LedgerCorruptError);
      expect((await backend.line(P, to))?.line).toBeDefined();
    } finally {
      await backend.close();
    }
  });
});
