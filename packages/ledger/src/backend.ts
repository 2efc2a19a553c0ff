// What a store must provide; the Ledger on top (ledger.ts) adds validation, group commit, signing,
// proofs and verification, so the three stores differ only in how bytes reach the disk.
import type { ArchiveDirs } from "./archive-locate.ts";
import type { ChainVerifier } from "./chain-verifier.ts";
import type { PreparedEntry } from "./entry.ts";
import type { ArchiveOptions, ArchiveReport } from "./jsonl-archive.ts";
import type { NodeRef } from "./merkle.ts";
import type { StoredRecord } from "./record.ts";

export interface Checkpoint {
  origin: string;
  size: number;
  /** hex */
  rootHash: string;
  /** the complete signed note */
  note: string;
  signedAt: string;
}

export interface ReadOptions {
  fromSeq?: number;
  toSeq?: number;
  type?: string;
  limit?: number;
  reverse?: boolean;
}

export interface StoredLine {
  seq: number;
  line: string;
  /** hex, when the store keeps it */
  hash?: string;
}

export interface TreeHead {
  size: number;
  /** hex */
  rootHash: string;
}

/** What an operator should hear about when a store repaired itself on open (see README, "Crash"). */
export interface LedgerRecovery {
  partition: string;
  /** the file that was cut (records.jsonl or checkpoints.jsonl of the partition) */
  file: string;
  /** where the bytes that were cut off were moved */
  movedTo: string;
  bytes: number;
  reason: string;
  /** one line saying all of the above, ready for a log */
  message: string;
}

/** What of a partition lies in an archive (JSONL: sealed/archived.jsonl; SQL: table ledger_archived). */
export interface ArchivedRange {
  /** records 0..records-1 are archived */
  records: number;
  /** compressed bytes of the archived segments */
  bytes: number;
  segments: number;
  /** when the last segment was archived */
  lastArchivedAt: string;
  /** the archive directories used, as given */
  archives: string[];
  /** the one the last segment went to (a service configured with another says so: archiveDirChange) */
  lastArchive: string;
  /** hex hash of record records-1 and the Merkle frontier after it (largest subtree first): where a reader of the local records continues the chain and tree */
  lastHash: string;
  frontier: string[];
}

export type SignCheckpoint = (size: number, rootHash: Buffer) => Checkpoint;

export interface LedgerBackend {
  readonly kind: "jsonl" | "sqlite" | "postgres";
  /** Takes the partition's one-writer lock; throws LedgerLockedError when another writer holds it. */
  acquireWriter(partition: string): Promise<void>;
  /** Appends entries as the next records; resolves only once they are durable. Callers serialise per partition. */
  commit(partition: string, entries: readonly PreparedEntry[]): Promise<StoredRecord[]>;
  size(partition: string): Promise<number>;
  treeHead(partition: string): Promise<TreeHead>;
  lines(partition: string, options: ReadOptions): AsyncIterable<StoredLine>;
  line(partition: string, seq: number): Promise<StoredLine | undefined>;
  /** Where record `seq` is stored (file and offset, or table), for an error about a damaged record. */
  where(partition: string, seq: number): Promise<string>;
  /** Hashes of complete subtrees (level 0 = leaf hashes) of the durable tree, keyed `level:index`. */
  nodes(partition: string, refs: readonly NodeRef[]): Promise<Map<string, Buffer>>;
  seqOfHash(partition: string, hash: string): Promise<number | undefined>;
  /** Signs (via `sign`) and stores a checkpoint of the current tree unless the latest one already covers it. */
  checkpoint(partition: string, sign: SignCheckpoint): Promise<Checkpoint>;
  latestCheckpoint(partition: string): Promise<Checkpoint | undefined>;
  checkpoints(partition: string): AsyncIterable<Checkpoint>;
  partitions(): Promise<string[]>;
  /** Feeds every stored checkpoint, then every record, then resolves citations by hash. */
  verify(
    partition: string,
    verifier: ChainVerifier,
    onProgress?: (done: number, total: number) => void,
    options?: { archive?: ArchiveDirs },
  ): Promise<void>;
  /**
   * Runs `task` (a verify of the partition that reads the store itself, on a thread of its own) with
   * nothing this process does moving the partition's records meanwhile (JSONL: no seal or archive run
   * of its writer; a run in progress finishes first). Without it, the task simply runs.
   */
  holdStill?<T>(partition: string, task: () => Promise<T>): Promise<T>;
  /** Moves old records to an archive as gzip segments (JSONL: its sealed segments; SQL: rows cut into segments, sql-archive.ts). */
  archive?(partition: string, options: ArchiveOptions): Promise<ArchiveReport>;
  /** What of the partition is archived (undefined: nothing). */
  archivedRange?(partition: string): Promise<ArchivedRange | undefined>;
  /** The archived records' lines, read from the archive directory they were moved to. */
  archivedLines?(partition: string, archive: ArchiveDirs): AsyncIterable<StoredLine>;
  /**
   * Damage a reader can see without verifying (a cheap look, not a verify): a JSONL partition's
   * missing records.jsonl or malformed checkpoint line, an SQL partition whose rows do not number
   * its head's size. Undefined when none is seen.
   */
  damage?(partition: string): Promise<string | undefined>;
  close(): Promise<void>;
}

export class LedgerLockedError extends Error {
  readonly partition: string;
  constructor(partition: string, detail: string) {
    super(`partition ${JSON.stringify(partition)} already has a writer: ${detail}`);
    this.name = "LedgerLockedError";
    this.partition = partition;
  }
}

/** The stored records cannot be continued safely (damage that is not a torn last line). */
export class LedgerCorruptError extends Error {
  readonly partition: string;
  constructor(partition: string, detail: string) {
    super(`partition ${JSON.stringify(partition)} is damaged: ${detail}`);
    this.name = "LedgerCorruptError";
    this.partition = partition;
  }
}
