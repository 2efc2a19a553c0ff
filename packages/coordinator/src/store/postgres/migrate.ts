// Numbered, append-only migrations (migrations/NNN_name.sql), applied once each under an advisory
// lock so coordinator processes starting together on one database do not race.
import { readdirSync, readFileSync } from "node:fs";
import type pg from "pg";

const directory = new URL("./migrations/", import.meta.url);

export function postgresMigrations(): { version: number; name: string; sql: string }[] {
  return readdirSync(directory)
    .filter((file) => /^\d{3}_[a-z0-9_]+\.sql$/.test(file))
    .sort()
    .map((file) => ({
      version: Number(file.slice(0, 3)),
      name: file.slice(4, -4),
      sql: readFileSync(new URL(file, directory), "utf8"),
    }));
}

export async function migratePostgres(client: pg.ClientBase): Promise<void> {
  await client.query("SELECT pg_advisory_lock(hashtext('pithead.coordinator.migrate'))");
  try {
    await client.query(
      "CREATE TABLE IF NOT EXISTS coordinator_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
    );
    const applied = new Set(
      (await client.query<{ version: number }>("SELECT version FROM coordinator_migrations")).rows.map(
        (row) => row.version,
      ),
    );
    for (const migration of postgresMigrations()) {
      if (applied.has(migration.version)) continue;
      await client.query("BEGIN");
      try {
        await client.query(migration.sql);
        await client.query("INSERT INTO coordinator_migrations (version, name, applied_at) VALUES ($1, $2, $3)", [
          migration.version,
          migration.name,
          Date.now(),
        ]);
        await client.query("COMMIT");
      } catch (error) {
        await client.query("ROLLBACK");
        throw new Error(`coordinator migration ${migration.version} (${migration.name}) failed: ${String(error)}`);
      }
    }
  } finally {
    await client.query("SELECT pg_advisory_unlock(hashtext('pithead.coordinator.migrate'))");
  }
}
