// The SQLite store (node:sqlite): WAL with synchronous=FULL, so a commit is on disk when it
// returns; a group commit is one transaction. The one-writer rule of a standalone Ledger is a row in
// ledger_writers naming the writer's pid; a row left by a dead process is taken over. The database
// and its -wal/-shm are 0600 (private-files.ts).

import { hostname } from "node:os";
import { DatabaseSync } from "node:sqlite";
import type { ArchiveDirs } from "./archive-locate.ts";
import type { ArchiveEntry } from "./archive-manifest.ts";
import {
  type Checkpoint,
  type LedgerBackend,
  LedgerLockedError,
  type ReadOptions,
  type SignCheckpoint,
  type StoredLine,
  type TreeHead,
} from "./backend.ts";
import type { ChainVerifier } from "./chain-verifier.ts";
import type { PreparedEntry } from "./entry.ts";
import { nextTurn } from "./group-commit.ts";
import { leafHash, type NodeRef } from "./merkle.ts";
import { holderRunning, processStarted } from "./pid-lock.ts";
import { preparePrivateSqlite } from "./private-files.ts";
import { refKey } from "./proof-plan.ts";
import type { StoredRecord } from "./record.ts";
import {
  type ArchivedRow,
  archivedReadError,
  archivedRowValues,
  assertArchiveBoundary,
  assertArchivedRowsDeleted,
  assertNoArchivedLeaf,
  linesAboveArchive,
  MANIFEST_TABLE,
  resolveSqlCitations,
  SqlArchivingBackend,
  sqlPartitionDamage,
  verifyArchivedPrefix,
} from "./sql-archive.ts";
import { appendEntriesSqlite, sqliteHead } from "./sqlite-append.ts";
import { migrateSqliteLedger } from "./sqlite-schema.ts";

const PAGE = 1000;

interface CheckpointRow {
  size: number;
  root: Uint8Array;
  origin: string;
  note: string;
  signed_at: string;
}

function toCheckpoint(row: CheckpointRow): Checkpoint {
  return {
    origin: row.origin,
    size: Number(row.size),
    rootHash: Buffer.from(row.root).toString("hex"),
    note: row.note,
    signedAt: row.signed_at,
  };
}

/** Runs `work` in BEGIN IMMEDIATE … COMMIT, rolling back on error. */
export function sqliteTransaction<T>(db: DatabaseSync, work: () => T): T {
  db.exec("BEGIN IMMEDIATE");
  try {
    const result = work();
    db.exec("COMMIT");
    return result;
  } catch (error) {
    if (db.isTransaction) db.exec("ROLLBACK");
    throw error;
  }
}

export function openSqliteDatabase(path: string): DatabaseSync {
  const db = new DatabaseSync(path);
  // First: switching a new database to WAL takes a lock, and a process opening it at the same moment
  // must wait for it rather than fail at once with "database is locked".
  db.exec("PRAGMA busy_timeout = 5000");
  db.exec("PRAGMA journal_mode = WAL");
  // FULL: the WAL is fsynced at every commit, so an acknowledged append survives power loss.
  db.exec("PRAGMA synchronous = FULL");
  return db;
}

export class SqliteBackend extends SqlArchivingBackend implements LedgerBackend {
  readonly kind = "sqlite" as const;
  private readonly db: DatabaseSync;
  private readonly path: string;
  private readonly held = new Set<string>();

  protected get manifestLabel(): string {
    return `${MANIFEST_TABLE} of ${this.path}`;
  }

  /** `onWarning`: told of database files left readable by other users (private-files.ts). */
  constructor(path: string, onWarning?: (message: string) => void) {
    super();
    this.path = path;
    for (const warning of preparePrivateSqlite(path)) onWarning?.(warning);
    this.db = openSqliteDatabase(path);
    migrateSqliteLedger(this.db);
  }

  async acquireWriter(partition: string): Promise<void> {
    const host = hostname();
    sqliteTransaction(this.db, () => {
      const row = this.db.prepare("SELECT pid, host, started FROM ledger_writers WHERE partition = ?").get(partition) as
        | { pid: number; host: string; started: string | null }
        | undefined;
      if (row) {
        if (row.host !== host)
          throw new LedgerLockedError(partition, `process ${row.pid} on host ${row.host} is its writer`);
        if (holderRunning({ pid: row.pid, host: row.host, ...(row.started ? { started: row.started } : {}) })) {
          const who = row.pid === process.pid ? "this process (another Ledger instance)" : `process ${row.pid}`;
          throw new LedgerLockedError(partition, `${who} is its writer (table ledger_writers)`);
        }
      }
      this.db
        .prepare(
          `INSERT INTO ledger_writers (partition, pid, host, since, started) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (partition) DO UPDATE SET pid = excluded.pid, host = excluded.host, since = excluded.since,
             started = excluded.started`,
        )
        .run(partition, process.pid, host, new Date().toISOString(), processStarted(process.pid) ?? null);
    });
    this.held.add(partition);
  }

  async commit(partition: string, entries: readonly PreparedEntry[]): Promise<StoredRecord[]> {
    return sqliteTransaction(this.db, () => appendEntriesSqlite(this.db, partition, entries));
  }

  async size(partition: string): Promise<number> {
    return sqliteHead(this.db, partition).size;
  }

  async treeHead(partition: string): Promise<TreeHead> {
    const head = sqliteHead(this.db, partition);
    return { size: head.size, rootHash: head.frontier.root().toString("hex") };
  }

  lines(partition: string, options: ReadOptions): AsyncIterable<StoredLine> {
    return linesAboveArchive(this, partition, options, this.rows(partition, options));
  }

  private async *rows(partition: string, options: ReadOptions): AsyncIterable<StoredLine> {
    const reverse = options.reverse === true;
    let from = options.fromSeq ?? 0;
    let to = options.toSeq ?? Number.MAX_SAFE_INTEGER;
    let left = options.limit ?? Number.POSITIVE_INFINITY;
    const typeClause = options.type !== undefined ? "AND type = ?" : "";
    const statement = this.db.prepare(
      `SELECT seq, line, hash FROM ledger_records WHERE partition = ? AND seq >= ? AND seq <= ? ${typeClause}
       ORDER BY seq ${reverse ? "DESC" : "ASC"} LIMIT ?`,
    );
    for (;;) {
      const page = Math.min(PAGE, left);
      const args: (string | number)[] = [partition, from, to];
      if (options.type !== undefined) args.push(options.type);
      args.push(page);
      const rows = statement.all(...args) as { seq: number; line: string; hash: Uint8Array }[];
      for (const row of rows)
        yield { seq: Number(row.seq), line: row.line, hash: Buffer.from(row.hash).toString("hex") };
      left -= rows.length;
      if (rows.length < page || left <= 0) return;
      const last = Number(rows.at(-1)!.seq);
      if (reverse) to = last - 1;
      else from = last + 1;
    }
  }

  async line(partition: string, seq: number): Promise<StoredLine | undefined> {
    const row = this.db
      .prepare("SELECT line, hash FROM ledger_records WHERE partition = ? AND seq = ?")
      .get(partition, seq) as { line: string; hash: Uint8Array } | undefined;
    if (row) return { seq, line: row.line, hash: Buffer.from(row.hash).toString("hex") };
    const archived = await archivedReadError(this, partition, seq);
    if (archived) throw archived;
    return undefined;
  }

  async where(_partition: string, seq: number): Promise<string> {
    return `record ${seq} (its row in table ledger_records of ${this.path})`;
  }

  async nodes(partition: string, refs: readonly NodeRef[]): Promise<Map<string, Buffer>> {
    const leaf = this.db.prepare("SELECT hash FROM ledger_records WHERE partition = ? AND seq = ?");
    const node = this.db.prepare("SELECT hash FROM ledger_nodes WHERE partition = ? AND level = ? AND idx = ?");
    const out = new Map<string, Buffer>();
    for (const ref of refs) {
      const row = (ref.level === 0 ? leaf.get(partition, ref.index) : node.get(partition, ref.level, ref.index)) as
        | { hash: Uint8Array }
        | undefined;
      if (!row) continue;
      out.set(refKey(ref), ref.level === 0 ? leafHash(row.hash) : Buffer.from(row.hash));
    }
    await assertNoArchivedLeaf(this, partition, refs, out);
    return out;
  }

  async seqOfHash(partition: string, hash: string): Promise<number | undefined> {
    const row = this.db
      .prepare("SELECT seq FROM ledger_records WHERE partition = ? AND hash = ?")
      .get(partition, Buffer.from(hash, "hex")) as { seq: number } | undefined;
    return row ? Number(row.seq) : undefined;
  }

  async checkpoint(partition: string, sign: SignCheckpoint): Promise<Checkpoint> {
    return sqliteTransaction(this.db, () => {
      const head = sqliteHead(this.db, partition);
      const latest = this.latest(partition);
      if (latest && latest.size >= head.size) return latest;
      const checkpoint = sign(head.size, head.frontier.root());
      this.db
        .prepare(
          "INSERT INTO ledger_checkpoints (partition, size, root, origin, note, signed_at) VALUES (?, ?, ?, ?, ?, ?)",
        )
        .run(
          partition,
          checkpoint.size,
          Buffer.from(checkpoint.rootHash, "hex"),
          checkpoint.origin,
          checkpoint.note,
          checkpoint.signedAt,
        );
      return checkpoint;
    });
  }

  private latest(partition: string): Checkpoint | undefined {
    const row = this.db
      .prepare(
        "SELECT size, root, origin, note, signed_at FROM ledger_checkpoints WHERE partition = ? ORDER BY size DESC LIMIT 1",
      )
      .get(partition) as CheckpointRow | undefined;
    return row ? toCheckpoint(row) : undefined;
  }

  async latestCheckpoint(partition: string): Promise<Checkpoint | undefined> {
    return this.latest(partition);
  }

  async *checkpoints(partition: string): AsyncIterable<Checkpoint> {
    const rows = this.db
      .prepare("SELECT size, root, origin, note, signed_at FROM ledger_checkpoints WHERE partition = ? ORDER BY size")
      .all(partition) as unknown as CheckpointRow[];
    for (const row of rows) yield toCheckpoint(row);
  }

  async partitions(): Promise<string[]> {
    const rows = this.db.prepare("SELECT partition FROM ledger_heads ORDER BY partition").all() as {
      partition: string;
    }[];
    return rows.map((row) => row.partition);
  }

  async damage(partition: string): Promise<string | undefined> {
    // One read transaction (one snapshot): another process appending between the count and the head
    // would otherwise make a live ledger's head claim records its count has not seen yet. Within a
    // transaction this connection already has open, its reads are one snapshot already.
    const own = !this.db.isTransaction;
    if (own) this.db.exec("BEGIN");
    let seen: { row: { n: number; top: number | null }; size: number; archived: ArchivedRow[] };
    try {
      seen = {
        row: this.db
          .prepare("SELECT count(*) AS n, max(seq) AS top FROM ledger_records WHERE partition = ?")
          .get(partition) as { n: number; top: number | null },
        size: sqliteHead(this.db, partition).size,
        archived: this.archivedRowsNow(partition),
      };
    } finally {
      if (own) this.db.exec("COMMIT");
    }
    const { row } = seen;
    return sqlPartitionDamage({
      size: seen.size,
      rows: Number(row.n),
      highest: row.top === null ? null : Number(row.top),
      archived: seen.archived,
    });
  }

  async verify(
    partition: string,
    verifier: ChainVerifier,
    onProgress?: (done: number, total: number) => void,
    options: { archive?: ArchiveDirs } = {},
  ): Promise<void> {
    for await (const checkpoint of this.checkpoints(partition)) verifier.checkpoint(checkpoint.note, "stored");
    const archived = await verifyArchivedPrefix(this, partition, verifier, options.archive);
    const total = Number(
      (
        this.db
          .prepare("SELECT coalesce(sum(length(line)) + count(*), 0) AS n FROM ledger_records WHERE partition = ?")
          .get(partition) as { n: number }
      ).n,
    );
    const page = this.db.prepare(
      "SELECT seq, line, hash FROM ledger_records WHERE partition = ? AND seq > ? ORDER BY seq LIMIT ?",
    );
    let after = archived.boundary - 1;
    let done = 0;
    for (;;) {
      const rows = page.all(partition, after, PAGE) as { seq: number; line: string; hash: Uint8Array }[];
      for (const row of rows) {
        const line = Buffer.from(row.line, "utf8");
        const hash = verifier.record(line);
        if (!hash.equals(row.hash)) {
          verifier.flag(Number(row.seq), `the stored hash of record ${row.seq} differs from the hash of its line`);
        }
        done += line.length + 1;
      }
      onProgress?.(done, Math.max(total, done));
      if (rows.length < PAGE) break;
      after = Number(rows.at(-1)!.seq);
      // Let other work run between pages of a long verify.
      await new Promise<void>((resolve) => nextTurn(resolve));
    }
    await resolveSqlCitations(verifier, (hash) => this.seqOfHash(partition, hash), archived.archivedSeqs);
  }

  async archivedRows(partition: string): Promise<ArchivedRow[]> {
    return this.archivedRowsNow(partition);
  }

  private archivedRowsNow(partition: string): ArchivedRow[] {
    return this.db
      .prepare(
        `SELECT from_seq, to_seq, name, bytes, sha256, last_hash, frontier, archived_at, archive
         FROM ledger_archived WHERE partition = ? ORDER BY from_seq`,
      )
      .all(partition) as unknown as ArchivedRow[];
  }

  async archivedBoundary(partition: string): Promise<number> {
    return this.boundaryOf(partition);
  }

  private boundaryOf(partition: string): number {
    const row = this.db
      .prepare("SELECT coalesce(max(to_seq), 0) AS boundary FROM ledger_archived WHERE partition = ?")
      .get(partition) as { boundary: number };
    return Number(row.boundary);
  }

  async recordLines(partition: string, from: number, to: number): Promise<StoredLine[]> {
    const rows = this.db
      .prepare("SELECT seq, line FROM ledger_records WHERE partition = ? AND seq >= ? AND seq < ? ORDER BY seq")
      .all(partition, from, to) as { seq: number; line: string }[];
    return rows.map((row) => ({ seq: Number(row.seq), line: row.line }));
  }

  async commitArchived(partition: string, entry: ArchiveEntry): Promise<void> {
    sqliteTransaction(this.db, () => {
      assertArchiveBoundary(this.boundaryOf(partition), entry);
      this.db
        .prepare(
          `INSERT INTO ledger_archived (partition, from_seq, to_seq, name, bytes, sha256, last_hash, frontier, archived_at, archive)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(partition, ...archivedRowValues(entry));
      const { changes } = this.db
        .prepare("DELETE FROM ledger_records WHERE partition = ? AND seq >= ? AND seq < ?")
        .run(partition, entry.from, entry.to);
      assertArchivedRowsDeleted(partition, entry, Number(changes));
    });
  }

  async close(): Promise<void> {
    if (!this.db.isOpen) return;
    for (const partition of this.held) {
      this.db
        .prepare("DELETE FROM ledger_writers WHERE partition = ? AND pid = ? AND host = ?")
        .run(partition, process.pid, hostname());
    }
    this.db.close();
  }
}
