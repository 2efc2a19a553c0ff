// The embedded store: one SQLite file (WAL, synchronous=FULL), a writer connection that runs the
// group-committed batches and a reader connection for everything else. The coordinator's ledger
// partition lives in the same file, so a state change and its ledger record commit together.
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { appendInSqliteTransaction, type Json, migrateSqliteLedger } from "@pithead/ledger";
import { type FollowUp, GroupCommit, type TxDriver, type TxSession } from "../group-commit.ts";
import { SqlReads } from "../sql/reads.ts";
import { SqlTx } from "../sql/tx.ts";
import type { CoordinatorStore, JobEvent, Op } from "../types.ts";
import { migrateSqlite } from "./migrate.ts";
import { acquireProcessLock } from "./process-lock.ts";
import { SqliteSql } from "./statements.ts";

export interface SqliteStoreOptions {
  path: string;
  clock: () => number;
  ledgerPartition?: string;
  maxBatch?: number;
}

function configure(db: DatabaseSync): void {
  // WAL: readers never block the writer. synchronous=FULL: a commit is on disk (fsync'd) before
  // we answer, so an acknowledged request survives a power cut, not just a crash.
  db.exec("PRAGMA journal_mode = WAL");
  db.exec("PRAGMA synchronous = FULL");
  db.exec("PRAGMA foreign_keys = ON");
  db.exec("PRAGMA busy_timeout = 5000");
}

export function openSqliteStore(options: SqliteStoreOptions): CoordinatorStore {
  mkdirSync(dirname(options.path), { recursive: true });
  const release = acquireProcessLock(options.path);
  let writer: DatabaseSync | undefined;
  let reader: DatabaseSync | undefined;
  try {
    writer = new DatabaseSync(options.path);
    configure(writer);
    migrateSqliteLedger(writer);
    migrateSqlite(writer);
    reader = new DatabaseSync(options.path);
    configure(reader);
    reader.exec("PRAGMA query_only = 1");
  } catch (error) {
    writer?.close();
    release();
    throw error;
  }
  const writeDb = writer;
  const readDb = reader;
  const partition = options.ledgerPartition ?? "coordinator";
  const statements = new SqliteSql(writeDb);
  // The ledger's records are appended inside our own BEGIN IMMEDIATE: they commit with the state
  // change they record, or not at all.
  const append = async (type: string, body: Json, at: Date) =>
    appendInSqliteTransaction(writeDb, partition, type, body, at).seq;
  const listeners = new Set<(events: JobEvent[]) => void>();

  const driver: TxDriver = {
    async begin(): Promise<TxSession> {
      writeDb.exec("BEGIN IMMEDIATE");
      const tx = new SqlTx(statements, append, options.clock());
      return {
        tx,
        writes: () => tx.writes,
        events: () => tx.events,
        truncateEvents: (length) => {
          tx.events.length = length;
        },
        async commit() {
          await tx.flush();
          writeDb.exec("COMMIT");
        },
        async rollback() {
          if (writeDb.isTransaction) writeDb.exec("ROLLBACK");
        },
      };
    },
  };
  let followUps: (events: readonly JobEvent[]) => FollowUp[] = () => [];
  const commits = new GroupCommit(driver, {
    maxBatch: options.maxBatch ?? 512,
    onCommitted: (events) => {
      for (const listener of listeners) listener(events);
    },
    followUps: (events) => followUps(events),
  });

  return {
    kind: "sqlite",
    ledgerPartition: partition,
    reads: new SqlReads(new SqliteSql(readDb)),
    write<T>(op: Op<T>): Promise<T> {
      return commits.run(op);
    },
    setFollowUps(next) {
      followUps = next;
    },
    subscribe(listener) {
      // One process per SQLite file: every event is this process's own.
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    async close() {
      await commits.close();
      readDb.close();
      writeDb.close();
      release();
    },
  };
}
