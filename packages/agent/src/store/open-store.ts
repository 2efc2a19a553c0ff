// The store DATABASE_URL points to (see database-url.ts).

import type { DatabaseLocation } from "./database-url.ts";
import { openPostgresStore } from "./postgres/postgres-store.ts";
import { openSqliteStore } from "./sqlite/sqlite-store.ts";
import type { AgentStore, StoreLimits } from "./store.ts";

export async function openStore(location: DatabaseLocation, limits: StoreLimits): Promise<AgentStore> {
  return location.kind === "postgres"
    ? openPostgresStore(location.url, limits)
    : openSqliteStore(location.path, limits);
}
