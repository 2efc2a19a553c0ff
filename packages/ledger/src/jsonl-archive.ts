// Moving a JSONL partition's oldest sealed segments to an archive directory
// (`<archive>/<partition>/<segment name>`, the same gz bytes), recorded in sealed/archived.jsonl
// (archive-manifest.ts). Each segment moves in crash-safe steps:
//   1. copy to `<name>.tmp` in the archive, fsync, rename, fsync the directory (durable-file.ts);
//   2. re-read the archived copy and compare its sha256 with the local file's;
//   3. append the manifest line (fsynced);
//   4. delete the local segment, fsync sealed/.
// A crash leaves every record in at least one place: before 3 the local segment is the record (a copy
// in the archive is overwritten by the next run); after 3 the next writer's open deletes the local
// copy only once the archived one matches the manifest's sha256 (repairArchive).
// The plan (archiveRun: which segments qualify, the chain and frontier each continues) and steps 1-2
// (writeArchivedCopy) serve the SQL stores too (sql-archive.ts), so every store writes the same files.
import { createHash } from "node:crypto";
import { closeSync, existsSync, fsyncSync, ftruncateSync, openSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { type ArchiveDirs, ArchiveUnavailableError, archiveDirList, locateArchivedSegment } from "./archive-locate.ts";
import {
  type ArchiveEntry,
  appendManifestLine,
  entryFrontier,
  type Manifest,
  manifestPath,
} from "./archive-manifest.ts";
import { LedgerCorruptError } from "./backend.ts";
import { writeFileDurably } from "./durable-file.ts";
import { sha256, ZERO_HASH_HEX } from "./hash.ts";
import { fsyncDir } from "./jsonl-seal.ts";
import { Frontier, leafHash, type NodeRef } from "./merkle.ts";
import { recordLineLayout } from "./record-line.ts";
import { gunzipFile, SEALED_DIR, type Segment } from "./sealed-segments.ts";

export interface ArchiveOptions {
  /** the archive directory */
  to: string;
  /** move segments whose every record is older than this */
  before?: Date;
  /** move segments whose every record is below this seq */
  belowSeq?: number;
  /** say what would move; move nothing */
  dryRun?: boolean;
  /** clock for archived_at */
  now?: () => Date;
  /** SQLite and PostgreSQL: records per archived segment, a power of two (default SQL_SEGMENT_RECORDS, 4096) */
  segmentRecords?: number;
  /**
   * SQLite and PostgreSQL: runs each segment's one database transaction (default: at once). A service
   * whose own writer shares the database passes its "between write batches" runner.
   */
  transact?: (commit: () => Promise<void>) => Promise<void>;
}

export interface ArchiveReport {
  partition: string;
  archive: string;
  dryRun: boolean;
  /** segments moved (or, on a dry run, that would move) */
  moved: { from: number; to: number; name: string; bytes: number }[];
  records: number;
  bytes: number;
  /** what stays, and why: segments (by name) and the live file */
  left: { what: string; from: number; to: number; reason: string }[];
  /** records 0..archivedTo-1 are in the archive after this run */
  archivedTo: number;
}

/** Where a partition's archived segments go: `<archive>/<partition>/`. */
export function archivedSegmentDir(archive: string, partition: string): string {
  return join(archive, ...partition.split("/"));
}

export function sha256Hex(data: Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

function fileSha256(path: string): string | undefined {
  try {
    return sha256Hex(readFileSync(path));
  } catch {
    return undefined;
  }
}

async function fileSha256Async(path: string): Promise<string | undefined> {
  try {
    return sha256Hex(await readFile(path));
  } catch {
    return undefined;
  }
}

/** Removes `.tmp` leftovers of step 1 in a partition's archive directory. Returns what it removed. */
export function removeArchiveTemps(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    if (!name.endsWith(".tmp")) continue;
    rmSync(join(dir, name), { force: true });
    removed.push(join(dir, name));
  }
  if (removed.length > 0) fsyncDir(dir);
  return removed;
}

/**
 * A writer's open (and each archive run): finishes what a crash left after step 3 (a manifest line
 * whose local segment is still there: deleted only if the archived copy matches the line's sha256,
 * else kept and reported) and removes step-1 temp files in the archive. A torn manifest line (a crash
 * during step 3: the local segment is still there) is cut. Returns one message per repair.
 */
export function repairArchive(dir: string, partition: string, manifest: Manifest): string[] {
  const said: string[] = [];
  const label = `ledger partition ${JSON.stringify(partition)}`;
  if (manifest.fileBytes > manifest.completeBytes) {
    const fd = openSync(manifestPath(dir), "r+");
    try {
      ftruncateSync(fd, manifest.completeBytes);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    said.push(
      `${label}: cut a torn last line of ${SEALED_DIR}/archived.jsonl (an archive step a crash cut short; its segment is still here)`,
    );
  }
  let deleted = false;
  for (const entry of manifest.entries) {
    const local = join(dir, SEALED_DIR, entry.name);
    if (!existsSync(local)) continue;
    const archived = join(archivedSegmentDir(entry.archive, partition), entry.name);
    if (fileSha256(archived) === entry.sha256) {
      rmSync(local, { force: true });
      deleted = true;
      said.push(
        `${label}: deleted ${SEALED_DIR}/${entry.name}, archived to ${archived} before a crash (its copy there matches)`,
      );
    } else {
      said.push(
        `${label}: ${SEALED_DIR}/${entry.name} is archived in the manifest, but ${archived} is missing or differs: the local copy is kept`,
      );
    }
  }
  if (deleted) fsyncDir(join(dir, SEALED_DIR));
  for (const archive of new Set(manifest.entries.map((e) => e.archive))) {
    for (const path of removeArchiveTemps(archivedSegmentDir(archive, partition)))
      said.push(`${label}: removed ${path}, a copy to the archive a crash cut short`);
  }
  return said;
}

/** What the lines of a segment say, checked against the chain it continues. */
interface SegmentFacts {
  newestAt: string;
  lastHash: string;
  frontier: Frontier;
}

/** Reads a segment's records: each continues the chain from `prevHash` and `frontier` (cloned). */
function segmentFacts(
  data: Buffer,
  segment: ArchiveCandidate,
  prevHash: string,
  start: Frontier,
  partition: string,
): SegmentFacts {
  const frontier = start.clone();
  let prev = prevHash;
  let newestAt = "";
  let seq = segment.from;
  for (let lineStart = 0, nl = data.indexOf(0x0a); nl >= 0; lineStart = nl + 1, nl = data.indexOf(0x0a, lineStart)) {
    const layout = recordLineLayout(data, lineStart, nl);
    const bad = (why: string) =>
      new LedgerCorruptError(
        partition,
        `${segment.what} cannot be archived: ${why}; run \`pithead ledger verify\` on the ledger`,
      );
    if (typeof layout === "string") throw bad(`record ${seq} is malformed: ${layout}`);
    if (layout.seq !== seq) throw bad(`expected record ${seq}, found ${layout.seq}`);
    if (data.toString("latin1", layout.prevStart, layout.prevStart + 64) !== prev)
      throw bad(`the prev of record ${seq} does not match the record before it`);
    // A canonical line starts {"at":"<24 chars>": ISO-8601 UTC of one width compares as text.
    const at = data.toString("latin1", lineStart + 7, lineStart + 31);
    if (at > newestAt) newestAt = at;
    const hash = sha256(data.subarray(lineStart, nl));
    frontier.push(leafHash(hash));
    prev = hash.toString("hex");
    seq++;
  }
  if (seq !== segment.to) {
    throw new LedgerCorruptError(
      partition,
      `${segment.what} should hold records ${segment.from}..${segment.to - 1} but ends after record ${seq - 1}; run \`pithead ledger verify\` on the ledger`,
    );
  }
  return { newestAt, lastHash: prev, frontier };
}

/** A run of records an archive run may move as one gzip file. */
export interface ArchiveCandidate {
  from: number;
  /** exclusive */
  to: number;
  /** the archived file's name (segmentName) */
  name: string;
  /** how the report and errors name it (`sealed/<name>`, `records 0..4095`) */
  what: string;
}

/**
 * The store's side of an archive run (JSONL: its sealed segments; SQLite and PostgreSQL: rows cut into
 * segments, sql-archive.ts); archiveRun does the rest the same for all.
 */
export interface ArchiveSource {
  partition: string;
  /** in order, the first starting at the archived boundary */
  candidates: readonly ArchiveCandidate[];
  /** what is archived already */
  entries: readonly ArchiveEntry[];
  /** the most records a stored checkpoint covers */
  covered: number;
  /** A candidate's record lines, each ending in a newline: what its gzip file holds. */
  lines(candidate: ArchiveCandidate): Promise<Buffer>;
  /** Its gzip file's bytes (the lines read above). */
  gzip(candidate: ArchiveCandidate, lines: Buffer): Promise<Buffer>;
  /** Stored tree nodes (undefined: not held), a cross-check of the frontier computed from the lines. */
  nodes(refs: readonly NodeRef[]): Promise<(Buffer | undefined)[]>;
  /** where those nodes are kept, for the error */
  treeLabel: string;
  /** Moves one candidate (its gzip bytes given) to `<archive>/<partition>/`, and records it. */
  move(entry: ArchiveEntry, gz: Buffer, target: string): Promise<void>;
  /** what stays after the candidates, and why (JSONL: records.jsonl) */
  rest?: ArchiveReport["left"][number];
}

export interface ArchiveState {
  partition: string;
  dir: string;
  /** the local sealed segments in use, in order (the first starts at the archived boundary) */
  segments: readonly Segment[];
  /** what is archived already */
  entries: readonly ArchiveEntry[];
  /** the most records a stored checkpoint covers */
  covered: number;
  /** records.jsonl starts here; the partition has `size` records */
  liveFrom: number;
  size: number;
  /** a tree node from tree.bin, if it holds one (a cross-check of the frontier computed from the segment) */
  node: (ref: NodeRef) => Buffer | undefined;
  /** after each segment moved (the caller drops it from what it reads) */
  moved: (entry: ArchiveEntry) => void;
}

/** Plans and (unless a dry run) moves a JSONL partition's oldest sealed segments that qualify, one at a time, oldest first. */
export function archiveSegments(state: ArchiveState, options: ArchiveOptions): Promise<ArchiveReport> {
  const path = (candidate: ArchiveCandidate) => join(state.dir, SEALED_DIR, candidate.name);
  return archiveRun(
    {
      partition: state.partition,
      candidates: state.segments.map((s) => ({
        from: s.from,
        to: s.to,
        name: s.name,
        what: `${SEALED_DIR}/${s.name}`,
      })),
      entries: state.entries,
      covered: state.covered,
      lines: (candidate) => gunzipFile(path(candidate)),
      gzip: (candidate) => readFile(path(candidate)),
      nodes: async (refs) => refs.map((ref) => state.node(ref)),
      treeLabel: "tree.bin",
      move: (entry, gz, target) => moveOne(state, gz, target, entry),
      ...(state.size > state.liveFrom
        ? {
            rest: {
              what: "records.jsonl",
              from: state.liveFrom,
              to: state.size,
              reason: "the live file (never archived; its records are sealed first)",
            },
          }
        : {}),
    },
    options,
  );
}

/** Plans and (unless a dry run) moves the oldest candidates that qualify, one at a time, oldest first. */
export async function archiveRun(source: ArchiveSource, options: ArchiveOptions): Promise<ArchiveReport> {
  const { partition } = source;
  const dryRun = options.dryRun === true;
  const cutoff = options.before?.toISOString();
  const target = archivedSegmentDir(options.to, partition);
  if (!dryRun) removeArchiveTemps(target);
  const report: ArchiveReport = {
    partition,
    archive: options.to,
    dryRun,
    moved: [],
    records: 0,
    bytes: 0,
    left: [],
    archivedTo: source.entries.at(-1)?.to ?? 0,
  };
  const last = source.entries.at(-1);
  let prevHash = last?.last_hash ?? ZERO_HASH_HEX;
  let frontier = last ? entryFrontier(last) : new Frontier();
  /** The first candidate that stays: every later one stays too (archived records are contiguous from 0). */
  let stays: string | undefined;
  for (const candidate of source.candidates) {
    const range = { what: candidate.what, from: candidate.from, to: candidate.to };
    let reason: string | undefined;
    if (candidate.to > source.covered)
      reason = `not covered by a checkpoint (checkpoints cover records 0..${source.covered - 1})`;
    else if (options.belowSeq !== undefined && candidate.to > options.belowSeq)
      reason = `holds records at or above seq ${options.belowSeq}`;
    else if (stays !== undefined)
      reason = `follows ${stays}, which stays (archived records stay contiguous from record 0)`;
    let facts: SegmentFacts | undefined;
    let lines: Buffer | undefined;
    if (reason === undefined) {
      lines = await source.lines(candidate);
      facts = segmentFacts(lines, candidate, prevHash, frontier, partition);
      if (cutoff !== undefined && facts.newestAt >= cutoff)
        reason = `newer than the cutoff ${cutoff} (its newest record is of ${facts.newestAt})`;
    }
    if (reason !== undefined || facts === undefined || lines === undefined) {
      stays ??= range.what;
      report.left.push({ ...range, reason: reason ?? "not archived" });
      continue;
    }
    await crossCheck(source, candidate, facts.frontier);
    const bytes = await source.gzip(candidate, lines);
    const entry: ArchiveEntry = {
      from: candidate.from,
      to: candidate.to,
      name: candidate.name,
      bytes: bytes.length,
      sha256: sha256Hex(bytes),
      last_hash: facts.lastHash,
      frontier: facts.frontier.nodes.map((n) => n.toString("hex")),
      archived_at: (options.now?.() ?? new Date()).toISOString(),
      archive: options.to,
    };
    if (!dryRun) await source.move(entry, bytes, target);
    report.moved.push({ from: entry.from, to: entry.to, name: entry.name, bytes: entry.bytes });
    report.records += entry.to - entry.from;
    report.bytes += entry.bytes;
    report.archivedTo = entry.to;
    prevHash = facts.lastHash;
    frontier = facts.frontier;
  }
  if (source.rest) report.left.push(source.rest);
  return report;
}

/** The frontier computed from the lines must be the one the store's tree holds (which a checkpoint vouches for). */
async function crossCheck(source: ArchiveSource, candidate: ArchiveCandidate, frontier: Frontier): Promise<void> {
  const cached = await source.nodes(Frontier.refs(candidate.to));
  for (const [i, node] of cached.entries()) {
    if (node && !node.equals(frontier.nodes[i]!)) {
      throw new LedgerCorruptError(
        source.partition,
        `${candidate.what} cannot be archived: its records do not give the tree ${source.treeLabel} holds; run \`pithead ledger verify\` on the ledger`,
      );
    }
  }
}

/**
 * Steps 1 and 2 (every store): the gzip bytes to `<target>/<name>` durably, then read back and
 * compared with `sha256` (a mismatch deletes the copy and fails the run: nothing was archived).
 */
export async function writeArchivedCopy(
  bytes: Buffer,
  target: string,
  entry: ArchiveEntry,
  what: string,
): Promise<void> {
  const archived = join(target, entry.name);
  // Through `<name>.tmp`, which removeArchiveTemps clears if a crash leaves it.
  await writeFileDurably(archived, bytes);
  const copy = await fileSha256Async(archived);
  if (copy !== entry.sha256) {
    rmSync(archived, { force: true });
    throw new Error(
      `the copy of ${what} at ${archived} does not read back as written (sha256 ${copy ?? "unreadable"}); nothing was archived`,
    );
  }
}

/** Steps 1 to 4 for one segment. */
async function moveOne(state: ArchiveState, bytes: Buffer, target: string, entry: ArchiveEntry): Promise<void> {
  await writeArchivedCopy(bytes, target, entry, `${SEALED_DIR}/${entry.name}`);
  const created = !existsSync(manifestPath(state.dir));
  appendManifestLine(state.dir, entry);
  if (created) fsyncDir(join(state.dir, SEALED_DIR));
  rmSync(join(state.dir, SEALED_DIR, entry.name));
  fsyncDir(join(state.dir, SEALED_DIR));
  state.moved(entry);
}

/**
 * The record lines of a partition's archived segments, read from the archive (one directory or
 * several, archive-locate.ts), in order. Each segment is checked against the manifest's sha256 first:
 * an altered one throws LedgerCorruptError, one in none of the directories ArchiveUnavailableError.
 */
export async function* archivedLines(
  manifestLabel: string,
  partition: string,
  entries: readonly ArchiveEntry[],
  archive: ArchiveDirs,
): AsyncIterable<{ seq: number; line: string }> {
  const dirs = archiveDirList(archive);
  for (const entry of entries) {
    const found = locateArchivedSegment(dirs, entry, (dir) => archivedSegmentDir(dir, partition));
    if ("unavailable" in found) throw new ArchiveUnavailableError(partition, found.unavailable);
    const { path } = found;
    let bytes: Buffer;
    try {
      bytes = await readFile(path);
    } catch (error) {
      throw new LedgerCorruptError(
        partition,
        `archived segment ${path} (records ${entry.from}..${entry.to - 1}) cannot be read: ${(error as Error).message}`,
      );
    }
    if (sha256Hex(bytes) !== entry.sha256)
      throw new LedgerCorruptError(
        partition,
        `archived segment ${path} was altered: its sha256 is not the one ${manifestLabel} gives`,
      );
    const data = gunzipSync(bytes);
    let seq = entry.from;
    for (let start = 0, nl = data.indexOf(0x0a); nl >= 0; start = nl + 1, nl = data.indexOf(0x0a, start))
      yield { seq: seq++, line: data.toString("utf8", start, nl) };
  }
}
