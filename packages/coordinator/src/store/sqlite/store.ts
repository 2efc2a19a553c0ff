// The embedded store: one SQLite file (WAL), a writer connection that runs the group-committed
// batches and a reader connection for everything else. The coordinator's ledger partition lives in
// the same file, so a state change and its ledger record commit together. The writer commits with
// synchronous=NORMAL and WalSync fsyncs the -wal file while the next batch runs; a batch is
// answered once that fsync finished (wal-sync.ts says why that is as durable as FULL).
import { realpathSync } from "node:fs";
import { DatabaseSync } from "node:sqlite";
import {
  appendBatchInSqliteTransaction,
  migrateSqliteLedger,
  preparePrivateSqlite,
  sqliteLedgerSize,
} from "@pithead/ledger";
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
import { WalSync, type WalSyncOptions } from "./wal-sync.ts";

export interface SqliteStoreOptions {
  path: string;
  clock: () => number;
  ledgerPartition?: string;
  maxBatch?: number;
  /** Checkpoint the WAL from a thread of its own instead of inside commits (a running coordinator). */
  walCheckpointThread?: boolean;
  /** Commits started and durable, shared with the HTTP thread's ReadGate (see wal-sync.ts). */
  durability?: Int32Array;
  /** An fsync failed: nothing committed from now on can be acknowledged (the engine stops). */
  onDurabilityLost?: (error: Error) => void;
  /** Test seam: how the -wal file is fsynced (see WalSyncOptions.fsync). */
  fsync?: WalSyncOptions["fsync"];
}

export function openSqliteStore(options: SqliteStoreOptions): CoordinatorStore {
  // The file and its -wal/-shm are 0600 (clients' prompts and outputs, wallets, key hashes). What
  // stays readable by others is logged by startCoordinator, which prepared the file before this thread.
  preparePrivateSqlite(options.path);
  const release = acquireProcessLock(options.path);
  let writer: DatabaseSync | undefined;
  let reader: DatabaseSync | undefined;
  let walPath: string;
  try {
    writer = new DatabaseSync(options.path);
    // SQLite names the log after the database's real path (symlinks resolved): fsync that file.
    walPath = `${realpathSync(options.path)}-wal`;
    configureSqlite(writer);
    migrateSqliteLedger(writer);
    migrateSqlite(writer);
    reader = openSqliteReader(options.path);
    // COMMIT writes the WAL and WalSync fsyncs it after (one batch later at most): durable before
    // anyone is answered, without holding this thread for the fsync.
    writer.exec("PRAGMA synchronous = NORMAL");
    // A multi-row statement keeps the pages it changes in a statement journal (to undo just that
    // statement); past 64 KiB SQLite spills it to a temporary file, costing a file and a write per
    // page in every batch. In memory it is a copy. It is never needed after a crash.
    writer.exec("PRAGMA temp_store = MEMORY");
    // A batch touches a few hundred pages spread over the ledger's hash index and the tails of the
    // other tables; the default 2 MiB cache re-reads many of them from the WAL in every batch.
    writer.exec("PRAGMA cache_size = -32768");
    // With the checkpoint thread, a commit only checkpoints itself if the WAL reaches 64 MiB.
    if (options.walCheckpointThread) writer.exec("PRAGMA wal_autocheckpoint = 16384");
  } catch (error) {
    reader?.close();
    writer?.close();
    release();
    throw error;
  }
  const writeDb = writer;
  const readDb = reader;
  const walCheckpointer: WalCheckpointer | undefined = options.walCheckpointThread
    ? startWalCheckpointer(options.path)
    : undefined;
  const sync = new WalSync(walPath, {
    ...(options.durability ? { counters: options.durability } : {}),
    ...(options.onDurabilityLost ? { onFailure: options.onDurabilityLost } : {}),
    ...(options.fsync ? { fsync: options.fsync } : {}),
  });
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
      // After a failed fsync nothing more is committed: it could never be acknowledged.
      if (sync.failure) throw sync.failure;
      writeDb.exec("BEGIN IMMEDIATE");
      const tx = new SqlTx(statements, ledger, seqs(), options.clock());
      let durable: Promise<void> | undefined;
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
          sync.committing();
          try {
            writeDb.exec("COMMIT");
          } catch (error) {
            // Readers counted this commit as it started: an fsync moves the durable count past it.
            sync.committed().catch(() => {});
            throw error;
          }
          durable = sync.committed();
        },
        durable: () => durable ?? Promise.resolve(),
        async rollback() {
          if (writeDb.isTransaction) writeDb.exec("ROLLBACK");
        },
      };
    },
    ready: () => sync.ready(),
    drained: () => sync.drained(),
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
      await sync.close();
      await walCheckpointer?.stop();
      readDb.close();
      writeDb.close();
      release();
    },
  };
}
