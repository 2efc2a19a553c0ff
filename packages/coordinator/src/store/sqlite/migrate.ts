// Numbered, append-only migrations (migrations/NNN_name.sql), each applied once in its own
// transaction and remembered in coordinator_migrations.
import { readdirSync, readFileSync } from "node:fs";
import type { DatabaseSync } from "node:sqlite";

const directory = new URL("./migrations/", import.meta.url);

export function sqliteMigrations(): { version: number; name: string; sql: string }[] {
  return readdirSync(directory)
    .filter((file) => /^\d{3}_[a-z0-9_]+\.sql$/.test(file))
    .sort()
    .map((file) => ({
      version: Number(file.slice(0, 3)),
      name: file.slice(4, -4),
      sql: readFileSync(new URL(file, directory), "utf8"),
    }));
}

export function migrateSqlite(db: DatabaseSync): void {
  db.exec(
    "CREATE TABLE IF NOT EXISTS coordinator_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)",
  );
  const applied = new Set(
    (db.prepare("SELECT version FROM coordinator_migrations").all() as { version: number }[]).map((row) => row.version),
  );
  for (const migration of sqliteMigrations()) {
    if (applied.has(migration.version)) continue;
    db.exec("BEGIN IMMEDIATE");
    try {
      db.exec(migration.sql);
      db.prepare("INSERT INTO coordinator_migrations (version, name, applied_at) VALUES (?, ?, ?)").run(
        migration.version,
        migration.name,
        Date.now(),
      );
      db.exec("COMMIT");
    } catch (error) {
      db.exec("ROLLBACK");
      throw new Error(`coordinator migration ${migration.version} (${migration.name}) failed: ${String(error)}`);
    }
  }
}
