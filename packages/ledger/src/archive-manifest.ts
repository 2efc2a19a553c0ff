// `sealed/archived.jsonl`: one line per sealed segment moved out of a JSONL partition to an archive
// directory (jsonl-archive.ts), oldest first and contiguous from record 0. Each line carries what the
// ledger needs to go on without the segment: the hash of its last record (the next one's prev) and
// the Merkle frontier after it (what a verifier continues the tree from). A later signed checkpoint's
// root is computed over that frontier, so it vouches for the line too.
import { closeSync, fsyncSync, openSync, readFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import type { ArchivedRange } from "./backend.ts";
import { Frontier } from "./merkle.ts";
import { PRIVATE_FILE_MODE } from "./private-files.ts";
import { SEALED_DIR } from "./sealed-segments.ts";

export const MANIFEST_NAME = "archived.jsonl";

export interface ArchiveEntry {
  /** first seq of the segment */
  from: number;
  /** seq after its last record (exclusive) */
  to: number;
  /** segment file name (as in sealed/) */
  name: string;
  /** compressed size */
  bytes: number;
  /** hex sha256 of the gz file */
  sha256: string;
  /** hex hash of record to-1 */
  last_hash: string;
  /** Merkle frontier after record to-1: hex nodes, largest subtree first (size = to) */
  frontier: string[];
  archived_at: string;
  /** the archive directory as given */
  archive: string;
}

export interface Manifest {
  entries: ArchiveEntry[];
  /** records 0..boundary-1 are archived */
  boundary: number;
  /** bytes of complete lines (a torn last line after them is a write cut short) */
  completeBytes: number;
  /** total bytes of the file */
  fileBytes: number;
  /** lines that do not parse or do not continue the archived range (reported, never trusted) */
  problems: string[];
}

export function manifestPath(dir: string): string {
  return join(dir, SEALED_DIR, MANIFEST_NAME);
}

const HEX64 = /^[0-9a-f]{64}$/;

function parseEntry(line: string): ArchiveEntry | string {
  let value: Partial<ArchiveEntry>;
  try {
    value = JSON.parse(line) as Partial<ArchiveEntry>;
  } catch (error) {
    return `does not parse (${(error as Error).message})`;
  }
  return checkEntry(value);
}

/** An entry's fields checked (a manifest line, or a row of an SQL store's ledger_archived); a string says what is wrong. */
export function checkEntry(value: Partial<ArchiveEntry>): ArchiveEntry | string {
  const { from, to, name, bytes, sha256, last_hash, frontier, archived_at, archive } = value;
  if (
    !Number.isSafeInteger(from) ||
    !Number.isSafeInteger(to) ||
    (from as number) < 0 ||
    (to as number) <= (from as number)
  )
    return "has no valid from/to";
  if (typeof name !== "string" || typeof archive !== "string" || typeof archived_at !== "string")
    return "lacks name, archive or archived_at";
  if (!Number.isSafeInteger(bytes) || typeof sha256 !== "string" || !HEX64.test(sha256))
    return "has no valid bytes/sha256";
  if (typeof last_hash !== "string" || !HEX64.test(last_hash)) return "has no valid last_hash";
  if (!Array.isArray(frontier) || !frontier.every((n) => typeof n === "string" && HEX64.test(n)))
    return "has no valid frontier";
  if (frontier.length !== Frontier.refs(to as number).length)
    return `its frontier does not have the nodes of a tree of ${to}`;
  return value as ArchiveEntry;
}

/**
 * The entries that continue the archived range from record 0, in order; an entry that is malformed
 * (a string saying why) or does not continue the range is a problem, named by `label`.
 */
export function contiguousEntries(
  items: readonly { entry: ArchiveEntry | string; label: string }[],
): Pick<Manifest, "entries" | "boundary" | "problems"> {
  const entries: ArchiveEntry[] = [];
  const problems: string[] = [];
  let boundary = 0;
  for (const { entry, label } of items) {
    if (typeof entry === "string") problems.push(`${label} ${entry}`);
    else if (entry.from !== boundary) {
      // Archiving is oldest first: an entry that does not continue the range is no archive run's.
      problems.push(
        `${label} archives records ${entry.from}..${entry.to - 1}, but the archived range ended at ${boundary}`,
      );
    } else {
      entries.push(entry);
      boundary = entry.to;
    }
  }
  return { entries, boundary, problems };
}

/** Reads the manifest of a partition directory (absent: nothing archived). */
export function readManifest(dir: string): Manifest {
  let text: string;
  try {
    text = readFileSync(manifestPath(dir), "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR")
      return { entries: [], boundary: 0, completeBytes: 0, fileBytes: 0, problems: [] };
    throw error;
  }
  const complete = text.lastIndexOf("\n") + 1;
  const items = text
    .slice(0, complete)
    .split("\n")
    .map((line, i) => ({ line, label: `line ${i + 1} of ${SEALED_DIR}/${MANIFEST_NAME}` }))
    .filter(({ line }) => line.length > 0)
    .map(({ line, label }) => ({ entry: parseEntry(line), label }));
  return {
    ...contiguousEntries(items),
    completeBytes: Buffer.byteLength(text.slice(0, complete)),
    fileBytes: Buffer.byteLength(text),
  };
}

/** The manifest entry covering `seq`, if archived. */
export function entryHolding(entries: readonly ArchiveEntry[], seq: number): ArchiveEntry | undefined {
  return entries.find((e) => seq >= e.from && seq < e.to);
}

/** Appends one line and makes it durable before returning. */
export function appendManifestLine(dir: string, entry: ArchiveEntry): void {
  const line = `${JSON.stringify({
    from: entry.from,
    to: entry.to,
    name: entry.name,
    bytes: entry.bytes,
    sha256: entry.sha256,
    last_hash: entry.last_hash,
    frontier: entry.frontier,
    archived_at: entry.archived_at,
    archive: entry.archive,
  })}\n`;
  const fd = openSync(manifestPath(dir), "a", PRIVATE_FILE_MODE);
  try {
    writeSync(fd, line);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** What `ArchivedRange` says of a manifest's entries (undefined: nothing archived). */
export function rangeOf(entries: readonly ArchiveEntry[]): ArchivedRange | undefined {
  const last = entries.at(-1);
  if (!last) return undefined;
  return {
    records: last.to,
    bytes: entries.reduce((sum, e) => sum + e.bytes, 0),
    segments: entries.length,
    lastArchivedAt: last.archived_at,
    archives: [...new Set(entries.map((e) => e.archive))],
    lastArchive: last.archive,
    lastHash: last.last_hash,
    frontier: [...last.frontier],
  };
}

/** The error for a read of record `seq` (undefined: not archived). */
export function archivedError(
  partition: string,
  entries: readonly ArchiveEntry[],
  seq: number,
): RecordArchivedError | undefined {
  const boundary = entries.at(-1)?.to ?? 0;
  if (seq >= boundary) return undefined;
  const entry = entryHolding(entries, seq);
  return entry ? new RecordArchivedError(partition, seq, entry, boundary) : undefined;
}

export function entryFrontier(entry: ArchiveEntry): Frontier {
  return new Frontier(
    entry.to,
    entry.frontier.map((hex) => Buffer.from(hex, "hex")),
  );
}

/**
 * A read of a record that was moved to the archive: not damage, and not "missing". Its message names
 * no directory, since servers answer it over HTTP to their clients (a server path is nobody's business
 * there); `archive` holds the directory, and a local command adds it (withArchive).
 */
export class RecordArchivedError extends Error {
  readonly code = "RECORD_ARCHIVED";
  readonly partition: string;
  readonly seq: number;
  /** the archived run of records holding seq: from..to-1 */
  readonly from: number;
  readonly to: number;
  readonly archivedAt: string;
  readonly archive: string;

  constructor(partition: string, seq: number, entry: ArchiveEntry, boundary: number) {
    super(
      `record ${seq} of partition ${JSON.stringify(partition)} was archived on ${entry.archived_at} ` +
        `(records ${entry.from}..${entry.to - 1}, segment ${entry.name}; records 0..${boundary - 1} are archived): ` +
        "it is no longer stored here",
    );
    this.name = "RecordArchivedError";
    this.partition = partition;
    this.seq = seq;
    this.from = entry.from;
    this.to = entry.to;
    this.archivedAt = entry.archived_at;
    this.archive = entry.archive;
  }

  /** The message with the directory the record was moved to, for a local command's output. */
  withArchive(): string {
    return `${this.message} (moved to ${this.archive})`;
  }
}
