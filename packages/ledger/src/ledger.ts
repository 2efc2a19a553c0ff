// The Ledger every service uses, the same over all three stores: validation and citation checks,
// group commit, checkpoint signing, RFC 9162 proofs and streaming verification.
import type { ArchiveDirs } from "./archive-locate.ts";
import {
  type ArchivedRange,
  type Checkpoint,
  type LedgerBackend,
  LedgerCorruptError,
  type LedgerRecovery,
  type ReadOptions,
  type StoredLine,
  type TreeHead,
} from "./backend.ts";
import { ChainVerifier, type ChainVerifierOptions, type VerifyReport } from "./chain-verifier.ts";
import { type PreparedEntry, prepareEntry } from "./entry.ts";
import { GroupCommit } from "./group-commit.ts";
import { sha256 } from "./hash.ts";
import type { Json } from "./json.ts";
import { LedgerValueError } from "./json.ts";
import type { ArchiveOptions, ArchiveReport } from "./jsonl-archive.ts";
import type { LedgerStoreOptions } from "./open-ledger.ts";
import { assertPartition } from "./partition.ts";
import { consistencyPlan, evaluatePlan, inclusionPlan, type Plan, planRefs, subtreePlan } from "./proof-plan.ts";
import type { ConsistencyProof, InclusionProof } from "./proofs.ts";
import { assertType, type StoredRecord, storedRecordAt } from "./record.ts";
import { checkpointText, signNote } from "./signed-note.ts";
import type { LedgerSigner } from "./signer.ts";
import { VerifyThreads } from "./verify-thread.ts";

export interface Ledger {
  /** Appends one record; resolves only after its bytes are durable. */
  append(partition: string, type: string, body: Json, options?: { at?: Date }): Promise<StoredRecord>;
  /** Appends records contiguously, in order (atomically in SQLite and PostgreSQL). */
  appendBatch(partition: string, entries: { type: string; body: Json; at?: Date }[]): Promise<StoredRecord[]>;
  get(partition: string, seq: number): Promise<StoredRecord | undefined>;
  read(
    partition: string,
    options?: { fromSeq?: number; toSeq?: number; type?: string; limit?: number; reverse?: boolean },
  ): AsyncIterable<StoredRecord>;
  /** The stored canonical record lines, byte for byte (what an export carries). */
  lines(partition: string, options?: { fromSeq?: number }): AsyncIterable<string>;
  size(partition: string): Promise<number>;
  partitions(): Promise<string[]>;
  /** Signs and stores a checkpoint of the current tree; returns the latest one when the size has not changed. */
  checkpoint(partition: string): Promise<Checkpoint>;
  latestCheckpoint(partition: string): Promise<Checkpoint | undefined>;
  checkpoints(partition: string): AsyncIterable<Checkpoint>;
  /** Proof that record `seq` is in the tree of `treeSize` records (default: the current size). */
  inclusionProof(partition: string, seq: number, treeSize?: number): Promise<InclusionProof>;
  /** Proof that the tree of `fromSize` is a prefix of the tree of `toSize` (default: the current size). */
  consistencyProof(partition: string, fromSize: number, toSize?: number): Promise<ConsistencyProof>;
  treeHead(partition: string): Promise<TreeHead>;
  /**
   * Checks the partition end to end, on a thread of its own where the store can be opened again (any
   * openLedger store but an in-memory SQLite database): this thread's event loop stays free meanwhile.
   * `requireCheckpoint`: records that no checkpoint signed with the
   * verifier key covers are always named in a warning; with it, none covered at all is a problem.
   * Defaults to true when openLedger was given a `verifierKey` (an auditor's key), false with a signer only.
   */
  verify(partition: string, options?: VerifyOptions): Promise<VerifyReport>;
  /**
   * Moves the partition's oldest segments whose every record is older than `before` (or below
   * `belowSeq`) and covered by a stored checkpoint to `<to>/<partition>/` as gzip files (JSONL: its
   * sealed segments; SQLite and PostgreSQL: rows cut into segments of `segmentRecords`, which leave the
   * database; see README, "Archiving"). Takes the writer lock like an append. Optional: a wrapper around
   * a Ledger need not offer it; openLedger's ledgers always do.
   */
  archive?(partition: string, options: ArchiveOptions): Promise<ArchiveReport>;
  /** What of the partition is archived (undefined: nothing, or a store that does not archive). */
  archived?(partition: string): Promise<ArchivedRange | undefined>;
  /** The archived records, read from `archive` (the directory they were moved to), each segment checked against the manifest first. */
  readArchived?(partition: string, archive: ArchiveDirs): AsyncIterable<StoredRecord>;
  /**
   * Damage seen without verifying (cheap: no record is re-hashed): records a reader cannot reach, fewer
   * records than a checkpoint covers, a missing records file or malformed checkpoint line (JSONL), rows
   * that do not number the head's size (SQL). Undefined when none is seen; `verify` checks everything.
   */
  damage?(partition: string): Promise<string | undefined>;
  /** Takes the partition's writer lock now (recovering a torn tail) rather than at the first append. */
  openWriter(partition: string): Promise<void>;
  /**
   * Repairs made so far, for the operator's log (each has a one-line `message`): JSONL moves a torn
   * last line aside when a partition's writer opens (openWriter, or the first append or checkpoint).
   */
  readonly recovered: readonly LedgerRecovery[];
  /** The verifier key checkpoints are checked with (the signer's, or the one given to openLedger). */
  readonly verifierKey: string | undefined;
  /** The checkpoint origin of a partition: `<signer origin>/<partition>`. */
  originOf(partition: string): string | undefined;
  close(): Promise<void>;
}

export interface VerifyOptions {
  onProgress?: (doneBytes: number, totalBytes: number) => void;
  trustedCheckpoints?: string[];
  requireCheckpoint?: boolean;
  /**
   * The archive directory the partition's archived segments were moved to; they are then checked too.
   * Several when the archive directory changed between runs (each segment is looked for in the one its
   * manifest entry names first). Without it, a partition with archived records is verified from the
   * archive boundary.
   */
  archive?: ArchiveDirs;
}

export interface LedgerOptions {
  /** Signs checkpoints. Without one the ledger can append, read, prove and verify, but not checkpoint. */
  signer?: LedgerSigner;
  /**
   * Checks checkpoint signatures when there is no signer (e.g. an auditor's read-only ledger). A key
   * given here is trusted: verify fails a partition that no checkpoint signed with it covers.
   */
  verifierKey?: string;
  /** Origin prefix when there is no signer. */
  origin?: string;
}

/** Archiving asked of a store (a LedgerBackend) that does not implement it; every built-in store does. */
export class ArchiveNotSupportedError extends Error {
  readonly code = "LEDGER_ARCHIVE_UNSUPPORTED";
  constructor(store: string) {
    super(`archiving is not supported by this store (${store})`);
    this.name = "ArchiveNotSupportedError";
  }
}

export class LedgerClosedError extends Error {
  constructor() {
    super("the ledger is closed");
    this.name = "LedgerClosedError";
  }
}

function assertSeq(value: unknown, path: string): asserts value is number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    throw new LedgerValueError(path, `must be an integer >= 0, got ${JSON.stringify(value)}`);
  }
}

/** A per-partition chain of promises: one checkpoint at a time. */
class KeyedMutex {
  private tails = new Map<string, Promise<unknown>>();
  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const next = previous.then(task, task);
    const tail = next.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return next;
  }
}

export class StoreLedger implements Ledger {
  private readonly backend: LedgerBackend;
  private readonly signer: LedgerSigner | undefined;
  private readonly origin: string | undefined;
  readonly verifierKey: string | undefined;
  /** verifierKey was given (an auditor's key), not taken from the signer. */
  private readonly keyGiven: boolean;
  readonly recovered: LedgerRecovery[];
  private readonly groups = new Map<string, GroupCommit>();
  private readonly writers = new Map<string, Promise<void>>();
  private readonly checkpointMutex = new KeyedMutex();
  /** How a verify thread opens the same store (verify-thread.ts); without it, verify runs on this thread. */
  private readonly reopen: LedgerStoreOptions | undefined;
  private readonly verifyThreads = new VerifyThreads();
  private closed = false;

  constructor(
    backend: LedgerBackend,
    options: LedgerOptions,
    recovered: LedgerRecovery[],
    reopen?: LedgerStoreOptions,
  ) {
    this.backend = backend;
    this.reopen = reopen;
    this.signer = options.signer;
    this.origin = options.signer?.origin ?? options.origin;
    this.verifierKey = options.verifierKey ?? options.signer?.verifierKey;
    this.keyGiven = options.verifierKey !== undefined;
    this.recovered = recovered;
  }

  originOf(partition: string): string | undefined {
    return this.origin === undefined ? undefined : `${this.origin}/${partition}`;
  }

  private open(partition: string): void {
    if (this.closed) throw new LedgerClosedError();
    assertPartition(partition);
  }

  openWriter(partition: string): Promise<void> {
    this.open(partition);
    let writer = this.writers.get(partition);
    if (!writer) {
      writer = this.backend.acquireWriter(partition);
      this.writers.set(partition, writer);
      // A refused lock is not remembered: the other writer may go away.
      writer.catch(() => this.writers.delete(partition));
    }
    return writer;
  }

  private group(partition: string): GroupCommit {
    let group = this.groups.get(partition);
    if (!group) {
      group = new GroupCommit(async (entries) => {
        await this.openWriter(partition);
        return await this.backend.commit(partition, entries);
      });
      this.groups.set(partition, group);
    }
    return group;
  }

  private async checkCitations(partition: string, entries: readonly PreparedEntry[], paths: string[]): Promise<void> {
    let size: number | undefined;
    for (const [i, entry] of entries.entries()) {
      for (const [j, cite] of entry.cites.entries()) {
        const path = `${paths[i]}body.cites[${j}]`;
        if ("seq" in cite) {
          size ??= await this.backend.size(partition);
          // Entries of the same batch come after every stored record, so seq < size is enough.
          if (cite.seq >= size)
            throw new LedgerValueError(path, `cites record ${cite.seq}, but the partition has only ${size} records`);
        } else if ((await this.backend.seqOfHash(partition, cite.hash)) === undefined) {
          throw new LedgerValueError(path, `cites hash ${cite.hash}, which is no record of partition ${partition}`);
        }
      }
    }
  }

  async append(partition: string, type: string, body: Json, options?: { at?: Date }): Promise<StoredRecord> {
    this.open(partition);
    const entry = prepareEntry(type, body, options?.at);
    if (entry.cites.length > 0) await this.checkCitations(partition, [entry], [""]);
    const [record] = await this.group(partition).submit([entry]);
    return record!;
  }

  async appendBatch(partition: string, entries: { type: string; body: Json; at?: Date }[]): Promise<StoredRecord[]> {
    this.open(partition);
    if (!Array.isArray(entries)) throw new LedgerValueError("entries", "must be an array");
    if (entries.length === 0) return [];
    const paths = entries.map((_, i) => `entries[${i}].`);
    const prepared = entries.map((e, i) => prepareEntry(e?.type, e?.body, e?.at, paths[i]));
    if (prepared.some((e) => e.cites.length > 0)) await this.checkCitations(partition, prepared, paths);
    return await this.group(partition).submit(prepared);
  }

  async get(partition: string, seq: number): Promise<StoredRecord | undefined> {
    this.open(partition);
    assertSeq(seq, "seq");
    const found = await this.backend.line(partition, seq);
    if (!found) return undefined;
    const record = storedRecordAt(found.line, seq, found.hash);
    return typeof record === "string" ? await this.damaged(partition, seq, record) : record;
  }

  /** A stored line that is not its record: the error names where it is and what to run. */
  private async damaged(partition: string, seq: number, problem: string): Promise<never> {
    const where = await this.backend.where(partition, seq);
    throw new LedgerCorruptError(
      partition,
      `${where} cannot be read: ${problem}; run \`pithead ledger verify\` on the ledger`,
    );
  }

  async *read(partition: string, options: ReadOptions = {}): AsyncIterable<StoredRecord> {
    this.open(partition);
    if (options.fromSeq !== undefined) assertSeq(options.fromSeq, "fromSeq");
    if (options.toSeq !== undefined) assertSeq(options.toSeq, "toSeq");
    if (options.limit !== undefined) assertSeq(options.limit, "limit");
    if (options.type !== undefined) assertType(options.type);
    if (options.limit === 0) return;
    // Without a type filter the seqs come contiguous: a gap (a row deleted from an SQL store) is named,
    // never skipped silently. (With one, seqs skip by design; verify finds such a gap.)
    const contiguous = options.type === undefined;
    const reverse = options.reverse === true;
    const size = contiguous ? await this.backend.size(partition) : 0;
    const low = options.fromSeq ?? 0;
    const high = Math.min(options.toSeq ?? Number.MAX_SAFE_INTEGER, size - 1);
    let expected = reverse ? high : low;
    let left = options.limit ?? Number.POSITIVE_INFINITY;
    for await (const found of this.backend.lines(partition, options)) {
      if (contiguous && (reverse ? found.seq < expected : found.seq > expected)) {
        if (reverse)
          this.missing(partition, found.seq + 1, expected, `record ${found.seq} precedes record ${expected + 1}`);
        else this.missing(partition, expected, found.seq - 1, `record ${found.seq} follows record ${expected - 1}`);
      }
      expected = reverse ? found.seq - 1 : found.seq + 1;
      left--;
      const record = storedRecordAt(found.line, found.seq, found.hash);
      yield typeof record === "string" ? await this.damaged(partition, found.seq, record) : record;
    }
    if (contiguous && left > 0 && (reverse ? expected >= low && expected <= high : expected <= high)) {
      const [from, to] = reverse ? [low, expected] : [expected, high];
      this.missing(
        partition,
        from,
        to,
        `the partition's size is ${size}, but no record ${reverse ? `below ${to + 1}` : `after ${from - 1}`} is stored`,
      );
    }
  }

  /** Records from..to are not stored, though the partition's size says they are. */
  private missing(partition: string, from: number, to: number, why: string): never {
    const which = from === to ? `record ${from} is` : `records ${from}..${to} are`;
    throw new LedgerCorruptError(partition, `${which} missing: ${why}; run \`pithead ledger verify\` on the ledger`);
  }

  async damage(partition: string): Promise<string | undefined> {
    this.open(partition);
    const seen = await this.backend.damage?.(partition);
    if (seen !== undefined) return seen;
    const size = await this.backend.size(partition);
    try {
      // The record after the last readable one: a reader that stopped at damage throws it here.
      await this.get(partition, size);
    } catch (error) {
      if (!(error instanceof LedgerCorruptError)) throw error;
      return error.message;
    }
    const latest = await this.backend.latestCheckpoint(partition);
    if (latest && latest.size > size) return `a checkpoint covers ${latest.size} records but only ${size} can be read`;
    return undefined;
  }

  async *lines(partition: string, options: { fromSeq?: number } = {}): AsyncIterable<string> {
    this.open(partition);
    let expected = options.fromSeq ?? 0;
    for await (const found of this.backend.lines(partition, { fromSeq: expected })) {
      // An export must not skip a missing seq either (see read).
      if (found.seq > expected)
        this.missing(partition, expected, found.seq - 1, `record ${found.seq} follows record ${expected - 1}`);
      expected = found.seq + 1;
      yield found.line;
    }
  }

  size(partition: string): Promise<number> {
    this.open(partition);
    return this.backend.size(partition);
  }

  treeHead(partition: string): Promise<TreeHead> {
    this.open(partition);
    return this.backend.treeHead(partition);
  }

  partitions(): Promise<string[]> {
    if (this.closed) throw new LedgerClosedError();
    return this.backend.partitions();
  }

  checkpoint(partition: string): Promise<Checkpoint> {
    this.open(partition);
    const signer = this.signer;
    if (!signer) return Promise.reject(new Error("this ledger was opened without a signing key; it cannot checkpoint"));
    const origin = `${signer.origin}/${partition}`;
    return this.checkpointMutex.run(partition, () =>
      this.backend.checkpoint(partition, (size, root) => ({
        origin,
        size,
        rootHash: root.toString("hex"),
        note: signNote(checkpointText(origin, size, root), signer),
        signedAt: new Date().toISOString(),
      })),
    );
  }

  latestCheckpoint(partition: string): Promise<Checkpoint | undefined> {
    this.open(partition);
    return this.backend.latestCheckpoint(partition);
  }

  checkpoints(partition: string): AsyncIterable<Checkpoint> {
    this.open(partition);
    return this.backend.checkpoints(partition);
  }

  private async sizeWithin(partition: string, requested: number | undefined, path: string): Promise<number> {
    const size = await this.backend.size(partition);
    if (requested === undefined) return size;
    assertSeq(requested, path);
    if (requested > size) throw new LedgerValueError(path, `${requested} is larger than the tree (${size} records)`);
    return requested;
  }

  async inclusionProof(partition: string, seq: number, treeSize?: number): Promise<InclusionProof> {
    this.open(partition);
    assertSeq(seq, "seq");
    const size = await this.sizeWithin(partition, treeSize, "treeSize");
    if (seq >= size) throw new LedgerValueError("seq", `record ${seq} is not in a tree of ${size} records`);
    const path = inclusionPlan(seq, size);
    const root = subtreePlan(0, size);
    const leaf = subtreePlan(seq, seq + 1);
    // The record first: an archived one is named as itself, not as a leaf its proof would need.
    const found = await this.backend.line(partition, seq);
    if (!found) throw new Error(`record ${seq} of partition ${partition} is missing from the store`);
    const nodes = await this.backend.nodes(partition, planRefs([...path, root, leaf]));
    return {
      seq,
      treeSize: size,
      leafHash: evaluatePlan(leaf, nodes).toString("hex"),
      // The record hash is the hash of the stored line: no need to parse it.
      recordHash: found.hash ?? sha256(found.line).toString("hex"),
      path: path.map((p) => evaluatePlan(p, nodes).toString("hex")),
      rootHash: evaluatePlan(root, nodes).toString("hex"),
    };
  }

  async consistencyProof(partition: string, fromSize: number, toSize?: number): Promise<ConsistencyProof> {
    this.open(partition);
    assertSeq(fromSize, "fromSize");
    const to = await this.sizeWithin(partition, toSize, "toSize");
    if (fromSize > to) throw new LedgerValueError("fromSize", `${fromSize} is larger than toSize ${to}`);
    const path = consistencyPlan(fromSize, to);
    // An empty tree has no subtree to plan (its root is the hash of nothing); every tree extends it.
    const fromRoot = fromSize > 0 ? subtreePlan(0, fromSize) : undefined;
    const toRoot = to > 0 ? subtreePlan(0, to) : undefined;
    const plans = [...path, ...(fromRoot ? [fromRoot] : []), ...(toRoot ? [toRoot] : [])];
    const nodes = await this.backend.nodes(partition, planRefs(plans));
    const rootOf = (plan: Plan | undefined) => (plan ? evaluatePlan(plan, nodes).toString("hex") : EMPTY_HEX);
    return {
      fromSize,
      toSize: to,
      path: path.map((p) => evaluatePlan(p, nodes).toString("hex")),
      fromRoot: rootOf(fromRoot),
      toRoot: rootOf(toRoot),
    };
  }

  async verify(partition: string, options: VerifyOptions = {}): Promise<VerifyReport> {
    this.open(partition);
    const origin = this.originOf(partition);
    const verifierOptions: ChainVerifierOptions = {
      partition,
      ...(this.verifierKey ? { verifierKey: this.verifierKey } : {}),
      ...(origin ? { origin } : {}),
      requireCoverage: options.requireCheckpoint ?? this.keyGiven,
    };
    const trusted = options.trustedCheckpoints ?? [];
    // Here even when a thread verifies: a bad key or trusted note is the caller's error, said at once.
    const verifier = new ChainVerifier(verifierOptions);
    verifier.trust(trusted);
    if (options.archive !== undefined && !this.backend.archivedLines) throw this.archiveUnsupported();
    const store = this.reopen;
    if (store) {
      const job = {
        store,
        partition,
        verifier: verifierOptions,
        trusted,
        ...(options.archive !== undefined ? { archive: options.archive } : {}),
        progress: options.onProgress !== undefined,
      };
      const run = () => this.verifyThreads.run(job, options.onProgress);
      return this.backend.holdStill ? await this.backend.holdStill(partition, run) : await run();
    }
    await this.backend.verify(
      partition,
      verifier,
      options.onProgress,
      options.archive !== undefined ? { archive: options.archive } : {},
    );
    return verifier.finish();
  }

  private archiveUnsupported(): Error {
    return new ArchiveNotSupportedError(this.backend.kind);
  }

  async archive(partition: string, options: ArchiveOptions): Promise<ArchiveReport> {
    this.open(partition);
    if (!this.backend.archive) throw this.archiveUnsupported();
    if (typeof options?.to !== "string" || options.to.length === 0)
      throw new LedgerValueError("to", "must name the archive directory");
    if (options.before !== undefined && !(options.before instanceof Date && Number.isFinite(options.before.getTime())))
      throw new LedgerValueError("before", "must be a valid Date");
    if (options.belowSeq !== undefined) assertSeq(options.belowSeq, "belowSeq");
    if (options.before === undefined && options.belowSeq === undefined)
      throw new LedgerValueError("before", "give a cutoff: before (a date) or belowSeq");
    const step = options.segmentRecords;
    // A power of two keeps the archive boundary aligned, so proofs after it need no archived leaf.
    if (step !== undefined && !(Number.isSafeInteger(step) && step >= 2 && Number.isInteger(Math.log2(step))))
      throw new LedgerValueError("segmentRecords", `must be a power of two, 2 or more, got ${JSON.stringify(step)}`);
    // A dry run writes nothing, so it needs no writer lock: it runs beside a running writer (an SQL
    // store's plan only reads; a JSONL partition's still opens its writer, whose state it plans from).
    if (options.dryRun !== true) await this.openWriter(partition);
    return await this.backend.archive(partition, options);
  }

  async *readArchived(partition: string, archive: ArchiveDirs): AsyncIterable<StoredRecord> {
    this.open(partition);
    if (!this.backend.archivedLines) throw this.archiveUnsupported();
    for await (const found of this.backend.archivedLines(partition, archive)) {
      const record = storedRecordAt(found.line, found.seq, found.hash);
      if (typeof record === "string")
        throw new LedgerCorruptError(
          partition,
          `archived record ${found.seq} in ${[archive].flat().join(", ")} cannot be read: ${record}`,
        );
      yield record;
    }
  }

  async archived(partition: string): Promise<ArchivedRange | undefined> {
    this.open(partition);
    return await this.backend.archivedRange?.(partition);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.verifyThreads.stop(new LedgerClosedError());
    await Promise.all([...this.groups.values()].map((g) => g.drained()));
    await Promise.allSettled(this.writers.values());
    await this.backend.close();
  }
}

const EMPTY_HEX = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

export type { Checkpoint, LedgerRecovery, StoredLine, TreeHead };
