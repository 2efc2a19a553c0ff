// The PostgreSQL store: several coordinator processes may share one database.
//
// Write discipline: every write batch (the group commit of one process) takes a transaction-level
// advisory lock first, so write transactions of all processes run one at a time. Each of them
// appends to the one ledger partition, whose chain head serialises them anyway; taking the lock
// up front means a batch never holds row locks while it queues for the ledger, so batches cannot
// deadlock on each other. Claims still select with FOR UPDATE SKIP LOCKED. Reads use the pool and
// never wait on writers (MVCC). Job events are sent with NOTIFY inside the batch's transaction.
import { randomUUID } from "node:crypto";
import { appendInPostgresTransaction, type Json, migratePostgresLedger } from "@pithead/ledger";
import pg from "pg";
import { type FollowUp, GroupCommit, type TxDriver, type TxSession } from "../group-commit.ts";
import { SqlReads } from "../sql/reads.ts";
import { SqlTx } from "../sql/tx.ts";
import type { CoordinatorStore, JobEvent, Op } from "../types.ts";
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
      try {
        await client.query("BEGIN");
        await client.query("SELECT pg_advisory_xact_lock(hashtext('pithead.coordinator.write'))");
      } catch (error) {
        release(error as Error);
        throw error;
      }
      // Ledger records join this transaction: they commit with the state change they record.
      const append = async (type: string, body: Json, at: Date) =>
        (await appendInPostgresTransaction(client, partition, type, body, at)).seq;
      const tx = new SqlTx(new PgSql(client), append, options.clock());
      return {
        tx,
        writes: () => tx.writes,
        events: () => tx.events,
        truncateEvents: (length) => {
          tx.events.length = length;
        },
        async commit() {
          try {
            await tx.flush();
            for (const payload of payloads(origin, tx.events)) {
              await client.query("SELECT pg_notify($1, $2)", [CHANNEL, payload]);
            }
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
    write<T>(op: Op<T>): Promise<T> {
      return commits.run(op);
    },
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
