// The PostgreSQL store (pg). A standalone Ledger keeps one extra connection, its lock session,
// holding a session advisory lock per partition it writes: the one-writer rule (a second process is
// refused; the locks die with the connection, so a crashed writer never leaves one stale). Each
// group commit is one transaction on a pooled connection, taking the partition's head row lock
// like transactional appenders do, so even a lost lock session could never fork the chain.
//
// A lock session lost with its server (a PostgreSQL restart) is opened again, and its locks taken
// again, before the next commit (and in the background meanwhile, see `relock`): until the server
// is back a commit fails with the connection's own error (a database outage, 503 to a client), and
// if another process took a lock meanwhile, the commit is refused (LedgerLockedError) — this
// process no longer writes that partition. A commit reads the head inside its own transaction,
// so records another writer appended meanwhile are continued, never overwritten.

import { checkout } from "@pithead/sql";
import pg from "pg";
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
import { leafHash, type NodeRef } from "./merkle.ts";
import { appendEntriesPostgres, lockPostgresHead, readPostgresHead } from "./postgres-append.ts";
import { migratePostgresLedger } from "./postgres-schema.ts";
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

const PAGE = 2000;
/** The advisory lock key of a partition's writer ($1 = partition). */
const LOCK_KEY = "hashtextextended('pithead.ledger.writer/' || $1, 0)";
/** How often the locks of a lost lock session are tried again while the server is away. */
const RELOCK_RETRY_MS = 1000;

async function tryAdvisoryLock(session: pg.Client, partition: string): Promise<boolean> {
  const { rows } = await session.query<{ locked: boolean }>(`SELECT pg_try_advisory_lock(${LOCK_KEY}) AS locked`, [
    partition,
  ]);
  return rows[0]?.locked === true;
}

interface CheckpointRow {
  size: string;
  root: Buffer;
  origin: string;
  note: string;
  signed_at: string;
}

function toCheckpoint(row: CheckpointRow): Checkpoint {
  return {
    origin: row.origin,
    size: Number(row.size),
    rootHash: row.root.toString("hex"),
    note: row.note,
    signedAt: row.signed_at,
  };
}

async function inTransaction<T>(client: pg.PoolClient, work: () => Promise<T>, begin = "BEGIN"): Promise<T> {
  await client.query(begin);
  try {
    const result = await work();
    await client.query("COMMIT");
    return result;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  }
}

export class PostgresBackend extends SqlArchivingBackend implements LedgerBackend {
  readonly kind = "postgres" as const;
  private readonly pool: pg.Pool;
  private readonly url: string;
  private session: Promise<pg.Client> | undefined;
  /** Partitions whose advisory lock the current lock session holds. */
  private readonly held = new Set<string>();
  /** Partitions whose lock died with a lost session: taken again before their next commit. */
  private readonly lost = new Set<string>();
  private relocking: Promise<void> | undefined;
  private retry: NodeJS.Timeout | undefined;
  private closed = false;

  protected readonly manifestLabel = MANIFEST_TABLE;

  private constructor(pool: pg.Pool, url: string) {
    super();
    this.pool = pool;
    this.url = url;
  }

  private lockSession(): Promise<pg.Client> {
    if (this.session) return this.session;
    const client = new pg.Client({ connectionString: this.url });
    const session = (async () => {
      await client.connect();
      return client;
    })();
    this.session = session;
    // The server going away ends the session ('error', then 'end'; a clean end only 'end').
    const gone = () => this.sessionGone(session);
    client.on("error", gone);
    client.on("end", gone);
    session.catch(() => {
      if (this.session === session) this.session = undefined;
    });
    return session;
  }

  /** Its locks died with it: remembered, to be taken again as soon as the server answers. */
  private sessionGone(session: Promise<pg.Client>): void {
    if (this.session !== session) return;
    this.session = undefined;
    for (const partition of this.held) this.lost.add(partition);
    this.held.clear();
    this.scheduleRelock();
  }

  /**
   * Retried in the background too (every second, not keeping the process alive), so the locks are
   * this process's again as soon as the server is back, not only at the next commit. A lock another
   * process took meanwhile is not waited for: the next commit of that partition says so.
   */
  private scheduleRelock(): void {
    if (this.closed || this.retry || this.lost.size === 0) return;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      this.relock().catch(() => this.scheduleRelock());
    }, RELOCK_RETRY_MS);
    this.retry.unref();
  }

  /**
   * A new lock session, and the lock of every partition the lost one held tried again; those
   * another process holds now stay in `lost`. Throws while the server cannot be reached.
   */
  private relock(): Promise<void> {
    if (this.lost.size === 0) return Promise.resolve();
    this.relocking ??= (async () => {
      const session = await this.lockSession();
      for (const partition of [...this.lost]) {
        if (!(await tryAdvisoryLock(session, partition))) continue;
        this.lost.delete(partition);
        this.held.add(partition);
      }
    })().finally(() => {
      this.relocking = undefined;
    });
    return this.relocking;
  }

  /** Before writing `partition` again after its lock session was lost: its lock, or a refusal. */
  private async retakeLock(partition: string): Promise<void> {
    await this.relock();
    if (this.lost.has(partition)) {
      throw new LedgerLockedError(
        partition,
        "this process's PostgreSQL lock session was lost (the server restarted or the connection dropped) and another process took the partition's advisory lock meanwhile; this one no longer writes it",
      );
    }
  }

  static async open(url: string): Promise<PostgresBackend> {
    const pool = new pg.Pool({ connectionString: url, max: 8 });
    // An idle client's network error must not crash the process; the next query reports it.
    pool.on("error", () => undefined);
    try {
      await migratePostgresLedger(pool);
    } catch (error) {
      await pool.end();
      throw error;
    }
    return new PostgresBackend(pool, url);
  }

  async acquireWriter(partition: string): Promise<void> {
    if (this.held.has(partition)) return;
    if (this.lost.has(partition)) return await this.retakeLock(partition);
    const session = await this.lockSession();
    if (!(await tryAdvisoryLock(session, partition)))
      throw new LedgerLockedError(partition, "another process holds its PostgreSQL advisory lock");
    this.held.add(partition);
  }

  async commit(partition: string, entries: readonly PreparedEntry[]): Promise<StoredRecord[]> {
    // Never without the partition's lock: a session lost since is opened and its locks retaken first.
    if (this.lost.has(partition)) await this.retakeLock(partition);
    const client = await checkout(this.pool);
    try {
      return await inTransaction(client, async () => {
        const head = await lockPostgresHead(client, partition);
        return await appendEntriesPostgres(client, partition, head, entries);
      });
    } finally {
      client.release();
    }
  }

  async size(partition: string): Promise<number> {
    return (await readPostgresHead(this.pool, partition)).size;
  }

  async treeHead(partition: string): Promise<TreeHead> {
    const head = await readPostgresHead(this.pool, partition);
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
    for (;;) {
      const page = Math.min(PAGE, left);
      const { rows } = await this.pool.query<{ seq: string; line: string; hash: Buffer }>(
        `SELECT seq, line, hash FROM ledger_records
         WHERE partition = $1 AND seq >= $2 AND seq <= $3 AND ($4::text IS NULL OR type = $4)
         ORDER BY seq ${reverse ? "DESC" : "ASC"} LIMIT $5`,
        [partition, from, to, options.type ?? null, page],
      );
      for (const row of rows) yield { seq: Number(row.seq), line: row.line, hash: row.hash.toString("hex") };
      left -= rows.length;
      if (rows.length < page || left <= 0) return;
      const last = Number(rows.at(-1)!.seq);
      if (reverse) to = last - 1;
      else from = last + 1;
    }
  }

  async line(partition: string, seq: number): Promise<StoredLine | undefined> {
    const { rows } = await this.pool.query<{ line: string; hash: Buffer }>(
      "SELECT line, hash FROM ledger_records WHERE partition = $1 AND seq = $2",
      [partition, seq],
    );
    const row = rows[0];
    if (row) return { seq, line: row.line, hash: row.hash.toString("hex") };
    const archived = await archivedReadError(this, partition, seq);
    if (archived) throw archived;
    return undefined;
  }

  async where(_partition: string, seq: number): Promise<string> {
    return `record ${seq} (its row in table ledger_records)`;
  }

  async nodes(partition: string, refs: readonly NodeRef[]): Promise<Map<string, Buffer>> {
    const out = new Map<string, Buffer>();
    const leaves = refs.filter((r) => r.level === 0).map((r) => r.index);
    const inner = refs.filter((r) => r.level > 0);
    if (leaves.length > 0) {
      const { rows } = await this.pool.query<{ seq: string; hash: Buffer }>(
        "SELECT seq, hash FROM ledger_records WHERE partition = $1 AND seq = ANY($2::bigint[])",
        [partition, leaves],
      );
      for (const row of rows) out.set(refKey({ level: 0, index: Number(row.seq) }), leafHash(row.hash));
    }
    if (inner.length > 0) {
      const { rows } = await this.pool.query<{ level: number; idx: string; hash: Buffer }>(
        `SELECT n.level, n.idx, n.hash FROM ledger_nodes n
         JOIN unnest($2::int[], $3::bigint[]) AS want(level, idx) ON n.level = want.level AND n.idx = want.idx
         WHERE n.partition = $1`,
        [partition, inner.map((r) => r.level), inner.map((r) => r.index)],
      );
      for (const row of rows) out.set(refKey({ level: row.level, index: Number(row.idx) }), row.hash);
    }
    await assertNoArchivedLeaf(this, partition, refs, out);
    return out;
  }

  async seqOfHash(partition: string, hash: string): Promise<number | undefined> {
    const { rows } = await this.pool.query<{ seq: string }>(
      "SELECT seq FROM ledger_records WHERE partition = $1 AND hash = $2",
      [partition, Buffer.from(hash, "hex")],
    );
    return rows[0] ? Number(rows[0].seq) : undefined;
  }

  async checkpoint(partition: string, sign: SignCheckpoint): Promise<Checkpoint> {
    const client = await checkout(this.pool);
    try {
      return await inTransaction(client, async () => {
        // A consistent (size, frontier) snapshot; concurrent appenders go on while this one signs.
        const head = await readPostgresHead(client, partition);
        const latest = await this.latest(client, partition);
        if (latest && latest.size >= head.size) return latest;
        const checkpoint = sign(head.size, head.frontier.root());
        const { rowCount } = await client.query(
          `INSERT INTO ledger_checkpoints (partition, size, root, origin, note, signed_at) VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (partition, size) DO NOTHING`,
          [
            partition,
            checkpoint.size,
            Buffer.from(checkpoint.rootHash, "hex"),
            checkpoint.origin,
            checkpoint.note,
            checkpoint.signedAt,
          ],
        );
        // Another process signed this very size first: theirs is the stored one.
        return rowCount ? checkpoint : ((await this.latest(client, partition)) ?? checkpoint);
      });
    } finally {
      client.release();
    }
  }

  private async latest(client: Pick<pg.ClientBase, "query">, partition: string): Promise<Checkpoint | undefined> {
    const { rows } = await client.query<CheckpointRow>(
      "SELECT size, root, origin, note, signed_at FROM ledger_checkpoints WHERE partition = $1 ORDER BY size DESC LIMIT 1",
      [partition],
    );
    return rows[0] ? toCheckpoint(rows[0]) : undefined;
  }

  async latestCheckpoint(partition: string): Promise<Checkpoint | undefined> {
    return await this.latest(this.pool, partition);
  }

  async *checkpoints(partition: string): AsyncIterable<Checkpoint> {
    let after = -1;
    for (;;) {
      const { rows } = await this.pool.query<CheckpointRow>(
        "SELECT size, root, origin, note, signed_at FROM ledger_checkpoints WHERE partition = $1 AND size > $2 ORDER BY size LIMIT 500",
        [partition, after],
      );
      for (const row of rows) yield toCheckpoint(row);
      if (rows.length < 500) return;
      after = Number(rows.at(-1)!.size);
    }
  }

  async partitions(): Promise<string[]> {
    const { rows } = await this.pool.query<{ partition: string }>(
      "SELECT partition FROM ledger_heads ORDER BY partition",
    );
    return rows.map((row) => row.partition);
  }

  async damage(partition: string): Promise<string | undefined> {
    // One snapshot: appends (and archive runs) committing between the count and the head would
    // otherwise make a live ledger's head claim records its count has not seen yet.
    const client = await checkout(this.pool);
    let seen: { rows: { n: string; top: string | null }[]; size: number; archived: ArchivedRow[] };
    try {
      seen = await inTransaction(
        client,
        async () => ({
          rows: (
            await client.query<{ n: string; top: string | null }>(
              "SELECT count(*) AS n, max(seq) AS top FROM ledger_records WHERE partition = $1",
              [partition],
            )
          ).rows,
          size: (await readPostgresHead(client, partition)).size,
          archived: await this.archivedRowsIn(client, partition),
        }),
        "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
      );
    } finally {
      client.release();
    }
    const { rows, size } = seen;
    return sqlPartitionDamage({
      size,
      rows: Number(rows[0]?.n ?? 0),
      highest: rows[0]?.top == null ? null : Number(rows[0].top),
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
    const { rows: totals } = await this.pool.query<{ n: string }>(
      "SELECT coalesce(sum(octet_length(line)) + count(*), 0) AS n FROM ledger_records WHERE partition = $1",
      [partition],
    );
    const total = Number(totals[0]?.n ?? 0);
    let after = archived.boundary - 1;
    let done = 0;
    for (;;) {
      const { rows } = await this.pool.query<{ seq: string; line: string; hash: Buffer }>(
        "SELECT seq, line, hash FROM ledger_records WHERE partition = $1 AND seq > $2 ORDER BY seq LIMIT $3",
        [partition, after, PAGE],
      );
      for (const row of rows) {
        const line = Buffer.from(row.line, "utf8");
        if (!verifier.record(line).equals(row.hash)) {
          verifier.flag(Number(row.seq), `the stored hash of record ${row.seq} differs from the hash of its line`);
        }
        done += line.length + 1;
      }
      onProgress?.(done, Math.max(total, done));
      if (rows.length < PAGE) break;
      after = Number(rows.at(-1)!.seq);
    }
    await resolveSqlCitations(verifier, (hash) => this.seqOfHash(partition, hash), archived.archivedSeqs);
  }

  archivedRows(partition: string): Promise<ArchivedRow[]> {
    return this.archivedRowsIn(this.pool, partition);
  }

  private async archivedRowsIn(client: Pick<pg.ClientBase, "query">, partition: string): Promise<ArchivedRow[]> {
    const { rows } = await client.query<ArchivedRow>(
      `SELECT from_seq, to_seq, name, bytes, sha256, last_hash, frontier, archived_at, archive
       FROM ledger_archived WHERE partition = $1 ORDER BY from_seq`,
      [partition],
    );
    return rows;
  }

  archivedBoundary(partition: string): Promise<number> {
    return this.archivedBoundaryIn(this.pool, partition);
  }

  async recordLines(partition: string, from: number, to: number): Promise<StoredLine[]> {
    const { rows } = await this.pool.query<{ seq: string; line: string }>(
      "SELECT seq, line FROM ledger_records WHERE partition = $1 AND seq >= $2 AND seq < $3 ORDER BY seq",
      [partition, from, to],
    );
    return rows.map((row) => ({ seq: Number(row.seq), line: row.line }));
  }

  async commitArchived(partition: string, entry: ArchiveEntry): Promise<void> {
    const client = await checkout(this.pool);
    try {
      await inTransaction(client, async () => {
        // The head row lock serialises archive runs of the partition (and, briefly, its appenders).
        await lockPostgresHead(client, partition);
        assertArchiveBoundary(await this.archivedBoundaryIn(client, partition), entry);
        await client.query(
          `INSERT INTO ledger_archived (partition, from_seq, to_seq, name, bytes, sha256, last_hash, frontier, archived_at, archive)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
          [partition, ...archivedRowValues(entry)],
        );
        const { rowCount } = await client.query(
          "DELETE FROM ledger_records WHERE partition = $1 AND seq >= $2 AND seq < $3",
          [partition, entry.from, entry.to],
        );
        assertArchivedRowsDeleted(partition, entry, rowCount ?? 0);
      });
    } finally {
      client.release();
    }
  }

  private async archivedBoundaryIn(client: Pick<pg.ClientBase, "query">, partition: string): Promise<number> {
    const { rows } = await client.query<{ boundary: string }>(
      "SELECT coalesce(max(to_seq), 0) AS boundary FROM ledger_archived WHERE partition = $1",
      [partition],
    );
    return Number(rows[0]?.boundary ?? 0);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retry);
    this.lost.clear();
    const pending = this.session;
    this.session = undefined;
    const session = await pending?.catch(() => undefined);
    // Ending the session releases every advisory lock it holds.
    await session?.end().catch(() => undefined);
    this.held.clear();
    await this.pool.end();
  }
}
