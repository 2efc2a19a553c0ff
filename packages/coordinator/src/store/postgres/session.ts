// One write batch's transaction on PostgreSQL, on a pipelined connection: statements go out without
// waiting for the answers to the ones before (the server still runs them in order), so a batch costs
// few round trips: BEGIN with the batch's hinted reads, the reads its ops cannot predict, and the
// writes with the ledger append and COMMIT.
//
// Write discipline: the batch takes a transaction-level advisory lock first, so write transactions
// of all processes run one at a time. Each of them appends to the one ledger partition, whose chain
// head serialises them anyway; taking the lock up front means a batch never holds row locks while
// it queues for the ledger, so batches cannot deadlock on each other.
import {
  appendBatchAtLockedHead,
  batchWriteAtLockedHead,
  type ChainHead,
  type HeadRow,
  headFromRow,
  headLockStatement,
  LedgerHeadMovedError,
  lockPostgresHead,
} from "@pithead/ledger";
import type pg from "pg";
import { FlushFailed, type TxSession } from "../group-commit.ts";
import { num } from "../rows.ts";
import { postgresWriteMany } from "../sql/bulk.ts";
import { type NextSeq, SqlTx, type TxLedger } from "../sql/tx.ts";
import type { JobEvent, WriteHints } from "../types.ts";
import { PgSql } from "./driver.ts";
import { CHANNEL, payloads } from "./notifications.ts";

export interface SessionOptions {
  partition: string;
  /** Marks this process's NOTIFY payloads (it delivers its own events itself). */
  origin: string;
  now: number;
}

/** Begins the batch's transaction on `client` (from the pool); the session gives it back when done. */
export async function beginPostgresSession(
  client: pg.PoolClient,
  hints: WriteHints | undefined,
  options: SessionOptions,
): Promise<TxSession> {
  const { partition } = options;
  let released = false;
  const release = (error?: Error) => {
    if (released) return;
    released = true;
    client.release(error);
  };
  let seq = 0;
  let head: ChainHead | undefined;
  const lockedHead = (): ChainHead => {
    if (!head) throw new Error("the ledger head is read at BEGIN");
    return head;
  };
  // Ledger records join this transaction: they commit with the state change they record.
  const ledger: TxLedger = {
    size: async () => lockedHead().size,
    append: async (entries, firstSeq) => {
      const at = lockedHead();
      if (firstSeq !== at.size) throw new LedgerHeadMovedError(partition, firstSeq, at.size);
      head = (await appendBatchAtLockedHead(client, partition, at, entries)).head;
    },
  };
  const nextSeq: NextSeq = async () => ++seq;
  const sql = new PgSql(client);
  const tx = new SqlTx(sql, ledger, nextSeq, options.now);

  // One round trip: BEGIN; the lock that makes this batch the only writer; then, under that lock,
  // the last job seq and the ledger head (locked for the transaction). Job seqs continue from the
  // last committed one, so seq order is commit order across processes. The batch's hinted rows are
  // read right behind.
  let preloading: Promise<void> | undefined;
  try {
    const beginning = client.query(
      `BEGIN; SELECT pg_advisory_xact_lock(hashtext('pithead.coordinator.write'));
       SELECT COALESCE(MAX(seq), 0) AS seq FROM jobs; ${headLockStatement(partition)}`,
    ) as unknown as Promise<pg.QueryResult[]>;
    if (hints) {
      preloading = tx.preload(hints);
      // The batch awaits it; should BEGIN fail first, its failure is not an unhandled one.
      preloading.catch(() => {});
    }
    const results = await beginning;
    seq = num(results[2]?.rows[0]?.seq);
    const row = results[3]?.rows[0] as HeadRow | undefined;
    head = row ? headFromRow(row) : await lockPostgresHead(client, partition);
  } catch (error) {
    release(error as Error);
    throw error;
  }

  /** The job events' NOTIFY, sent with the batch's writes (delivered on commit). */
  const notify = (events: readonly JobEvent[]) => {
    const notes = payloads(options.origin, events);
    return notes.length === 0
      ? undefined
      : { select: notes.map(() => "pg_notify(?, ?)").join(", "), params: notes.flatMap((note) => [CHANNEL, note]) };
  };

  const commit = async () => {
    try {
      await client.query("COMMIT");
      release();
    } catch (error) {
      // The outcome of a COMMIT that failed in flight is unknown to us: drop the connection.
      release(error as Error);
      throw error;
    }
  };

  return {
    tx,
    preloading,
    preload: (more) => tx.preload(more),
    writes: () => tx.writes,
    events: () => tx.events,
    truncateEvents: (length) => {
      tx.events.length = length;
    },
    flush: () => tx.flush(notify(tx.events)),
    commit,
    /**
     * One round trip: the rows' statement, the ledger's and COMMIT go out together, both statements
     * built before anything is sent (a failure to build one sends nothing). Should a write fail on
     * the server, it answers that COMMIT with ROLLBACK: proof that nothing was committed, so the
     * batch may be retried op by op. A ledger batch that must read first (records cited by hash)
     * is written, and waited for, before COMMIT.
     */
    async flushAndCommit() {
      const { sets, entries, firstSeq } = tx.takeWrites();
      let rows: ReturnType<typeof postgresWriteMany>;
      let records: ReturnType<typeof batchWriteAtLockedHead>;
      const at = lockedHead();
      try {
        rows = postgresWriteMany(sets, notify(tx.events));
        if (entries.length > 0) {
          if (firstSeq !== at.size) throw new LedgerHeadMovedError(partition, firstSeq ?? -1, at.size);
          records = batchWriteAtLockedHead(partition, at, entries);
        }
      } catch (error) {
        throw new FlushFailed(error);
      }
      if (entries.length > 0 && !records) {
        try {
          if (rows) await sql.run(rows.sql, rows.params);
          await ledger.append(entries, at.size);
        } catch (error) {
          throw new FlushFailed(error);
        }
        return commit();
      }
      const writes = [
        rows ? sql.run(rows.sql, rows.params) : undefined,
        records ? client.query({ name: records.name, text: records.text, values: records.values }) : undefined,
      ];
      const committing = client.query("COMMIT");
      const [committed, ...written] = await Promise.allSettled([committing, ...writes]);
      if (committed?.status === "rejected") {
        release(committed.reason as Error);
        throw committed.reason;
      }
      const failed = written.find((result) => result.status === "rejected");
      if (failed) {
        if (committed?.value.command === "ROLLBACK") {
          release();
          throw new FlushFailed(failed.reason);
        }
        // A statement refused before the server ran it, and COMMIT done: not possible with the plain
        // values we send. Never report it as retryable.
        release(failed.reason as Error);
        throw failed.reason;
      }
      if (records) head = records.head;
      release();
    },
    async rollback() {
      if (released) return;
      try {
        await client.query("ROLLBACK");
        release();
      } catch (error) {
        release(error as Error);
      }
    },
  };
}
