// Numbered, append-only SQL migrations: `NNN_name.sql` files in a folder, applied in order, each
// recorded in `agent_migrations` so it runs once.

import { readdirSync, readFileSync } from "node:fs";

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export function loadMigrations(folder: URL): Migration[] {
  return readdirSync(folder)
    .filter((file) => /^\d{3}_[a-z0-9_]+\.sql$/.test(file))
    .sort()
    .map((file) => ({
      version: Number(file.slice(0, 3)),
      name: file.slice(4, -4),
      sql: readFileSync(new URL(file, folder), "utf8"),
    }));
}
