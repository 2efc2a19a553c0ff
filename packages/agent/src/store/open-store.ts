// The store DATABASE_URL points to (see database-url.ts).

import type { DatabaseLocation } from "./database-url.ts";
import { openPostgresStore } from "./postgres/postgres-store.ts";
import { openSqliteStore, type SqliteFiles } from "./sqlite/sqlite-store.ts";
import type { AgentStore, StoreLimits } from "./store.ts";

/** `files` matters to SQLite alone: how private its files are made (sqlite/private-database.ts). */
export async function openStore(
  location: DatabaseLocation,
  limits: StoreLimits,
  files: SqliteFiles = {},
): Promise<AgentStore> {
  return location.kind === "postgres"
    ? openPostgresStore(location.url, limits)
    : openSqliteStore(location.path, limits, files);
}
