// Numbered, append-only migrations (migrations/NNN_name.sql), applied once each under an advisory
// lock so coordinator processes starting together on one database do not race.
import { migratePostgres as applyMigrations, loadMigrations, type Migration } from "@pithead/sql";
import type pg from "pg";

export function postgresMigrations(): Migration[] {
  return loadMigrations(new URL("./migrations/", import.meta.url));
}

export async function migratePostgres(client: pg.ClientBase): Promise<void> {
  await applyMigrations(client, { table: "coordinator_migrations", migrations: postgresMigrations() });
}
