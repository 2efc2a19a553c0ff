// A reader in another process follows a JSONL writer that seals: a read that begins after appends
// were acknowledged returns them, even when the writer swaps records.jsonl while the read is under way,
// and never takes the swap for damage. The interleavings are forced: the reader's decompression of a
// segment it fell behind is held (as on a loaded machine) until the writer has sealed again; a writer
// process runs to completion right after the reader opened records.jsonl.
import { execFileSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it, vi } from "vitest";
import { openLedger } from "../src/index.ts";
import { JsonlBackend } from "../src/jsonl-store.ts";
import { collect, lineOf, tempDir, testSigner } from "./helpers.ts";

/** When armed, the next gunzip waits for `release` after calling `reached`; `afterOpen` runs once the next records.jsonl is opened for reading. */
const gate = vi.hoisted(() => ({
  armed: undefined as { reached: () => void; release: Promise<void> } | undefined,
  afterOpen: undefined as (() => void) | undefined,
}));

vi.mock("node:fs", async (importOriginal) => {
  const fs = await importOriginal<typeof import("node:fs")>();
  const openSync = (...args: Parameters<typeof fs.openSync>) => {
    const fd = fs.openSync(...args);
    const then = gate.afterOpen;
    if (then && String(args[0]).endsWith("records.jsonl") && args[1] === "r") {
      gate.afterOpen = undefined;
      then();
    }
    return fd;
  };
  return { ...fs, openSync, default: { ...fs, openSync } };
});

vi.mock("node:zlib", async (importOriginal) => {
  const zlib = await importOriginal<typeof import("node:zlib")>();
  const gunzip = (data: Buffer, done: (error: Error | null, result: Buffer) => void) => {
    const held = gate.armed;
    if (!held) return zlib.gunzip(data, done);
    gate.armed = undefined;
    held.reached();
    void held.release.then(() => zlib.gunzip(data, done));
  };
  return { ...zlib, gunzip, default: { ...zlib, gunzip } };
});

const signer = testSigner();
const P = "fleet/op";
const SEAL = 32 * 1024;
const sealWriter = fileURLToPath(new URL("./fixtures/seal-writer.ts", import.meta.url));

function segmentsOf(root: string): string[] {
  return readdirSync(join(root, "fleet", "op.ledger", "sealed")).filter((name) => name.endsWith(".jsonl.gz"));
}

/** Opens a writer and appends until `lines` holds n records (~1.1 KB each); returns the writer, open. */
async function appendUpTo(dir: string, lines: string[], n: number) {
  const writer = await openLedger({ store: "jsonl", dir, signer, sealBytes: SEAL });
  while (lines.length < n) {
    const group = Array.from({ length: Math.min(25, n - lines.length) }, (_, k) =>
      writer.append(P, "fleet.telemetry", { i: lines.length + k, note: "x".repeat(1000) }),
    );
    for (const record of await Promise.all(group)) lines[record.seq] = lineOf(record);
  }
  return writer;
}

/** The same, then a checkpoint (which starts a seal) and a close (which waits for it). */
async function sealUpTo(dir: string, lines: string[], n: number): Promise<void> {
  const writer = await appendUpTo(dir, lines, n);
  await writer.checkpoint(P);
  await writer.close();
}

/** A reader of the directory, as another process (`pithead ledger show`) has; closed when it goes out of scope. */
function openReader(root: string): JsonlBackend & AsyncDisposable {
  const reader = new JsonlBackend(root, () => undefined);
  return Object.assign(reader, { [Symbol.asyncDispose]: () => reader.close() });
}

async function readLines(reader: JsonlBackend): Promise<string[]> {
  return (await collect(reader.lines(P, {}))).map((l) => l.line);
}

describe("JSONL reader while the writer seals", () => {
  afterEach(() => {
    gate.armed = undefined;
    gate.afterOpen = undefined;
  });

  it("a read begun after appends were acknowledged returns them all, though the writer swaps records.jsonl during it", async () => {
    using dir = tempDir();
    const lines: string[] = [];
    await sealUpTo(dir.path, lines, 200);
    await using reader = openReader(dir.path);
    expect(await collect(reader.lines(P, {}))).toHaveLength(200);
    // The writer seals again: the reader is now behind a seal and must decompress a segment to catch up.
    await sealUpTo(dir.path, lines, 300);
    const sealedBefore = segmentsOf(dir.path).length;
    const writer = await appendUpTo(dir.path, lines, 400); // all 400 acknowledged

    let reached!: () => void;
    const paused = new Promise<void>((resolve) => {
      reached = resolve;
    });
    let release!: () => void;
    gate.armed = { reached, release: new Promise((resolve) => (release = resolve)) };
    const reading = collect(reader.lines(P, {}));
    await paused; // the reader has opened records.jsonl and is decompressing the segment it fell behind
    await writer.checkpoint(P);
    await writer.close(); // the seal has swapped records.jsonl
    release();
    expect(segmentsOf(dir.path).length).toBe(sealedBefore + 1);

    const seen = await reading;
    expect(seen).toHaveLength(400);
    expect(seen.map((l) => l.line)).toEqual(lines);
    // And the next read, from the files as they are now.
    expect(await readLines(reader)).toEqual(lines);
    expect(await reader.damage(P)).toBeUndefined();
  });

  it("a reader that opens records.jsonl just before another process seals and checkpoints reads what it opened, and reports no damage", async () => {
    using dir = tempDir();
    const lines: string[] = [];
    await sealUpTo(dir.path, lines, 200);
    await (await appendUpTo(dir.path, lines, 300)).close(); // acknowledged, no checkpoint yet
    // Right after the reader opens records.jsonl: 100 appends, a checkpoint and its seal (the file
    // swapped), then 10 more and a checkpoint that covers records only the new file holds.
    gate.afterOpen = () => execFileSync(process.execPath, [sealWriter, dir.path, P, "100", "10"]);
    await using reader = openReader(dir.path);
    const seen = await collect(reader.lines(P, {}));
    expect(gate.afterOpen).toBeUndefined();
    expect(seen.length).toBeGreaterThanOrEqual(300);
    expect(seen.slice(0, 300).map((l) => l.line)).toEqual(lines);
    expect((await collect(reader.lines(P, {}))).map((l) => l.seq)).toEqual(Array.from({ length: 410 }, (_, i) => i));
  });

  it("reads of one reader at once catch up with the writer once, each returning every acknowledged record", async () => {
    using dir = tempDir();
    const lines: string[] = [];
    await (await appendUpTo(dir.path, lines, 100)).close();
    await using reader = openReader(dir.path);
    expect(await collect(reader.lines(P, {}))).toHaveLength(100);
    await (await appendUpTo(dir.path, lines, 300)).close();
    const reads = await Promise.all(Array.from({ length: 3 }, () => readLines(reader)));
    for (const seen of reads) expect(seen).toEqual(lines);
    // And it goes on following the writer: what it indexed at once holds each record once.
    await (await appendUpTo(dir.path, lines, 400)).close();
    expect(await readLines(reader)).toEqual(lines);
    expect((await reader.line(P, 350))?.line).toBe(lines[350]);
  });
});
