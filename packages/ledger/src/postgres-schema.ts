// The ledger's tables in PostgreSQL, as numbered append-only migrations (same shape as SQLite).
import { checkout, refuseNewer } from "@pithead/sql";
import type pg from "pg";
import type { LedgerMigration } from "./sqlite-schema.ts";

export const postgresLedgerMigrations: readonly LedgerMigration[] = [
  {
    version: 1,
    name: "records, tree nodes, partition heads, checkpoints",
    sql: `
      -- One row per partition; appenders lock it (SELECT … FOR UPDATE) for the length of their
      -- transaction, which is what serialises concurrent writers of a partition.
      CREATE TABLE ledger_heads (
        partition text PRIMARY KEY,
        size bigint NOT NULL,
        head bytea NOT NULL,
        frontier bytea NOT NULL
      );
      CREATE TABLE ledger_records (
        partition text NOT NULL,
        seq bigint NOT NULL,
        hash bytea NOT NULL,
        type text NOT NULL,
        line text NOT NULL,
        PRIMARY KEY (partition, seq)
      );
      CREATE UNIQUE INDEX ledger_records_by_hash ON ledger_records (partition, hash);
      CREATE INDEX ledger_records_by_type ON ledger_records (partition, type, seq);
      CREATE TABLE ledger_nodes (
        partition text NOT NULL,
        level integer NOT NULL,
        idx bigint NOT NULL,
        hash bytea NOT NULL,
        PRIMARY KEY (partition, level, idx)
      );
      CREATE TABLE ledger_checkpoints (
        partition text NOT NULL,
        size bigint NOT NULL,
        root bytea NOT NULL,
        origin text NOT NULL,
        note text NOT NULL,
        signed_at text NOT NULL,
        PRIMARY KEY (partition, size)
      );
    `,
  },
  {
    version: 2,
    name: "archived segments",
    // The archive manifest (sql-archive.ts), as in SQLite's migration 3.
    sql: `
      CREATE TABLE ledger_archived (
        partition text NOT NULL,
        from_seq bigint NOT NULL,
        to_seq bigint NOT NULL,
        name text NOT NULL,
        bytes bigint NOT NULL,
        sha256 text NOT NULL,
        last_hash text NOT NULL,
        frontier text NOT NULL,
        archived_at text NOT NULL,
        archive text NOT NULL,
        PRIMARY KEY (partition, from_seq)
      );
    `,
  },
];

type Queryable = Pick<pg.ClientBase, "query">;

/**
 * Applies the ledger migrations this database lacks (tracked in ledger_schema_migrations), in one
 * transaction under an advisory lock so concurrent starters do not race. Call it outside a transaction.
 */
export async function migratePostgresLedger(db: Queryable | pg.Pool): Promise<void> {
  const pool = "totalCount" in db ? (db as pg.Pool) : undefined;
  const client: Queryable & { release?: () => void } = pool ? await checkout(pool) : db;
  try {
    await client.query("BEGIN");
    try {
      await client.query("SELECT pg_advisory_xact_lock(hashtextextended('pithead.ledger.migrate', 0))");
      const encoding = await client.query<{ server_encoding: string }>("SHOW server_encoding");
      const name = encoding.rows[0]?.server_encoding;
      if (name !== "UTF8" && name !== "SQL_ASCII") {
        throw new Error(
          `the ledger needs a UTF8 database (record lines are hashed byte for byte); this one is ${name}`,
        );
      }
      await client.query(
        "CREATE TABLE IF NOT EXISTS ledger_schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())",
      );
      const applied = new Set(
        (await client.query<{ version: number }>("SELECT version FROM ledger_schema_migrations")).rows.map(
          (r) => r.version,
        ),
      );
      // A newer release's ledger (a rollback): its tables say what this code cannot read (archived ranges).
      refuseNewer({ table: "ledger_schema_migrations", migrations: postgresLedgerMigrations }, applied);
      for (const migration of postgresLedgerMigrations) {
        if (applied.has(migration.version)) continue;
        await client.query(migration.sql);
        await client.query("INSERT INTO ledger_schema_migrations (version, name) VALUES ($1, $2)", [
          migration.version,
          migration.name,
        ]);
      }
      await client.query("COMMIT");
    } catch (error) {
      await client.query("ROLLBACK");
      throw error;
    }
  } finally {
    if (pool) client.release?.();
  }
}
