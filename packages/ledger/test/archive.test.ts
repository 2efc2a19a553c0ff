// Archiving sealed segments: old evidence moves to another directory byte for byte, the partition
// goes on (appends, checkpoints, local reads and proofs), an archived record answers RECORD_ARCHIVED,
// verify works from the archive boundary (and from record 0 with the archive), and every crash state
// an archive run can leave is repaired by the next run or open without losing a record.
import {
  appendFileSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import Fastify from "fastify";
import { describe, expect, it } from "vitest";
import { exportPartition, ledgerRoutes, openLedger, verifyExport, verifyInclusion } from "../src/index.ts";
import { writeArchivedCopy } from "../src/jsonl-archive.ts";
import { JsonlBackend } from "../src/jsonl-store.ts";
import { collect, lineOf, rejection, tempDir, testSigner } from "./helpers.ts";

const signer = testSigner();
const SEAL = 32 * 1024;
const P = "fleet/op";
const T0 = Date.parse("2026-01-01T00:00:00.000Z");
const MINERS = 40;
/** Record i's timestamp: one poll of 40 miners every 30 s. */
const clock = (i: number) => new Date(T0 + Math.floor(i / MINERS) * 30_000);
const ARCHIVED_AT = new Date("2026-02-01T00:00:00.000Z");

function telemetry(i: number) {
  const miner = i % MINERS;
  return {
    miner: `miner-${String(miner).padStart(4, "0")}`,
    cycle: Math.floor(i / MINERS),
    hashrateThs: String(95 + ((i * 7) % 13) / 10),
    powerW: 3000 + ((i * 13) % 250),
    temps: { board: [62 + (i % 5), 63 + (i % 4)], chip: [75 + (i % 7), 76 + (i % 5)] },
    fans: [5400 + ((i * 17) % 300), 5420 + ((i * 11) % 280)],
    pool: { url: "stratum+tcp://pool.example.com:3333", user: `op.worker${miner}`, accepted: i * 3 },
    note: "observed by the fleet controller over the cgminer API; values as reported by the miner",
  };
}

const partOf = (root: string) => join(root, "fleet", "op.ledger");
const sealedOf = (root: string) => join(partOf(root), "sealed");
const archivedDir = (archive: string) => join(archive, "fleet", "op");
const segmentsOf = (root: string) =>
  existsSync(sealedOf(root))
    ? readdirSync(sealedOf(root))
        .filter((n) => n.endsWith(".jsonl.gz"))
        .sort()
    : [];

function diskBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    total += entry.isDirectory() ? diskBytes(path) : statSync(path).size;
  }
  return total;
}

/** Appends records from..n-1 (stamped by `clock`) in groups, a checkpoint every 100. */
async function fill(root: string, n: number, lines: string[] = []): Promise<string[]> {
  const ledger = await openLedger({ store: "jsonl", dir: root, signer, sealBytes: SEAL });
  try {
    for (let i = lines.length; i < n; i += 25) {
      const group = Array.from({ length: Math.min(25, n - i) }, (_, k) =>
        ledger.append(P, "fleet.telemetry", telemetry(i + k), { at: clock(i + k) }),
      );
      for (const record of await Promise.all(group)) lines[record.seq] = lineOf(record);
      if (Math.floor((i + 25) / 100) > Math.floor(i / 100)) await ledger.checkpoint(P);
    }
  } finally {
    await ledger.close();
  }
  return lines;
}

async function archive(root: string, options: { to: string; before?: Date; belowSeq?: number; dryRun?: boolean }) {
  const warnings: string[] = [];
  const ledger = await openLedger({
    store: "jsonl",
    dir: root,
    signer,
    sealBytes: SEAL,
    onWarning: (m) => warnings.push(m),
  });
  try {
    return { report: await ledger.archive!(P, { ...options, now: () => ARCHIVED_AT }), warnings };
  } finally {
    await ledger.close();
  }
}

async function verifyWith(root: string, archiveDir?: string | string[]) {
  const ledger = await openLedger({ store: "jsonl", dir: root, verifierKey: signer.verifierKey });
  try {
    return await ledger.verify(P, archiveDir ? { archive: archiveDir } : {});
  } finally {
    await ledger.close();
  }
}

async function expectArchivedError(promise: Promise<unknown>, seq: number) {
  const error = await rejection(promise);
  expect(error, `record ${seq} should be archived`).toBeDefined();
  expect(error!.code).toBe("RECORD_ARCHIVED");
  expect(error!.message).toMatch(
    new RegExp(`record ${seq} of partition "fleet/op" was archived on 2026-02-01T00:00:00.000Z`),
  );
  expect(error!.message).toMatch(/records 0\.\.\d+ are archived/);
}

function manifestLines(root: string): Record<string, unknown>[] {
  return readFileSync(join(sealedOf(root), "archived.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** Archived through a 20-minute cutoff: about the first half of 3000 records. */
async function archivedPartition(root: string, archiveDir: string) {
  const lines = await fill(root, 3000);
  const gz = new Map(segmentsOf(root).map((n) => [n, readFileSync(join(sealedOf(root), n))]));
  const cutoff = new Date(T0 + 20 * 60_000);
  const before = diskBytes(partOf(root));
  const { report } = await archive(root, { to: archiveDir, before: cutoff });
  return { lines, gz, cutoff, before, report };
}

describe("archiving sealed segments (JSONL)", () => {
  it("moves old segments byte for byte, frees their disk, and the partition goes on: appends, checkpoints, local reads and proofs; an archived seq is RECORD_ARCHIVED", async () => {
    using dir = tempDir();
    using arch = tempDir("pithead-archive-");
    const { lines, gz, cutoff, before, report } = await archivedPartition(dir.path, arch.path);
    expect(report.moved.length).toBeGreaterThan(1);
    const boundary = report.archivedTo;
    expect(report.moved[0]!.from).toBe(0);
    expect(report.records).toBe(boundary);
    // Every moved record is older than the cutoff; the first segment left holds a newer one.
    for (let seq = 0; seq < boundary; seq++) expect(clock(seq).getTime()).toBeLessThan(cutoff.getTime());
    const firstLeft = report.left[0]!;
    expect(firstLeft.reason).toMatch(/newer than the cutoff/);
    expect(clock(firstLeft.to - 1).getTime()).toBeGreaterThanOrEqual(cutoff.getTime());
    expect(report.left.at(-1)).toMatchObject({ what: "records.jsonl", reason: expect.stringMatching(/live file/) });
    // The archive holds the very same bytes; the partition's disk use dropped by them (less the manifest).
    for (const moved of report.moved) {
      expect(readFileSync(join(archivedDir(arch.path), moved.name)).equals(gz.get(moved.name)!)).toBe(true);
      expect(existsSync(join(sealedOf(dir.path), moved.name))).toBe(false);
    }
    const manifestBytes = statSync(join(sealedOf(dir.path), "archived.jsonl")).size;
    expect(before - diskBytes(partOf(dir.path))).toBe(report.bytes - manifestBytes);
    expect(manifestLines(dir.path).map((l) => [l.from, l.to, l.archive, l.archived_at])).toEqual(
      report.moved.map((m) => [m.from, m.to, arch.path, ARCHIVED_AT.toISOString()]),
    );

    // Appends and checkpoints go on; local records read back and prove against a later checkpoint.
    await fill(dir.path, 3600, lines);
    const ledger = await openLedger({ store: "jsonl", dir: dir.path, signer, sealBytes: SEAL });
    try {
      const checkpoint = await ledger.checkpoint(P);
      expect(checkpoint.size).toBe(3600);
      for (let seq = boundary; seq < 3600; seq += 97) {
        expect((await ledger.get(P, seq))?.seq).toBe(seq);
        const proof = await ledger.inclusionProof(P, seq, checkpoint.size);
        expect(proof.rootHash).toBe(checkpoint.rootHash);
        expect(verifyInclusion(proof)).toBe(true);
      }
      const local = (await collect(ledger.lines(P, { fromSeq: boundary }))).length;
      expect(local).toBe(3600 - boundary);
      for (const seq of [0, boundary - 1]) {
        await expectArchivedError(ledger.get(P, seq), seq);
        await expectArchivedError(ledger.inclusionProof(P, seq), seq);
      }
      await expectArchivedError(collect(ledger.read(P, { fromSeq: 0, limit: 5 })), 0);
      expect(await ledger.archived!(P)).toMatchObject({
        records: boundary,
        segments: report.moved.length,
        archives: [arch.path],
      });
    } finally {
      await ledger.close();
    }
  });

  it("verifies from the archive boundary without the archive, from record 0 with it, and names an altered or missing archived segment", async () => {
    using dir = tempDir();
    using arch = tempDir("pithead-archive-");
    const { report } = await archivedPartition(dir.path, arch.path);
    const b = report.archivedTo;
    const plain = await verifyWith(dir.path);
    expect(plain.problems).toEqual([]);
    expect(plain.ok).toBe(true);
    expect(plain.archived).toEqual({ records: b, checked: false });
    expect(plain.warnings.join("\n")).toMatch(new RegExp(`records 0\\.\\.${b - 1} are archived .* not checked here`));
    const full = await verifyWith(dir.path, arch.path);
    expect(full.problems).toEqual([]);
    expect(full.ok).toBe(true);
    expect(full.archived).toEqual({ records: b, checked: true });
    // The partition directory offline (as the CLI verifies it), with and without the archive.
    expect((await verifyExport(partOf(dir.path), { verifierKey: signer.verifierKey })).ok).toBe(true);
    expect((await verifyExport(partOf(dir.path), { verifierKey: signer.verifierKey, archive: arch.path })).ok).toBe(
      true,
    );

    // An archived segment altered (re-gzipped with one record changed): named, with the archive.
    const second = join(archivedDir(arch.path), report.moved[1]!.name);
    const original = readFileSync(second);
    writeFileSync(
      second,
      gzipSync(Buffer.from(gunzipSync(original).toString("latin1").replace('"powerW":3', '"powerW":4'), "latin1")),
    );
    const altered = await verifyWith(dir.path, arch.path);
    expect(altered.ok).toBe(false);
    expect(altered.problems.map((p) => p.reason).join("\n")).toContain(`archived segment ${second} was altered`);
    // ...and missing: not found, so not checked (and said where it should be), which is not damage.
    rmSync(second);
    const missing = await verifyWith(dir.path, arch.path);
    expect(missing.problems).toEqual([]);
    expect(missing.archived).toMatchObject({ records: b, checked: false });
    expect(missing.archived?.unavailable?.join("\n")).toContain(`is not in ${second}, where it was archived`);
    // Without the archive, the partition itself is still fine.
    expect((await verifyWith(dir.path)).ok).toBe(true);
    writeFileSync(second, original);
    expect((await verifyWith(dir.path, arch.path)).ok).toBe(true);
  });

  it("an archive whose directory changed between runs: the run to the new one warns once; verify and readArchived take both directories, and a segment in a directory not given or not mounted is not checked (not damage), naming where it is", async () => {
    using dir = tempDir();
    using arch = tempDir("pithead-archive-");
    const [first, second] = [join(arch.path, "old-nas"), join(arch.path, "new-nas")];
    const lines = await fill(dir.path, 3000);
    const early = await archive(dir.path, { to: first, before: new Date(T0 + 10 * 60_000) });
    expect(early.report.moved.length).toBeGreaterThan(0);
    expect(early.warnings).toEqual([]);
    const later = await archive(dir.path, { to: second, before: new Date(T0 + 20 * 60_000) });
    expect(later.report.moved.length).toBeGreaterThan(0);
    expect(later.warnings.filter((w) => w.includes("archive directory is now"))).toEqual([
      expect.stringContaining(`last archived to ${first}, and the archive directory is now ${second}`),
    ]);
    // Its segments now went there: the next run to the same directory says nothing.
    expect((await archive(dir.path, { to: second, belowSeq: 0 })).warnings).toEqual([]);
    const b = later.report.archivedTo;

    const both = await verifyWith(dir.path, [first, second]);
    expect(both.problems).toEqual([]);
    expect(both.archived).toEqual({ records: b, checked: true });
    const one = await verifyWith(dir.path, first);
    expect(one.problems).toEqual([]);
    expect(one.ok).toBe(true);
    expect(one.archived?.checked).toBe(false);
    expect(one.archived?.unavailable).toEqual(
      later.report.moved.map((m) =>
        expect.stringContaining(
          `archived segment ${m.name} (records ${m.from}..${m.to - 1}) is in ${second}, which was not given, nor in ${first}`,
        ),
      ),
    );
    const ledger = await openLedger({ store: "jsonl", dir: dir.path });
    try {
      const read = await collect(ledger.readArchived!(P, [first, second]));
      expect(read.map((r) => lineOf(r))).toEqual(lines.slice(0, b));
      const error = await rejection(collect(ledger.readArchived!(P, first)));
      expect(error?.code).toBe("ARCHIVE_UNAVAILABLE");
      expect(error?.message).toContain(`is in ${second}, which was not given`);
    } finally {
      await ledger.close();
    }
    // The new mount gone: said as such; found again where it was moved to, among the directories given.
    const moved = join(arch.path, "remounted");
    renameSync(second, moved);
    const unmounted = await verifyWith(dir.path, [first, second]);
    expect(unmounted.archived?.unavailable?.[0]).toContain(`is in ${second}, which does not exist (is it mounted?)`);
    expect((await verifyWith(dir.path, [first, moved])).archived).toEqual({ records: b, checked: true });
  });

  it("a copy to the archive that fails (a full disk) leaves no partial .tmp behind", async () => {
    using arch = tempDir("pithead-archive-");
    const name = "000000000000-000000000100.jsonl.gz";
    // The copy's .tmp is /dev/full: every write to it fails with ENOSPC, as on a full disk.
    symlinkSync("/dev/full", join(arch.path, `${name}.tmp`));
    const entry = { name, sha256: "0".repeat(64) } as Parameters<typeof writeArchivedCopy>[2];
    const error = await rejection(writeArchivedCopy(Buffer.alloc(64 * 1024, 1), arch.path, entry, `sealed/${name}`));
    expect(error?.code).toBe("ENOSPC");
    expect(readdirSync(arch.path)).toEqual([]);
  });

  it("exports (file and HTTP route) from the archive boundary, and the export verifies from there with the state its header carries", async () => {
    using dir = tempDir();
    using arch = tempDir("pithead-archive-");
    const { report, lines } = await archivedPartition(dir.path, arch.path);
    const b = report.archivedTo;
    const ledger = await openLedger({ store: "jsonl", dir: dir.path, signer });
    const file = join(dir.path, "op.export.jsonl");
    let routed: string;
    try {
      const written = await exportPartition(ledger, P, file);
      expect(written).toMatchObject({ from: b, records: lines.length - b });
      const app = Fastify();
      await app.register(ledgerRoutes, { ledger, prefix: "/v1", partitions: () => [P] });
      const response = await app.inject({ method: "GET", url: `/v1/ledger/export?partition=${encodeURIComponent(P)}` });
      await app.close();
      expect(response.statusCode, response.body).toBe(200);
      routed = response.body;
    } finally {
      await ledger.close();
    }
    const exported = readFileSync(file, "utf8").trimEnd().split("\n");
    for (const body of [exported, routed.trimEnd().split("\n")]) {
      const header = JSON.parse(body[0]!) as { from: number; records: number; archived: { lastHash: string } };
      // The header says where the file starts, and the first record is that one.
      expect(header.from).toBe(b);
      expect(header.records).toBe(lines.length);
      expect(header.archived.lastHash).toBe(manifestLines(dir.path).at(-1)!.last_hash);
      expect(body.find((l) => l.startsWith('{"at":'))).toBe(lines[b]);
    }
    const verified = await verifyExport(file, { verifierKey: signer.verifierKey });
    expect(verified.problems).toEqual([]);
    expect(verified.ok).toBe(true);
    expect(verified.records).toBe(lines.length);
    expect(verified.archived).toEqual({ records: b, checked: false });
    expect(verified.warnings.join("\n")).toMatch(
      new RegExp(`records 0\\.\\.${b - 1} are archived and not in this export`),
    );

    // The carried state is vouched for: a rewritten last hash or frontier fails.
    const forged = JSON.parse(exported[0]!) as { archived: { lastHash: string; frontier: string[] } };
    forged.archived.frontier[0] = "00".repeat(32);
    writeFileSync(file, `${[JSON.stringify(forged), ...exported.slice(1)].join("\n")}\n`);
    expect((await verifyExport(file, { verifierKey: signer.verifierKey })).ok).toBe(false);
  });

  it("fails verification, even without the archive, when the manifest's last_hash or frontier is rewritten", async () => {
    using dir = tempDir();
    using arch = tempDir("pithead-archive-");
    await archivedPartition(dir.path, arch.path);
    const manifest = join(sealedOf(dir.path), "archived.jsonl");
    const original = readFileSync(manifest, "utf8");
    const rewrite = (edit: (line: Record<string, unknown>) => void) => {
      const lines = original
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      edit(lines.at(-1)!);
      writeFileSync(manifest, `${lines.map((l) => JSON.stringify(l)).join("\n")}\n`);
    };
    const flip = (hex: string) => `${hex[0] === "0" ? "1" : "0"}${hex.slice(1)}`;
    rewrite((l) => {
      l.last_hash = flip(l.last_hash as string);
    });
    const badHash = await verifyWith(dir.path);
    expect(badHash.ok).toBe(false);
    expect(badHash.problems.map((p) => p.reason).join("\n")).toMatch(/last_hash .* sealed\/archived\.jsonl/);
    rewrite((l) => {
      const frontier = l.frontier as string[];
      frontier[0] = flip(frontier[0]!);
    });
    const badFrontier = await verifyWith(dir.path);
    expect(badFrontier.ok).toBe(false);
    expect(badFrontier.problems.map((p) => p.reason).join("\n")).toMatch(
      /do not match the stored checkpoint .*archived\.jsonl/,
    );
    writeFileSync(manifest, original);
    expect((await verifyWith(dir.path)).ok).toBe(true);
  });

  it("moves nothing newer than the cutoff, nothing a checkpoint does not cover, never the live file; a dry run moves nothing", async () => {
    using dir = tempDir();
    using arch = tempDir("pithead-archive-");
    await fill(dir.path, 3000);
    const segments = segmentsOf(dir.path);
    const early = await archive(dir.path, { to: arch.path, before: new Date(T0) });
    expect(early.report.moved).toEqual([]);
    expect(early.report.left[0]!.reason).toMatch(/newer than the cutoff/);
    const dry = await archive(dir.path, { to: arch.path, belowSeq: 1e9, dryRun: true });
    expect(dry.report.moved.length).toBe(segments.length);
    expect(segmentsOf(dir.path)).toEqual(segments);
    expect(existsSync(join(sealedOf(dir.path), "archived.jsonl"))).toBe(false);
    expect(existsSync(archivedDir(arch.path))).toBe(false);

    // Only the first checkpoints kept: segments past what they cover stay.
    const checkpoints = join(partOf(dir.path), "checkpoints.jsonl");
    const kept = readFileSync(checkpoints, "utf8").split("\n").slice(0, 8);
    writeFileSync(checkpoints, `${kept.join("\n")}\n`);
    const covered = (JSON.parse(kept.at(-1)!) as { size: number }).size;
    const { report } = await archive(dir.path, { to: arch.path, belowSeq: 1e9 });
    expect(report.moved.length).toBeGreaterThan(0);
    for (const moved of report.moved) expect(moved.to).toBeLessThanOrEqual(covered);
    expect(report.left.some((l) => /not covered by a checkpoint/.test(l.reason))).toBe(true);
    expect(report.left.at(-1)!.what).toBe("records.jsonl");
    expect(existsSync(join(partOf(dir.path), "records.jsonl"))).toBe(true);

    // belowSeq: only segments wholly below it.
    using dir2 = tempDir();
    await fill(dir2.path, 3000);
    const below = await archive(dir2.path, { to: arch.path, belowSeq: 1000 });
    for (const moved of below.report.moved) expect(moved.to).toBeLessThanOrEqual(1000);
    expect(below.report.left[0]!.reason).toMatch(/at or above seq 1000/);
  });

  it("repairs every crash state by hand: a copy without a manifest line, a manifest line whose local segment is still there, a leftover .tmp", async () => {
    using dir = tempDir();
    using arch = tempDir("pithead-archive-");
    const lines = await fill(dir.path, 3000);
    const [first, second, third] = segmentsOf(dir.path);
    // 1. Crash after the copy, before the manifest line: the local segment still counts; the copy is redone.
    mkdirSync(archivedDir(arch.path), { recursive: true });
    copyFileSync(join(sealedOf(dir.path), first!), join(archivedDir(arch.path), first!));
    writeFileSync(join(archivedDir(arch.path), `${second}.tmp`), "half a copy");
    const reader = new JsonlBackend(dir.path, () => undefined);
    try {
      expect((await reader.line(P, 0))?.line).toBe(lines[0]);
    } finally {
      await reader.close();
    }
    const { report } = await archive(dir.path, { to: arch.path, belowSeq: Number(third!.slice(0, 12)) });
    expect(report.moved.map((m) => m.name)).toEqual([first, second]);
    expect(existsSync(join(archivedDir(arch.path), `${second}.tmp`))).toBe(false);
    const b = report.archivedTo;

    // 2. Crash after the manifest line, before the local segment was deleted: the next open deletes it (the copy matches).
    copyFileSync(join(archivedDir(arch.path), second!), join(sealedOf(dir.path), second!));
    // 3. A .tmp left in the archive by a copy cut short.
    writeFileSync(join(archivedDir(arch.path), `${third}.tmp`), "half a copy");
    // A reader meanwhile reads the local records and sees the archived ones as archived.
    const reader2 = new JsonlBackend(dir.path, () => undefined);
    try {
      expect((await reader2.line(P, b))?.line).toBe(lines[b]);
      await expectArchivedError(reader2.line(P, b - 1), b - 1);
    } finally {
      await reader2.close();
    }
    const warnings: string[] = [];
    const ledger = await openLedger({ store: "jsonl", dir: dir.path, signer, onWarning: (m) => warnings.push(m) });
    try {
      await ledger.openWriter(P);
      expect(existsSync(join(sealedOf(dir.path), second!))).toBe(false);
      expect(existsSync(join(archivedDir(arch.path), `${third}.tmp`))).toBe(false);
      expect(warnings.join("\n")).toMatch(new RegExp(`deleted sealed/${second!.replace(/\./g, "\\.")}, archived to`));
      for (let seq = b; seq < 3000; seq += 211) expect((await ledger.get(P, seq))?.seq).toBe(seq);
    } finally {
      await ledger.close();
    }
    // 2b. The same, but the archived copy differs: the local one is kept (it is the only good copy).
    copyFileSync(join(archivedDir(arch.path), second!), join(sealedOf(dir.path), second!));
    const good = readFileSync(join(archivedDir(arch.path), second!));
    writeFileSync(join(archivedDir(arch.path), second!), Buffer.concat([good, Buffer.from("x")]));
    const kept: string[] = [];
    const again = await openLedger({ store: "jsonl", dir: dir.path, signer, onWarning: (m) => kept.push(m) });
    try {
      await again.openWriter(P);
    } finally {
      await again.close();
    }
    expect(existsSync(join(sealedOf(dir.path), second!))).toBe(true);
    expect(kept.join("\n")).toMatch(/missing or differs: the local copy is kept/);
    writeFileSync(join(archivedDir(arch.path), second!), good);
    // A torn manifest line (a crash while appending it): cut, and the run redone.
    appendFileSync(join(sealedOf(dir.path), "archived.jsonl"), '{"from":');
    const redo = await archive(dir.path, { to: arch.path, belowSeq: 1e9 });
    expect(redo.warnings.join("\n")).toMatch(/torn last line/);
    expect(redo.report.archivedTo).toBeGreaterThan(b);
    expect((await verifyWith(dir.path, arch.path)).ok).toBe(true);
    expect((await verifyWith(dir.path)).ok).toBe(true);
  });

  it("opens with caches rebuilt from the manifest's frontier (index.bin, tree.bin removed): local reads, appends and verify go on; a proof needing archived nodes is RECORD_ARCHIVED", async () => {
    using dir = tempDir();
    using arch = tempDir("pithead-archive-");
    const { lines, report } = await archivedPartition(dir.path, arch.path);
    const b = report.archivedTo;
    rmSync(join(partOf(dir.path), "index.bin"));
    rmSync(join(partOf(dir.path), "tree.bin"));
    // A reader first (it rebuilds in memory), then the writer.
    const reader = new JsonlBackend(dir.path, () => undefined);
    try {
      expect(await reader.size(P)).toBe(3000);
      expect((await reader.line(P, b + 1))?.line).toBe(lines[b + 1]);
    } finally {
      await reader.close();
    }
    await fill(dir.path, 3200, lines);
    const ledger = await openLedger({ store: "jsonl", dir: dir.path, signer, sealBytes: SEAL });
    try {
      const checkpoint = await ledger.checkpoint(P);
      expect(checkpoint.size).toBe(3200);
      for (let seq = b; seq < 3200; seq += 53) expect(lineOf((await ledger.get(P, seq))!)).toBe(lines[seq]);
      // The newest record's proof needs only the frontier and local nodes.
      expect(verifyInclusion(await ledger.inclusionProof(P, 3199))).toBe(true);
      // The first local record's proof needs a sibling inside the archived range unless it is a frontier node.
      const errors: string[] = [];
      for (let seq = b; seq < b + 64; seq++) {
        try {
          expect(verifyInclusion(await ledger.inclusionProof(P, seq))).toBe(true);
        } catch (error) {
          errors.push((error as { code?: string }).code ?? String(error));
        }
      }
      expect(errors.every((c) => c === "RECORD_ARCHIVED")).toBe(true);
      expect((await ledger.verify(P)).ok).toBe(true);
    } finally {
      await ledger.close();
    }
  });

  it("a reader (another backend) that read old records follows the writer's archiving", async () => {
    using dir = tempDir();
    using arch = tempDir("pithead-archive-");
    const lines = await fill(dir.path, 3000);
    const reader = new JsonlBackend(dir.path, () => undefined);
    try {
      expect((await reader.line(P, 0))?.line).toBe(lines[0]);
      const { report } = await archive(dir.path, { to: arch.path, before: new Date(T0 + 20 * 60_000) });
      const b = report.archivedTo;
      await expectArchivedError(reader.line(P, 0), 0);
      await expectArchivedError(reader.line(P, b - 1), b - 1);
      expect((await reader.line(P, b))?.line).toBe(lines[b]);
      expect((await collect(reader.lines(P, { fromSeq: b }))).map((l) => l.line)).toEqual(lines.slice(b));
      expect(await reader.archivedRange(P)).toMatchObject({ records: b });
    } finally {
      await reader.close();
    }
  });
});
