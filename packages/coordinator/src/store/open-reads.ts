// The HTTP thread's reads: a read-only SQLite connection, or a PostgreSQL pool. The engine thread
// writes through its own connection; either way what a read hands out is durable (on SQLite the
// read gate holds it back while the engine's fsync of a commit it saw is still running).
import pg from "pg";
import type { CoordinatorConfig } from "../config.ts";
import { PgSql, reportPoolErrors } from "./postgres/driver.ts";
import { SqlReads } from "./sql/reads.ts";
import { GatedSql, type ReadGate } from "./sqlite/read-gate.ts";
import { openSqliteReader } from "./sqlite/reader.ts";
import { SqliteSql } from "./sqlite/statements.ts";
import type { StoreReads } from "./types.ts";

export interface ReadConnection {
  reads: StoreReads;
  close(): Promise<void>;
}

export function openReads(
  config: Pick<CoordinatorConfig, "db">,
  onError: (error: unknown) => void,
  gate: ReadGate,
): ReadConnection {
  if (config.db.kind === "sqlite") {
    const db = openSqliteReader(config.db.path);
    return { reads: new SqlReads(new GatedSql(new SqliteSql(db), gate)), close: async () => db.close() };
  }
  const pool = new pg.Pool({ connectionString: config.db.url, max: 10 });
  reportPoolErrors(pool, onError);
  return { reads: new SqlReads(new PgSql(pool)), close: () => pool.end() };
}
