// The ledger's tables in SQLite, as numbered append-only migrations. A service that keeps its own
// state in the same database runs migrateSqliteLedger(db) next to its own migrations and then
// appends inside its own transactions (sqlite-append.ts).
import type { DatabaseSync } from "node:sqlite";
import { refuseNewer } from "@pithead/sql";

export interface LedgerMigration {
  version: number;
  name: string;
  sql: string;
}

export const sqliteLedgerMigrations: readonly LedgerMigration[] = [
  {
    version: 1,
    name: "records, tree nodes, partition heads, checkpoints, writers",
    sql: `
      -- One row per partition: the chain head and the tree's frontier (compact range), read and
      -- rewritten by every append inside its transaction.
      CREATE TABLE ledger_heads (
        partition TEXT PRIMARY KEY,
        size INTEGER NOT NULL,
        head BLOB NOT NULL,       -- hash of record size-1 (32 zero bytes when empty)
        frontier BLOB NOT NULL    -- 32 bytes per set bit of size, largest subtree first
      ) STRICT;
      CREATE TABLE ledger_records (
        partition TEXT NOT NULL,
        seq INTEGER NOT NULL,
        hash BLOB NOT NULL,       -- SHA-256 of line
        type TEXT NOT NULL,
        line TEXT NOT NULL,       -- the canonical record JSON, the source of truth
        PRIMARY KEY (partition, seq)
      ) STRICT, WITHOUT ROWID;
      CREATE UNIQUE INDEX ledger_records_by_hash ON ledger_records (partition, hash);
      CREATE INDEX ledger_records_by_type ON ledger_records (partition, type, seq);
      -- Complete subtrees of level >= 1 (leaves are derived from ledger_records.hash).
      CREATE TABLE ledger_nodes (
        partition TEXT NOT NULL,
        level INTEGER NOT NULL,
        idx INTEGER NOT NULL,
        hash BLOB NOT NULL,
        PRIMARY KEY (partition, level, idx)
      ) STRICT, WITHOUT ROWID;
      CREATE TABLE ledger_checkpoints (
        partition TEXT NOT NULL,
        size INTEGER NOT NULL,
        root BLOB NOT NULL,
        origin TEXT NOT NULL,
        note TEXT NOT NULL,
        signed_at TEXT NOT NULL,
        PRIMARY KEY (partition, size)
      ) STRICT, WITHOUT ROWID;
      -- The standalone Ledger's one-writer rule: the pid that may append to a partition.
      CREATE TABLE ledger_writers (
        partition TEXT PRIMARY KEY,
        pid INTEGER NOT NULL,
        host TEXT NOT NULL,
        since TEXT NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 2,
    name: "the writer's start time",
    // Tells a reused pid from the writer (see pid-lock.ts): a restarted container's PID 1 is not
    // the PID 1 that was killed. Rows older versions write have none.
    sql: "ALTER TABLE ledger_writers ADD COLUMN started TEXT;",
  },
  {
    version: 3,
    name: "archived segments",
    // The archive manifest (sql-archive.ts): one row per segment of records moved to an archive
    // directory, contiguous from record 0; their ledger_records rows are deleted in the same transaction.
    sql: `
      CREATE TABLE ledger_archived (
        partition TEXT NOT NULL,
        from_seq INTEGER NOT NULL,
        to_seq INTEGER NOT NULL,      -- exclusive
        name TEXT NOT NULL,           -- the gzip file in <archive>/<partition>/
        bytes INTEGER NOT NULL,
        sha256 TEXT NOT NULL,         -- hex, of the gzip file
        last_hash TEXT NOT NULL,      -- hex hash of record to_seq-1: the next record's prev
        frontier TEXT NOT NULL,       -- JSON array of hex: the Merkle frontier after record to_seq-1
        archived_at TEXT NOT NULL,
        archive TEXT NOT NULL,        -- the archive directory, as given
        PRIMARY KEY (partition, from_seq)
      ) STRICT, WITHOUT ROWID;
    `,
  },
];

/**
 * Applies the ledger migrations this database lacks, tracked in ledger_schema_migrations. Runs in a
 * savepoint, so it works inside or outside the caller's transaction.
 */
export function migrateSqliteLedger(db: DatabaseSync): void {
  db.exec("SAVEPOINT ledger_migrate");
  try {
    db.exec(
      "CREATE TABLE IF NOT EXISTS ledger_schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL) STRICT",
    );
    const applied = new Set(
      db
        .prepare("SELECT version FROM ledger_schema_migrations")
        .all()
        .map((row) => Number(row.version)),
    );
    // A newer release's ledger (a rollback): its tables say what this code cannot read (archived ranges).
    refuseNewer({ table: "ledger_schema_migrations", migrations: sqliteLedgerMigrations }, applied);
    const insert = db.prepare("INSERT INTO ledger_schema_migrations (version, name, applied_at) VALUES (?, ?, ?)");
    for (const migration of sqliteLedgerMigrations) {
      if (applied.has(migration.version)) continue;
      db.exec(migration.sql);
      insert.run(migration.version, migration.name, new Date().toISOString());
    }
    db.exec("RELEASE ledger_migrate");
  } catch (error) {
    db.exec("ROLLBACK TO ledger_migrate");
    db.exec("RELEASE ledger_migrate");
    throw error;
  }
}
