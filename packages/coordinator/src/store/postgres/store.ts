// The PostgreSQL store: several coordinator processes may share one database.
//
// Write discipline: every write batch (the group commit of one process) takes a transaction-level
// advisory lock first, so write transactions of all processes run one at a time. Each of them
// appends to the one ledger partition, whose chain head serialises them anyway; taking the lock
// up front means a batch never holds row locks while it queues for the ledger, so batches cannot
// deadlock on each other. Claims still select with FOR UPDATE SKIP LOCKED. Reads use the pool and
// never wait on writers (MVCC). Job events are sent with NOTIFY inside the batch's transaction.
import { randomUUID } from "node:crypto";
import {
  appendBatchAtLockedHead,
  type ChainHead,
  type HeadRow,
  headFromRow,
  headLockStatement,
  LedgerHeadMovedError,
  lockPostgresHead,
  migratePostgresLedger,
} from "@pithead/ledger";
import pg from "pg";
import { type FollowUp, GroupCommit, type TxDriver, type TxSession } from "../group-commit.ts";
import { num } from "../rows.ts";
import { SqlReads } from "../sql/reads.ts";
import { type NextSeq, SqlTx, type TxLedger } from "../sql/tx.ts";
import type { CoordinatorStore, JobEvent, Op, WriteHints } from "../types.ts";
import { PgSql } from "./driver.ts";
import { migratePostgres } from "./migrate.ts";
import { CHANNEL, listen, payloads } from "./notifications.ts";

export interface PostgresStoreOptions {
  url: string;
  clock: () => number;
  ledgerPartition?: string;
  maxBatch?: number;
  poolSize?: number;
  onError?: (error: unknown) => void;
}

/** Migrates the coordinator's tables (and its ledger's) in the database at `url`. */
export async function migratePostgresStore(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await migratePostgresLedger(client);
    await migratePostgres(client);
  } finally {
    await client.end();
  }
}

export async function openPostgresStore(options: PostgresStoreOptions): Promise<CoordinatorStore> {
  await migratePostgresStore(options.url);
  const pool = new pg.Pool({ connectionString: options.url, max: options.poolSize ?? 10 });
  const onError = options.onError ?? (() => {});
  pool.on("error", onError);
  const partition = options.ledgerPartition ?? "coordinator";
  const lockHead = headLockStatement(partition);
  const origin = randomUUID();
  const listeners = new Set<(events: JobEvent[]) => void>();
  const deliver = (events: JobEvent[]) => {
    for (const listener of listeners) listener(events);
  };

  const driver: TxDriver = {
    async begin(): Promise<TxSession> {
      const client = await pool.connect();
      let released = false;
      const release = (error?: Error) => {
        if (released) return;
        released = true;
        client.release(error);
      };
      // One round trip: BEGIN; the lock that makes this batch the only writer; then, under that lock,
      // the last job seq and the ledger head (locked for the transaction). Job seqs continue from the
      // last committed one, so seq order is commit order across processes.
      let seq: number;
      let head: ChainHead;
      try {
        const results = (await client.query(
          `BEGIN; SELECT pg_advisory_xact_lock(hashtext('pithead.coordinator.write'));
           SELECT COALESCE(MAX(seq), 0) AS seq FROM jobs; ${lockHead}`,
        )) as unknown as pg.QueryResult[];
        seq = num(results[2]?.rows[0]?.seq);
        const row = results[3]?.rows[0] as HeadRow | undefined;
        head = row ? headFromRow(row) : await lockPostgresHead(client, partition);
      } catch (error) {
        release(error as Error);
        throw error;
      }
      // Ledger records join this transaction: they commit with the state change they record.
      const ledger: TxLedger = {
        size: async () => head.size,
        append: async (entries, firstSeq) => {
          if (firstSeq !== head.size) throw new LedgerHeadMovedError(partition, firstSeq, head.size);
          head = (await appendBatchAtLockedHead(client, partition, head, entries)).head;
        },
      };
      const nextSeq: NextSeq = async () => ++seq;
      const tx = new SqlTx(new PgSql(client), ledger, nextSeq, options.clock());
      return {
        tx,
        preload: (hints) => tx.preload(hints),
        writes: () => tx.writes,
        events: () => tx.events,
        truncateEvents: (length) => {
          tx.events.length = length;
        },
        // The job events' NOTIFY goes out with the batch's writes (delivered on commit).
        flush: () => {
          const notes = payloads(origin, tx.events);
          return tx.flush(
            notes.length === 0
              ? undefined
              : {
                  select: notes.map(() => "pg_notify(?, ?)").join(", "),
                  params: notes.flatMap((note) => [CHANNEL, note]),
                },
          );
        },
        async commit() {
          try {
            await client.query("COMMIT");
            release();
          } catch (error) {
            // The outcome of a COMMIT that failed in flight is unknown to us: drop the connection.
            release(error as Error);
            throw error;
          }
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
    },
  };
  let followUps: (events: readonly JobEvent[]) => FollowUp[] = () => [];
  const commits = new GroupCommit(driver, {
    maxBatch: options.maxBatch ?? 256,
    onCommitted: deliver,
    followUps: (events) => followUps(events),
  });
  const listener = await listen(options.url, origin, deliver, onError);

  return {
    kind: "postgres",
    ledgerPartition: partition,
    reads: new SqlReads(new PgSql(pool)),
    write<T>(op: Op<T>, hints?: WriteHints): Promise<T> {
      return commits.run(op, hints);
    },
    // Another connection's work never waits on this process's batch here (locks are per session).
    exclusive: (work) => work(),
    setFollowUps(next) {
      followUps = next;
    },
    subscribe(next) {
      listeners.add(next);
      return () => {
        listeners.delete(next);
      };
    },
    async close() {
      await commits.close();
      await listener.close();
      await pool.end();
    },
  };
}
