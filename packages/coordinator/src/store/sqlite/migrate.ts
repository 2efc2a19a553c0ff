// Numbered, append-only migrations (migrations/NNN_name.sql), each applied once in its own
// transaction and remembered in coordinator_migrations.
import type { DatabaseSync } from "node:sqlite";
import { migrateSqlite as applyMigrations, loadMigrations, type Migration } from "@pithead/sql";

export function sqliteMigrations(): Migration[] {
  return loadMigrations(new URL("./migrations/", import.meta.url));
}

export function migrateSqlite(db: DatabaseSync): void {
  applyMigrations(db, { table: "coordinator_migrations", migrations: sqliteMigrations() });
}
