// The embedded store: one SQLite file (WAL, synchronous=FULL), a writer connection that runs the
// group-committed batches and a reader connection for everything else. The coordinator's ledger
// partition lives in the same file, so a state change and its ledger record commit together.
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { appendBatchInSqliteTransaction, migrateSqliteLedger, sqliteLedgerSize } from "@pithead/ledger";
import { GroupCommit, type TxDriver, type TxSession } from "../group-commit.ts";
import { num } from "../rows.ts";
import { SqlReads } from "../sql/reads.ts";
import { type NextSeq, SqlTx, type TxLedger } from "../sql/tx.ts";
import type { CoordinatorStore, JobEvent, Op, WriteHints } from "../types.ts";
import { migrateSqlite } from "./migrate.ts";
import { acquireProcessLock } from "./process-lock.ts";
import { configureSqlite, openSqliteReader } from "./reader.ts";
import { SqliteSql } from "./statements.ts";
import { startWalCheckpointer, type WalCheckpointer } from "./wal-checkpointer.ts";

export interface SqliteStoreOptions {
  path: string;
  clock: () => number;
  ledgerPartition?: string;
  maxBatch?: number;
  /** Checkpoint the WAL from a thread of its own instead of inside commits (a running coordinator). */
  walCheckpointThread?: boolean;
}

export function openSqliteStore(options: SqliteStoreOptions): CoordinatorStore {
  mkdirSync(dirname(options.path), { recursive: true });
  const release = acquireProcessLock(options.path);
  let writer: DatabaseSync | undefined;
  let reader: DatabaseSync | undefined;
  try {
    writer = new DatabaseSync(options.path);
    configureSqlite(writer);
    migrateSqliteLedger(writer);
    migrateSqlite(writer);
    reader = openSqliteReader(options.path);
    // With the checkpoint thread, a commit only checkpoints itself if the WAL reaches 64 MiB.
    if (options.walCheckpointThread) writer.exec("PRAGMA wal_autocheckpoint = 16384");
  } catch (error) {
    writer?.close();
    release();
    throw error;
  }
  const writeDb = writer;
  const readDb = reader;
  const walCheckpointer: WalCheckpointer | undefined = options.walCheckpointThread
    ? startWalCheckpointer(options.path)
    : undefined;
  const partition = options.ledgerPartition ?? "coordinator";
  const statements = new SqliteSql(writeDb);
  // The ledger's records are appended inside our own BEGIN IMMEDIATE: they commit with the state
  // change they record, or not at all.
  const ledger: TxLedger = {
    size: async () => sqliteLedgerSize(writeDb, partition),
    append: async (entries, firstSeq) => {
      appendBatchInSqliteTransaction(writeDb, partition, entries, { firstSeq });
    },
  };
  // One writer at a time: a transaction counts on from the largest seq.
  const seqs = (): NextSeq => {
    let next: number | undefined;
    return async () => {
      next ??= num(statements.prepare("SELECT COALESCE(MAX(seq), 0) AS n FROM jobs").get()?.n) + 1;
      return next++;
    };
  };
  const listeners = new Set<(events: JobEvent[]) => void>();

  const driver: TxDriver = {
    async begin(): Promise<TxSession> {
      writeDb.exec("BEGIN IMMEDIATE");
      const tx = new SqlTx(statements, ledger, seqs(), options.clock());
      return {
        tx,
        preload: (hints) => tx.preload(hints),
        writes: () => tx.writes,
        events: () => tx.events,
        truncateEvents: (length) => {
          tx.events.length = length;
        },
        flush: () => tx.flush(),
        async commit() {
          writeDb.exec("COMMIT");
        },
        async rollback() {
          if (writeDb.isTransaction) writeDb.exec("ROLLBACK");
        },
      };
    },
  };
  const commits = new GroupCommit(driver, {
    maxBatch: options.maxBatch ?? 512,
    onCommitted: (events) => {
      for (const listener of listeners) listener(events);
    },
  });

  return {
    kind: "sqlite",
    ledgerPartition: partition,
    reads: new SqlReads(new SqliteSql(readDb)),
    write<T>(op: Op<T>, hints?: WriteHints): Promise<T> {
      return commits.run(op, hints);
    },
    exclusive: (work) => commits.exclusive(work),
    setFollowUps: (source) => commits.setFollowUps(source),
    subscribe(listener) {
      // One process per SQLite file: every event is this process's own.
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    async close() {
      await commits.close();
      await walCheckpointer?.stop();
      readDb.close();
      writeDb.close();
      release();
    },
  };
}
