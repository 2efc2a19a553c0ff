// The PostgreSQL store: several coordinator processes may share one database.
//
// Every write batch (the group commit of one process) runs in a session of its own (session.ts:
// one writer at a time across processes, few round trips per batch). Reads use the pool and never
// wait on writers (MVCC). Job events are sent with NOTIFY inside the batch's transaction.
import { randomUUID } from "node:crypto";
import { migratePostgresLedger } from "@pithead/ledger";
import { checkout, openClient } from "@pithead/sql";
import pg from "pg";
import { GroupCommit, type TxDriver } from "../group-commit.ts";
import { SqlReads } from "../sql/reads.ts";
import type { CoordinatorStore, JobEvent, Op, WriteHints } from "../types.ts";
import { PgSql, reportPoolErrors } from "./driver.ts";
import { migratePostgres } from "./migrate.ts";
import { listen } from "./notifications.ts";
import { beginPostgresSession } from "./session.ts";

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
  const client = await openClient(url);
  try {
    await migratePostgresLedger(client);
    await migratePostgres(client);
  } finally {
    await client.end();
  }
}

export async function openPostgresStore(options: PostgresStoreOptions): Promise<CoordinatorStore> {
  await migratePostgresStore(options.url);
  // Pipelined connections: a statement goes out without waiting for the answer to the one before
  // (see session.ts).
  const pool = new pg.Pool({ connectionString: options.url, max: options.poolSize ?? 10, pipeline: true });
  const onError = options.onError ?? (() => {});
  reportPoolErrors(pool, onError);
  const partition = options.ledgerPartition ?? "coordinator";
  const origin = randomUUID();
  const listeners = new Set<(events: JobEvent[]) => void>();
  const deliver = (events: JobEvent[]) => {
    for (const listener of listeners) listener(events);
  };

  const driver: TxDriver = {
    async begin(hints) {
      const client = await checkout(pool);
      return beginPostgresSession(client, hints, { partition, origin, now: options.clock() });
    },
  };
  const commits = new GroupCommit(driver, {
    maxBatch: options.maxBatch ?? 256,
    onCommitted: deliver,
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
    setFollowUps: (source) => commits.setFollowUps(source),
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
