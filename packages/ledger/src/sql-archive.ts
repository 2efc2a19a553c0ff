// Archiving an SQLite or PostgreSQL partition's old records: its rows are cut into segments of a
// fixed power-of-two number of records, and each segment moves to `<archive>/<partition>/<name>` as
// the very gzip file a JSONL partition's sealed segment is (same lines, naming and gzip level), listed
// in table ledger_archived (what sealed/archived.jsonl is for JSONL). The store gives its dialect's
// queries (SqlArchiveStore); the plan and the file steps are jsonl-archive.ts's. Per segment:
//   1. gzip its lines to `<name>.tmp` in the archive, fsync, rename, fsync the directory;
//   2. re-read the file and compare its sha256;
//   3. ONE transaction inserts the manifest row and deletes the segment's rows of ledger_records.
// A crash before 3 leaves every record in the database (the next run writes the file over the copy);
// after it, the segment is archived. ledger_nodes keeps every subtree of level >= 1 and the boundary is
// a multiple of the segment size, so a proof of records at or after it needs no deleted leaf.

import { promisify } from "node:util";
import { gzip } from "node:zlib";
import type { ArchiveDirs } from "./archive-locate.ts";
import {
  type ArchiveEntry,
  archivedError,
  checkEntry,
  contiguousEntries,
  type Manifest,
  type RecordArchivedError,
  rangeOf,
} from "./archive-manifest.ts";
import {
  type ArchivedRange,
  type Checkpoint,
  LedgerCorruptError,
  type ReadOptions,
  type StoredLine,
} from "./backend.ts";
import type { ChainVerifier } from "./chain-verifier.ts";
import {
  type ArchiveOptions,
  type ArchiveReport,
  archivedLines,
  archiveRun,
  writeArchivedCopy,
} from "./jsonl-archive.ts";
import { acceptSegment, seqsOfHashesIn } from "./jsonl-verify.ts";
import { feedArchivedPrefix } from "./jsonl-verify-archive.ts";
import type { NodeRef } from "./merkle.ts";
import { refKey } from "./proof-plan.ts";
import { SEGMENT_GZIP_LEVEL, segmentName } from "./sealed-segments.ts";
import { rowCountDamage } from "./sql-row-check.ts";

/** Records per archived segment: a power of two, so the boundary is always aligned (see above). */
export const SQL_SEGMENT_RECORDS = 4096;

export const MANIFEST_TABLE = "table ledger_archived";

const gzipAsync = promisify(gzip);

/** A row of ledger_archived as a driver returns it (bigints may come as strings). */
export interface ArchivedRow {
  from_seq: number | string;
  to_seq: number | string;
  name: string;
  bytes: number | string;
  sha256: string;
  last_hash: string;
  /** JSON array of hex nodes, largest subtree first */
  frontier: string;
  archived_at: string;
  archive: string;
}

/** What archiving needs of an SQL store: its dialect's queries. */
export interface SqlArchiveStore {
  /** The partition's rows of ledger_archived, by from_seq. */
  archivedRows(partition: string): Promise<ArchivedRow[]>;
  /** Records below this are archived (0: none): max(to_seq), one cheap lookup for every read. */
  archivedBoundary(partition: string): Promise<number>;
  size(partition: string): Promise<number>;
  latestCheckpoint(partition: string): Promise<Checkpoint | undefined>;
  /** The stored records from..to-1, by seq. */
  recordLines(partition: string, from: number, to: number): Promise<StoredLine[]>;
  nodes(partition: string, refs: readonly NodeRef[]): Promise<Map<string, Buffer>>;
  /**
   * One transaction: unless the archived range no longer ends at entry.from (another run was first:
   * then it throws), inserts the manifest row and deletes records entry.from..entry.to-1.
   */
  commitArchived(partition: string, entry: ArchiveEntry): Promise<void>;
}

/**
 * The archive half of a LedgerBackend, the same for both SQL stores: each extends it and gives its
 * dialect's queries (SqlArchiveStore).
 */
export abstract class SqlArchivingBackend implements SqlArchiveStore {
  abstract archivedRows(partition: string): Promise<ArchivedRow[]>;
  abstract archivedBoundary(partition: string): Promise<number>;
  abstract size(partition: string): Promise<number>;
  abstract latestCheckpoint(partition: string): Promise<Checkpoint | undefined>;
  abstract recordLines(partition: string, from: number, to: number): Promise<StoredLine[]>;
  abstract nodes(partition: string, refs: readonly NodeRef[]): Promise<Map<string, Buffer>>;
  abstract commitArchived(partition: string, entry: ArchiveEntry): Promise<void>;
  /** The manifest as an error about an altered archived file names it. */
  protected abstract readonly manifestLabel: string;

  archive(partition: string, options: ArchiveOptions): Promise<ArchiveReport> {
    return archiveSqlPartition(this, partition, options);
  }

  async archivedRange(partition: string): Promise<ArchivedRange | undefined> {
    return rangeOf((await sqlManifest(this, partition)).entries);
  }

  async *archivedLines(partition: string, archive: ArchiveDirs): AsyncIterable<StoredLine> {
    const { entries } = await sqlManifest(this, partition);
    yield* archivedLines(this.manifestLabel, partition, entries, archive);
  }
}

/** ledger_archived's columns after partition, in order, for an INSERT. */
export function archivedRowValues(entry: ArchiveEntry): (string | number)[] {
  return [
    entry.from,
    entry.to,
    entry.name,
    entry.bytes,
    entry.sha256,
    entry.last_hash,
    JSON.stringify(entry.frontier),
    entry.archived_at,
    entry.archive,
  ];
}

/** The rows of ledger_archived as a manifest: malformed rows, or rows that do not continue the range, are problems. */
export function manifestOfRows(rows: readonly ArchivedRow[]): Pick<Manifest, "entries" | "boundary" | "problems"> {
  return contiguousEntries(
    rows.map((row) => {
      let frontier: unknown;
      try {
        frontier = JSON.parse(row.frontier);
      } catch {
        frontier = undefined;
      }
      const entry = checkEntry({
        from: Number(row.from_seq),
        to: Number(row.to_seq),
        name: row.name,
        bytes: Number(row.bytes),
        sha256: row.sha256,
        last_hash: row.last_hash,
        frontier: frontier as string[],
        archived_at: row.archived_at,
        archive: row.archive,
      });
      return { entry, label: `the row of ${MANIFEST_TABLE} from record ${row.from_seq}` };
    }),
  );
}

export async function sqlManifest(
  store: SqlArchiveStore,
  partition: string,
): Promise<Pick<Manifest, "entries" | "boundary" | "problems">> {
  return manifestOfRows(await store.archivedRows(partition));
}

/** Plans and (unless a dry run) archives the partition's oldest whole segments that qualify. */
export async function archiveSqlPartition(
  store: SqlArchiveStore,
  partition: string,
  options: ArchiveOptions,
): Promise<ArchiveReport> {
  const manifest = await sqlManifest(store, partition);
  if (manifest.problems.length > 0) {
    throw new LedgerCorruptError(
      partition,
      `${manifest.problems[0]}: nothing was archived; run \`pithead ledger verify\` on the ledger`,
    );
  }
  const step = options.segmentRecords ?? SQL_SEGMENT_RECORDS;
  const size = await store.size(partition);
  const covered = Math.min((await store.latestCheckpoint(partition))?.size ?? 0, size);
  const whole = Math.floor(size / step) * step;
  const candidates = [];
  for (let from = manifest.boundary; from < whole; ) {
    const to = (Math.floor(from / step) + 1) * step;
    candidates.push({ from, to, name: segmentName(from, to), what: `records ${from}..${to - 1}` });
    from = to;
  }
  const restFrom = Math.max(whole, manifest.boundary);
  const transact = options.transact ?? ((commit) => commit());
  return await archiveRun(
    {
      partition,
      candidates,
      entries: manifest.entries,
      covered,
      lines: async (candidate) => {
        const rows = await store.recordLines(partition, candidate.from, candidate.to);
        const gap = rows.findIndex((row, i) => row.seq !== candidate.from + i);
        if (gap >= 0 || rows.length !== candidate.to - candidate.from) {
          const seq = gap >= 0 ? candidate.from + gap : candidate.from + rows.length;
          throw new LedgerCorruptError(
            partition,
            `${candidate.what} cannot be archived: record ${seq} is missing from ledger_records; run \`pithead ledger verify\` on the ledger`,
          );
        }
        return Buffer.from(rows.map((row) => `${row.line}\n`).join(""), "utf8");
      },
      gzip: (_candidate, lines) => gzipAsync(lines, { level: SEGMENT_GZIP_LEVEL }),
      nodes: async (refs) => {
        const found = await store.nodes(partition, refs);
        return refs.map((ref) => found.get(refKey(ref)));
      },
      treeLabel: "table ledger_nodes",
      move: async (entry, gz, target) => {
        await writeArchivedCopy(gz, target, entry, `records ${entry.from}..${entry.to - 1}`);
        await transact(() => store.commitArchived(partition, entry));
      },
      ...(size > restFrom
        ? {
            rest: {
              what: `records ${restFrom}..${size - 1}`,
              from: restFrom,
              to: size,
              reason: `fewer than the ${step} records of a whole segment (archived ${step} at a time)`,
            },
          }
        : {}),
    },
    options,
  );
}

/** The error for a read of `seq` if it is archived (the manifest is read only when it is below the boundary). */
export async function archivedReadError(
  store: SqlArchiveStore,
  partition: string,
  seq: number,
): Promise<RecordArchivedError | undefined> {
  if (seq >= (await store.archivedBoundary(partition))) return undefined;
  return archivedError(partition, (await sqlManifest(store, partition)).entries, seq);
}

/**
 * A read of stored lines around the archived prefix, as a JSONL store reads: a forward read that
 * starts below the boundary, or a reverse one that reaches it with records still wanted, throws
 * RecordArchivedError (never a gap, which would be damage).
 */
export async function* linesAboveArchive(
  store: SqlArchiveStore,
  partition: string,
  options: ReadOptions,
  rows: AsyncIterable<StoredLine>,
): AsyncIterable<StoredLine> {
  const from = options.fromSeq ?? 0;
  if (options.reverse !== true) {
    const archived = await archivedReadError(store, partition, from);
    if (archived) throw archived;
    yield* rows;
    return;
  }
  let left = options.limit ?? Number.POSITIVE_INFINITY;
  let below = options.toSeq ?? Number.MAX_SAFE_INTEGER;
  for await (const row of rows) {
    yield row;
    left--;
    below = row.seq - 1;
  }
  if (left <= 0 || below < from) return;
  const boundary = await store.archivedBoundary(partition);
  if (from < boundary) {
    const archived = await archivedReadError(store, partition, Math.min(below, boundary - 1));
    if (archived) throw archived;
  }
}

/** Leaves (level 0) the nodes lack below the boundary are archived records': a proof that needs one answers RecordArchivedError. */
export async function assertNoArchivedLeaf(
  store: SqlArchiveStore,
  partition: string,
  refs: readonly NodeRef[],
  found: Map<string, Buffer>,
): Promise<void> {
  const missing = refs.filter((ref) => ref.level === 0 && !found.has(refKey(ref)));
  if (missing.length === 0) return;
  const archived = await archivedReadError(store, partition, Math.min(...missing.map((ref) => ref.index)));
  if (archived) throw archived;
}

/**
 * Verify's first part for an SQL partition with archived records: from the archive when `archive` is
 * given, else the chain and tree continue from the last manifest row. Returns the boundary (the first
 * seq whose row to read) and a resolver for citations by hash of archived records read from the archive.
 */
export async function verifyArchivedPrefix(
  store: SqlArchiveStore,
  partition: string,
  verifier: ChainVerifier,
  archive: ArchiveDirs | undefined,
): Promise<{ boundary: number; archivedSeqs: (hashes: ReadonlySet<string>) => Promise<Map<string, number>> }> {
  const manifest = await sqlManifest(store, partition);
  const fed = await feedArchivedPrefix(
    undefined,
    manifest,
    verifier,
    { partition, manifestLabel: MANIFEST_TABLE, ...(archive !== undefined ? { archive } : {}) },
    (segment, label, found) => acceptSegment(segment, found, verifier, label),
  );
  return { boundary: manifest.boundary, archivedSeqs: (hashes) => seqsOfHashesIn(fed.read, hashes) };
}

/** Resolves verify's citations by hash: rows first, then the archived records read from the archive. */
export async function resolveSqlCitations(
  verifier: ChainVerifier,
  seqOfHash: (hash: string) => Promise<number | undefined>,
  archivedSeqs: (hashes: ReadonlySet<string>) => Promise<Map<string, number>>,
): Promise<void> {
  const lookups = new Map<string, number | undefined>();
  for (const { hash } of verifier.unresolvedCitations) lookups.set(hash, await seqOfHash(hash));
  const unknown = new Set([...lookups].filter(([, seq]) => seq === undefined).map(([hash]) => hash));
  if (unknown.size > 0) for (const [hash, seq] of await archivedSeqs(unknown)) lookups.set(hash, seq);
  verifier.resolveCitations((hash) => lookups.get(hash));
}

/**
 * What an SQL partition's rows show is wrong (`damage()`), from its row count, highest seq, head size
 * and manifest rows, all read at one moment: malformed manifest rows, then rows that do not number
 * the head's records above the archive boundary. Undefined when nothing is.
 */
export function sqlPartitionDamage(seen: {
  size: number;
  rows: number;
  highest: number | null;
  archived: readonly ArchivedRow[];
}): string | undefined {
  const manifest = manifestOfRows(seen.archived);
  const counted = rowCountDamage(seen.size, seen.rows, seen.highest, manifest.boundary);
  const problems = [...manifest.problems, ...(counted === undefined ? [] : [counted])];
  return problems.length > 0 ? problems.join("; ") : undefined;
}

/** Inside a segment's transaction, before its writes: another run archived first (the boundary moved). */
export function assertArchiveBoundary(boundary: number, entry: ArchiveEntry): void {
  if (boundary !== entry.from)
    throw new Error(
      `records 0..${boundary - 1} are archived now, not 0..${entry.from - 1}: another archive run was first`,
    );
}

/** Inside a segment's transaction, after its DELETE: exactly its records' rows went (else it rolls back). */
export function assertArchivedRowsDeleted(partition: string, entry: ArchiveEntry, deleted: number): void {
  if (deleted !== entry.to - entry.from)
    throw new LedgerCorruptError(
      partition,
      `records ${entry.from}..${entry.to - 1} changed while they were archived (${deleted} rows); run \`pithead ledger verify\` on the ledger`,
    );
}
