// SQLite connections of the coordinator: the settings every connection shares, and a read-only
// connection (the store's own reads, and the HTTP thread's reads while the writer works elsewhere).
import { DatabaseSync } from "node:sqlite";

export function configureSqlite(db: DatabaseSync): void {
  // WAL: readers never block the writer. synchronous=FULL: a commit is on disk (fsync'd) when it
  // returns. The store's writer alone switches to NORMAL and fsyncs behind its commits instead
  // (wal-sync.ts); either way an acknowledged request survives a power cut, not just a crash.
  db.exec("PRAGMA journal_mode = WAL");
  db.exec("PRAGMA synchronous = FULL");
  db.exec("PRAGMA foreign_keys = ON");
  db.exec("PRAGMA busy_timeout = 5000");
}

/**
 * A connection that can only read. It sees committed state, which may be a few milliseconds ahead
 * of durable state: what the HTTP thread answers from it waits at its read gate (read-gate.ts).
 */
export function openSqliteReader(path: string): DatabaseSync {
  const db = new DatabaseSync(path);
  try {
    configureSqlite(db);
    db.exec("PRAGMA query_only = 1");
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}
