// The store factory: SQLite for a path, PostgreSQL for a postgres:// URL.
import type { CoordinatorConfig } from "../config.ts";
import { openPostgresStore } from "./postgres/store.ts";
import { openSqliteStore } from "./sqlite/store.ts";
import type { CoordinatorStore } from "./types.ts";

export async function openStore(
  config: Pick<CoordinatorConfig, "db">,
  clock: () => number,
  options: {
    ledgerPartition?: string;
    walCheckpointThread?: boolean;
    durability?: Int32Array;
    onDurabilityLost?: (error: Error) => void;
  } = {},
): Promise<CoordinatorStore> {
  if (config.db.kind === "sqlite") return openSqliteStore({ path: config.db.path, clock, ...options });
  return openPostgresStore({
    url: config.db.url,
    clock,
    ...(options.ledgerPartition ? { ledgerPartition: options.ledgerPartition } : {}),
  });
}
