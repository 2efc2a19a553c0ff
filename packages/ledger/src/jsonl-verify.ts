// Verifying a JSONL partition from its files: checkpoints.jsonl, then each sealed segment's lines in
// order, then records.jsonl, all fed to one ChainVerifier; and the second pass that resolves
// citations by hash. Used by the store's verify and by verifyExport for a store's files.

import { closeSync, existsSync, fstatSync, openSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { ArchiveDirs } from "./archive-locate.ts";
import { readManifest } from "./archive-manifest.ts";
import type { ChainVerifier } from "./chain-verifier.ts";
import { sha256 } from "./hash.ts";
import { feedArchivedPrefix } from "./jsonl-verify-archive.ts";
import { forEachLine } from "./line-reader.ts";
import { recordLineLayout } from "./record-line.ts";
import { type InspectedPieces, scanGzipFiles, scanLines } from "./scan-lines.ts";
import {
  firstSeqOf,
  gunzipFile,
  listSegments,
  SEALED_DIR,
  type Segment,
  segmentLabel,
  segmentsBelow,
} from "./sealed-segments.ts";

/** Feeds a records file and its checkpoints file (either may be absent) to a verifier. */
export async function verifyJsonlFiles(
  recordsFile: string,
  checkpointsFile: string,
  verifier: ChainVerifier,
  options: { onProgress?: (done: number, total: number) => void; parallel?: boolean } = {},
): Promise<void> {
  await feedCheckpoints(checkpointsFile, verifier);
  if (!existsSync(recordsFile)) return;
  await feedLiveFile(recordsFile, verifier, options);
  await resolveCitationsByScan(recordsFile, verifier);
}

type ScanOptions = { onProgress?: (done: number, total: number) => void; parallel?: boolean };

/** A partition's directory: with `archive`, its archived segments are read from `<archive>/<partition>/`. */
type PartitionOptions = ScanOptions & { archive?: ArchiveDirs; partition?: string };

async function feedLiveFile(recordsFile: string, verifier: ChainVerifier, options: ScanOptions): Promise<void> {
  const result = await scanLines(recordsFile, (lines) => verifier.accept(lines), options);
  if (result.tornBytes > 0) {
    verifier.warn(
      `the last ${result.tornBytes} bytes are a torn line (an append that was never acknowledged); ignored`,
    );
  }
}

/**
 * Feeds a partition directory to a verifier: its checkpoints, then each sealed segment's lines in
 * order, then records.jsonl, all to the same chain. A segment that cannot be decompressed, or whose
 * lines do not continue the chain, is a problem naming the segment's file.
 */
export async function verifyJsonlPartition(
  dir: string,
  verifier: ChainVerifier,
  options: PartitionOptions = {},
): Promise<void> {
  await feedCheckpoints(join(dir, "checkpoints.jsonl"), verifier);
  // Records moved to an archive come first (jsonl-verify-archive.ts): read there, or continued past.
  const manifest = readManifest(dir);
  const archived = await feedArchivedPrefix(
    dir,
    manifest,
    verifier,
    {
      ...(options.archive !== undefined ? { archive: options.archive } : {}),
      ...(options.partition !== undefined ? { partition: options.partition } : {}),
      ...(options.parallel !== undefined ? { parallel: options.parallel } : {}),
    },
    (segment, label, found) => acceptSegment(segment, found, verifier, label),
  );
  const boundary = manifest.boundary;
  const recordsFile = join(dir, "records.jsonl");
  let liveFirst: number | undefined;
  let liveSize = 0;
  let liveIno = -1;
  let exists = true;
  // Held open to the end: a replaced records.jsonl's inode cannot be reused meanwhile, so the check
  // below that the writer sealed under this verify cannot be fooled by a new file with the old number.
  let heldFd: number | undefined;
  try {
    heldFd = openSync(recordsFile, "r");
    liveFirst = firstSeqOf(heldFd);
    const stat = fstatSync(heldFd);
    liveSize = stat.size;
    liveIno = stat.ino;
  } catch (error) {
    if (heldFd !== undefined) closeSync(heldFd);
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    exists = false;
    heldFd = undefined;
  }
  // The records file opened above, read through its descriptor where the system names one (Linux): the
  // segments listed after that open hold every record below it, so a seal meanwhile moves nothing unseen.
  const fdPath = heldFd === undefined ? undefined : `/proc/self/fd/${heldFd}`;
  const liveFile = fdPath !== undefined && existsSync(fdPath) ? fdPath : recordsFile;
  try {
    await feedListedFiles();
  } finally {
    if (heldFd !== undefined) closeSync(heldFd);
  }
  async function feedListedFiles(): Promise<void> {
    // Listed after records.jsonl was read: a seal between the two leaves an overlapping segment, ignored.
    const all = listSegments(dir);
    const liveFrom = liveFirst ?? Math.max(all.at(-1)?.to ?? 0, boundary);
    const below = segmentsBelow(all, liveFrom);
    // One archived and still here: an archive run a crash cut short (the next writer deletes it).
    for (const s of below.filter((s) => s.from < boundary))
      verifier.warn(`${segmentLabel(s)} is archived and still here (an archive run cut short); it was not read`);
    const segments = below.filter((s) => s.from >= boundary);
    const sealedBytes = segments.reduce((sum, s) => sum + statSync(s.path).size, 0);
    const total = sealedBytes + liveSize;
    let listedEnd = boundary;
    for (const segment of segments) {
      if (segment.from > listedEnd) verifier.warn(`no sealed segment holds records ${listedEnd}..${segment.from - 1}`);
      listedEnd = segment.to;
    }
    const sizes = segments.map((s) => statSync(s.path).size);
    let done = 0;
    await scanGzipFiles(
      segments.map((s) => s.path),
      (i, found) => {
        acceptSegment(segments[i]!, found, verifier);
        done += sizes[i]!;
        options.onProgress?.(done, total);
      },
      options.parallel ?? sealedBytes >= PARALLEL_SEALED_BYTES,
    );
    if (exists) {
      const onProgress = options.onProgress;
      await feedLiveFile(liveFile, verifier, {
        ...options,
        ...(onProgress ? { onProgress: (d: number) => onProgress(done + d, total) } : {}),
      });
    }
    await resolveCitationsByScan(liveFile, verifier, undefined, [...archived.read, ...segments]);
    if (exists && liveFile === recordsFile && inodeOf(recordsFile) !== liveIno) {
      verifier.warn(
        "the writer sealed records while this verify ran (records.jsonl was replaced): records reported missing may only have moved; verify again",
      );
    }
  }
}

function inodeOf(path: string): number {
  try {
    return statSync(path).ino;
  } catch {
    return -1;
  }
}

/** Compressed bytes of segments (some 6x more lines) above which inspecting them on worker threads repays starting them. */
const PARALLEL_SEALED_BYTES = 2 << 20;

/** Feeds one segment's inspected lines; a segment that cannot be read or does not continue the chain is named. */
export function acceptSegment(
  segment: Segment,
  found: InspectedPieces | Error,
  verifier: ChainVerifier,
  label = segmentLabel(segment),
): void {
  const kind = label.startsWith(`${SEALED_DIR}/`) ? "sealed" : "archived";
  const range = `records ${segment.from}..${segment.to - 1}`;
  if (found instanceof Error) {
    verifier.flag(segment.from, `${kind} segment ${label} cannot be read (${found.message}): ${range} are not checked`);
    return;
  }
  // Records missing before this segment (reported by the verifier when its first line arrives) are not its fault.
  const gapBefore = verifier.nextSeq < segment.from;
  const problemsBefore = verifier.problemCount + (gapBefore ? 1 : 0);
  for (const lines of found.pieces) verifier.accept(lines);
  if (found.tornBytes > 0)
    verifier.flag(verifier.nextSeq, `${kind} segment ${label} ends with a cut line of ${found.tornBytes} bytes`);
  if (verifier.problemCount > problemsBefore || verifier.nextSeq !== segment.to) {
    verifier.flag(
      segment.from,
      `${kind} segment ${label} should hold ${range} continuing the chain, and does not (see the problems about those records)`,
    );
  }
}

/** Feeds the checkpoints of a checkpoints.jsonl (absent: none). */
async function feedCheckpoints(checkpointsFile: string, verifier: ChainVerifier): Promise<void> {
  let checkpointsText = "";
  try {
    checkpointsText = await readFile(checkpointsFile, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  const lines = checkpointsText.split("\n");
  if (lines.at(-1) !== "") verifier.warn("checkpoints.jsonl ends with a torn line; it was ignored");
  for (const [i, line] of lines.slice(0, -1).entries()) {
    let note: unknown;
    try {
      note = (JSON.parse(line) as { note?: unknown }).note;
    } catch {
      note = undefined;
    }
    if (typeof note === "string") verifier.checkpoint(note, "stored");
    else verifier.checkpoint(`malformed line ${i + 1} of checkpoints.jsonl`, "stored");
  }
}

/** Second pass for citations by hash: hashes each line until every cited hash has been seen. */
export async function resolveCitationsByScan(
  file: string,
  verifier: ChainVerifier,
  isRecord?: (buf: Buffer, start: number) => boolean,
  segments: readonly Segment[] = [],
): Promise<void> {
  const wanted = new Set(verifier.unresolvedCitations.map((c) => c.hash));
  if (wanted.size === 0) return;
  const found = new Map<string, number>();
  let position = 0;
  const onLine = (buf: Buffer, start: number, end: number) => {
    if (isRecord && !isRecord(buf, start)) return;
    if (found.size < wanted.size) {
      const hex = sha256(buf.subarray(start, end)).toString("hex");
      if (wanted.has(hex) && !found.has(hex)) {
        // The record's own seq, which citations are compared with (not its position: one may be missing).
        const layout = recordLineLayout(buf, start, end);
        found.set(hex, typeof layout === "string" ? position : layout.seq);
      }
    }
    position++;
  };
  await forEachSegmentLine(segments, onLine, () => found.size >= wanted.size);
  if (existsSync(file)) await forEachLine(file, onLine);
  verifier.resolveCitations((hash) => found.get(hash));
}

/** Each line of the segments, in order, until `done` (a segment that cannot be read is skipped: the verify pass names it). */
async function forEachSegmentLine(
  segments: readonly Segment[],
  onLine: (buf: Buffer, start: number, end: number) => void,
  done: () => boolean,
): Promise<void> {
  for (const segment of segments) {
    if (done()) return;
    let data: Buffer;
    try {
      data = await gunzipFile(segment.path);
    } catch {
      continue;
    }
    for (let start = 0, nl = data.indexOf(0x0a); nl >= 0; start = nl + 1, nl = data.indexOf(0x0a, start)) {
      onLine(data, start, nl);
    }
  }
}

/** The seqs of the records with these hashes among the segments' lines (citations by hash of archived records). */
export async function seqsOfHashesIn(
  segments: readonly Segment[],
  wanted: ReadonlySet<string>,
): Promise<Map<string, number>> {
  const found = new Map<string, number>();
  await forEachSegmentLine(
    segments,
    (buf, start, end) => {
      const hex = sha256(buf.subarray(start, end)).toString("hex");
      if (!wanted.has(hex)) return;
      const layout = recordLineLayout(buf, start, end);
      if (typeof layout !== "string") found.set(hex, layout.seq);
    },
    () => found.size >= wanted.size,
  );
  return found;
}
